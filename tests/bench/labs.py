"""What the lab benchmarks start with: a lab of their own, a context on it, a server over it."""

import contextlib
import os
import shutil
import tempfile

from tests.helpers.servers import ServerProcess, admin_token, free_port, lab_context, write_config
from vmfabric_lab import image as guest_image
from vmfabric_lab.lab import Lab


@contextlib.contextmanager
def lab_with_server(name, hosts, policy):
    """(lab, ctx, server): a lab of HOSTS hosts in the temporary directory (an earlier run's
    cleared first), a context with the guest image and the spec's types, and a server over
    its store calling as an admin; all of it taken down after."""
    lab = Lab(os.path.join(tempfile.gettempdir(), f"vmfabric-bench-{name}"))
    lab.down(purge=True)
    lab.up(hosts=hosts)
    home = tempfile.mkdtemp(prefix=f"bench-{name}-")
    try:
        ctx = lab_context(lab, guest_image.build(), home, policy=policy)
        try:
            server = ServerProcess(write_config(ctx.config, os.path.join(home, "vmfabric.yml")),
                                   free_port(), os.path.join(home, "server.log"),
                                   token=admin_token(ctx)).start()
            try:
                yield lab, ctx, server
            finally:
                server.kill()
        finally:
            ctx.close()
    finally:
        lab.down(purge=True)
        shutil.rmtree(home, ignore_errors=True)
