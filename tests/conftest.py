"""Shared fixtures: the session's lab of real hypervisor hosts and the guest image."""

import os
import subprocess

import pytest

TEST_HOME = os.environ.get("VMFABRIC_TEST_HOME", "/var/tmp/vmfabric-test")


def _need_root():
    if os.geteuid() != 0:
        pytest.fail("the lab tests need root (namespaces, mounts, libvirtd)")


@pytest.fixture(scope="session")
def run_dir():
    """This run's own directory under the test home, once killed runs' leftovers are cleared
    (tests/runs.py): its labs and PostgreSQL cluster live there."""
    from tests import runs

    _need_root()
    os.makedirs(TEST_HOME, exist_ok=True)
    runs.sweep(TEST_HOME)
    path = runs.this_run(TEST_HOME)
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(run_dir):
    """A 3-host lab of the run's own, brought up once for the session and torn down at its
    end."""
    from vmfabric_lab.lab import Lab

    the_lab = Lab(os.path.join(run_dir, "lab"))
    the_lab.up(hosts=3)
    yield the_lab
    the_lab.down(purge=True)


@pytest.fixture(scope="session")
def postgres(run_dir):
    """A PostgreSQL cluster of the run's own (tests/postgres.py)."""
    from tests.postgres import Postgres

    cluster = Postgres(run_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request):
    """The store's URL for a test that runs on both backends: None (the default SQLite file in
    the test's home) or a new PostgreSQL database; `-k postgres` selects the second."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def guest_image():
    from vmfabric_lab import image

    return image.build(os.path.join(TEST_HOME, "images", image.IMAGE_NAME))


def host_ssh(lab, host, *command, timeout=15):
    """Run COMMAND on a lab host over real SSH with the lab's verified host keys."""
    return subprocess.run(["ssh", "-F", lab.state.ssh_config, f"root@{host.address}", *command],
                          capture_output=True, text=True, timeout=timeout)


def lab_config(lab, home, **overrides):
    """A vmfabric configuration for the session lab, with state under HOME."""
    from service import config as config_mod

    base = {
        "inventory": {"path": os.path.join(home, "inventory", "hosts.yml"),
                      "host_settings": lab.state.settings_file},
        "ssh": {"private_key": lab.state.private_key, "known_hosts": lab.state.known_hosts},
        # the lab's hosts put guests on the lab segment (their vmfabric_guest_network setting)
        "networks": {"lab": lab.state.guest_network()},
    }
    for key, value in overrides.items():
        base.setdefault(key, {}).update(value) if isinstance(value, dict) else base.update({key: value})
    return config_mod.load(overrides=base, home=home)


@pytest.fixture(scope="session")
def lab_fleet(lab, tmp_path_factory):
    """A fleet registered from the lab's pm_file and discovered once."""
    from service.fleet import Fleet
    from service.store import Store

    home = str(tmp_path_factory.mktemp("fleet-home"))
    cfg = lab_config(lab, home)
    fleet = Fleet(cfg, Store(cfg["database"]))
    fleet.register_pm_file(lab.state.pm_file)
    fleet.discover()
    return fleet


SPEC_TYPES = [{"tid": 1, "cpu": 1, "ram_mb": 512, "disk_gb": 1},
              {"tid": 2, "cpu": 2, "ram_mb": 1024, "disk_gb": 2},
              {"tid": 3, "cpu": 4, "ram_mb": 2048, "disk_gb": 3}]


@pytest.fixture(scope="session")
def lab_ctx(lab, guest_image, tmp_path_factory):
    """A full service context on the lab: hosts discovered, guest image and types registered."""
    home = str(tmp_path_factory.mktemp("ctx-home"))
    ctx = lab_context(lab, guest_image, home, policy="first_fit")
    yield ctx
    ctx.close()


def lab_context(lab, guest_image, home, policy, database=None):
    """A service context on LAB with its hosts discovered, GUEST_IMAGE and the spec's types;
    DATABASE: the store's URL (default: SQLite in HOME)."""
    from service import context, images

    extra = {"database": database} if database else {}
    ctx = context.build(lab_config(lab, home, placement={"policy": policy}, **extra)).start()
    ctx.fleet.register_pm_file(lab.state.pm_file)
    ctx.fleet.discover()
    image_file = os.path.join(home, "image_file")
    with open(image_file, "w") as fh:
        fh.write(guest_image + "\n")
    ssh_config, _ = ctx.fleet.ssh_files()
    images.register(ctx.store.catalog, image_file, os.path.join(home, "images"), ssh_config,
                    lambda user, host: None)
    ctx.store.catalog.put_types(SPEC_TYPES)
    return ctx


@pytest.fixture(scope="session")
def pg_lab(run_dir):
    """A 2-host lab of its own (3 CPUs a host) for the PostgreSQL integration tests: their
    store knows nothing of the session lab's guests, so they never share hosts."""
    from vmfabric_lab.lab import Lab

    the_lab = Lab(os.path.join(run_dir, "lab-postgres"))
    the_lab.up(hosts=2, capacity={"cpu": 3, "ram_mb": 8192, "disk_gb": 40})
    yield the_lab
    the_lab.down(purge=True)


