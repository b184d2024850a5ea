"""The server's front: Debian's nginx before gunicorn, which listens on a Unix socket only.

gunicorn gives each connection one of its threads while it reads the request,
so clients that send their headers or body slowly can hold every thread. nginx
reads whole requests (headers within ``HEADER_TIMEOUT`` s, bodies of at most
``server.max_body`` bytes, buffered) on its event loop and hands gunicorn only
complete ones, the usual arrangement for a Python server on the open network.

With ``server.front: nginx`` (the default), ``vmfabric serve``'s supervisor
(service/supervisor.py) starts nginx once the application listens. nginx's
workers run as ``www-data``; the socket is in a directory of its own under /run
that they may traverse.
"""

import hashlib
import logging
import os
import pwd
import subprocess

import jinja2

from service.errors import ConfigError
from service.paths import TEMPLATES

log = logging.getLogger("vmfabric.front")
HEADER_TIMEOUT = 10
BODY_TIMEOUT = 10
APP_TIMEOUT = 900
WORKER_USER = "www-data"
NGINX = "/usr/sbin/nginx"
def run_dir(config):
    """The front's own directory (socket, nginx's pid and buffers): short, since a Unix
    socket's path may not exceed 107 bytes, and one per installation."""
    key = hashlib.sha256(os.path.abspath(config["home"]).encode()).hexdigest()[:12]
    base = "/run" if os.access("/run", os.W_OK) else "/tmp"
    return os.path.join(base, "vmfabric", f"front-{key}")


def socket_path(config):
    return os.path.join(run_dir(config), "app.sock")


def listen_address(bind, port):
    return f"[{bind}]:{port}" if ":" in bind else f"{bind}:{port}"


def nginx_config(config):
    """The nginx configuration of CONFIG's front."""
    if not os.path.exists(NGINX):
        raise ConfigError(f"server.front: nginx, but {NGINX} is missing (install Debian's "
                          f"nginx, or set server.front: none)")
    try:
        pwd.getpwnam(WORKER_USER)
    except KeyError:
        raise ConfigError(f"server.front: nginx's workers run as {WORKER_USER}, which this "
                          f"machine has no account for") from None
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    server = config["server"]
    return env.get_template("nginx.conf.j2").render(
        user=WORKER_USER, run_dir=run_dir(config), socket=socket_path(config),
        listen=listen_address(server["bind"], int(server["port"])),
        max_body=int(server["max_body"]), max_image=int(config["images"]["max_size"]),
        header_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT, app_timeout=APP_TIMEOUT)


def prepare(config):
    """The front's directory (traversable, not listable, by nginx's workers) and nginx's
    configuration in it; returns the configuration's path."""
    directory = run_dir(config)
    os.makedirs(directory, exist_ok=True)
    os.chmod(os.path.dirname(directory), 0o711)
    os.chmod(directory, 0o711)
    for stale in ("app.sock", "nginx.pid"):
        try:
            os.unlink(os.path.join(directory, stale))
        except FileNotFoundError:
            pass
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w") as fh:
        fh.write(nginx_config(config))
    check = subprocess.run([NGINX, "-t", "-q", "-c", path], capture_output=True, text=True,
                           timeout=30)
    if check.returncode != 0:
        raise ConfigError(f"server.front: nginx refuses its configuration: "
                          f"{check.stderr.strip()[-500:]}")
    return path
