"""The Python half of install.sh: validate inputs, set up state, start the server.

    python -m service.install pm_file image_file types_file
    python -m service.install            # demo: a 3-host lab, its guest image, 3 types
    python -m service.install --stop

Every input file is checked before anything is started; a bad line stops the
install with the file and line, and no server is left half-started.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import yaml

from service import config as config_mod
from service import context as context_mod
from service import defaults, images, installation, typesfile
from service.installation import say
from service.errors import VmfabricError
from service.inventory import checkout, hostkeys, pmfile
from service.paths import REPO_ROOT
from service.util import run, write_atomically

SPEC_TYPES = '{"types": [{"tid": 1, "cpu": 1, "ram": 512, "disk": 1},\n' \
             '           {"tid": 2, "cpu": 2, "ram": 1024, "disk": 2},\n' \
             '           {"tid": 3, "cpu": 4, "ram": 2048, "disk": 3}]}\n'
UNIT = """[Unit]
Description=vmfabric REST server
After=network-online.target

[Service]
Environment=VMFABRIC_HOME={home}
ExecStart={vmfabric} serve --config {config}
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""


ADMIN = "admin"
INSTALL_TOKEN = "install.sh"


class Paths:
    def __init__(self, home):
        self.home = home
        self.config = os.path.join(home, "vmfabric.yml")
        self.pid = os.path.join(home, "vmfabric.pid")
        self.log = os.path.join(home, "vmfabric.log")
        self.demo = os.path.join(home, "demo")
        self.lab = os.path.join(home, "lab")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="install.sh")
    parser.add_argument("files", nargs="*", metavar="pm_file image_file types_file")
    parser.add_argument("--stop", action="store_true")
    args = parser.parse_args(argv)
    try:
        home, port = defaults.home(), defaults.port()
        paths = Paths(home)
        if args.stop:
            stop(paths)
            return 0
        if len(args.files) not in (0, 3):
            parser.error("give pm_file image_file types_file, or nothing for the demo")
        install(paths, port, args.files)
    except VmfabricError as exc:
        say(f"error: {exc}")
        return 1
    return 0


def install(paths, port, files):
    installation.private_home(paths.home)
    if files:
        pm_path, image_path, types_path = (os.path.abspath(f) for f in files)
        settings, ssh, networks = None, installation.ssh_key(paths.config, paths.home), None
    else:
        pm_path, image_path, types_path, settings, ssh, networks = _demo(paths)
    # validate every input before touching the running server
    pmfile.parse_file(pm_path)
    types = typesfile.parse(types_path)
    config, data = _config(paths, port, settings, ssh, networks)
    ctx = context_mod.build(config)
    ssh_config, _ = ctx.fleet.ssh_files()
    image_rows = images.inspect_all(
        image_path, os.path.join(paths.home, "images"), ssh_config,
        lambda user, host: hostkeys.record(config["ssh"]["known_hosts"],
                                           pmfile.PmEntry(address=host, user=user)))
    stop(paths, quiet=True)
    _save_config(paths, data)
    say("registering hosts and discovering them")
    ctx.fleet.register_pm_file(pm_path)
    pms = ctx.fleet.discover()
    images.store(ctx.store.catalog, image_rows)
    for kept in ctx.store.catalog.put_types(types):
        say(kept)
    token_path = _admin_token(ctx, paths)
    ctx.close()
    linked = checkout.link(config)
    url = start(paths, port)
    print(f"vmfabric is running at {url}  (log: {paths.log})")
    print(f"its Ansible inventory: {config['inventory']['path']}"
          + (f" (also {checkout.HOSTS})" if linked else
             f" ({checkout.HOSTS} stays another installation's)"))
    print(f"the admin's API token is in {token_path} (mode 0600); for the vmfabric command:\n"
          f"  export VMFABRIC_TOKEN=$(cat {token_path})")
    print(f"{'PMID':5} {'ADDRESS':40} {'STATE':6} {'CPU':>5} {'RAM MB':>8} {'DISK GB':>8}")
    for pm in pms:
        print(f"{pm.id:<5} {pm.address + ':' + str(pm.port):40} {pm.state:6} "
              f"{pm.cpu:>5} {pm.ram_mb:>8} {pm.disk_gb:>8}"
              + (f"  {pm.reason[:120]}" if pm.state != "up" else ""))


def _admin_token(ctx, paths):
    """The first admin (no password: there is no default one anywhere) and a fresh token of
    theirs in HOME/admin.token, mode 0600; a token an earlier install wrote is revoked."""
    from service.errors import NotFound

    try:
        admin = ctx.store.users.by_name(ADMIN)
    except NotFound:
        admin = ctx.accounts.create(ADMIN, None, "admin", with_password=False)
    for old in ctx.store.users.tokens_of(admin.id):
        if old["name"] == INSTALL_TOKEN and old["revoked_at"] is None:
            ctx.store.users.revoke(old["id"])
    token, _ = ctx.accounts.issue_token(admin, INSTALL_TOKEN)
    path = os.path.join(paths.home, "admin.token")
    write_atomically(path, token + "\n", mode=0o600)
    return path


