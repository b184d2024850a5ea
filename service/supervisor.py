"""`vmfabric serve`'s processes, each a child of one supervisor: the sync worker, the
application (gunicorn) and, with the front, nginx. Children start in order, each once the
one before is ready; whichever dies is started again; on SIGTERM all stop together.

A child dying more than MAX_RESTARTS times within a minute stops the whole server: a
restart loop would only hide the cause. Every child has the kernel stop it (SIGTERM) if
the supervisor dies, even by SIGKILL.
"""

import dataclasses
import logging
import os
import select
import signal
import subprocess
import sys
import time
from typing import Callable

from service.errors import ConfigError

log = logging.getLogger("vmfabric.supervisor")
MAX_RESTARTS = 5
STOP_WAIT = 40


@dataclasses.dataclass
class Child:
    """NAME, started by START() (returning its pid); READY(pid) says whether a started child
    may be followed by the next (polled, for at most READY_WITHIN seconds)."""
    name: str
    start: Callable[[], int]
    ready: Callable[[int], bool] = lambda _pid: True
    ready_within: float = 120


def forked(run):
    """A START for RUN(), run in a forked child that never returns into the supervisor."""
    def start():
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                die_with_parent()
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                run()
                code = 0
            except SystemExit as exc:  # gunicorn's arbiter ends with sys.exit
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            except BaseException:  # the child must never return into the supervisor
                log.exception("the child process stopped")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        return pid
    return start


def spawned(argv):
    """A START for the program ARGV."""
    return lambda: subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    preexec_fn=die_with_parent).pid


class ReadySignal:
    """A pipe a forked child writes one byte to when it is ready (see Child.ready)."""

    def __init__(self):
        self._read, self._write = None, None

    def arm(self):
        """Before each start: a fresh pipe."""
        self.close()
        self._read, self._write = os.pipe()

    def send(self):
        """In the child: say it is ready."""
        os.write(self._write, b"1")

    def received(self, _pid):
        readable, _, _ = select.select([self._read], [], [], 0)
        return bool(readable) and os.read(self._read, 1) == b"1"

    def close(self):
        for fd in (self._read, self._write):
            if fd is not None:
                os.close(fd)
        self._read = self._write = None


class Supervisor:
    def __init__(self, children, on_stop=None):
        self.children = children
        self.on_stop = on_stop
        self.running = {}  # pid: Child
        self.deaths = []
        self.stopping = False

    def run(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._stop)
        try:
            for child in self.children:
                self._start_ready(child)
            return self._watch()
        finally:
            self._stop_children()
            if self.on_stop:
                self.on_stop()

    def _start_ready(self, child):
        pid = child.start()
        self.running[pid] = child
        deadline = time.monotonic() + child.ready_within
        while not child.ready(pid):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                self.running.pop(pid, None)
                raise ConfigError(f"the {child.name} stopped before it was ready (see the log)")
            if time.monotonic() > deadline:
                raise ConfigError(f"the {child.name} was not ready within "
                                  f"{child.ready_within:g} s")
            time.sleep(0.1)

    def _watch(self):
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return 0
            child = self.running.pop(pid, None)
            if child is None or self.stopping:
                if not self.running and self.stopping:
                    return 0
                continue
            now = time.monotonic()
            self.deaths = [t for t in self.deaths if now - t < 60] + [now]
            log.error("the %s (pid %d) stopped (status %d)", child.name, pid, status)
            if len(self.deaths) > MAX_RESTARTS:
                log.error("stopping: children died %d times within a minute", len(self.deaths))
                return 1
            time.sleep(1)
            self.running[child.start()] = child

    def _stop(self, _signum, _frame):
        self.stopping = True
        for pid in list(self.running):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _stop_children(self):
        self.stopping = True
        deadline = time.monotonic() + STOP_WAIT
        for pid in list(self.running):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.running.pop(pid, None)
        while self.running and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.running.pop(pid, None)
            else:
                time.sleep(0.1)
        for pid in list(self.running):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def die_with_parent():
    """Have the kernel stop this child (SIGTERM) if the supervisor dies, even by SIGKILL."""
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
