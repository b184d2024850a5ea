"""Connections to each host's libvirtd: cached, kept alive, and every call bounded in time.

A call that does not answer within its timeout is abandoned: the caller gets
an Unreachable error at once and the connection is closed, which also ends
the blocked call. libvirt's keepalive (driven by its event loop, one thread
per process) notices a dead peer on an idle connection; qemu+ssh goes through
vmfabric's ssh wrapper, which verifies host keys and has its own connect and
alive timeouts.
"""

import concurrent.futures
import os
import threading
import urllib.parse

import libvirt

from service.hypervisor.errors import CONNECTION_LOST, Unreachable, failure
from service import diagnose

# libvirt prints every error to stderr unless a handler is installed
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

_event_loop = {"pid": None}
_event_loop_lock = threading.Lock()


def _ensure_event_loop():
    """libvirt's default event loop, run by one daemon thread per process (after a fork too)."""
    with _event_loop_lock:
        if _event_loop["pid"] == os.getpid():
            return
        if _event_loop["pid"] is None:
            libvirt.virEventRegisterDefaultImpl()

        def run():
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="vmfabric-libvirt-events", daemon=True).start()
        _event_loop["pid"] = os.getpid()


def connection_uri(pm, ssh_wrapper):
    """PM's libvirt URI; qemu+ssh goes through vmfabric's verifying ssh wrapper."""
    uri = pm.libvirt_uri
    if uri.startswith("qemu+ssh://") and "command=" not in uri:
        extra = urllib.parse.urlencode({"command": ssh_wrapper, "no_tty": "1"})
        uri += ("&" if "?" in uri else "?") + extra
    return uri


class Connections:
    """One cached libvirt connection per PM, reopened when found dead."""

    def __init__(self, ssh_wrapper, call_timeout=30.0, keepalive=(5, 3)):
        self.ssh_wrapper = ssh_wrapper
        self.call_timeout = call_timeout
        self.keepalive = keepalive
        self._conns = {}
        self._lock = threading.Lock()
        self._calls = concurrent.futures.ThreadPoolExecutor(max_workers=64,
                                                            thread_name_prefix="vmfabric-libvirt")

    def open(self, pm):
        """PM's connection, opened within the call timeout if there is none alive."""
        return self._connect(pm, self.call_timeout)

    def _connect(self, pm, timeout):
        key = (pm.id, pm.libvirt_uri)
        with self._lock:
            conn = self._conns.get(key)
        if conn is not None:
            try:
                if conn.isAlive():
                    return conn
            except libvirt.libvirtError:
                pass
            self.forget(pm)
        if self.keepalive:
            _ensure_event_loop()
        uri = connection_uri(pm, self.ssh_wrapper)
        try:
            conn = self._bounded(pm, "connect to libvirt", lambda: libvirt.open(uri), timeout)
        except libvirt.libvirtError as exc:
            raise Unreachable(f"{pm.label}: cannot connect to libvirt: "
                              f"{diagnose.explain(exc.get_error_message(), pm.id)}") from None
        if self.keepalive and not uri.startswith("test:"):
            try:
                conn.setKeepAlive(*self.keepalive)
            except libvirt.libvirtError:
                pass  # a driver without keepalive still has the per-call timeout
        with self._lock:
            self._conns[key] = conn
        return conn

    def _bounded(self, pm, what, call, timeout):
        future = self._calls.submit(call)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            self.forget(pm)  # closing the connection also ends the call still waiting on it
            raise Unreachable(f"{pm.label}: unreachable: {what} got no answer within "
                              f"{timeout:g} s") from None

    def run(self, pm, what, operation, timeout=None):
        """OPERATION(conn) on PM's connection within TIMEOUT s; one reconnect if the connection died."""
        timeout = timeout or self.call_timeout
        for attempt in (1, 2):
            conn = self._connect(pm, min(timeout, self.call_timeout))
            try:
                return self._bounded(pm, what, lambda: operation(conn), timeout)
            except libvirt.libvirtError as exc:
                if attempt == 1 and exc.get_error_code() in CONNECTION_LOST:
                    self.forget(pm)
                    continue
                raise failure(pm, what, exc) from None

    def forget(self, pm):
        """Close PM's cached connection (the next call opens a new one)."""
        with self._lock:
            gone = [self._conns.pop(key) for key in [k for k in self._conns if k[0] == pm.id]]
        for conn in gone:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    def close(self):
        with self._lock:
            gone, self._conns = list(self._conns.values()), {}
        for conn in gone:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass
        self._calls.shutdown(wait=False, cancel_futures=True)
