"""How people and Ansible reach guests: a known_hosts of every guest's address and the host
key vmfabric gave it, and an ssh_config that verifies against it.

The known_hosts is rewritten from the store after every create and destroy,
under a lock, so it always ends as the store is (each writer reads after its
own change). Files: STATE_DIR/ssh/guests_known_hosts and guests_config.
"""

import contextlib
import fcntl
import os

from service import sshconfig
from service.network import guestkeys


class GuestAccess:
    def __init__(self, config, store):
        self.store = store
        self.directory = config.ssh_dir
        self.known_hosts = os.path.join(self.directory, "guests_known_hosts")
        self.private_key = config["ssh"]["private_key"]
        self.ssh_config, _ = sshconfig.write(self.directory, self.private_key, self.known_hosts,
                                             name="guests")

    def refresh(self):
        """Write the guests' known_hosts as the store has them now."""
        with self._locked():
            guestkeys.write_known_hosts(self.known_hosts, self.store.addresses.host_keys())
        return self.known_hosts

    @contextlib.contextmanager
    def _locked(self):
        os.makedirs(self.directory, exist_ok=True)
        with open(self.known_hosts + ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