@pytest.fixture(scope="session")
def pg_lab_ctx(pg_lab, guest_image, postgres, tmp_path_factory):
    """A service context on pg_lab whose store is a PostgreSQL database."""
    home = str(tmp_path_factory.mktemp("pg-ctx-home"))
    ctx = lab_context(pg_lab, guest_image, home, policy="first_fit",
                      database=postgres.new_database())
    yield ctx
    ctx.close()


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_token(ctx, username="admin"):
    """An API token of an admin account of CTX's store (made, without a password, if missing)."""
    from service.errors import NotFound

    try:
        user = ctx.store.users.by_name(username)
    except NotFound:
        user = ctx.accounts.create(username, None, "admin", with_password=False)
    token, _ = ctx.tokens.issue(user.id, "tests", 86400)
    return token


class ServerProcess:
    """`vmfabric serve` as a real process (gunicorn), in its own process group."""

    def __init__(self, config_path, port, log_path, workers=2, env=None, token=None):
        """WORKERS: gunicorn worker processes (None: the server's own default); ENV: added
        to the server's environment; TOKEN: the API token api() calls with."""
        self.config_path, self.port, self.log_path = config_path, port, log_path
        self.workers = workers
        self.env = dict(os.environ, **(env or {}))
        self.token = token
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, timeout=60):
        import sys
        import time
        import urllib.request

        vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
        log = open(self.log_path, "a")
        command = [vmfabric, "serve", "--config", self.config_path,
                   "--port", str(self.port), "--bind", "127.0.0.1"]
        if self.workers:
            command += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True,
                                     env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v1/health", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"server did not start; log:\n{open(self.log_path).read()[-3000:]}")

    def api(self, method, path, timeout=300, **kwargs):
        """METHOD /api/v1PATH with the server's token."""
        import requests

        headers = dict(kwargs.pop("headers", {}), Authorization=f"Bearer {self.token}")
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers,
                                timeout=timeout, **kwargs)

    def kill(self, sig=None):
        import signal

        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig or signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=60)


def lab_server(lab_ctx, name, env=None, **sections):
    """A started server over LAB_CTX's store, calling with an admin's token. SECTIONS:
    settings of the configuration's sections to change ({"compute": {...}})."""
    home = lab_ctx.config["home"]
    config = dict(lab_ctx.config)
    for section, values in sections.items():
        config[section] = dict(config[section], **values)
    path = write_config(config, os.path.join(home, f"{name}.yml"))
    return ServerProcess(path, free_port(), os.path.join(home, f"{name}.log"), env=env,
                         token=admin_token(lab_ctx)).start()


def armed_server(lab_ctx, tmp_path_factory, name, **sections):
    """lab_server with a quick sync, whose processes stop at the fault points a test arms in
    its directory (server.armed; service/faults.py)."""
    armed = str(tmp_path_factory.mktemp(f"{name}-faults"))
    quick = dict(sections.pop("sync", {}), interval=2, host_timeout=3, heartbeat=1,
                 dead_after=5)
    srv = lab_server(lab_ctx, name, env={"VMFABRIC_FAULTS_DIR": armed}, sync=quick, **sections)
    srv.armed = armed
    return srv


def write_config(cfg, path):
    import yaml

    with open(path, "w") as fh:
        yaml.safe_dump(dict(cfg), fh)
    return path


def vmf_objects(lab):
    """{host address: set of vmf-* domains and volumes} as the lab's hosts themselves see them."""
    from vmfabric_lab import daemons

    found = {}
    for host in lab.state.hosts:
        virsh = ["virsh", "-q", "-c", "qemu:///system"]
        anchor = host.pids["anchor"]
        domains = daemons.in_host(anchor, virsh + ["list", "--all", "--name"]).split()
        daemons.in_host(anchor, virsh + ["pool-refresh", "vmfabric"], check=False)
        volumes = [line.split()[0] for line in daemons.in_host(
            anchor, virsh + ["vol-list", "vmfabric"], check=False).splitlines() if line.strip()]
        found[host.address] = {n for n in domains + volumes if n.startswith("vmf-")}
    return found


def fleet_is_whole(store, lab):
    """Problems with the fleet: objects on hosts no VM or volume owns there, VMs and volumes
    stuck in transition, claims that differ from the VMs and volumes holding them. [] when
    all is well."""
    from service import naming

    problems = []
    vms = store.vms.list()
    volumes = store.volumes.list()
    problems += [f"vm {vm.id} is {vm.state}" for vm in vms if vm.in_transition]
    problems += [f"volume {v.id} is {v.state}" for v in volumes if v.in_transition]
    live = {vm.id: vm for vm in vms if vm.state != "failed"}
    volume_hosts = {v.id: {v.pmid, v.pending_pmid} - {None} for v in volumes}
    pms = {pm.address: pm for pm in store.pms.list()}
    for address, names in vmf_objects(lab).items():
        pmid = pms[address].id
        for name in names:
            volume_id = naming.volume_of(name)
            if volume_id is not None:
                if pmid not in volume_hosts.get(volume_id, ()):
                    problems.append(f"{name} on {address} belongs to no volume there")
                continue
            vmid = naming.owner_of(name)
            if vmid not in live or live[vmid].pmid != pmid:
                problems.append(f"{name} on {address} belongs to no VM there")
    for pm in pms.values():
        held = [vm for vm in live.values() if vm.pmid == pm.id]
        volume_gb = sum(v.size_gb for v in volumes if pm.id in volume_hosts[v.id])
        if (pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb, pm.vm_count) != (
                sum(v.cpu for v in held), sum(v.ram_mb for v in held),
                sum(v.disk_gb for v in held) + volume_gb, len(held)):
            problems.append(f"{pm.label}: claimed {pm.used} for {len(held)} VMs and "
                            f"{volume_gb} GB of volumes")
    return problems
