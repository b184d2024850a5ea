"""Servers and contexts on a lab for the tests: the configuration, a started `vmfabric serve`,
an admin's token, a free port."""

import os
import subprocess

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


SPEC_TYPES = [{"tid": 1, "cpu": 1, "ram_mb": 512, "disk_gb": 1},
              {"tid": 2, "cpu": 2, "ram_mb": 1024, "disk_gb": 2},
              {"tid": 3, "cpu": 4, "ram_mb": 2048, "disk_gb": 3}]


def lab_context(lab, guest_image, home, policy, database=None, **overrides):
    """A service context on LAB with its hosts discovered, GUEST_IMAGE and the spec's types;
    DATABASE: the store's URL (default: SQLite in HOME); OVERRIDES: more configuration."""
    from service import context, images

    extra = {"database": database} if database else {}
    ctx = context.build(lab_config(lab, home, placement={"policy": policy}, **extra,
                                   **overrides)).start()
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


def run_cli(server, *args, token=None, timeout=600):
    """`vmfabric --url SERVER ARGS...` as a user would run it, with SERVER's token (or TOKEN)."""
    import sys

    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    return subprocess.run([vmfabric, "--url", server.url, *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, VMFABRIC_TOKEN=token or server.token))
