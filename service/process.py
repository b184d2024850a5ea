"""This server process as the store knows it: an id, a heartbeat, and who else is alive.

Work in flight is recorded with the id of the process doing it. A daemon
thread beats every ``sync.heartbeat`` seconds; a process silent for
``sync.dead_after`` seconds is dead, and the sync loop of any other process
finishes or rolls back what it left (see service/sync).
"""

import logging
import os
import socket
import threading
import uuid

from service.errors import VmfabricError

log = logging.getLogger("vmfabric.process")


class Process:
    def __init__(self, store, heartbeat, dead_after):
        self.store = store
        self.id = uuid.uuid4().hex
        self.heartbeat = heartbeat
        self.dead_after = dead_after
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Register and keep beating until stop()."""
        self.store.processes.register(self.id, socket.gethostname(), os.getpid())
        self._thread = threading.Thread(target=self._beat, name="vmfabric-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _beat(self):
        while not self._stop.wait(self.heartbeat):
            try:
                if not self.store.processes.beat(self.id):
                    # another process removed us as dead (we were stalled): come back
                    self.store.processes.register(self.id, socket.gethostname(), os.getpid())
            except Exception as exc:  # a database hiccup must not end the heartbeat
                log.warning("heartbeat of process %s failed: %s", self.id[:8], exc)

    def live(self):
        """Ids of live processes, this one always among them.

        A process that beat recently but whose pid no longer exists on this
        machine is dead already: a restarted server takes over at once.
        """
        here = socket.gethostname()
        return {pid_id for pid_id, hostname, pid in self.store.processes.live(self.dead_after)
                if hostname != here or exists(pid)} | {self.id}

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.heartbeat + 5)
            try:
                self.store.processes.forget(self.id)
            except VmfabricError:
                pass


def exists(pid):
    """Whether a process PID runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