def _demo(paths):
    """A 3-host lab, the lab's guest image and the specification's three types."""
    from vmfabric_lab import image
    from vmfabric_lab.lab import Lab
    from vmfabric_lab.state import GUEST_NETWORK

    say("demo: bringing up a 3-host lab")
    state = Lab(paths.lab, tag=os.environ.get("VMFABRIC_LAB_NAME"), report=say).up(hosts=3)
    say("demo: building the guest image")
    guest = image.build(os.path.join(paths.home, "images", image.IMAGE_NAME), report=say)
    os.makedirs(paths.demo, exist_ok=True)
    image_file = os.path.join(paths.demo, "image_file")
    types_file = os.path.join(paths.demo, "types_file")
    with open(image_file, "w") as fh:
        fh.write(guest + "\n")
    with open(types_file, "w") as fh:
        fh.write(SPEC_TYPES)
    with open(os.path.join(paths.demo, "lab"), "w") as fh:
        fh.write(state.dir + "\n")
    ssh = {"private_key": state.private_key, "known_hosts": state.known_hosts}
    # the lab's hosts put guests on the lab segment, addressed from the top of its range
    networks = {GUEST_NETWORK: state.guest_network()}
    return state.pm_file, image_file, types_file, state.settings_file, ssh, networks


def _config(paths, port, settings, ssh, networks):
    """The configuration this install runs with: the existing file (settings an
    operator changed, the hosts' settings, the SSH key are kept) updated with PORT,
    SETTINGS, SSH and NETWORKS; validated."""
    data = {}
    if os.path.exists(paths.config):
        with open(paths.config) as fh:
            data = yaml.safe_load(fh) or {}
    data["home"] = paths.home
    data.setdefault("server", {})["port"] = port
    if settings is not None or not (data.get("inventory") or {}).get("host_settings"):
        # the hosts' settings (their guest network ...) are kept unless new ones are given
        data.setdefault("inventory", {})["host_settings"] = settings
    data.setdefault("ssh", {}).update(ssh)
    if networks:
        data.setdefault("networks", {}).update(networks)
    return config_mod.load(overrides=data, home=paths.home), data


def _save_config(paths, data):
    write_atomically(paths.config, "# vmfabric configuration (see README: Configuration)\n"
                     + yaml.safe_dump(data, sort_keys=False), mode=0o600)


def _vmfabric():
    return os.path.join(os.path.dirname(sys.executable), "vmfabric")


def start(paths, port):
    url = f"http://localhost:{port}"
    if os.path.isdir("/run/systemd/system"):
        with open("/etc/systemd/system/vmfabric.service", "w") as fh:
            fh.write(UNIT.format(home=paths.home, vmfabric=_vmfabric(), config=paths.config))
        run(["systemctl", "daemon-reload"])
        # restart, not start: a second install must pick up the new configuration
        run(["systemctl", "enable", "vmfabric.service"])
        run(["systemctl", "restart", "vmfabric.service"])
    else:
        log = os.fdopen(os.open(paths.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")
        proc = subprocess.Popen([_vmfabric(), "serve", "--config", paths.config],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=REPO_ROOT,
                                start_new_session=True, env=dict(os.environ, VMFABRIC_HOME=paths.home))
        with open(paths.pid, "w") as fh:
            fh.write(f"{proc.pid}\n")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
                json.load(response)
                return url
        except OSError:
            time.sleep(0.3)
    stop(paths, quiet=True)
    raise VmfabricError(f"the server did not answer at {url} within 90 s; see {paths.log}")


def stop(paths, quiet=False):
    """Stop the server (and the demo lab when asked from --stop)."""
    if os.path.isdir("/run/systemd/system") and os.path.exists("/etc/systemd/system/vmfabric.service"):
        subprocess.run(["systemctl", "stop", "vmfabric.service"], check=False)
    pid = _read_pid(paths.pid)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.unlink(paths.pid)
        if not quiet:
            say("server stopped")
    if not quiet:
        demo_lab = os.path.join(paths.demo, "lab")
        if os.path.exists(demo_lab):
            from vmfabric_lab.lab import Lab

            with open(demo_lab) as fh:
                Lab(fh.read().strip()).down()
            os.unlink(demo_lab)
            say("demo lab stopped")


def _read_pid(path):
    try:
        with open(path) as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    sys.exit(main())
