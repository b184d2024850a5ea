"""The server's front: Debian's nginx before gunicorn, which listens on a Unix socket only.

gunicorn gives each connection one of its threads while it reads the request,
so clients that send their headers or body slowly can hold every thread. nginx
reads whole requests (headers within ``HEADER_TIMEOUT`` s, bodies of at most
``server.max_body`` bytes, buffered) on its event loop and hands gunicorn only
complete ones, the usual arrangement for a Python server on the open network.

``vmfabric serve`` (with ``server.front: nginx``, the default) is a supervisor:
it starts nginx and the application (gunicorn, forked), restarts either if it
dies, and on SIGTERM stops both. nginx's workers run as ``www-data``; the
socket is in a directory of its own under /run that they may traverse.
"""

import hashlib
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

import jinja2

from service.errors import ConfigError
from service.paths import TEMPLATES

log = logging.getLogger("vmfabric.front")
HEADER_TIMEOUT = 10
BODY_TIMEOUT = 10
APP_TIMEOUT = 900
WORKER_USER = "www-data"
NGINX = "/usr/sbin/nginx"
# a child that dies more often than this in a minute is not restarted again
MAX_RESTARTS = 5


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
        max_body=int(server["max_body"]), header_timeout=HEADER_TIMEOUT,
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


class Supervisor:
    """Runs nginx and the application as children; restarts either that dies; stops both."""

    def __init__(self, config, run_app):
        """RUN_APP(): runs the application in the (forked) child until it stops."""
        self.config = config
        self.run_app = run_app
        self.children = {}
        self.deaths = []
        self.stopping = False

    def run(self):
        conf = prepare(self.config)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._stop)
        self._start("app")
        self._wait_for_socket()
        self._start("nginx", conf)
        try:
            return self._watch(conf)
        finally:
            self._stop_children()

    def _start(self, what, conf=None):
        if what == "nginx":
            child = subprocess.Popen([NGINX, "-c", conf], stdin=subprocess.DEVNULL,
                                     preexec_fn=_die_with_parent)
            self.children[child.pid] = "nginx"
            return
        pid = os.fork()
        if pid == 0:  # the application: gunicorn's arbiter and its workers
            code = 1
            try:
                _die_with_parent()
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                self.run_app()
                code = 0
            except BaseException:  # the child must never return into the supervisor
                log.exception("the application stopped")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = "app"

    def _wait_for_socket(self, timeout=120):
        deadline = time.monotonic() + timeout
        path = socket_path(self.config)
        while not os.path.exists(path):
            if time.monotonic() > deadline or not self.children:
                raise ConfigError(f"the application did not open {path} within {timeout} s")
            time.sleep(0.1)

    def _watch(self, conf):
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return 0
            what = self.children.pop(pid, None)
            if what is None or self.stopping:
                if not self.children and self.stopping:
                    return 0
                continue
            now = time.monotonic()
            self.deaths = [t for t in self.deaths if now - t < 60] + [now]
            log.error("the %s (pid %d) stopped (status %d)", what, pid, status)
            if len(self.deaths) > MAX_RESTARTS:
                log.error("stopping: the front's children died %d times within a minute",
                          len(self.deaths))
                return 1
            time.sleep(1)
            self._start(what, conf)

    def _stop(self, _signum, _frame):
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _stop_children(self):
        self.stopping = True
        deadline = time.monotonic() + 40
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.pop(pid, None)
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.1)
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(run_dir(self.config), ignore_errors=True)


def _die_with_parent():
    """Have the kernel stop this child (SIGTERM) if the supervisor dies, even by SIGKILL."""
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
