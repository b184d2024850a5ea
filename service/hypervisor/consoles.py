"""A guest's serial console as a two-way byte stream (what `virsh console` opens).

libvirt's event loop (one thread per process, connections.py) reads the guest's output as it
comes into a small queue; whoever holds the console takes it from there with ``read`` and
types with ``write``. When the queue is full the stream stops being read until the reader
catches up, so a slow browser slows the console, never the event loop every connection
shares. A second console opened on the same guest takes it over (the first one ends), as
`virsh console --force` does.
"""

import queue
import threading
import time

import libvirt

from service.errors import Conflict
from service.hypervisor.domains import lookup

READABLE = libvirt.VIR_STREAM_EVENT_READABLE
ENDED = libvirt.VIR_STREAM_EVENT_ERROR | libvirt.VIR_STREAM_EVENT_HANGUP
QUEUED_CHUNKS = 64
WRITE_TIMEOUT = 10.0


class Consoles:
    def __init__(self, connections):
        self.connections = connections

    def open(self, pm, name):
        """An OpenConsole on domain NAME of PM (Conflict when it is not running there)."""
        def op(conn):
            domain = lookup(conn, name)
            if domain is None or not domain.isActive():
                raise Conflict(f"{pm.label}: {name} is not running, so it has no console")
            stream = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
            try:
                domain.openConsole(None, stream, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
                return OpenConsole(stream)
            except libvirt.libvirtError:
                _quietly(stream.abort)
                raise
        return self.connections.run(pm, f"open the console of {name}", op)


class OpenConsole:
    """One open console: ``read`` what the guest wrote, ``write`` what is typed, ``close``."""

    def __init__(self, stream):
        self._stream = stream
        self._chunks = queue.Queue(QUEUED_CHUNKS)
        self._lock = threading.Lock()
        self._paused = False
        self.ended = False
        stream.eventAddCallback(READABLE | ENDED, self._on_event, None)

    def _on_event(self, stream, events, _opaque):
        """libvirt's event loop: take what is there (never waiting on anyone)."""
        if events & READABLE:
            while not self._chunks.full():
                try:
                    data = stream.recv(65536)
                except libvirt.libvirtError:
                    data = b""
                if data == -2:
                    break  # nothing more for now
                if not data:
                    self._end()
                    return
                self._chunks.put_nowait(data)
            else:
                self._pause(True)
        if events & ENDED:
            self._end()

    def _pause(self, paused):
        with self._lock:
            if self.ended or paused == self._paused:
                return
            self._paused = paused
            _quietly(self._stream.eventUpdateCallback, ENDED if paused else READABLE | ENDED)

    def _end(self):
        with self._lock:
            if self.ended:
                return
            self.ended = True
            _quietly(self._stream.eventRemoveCallback)
        try:
            self._chunks.put_nowait(None)
        except queue.Full:
            pass  # the reader sees `ended` once it has taken what is queued

    def read(self, timeout):
        """What the guest wrote since the last read (b"" when nothing came within TIMEOUT s),
        or None once the console has ended."""
        try:
            chunk = self._chunks.get(timeout=timeout)
        except queue.Empty:
            return None if self.ended else b""
        if self._paused and self._chunks.qsize() < QUEUED_CHUNKS // 2:
            self._pause(False)
        return chunk

    def write(self, data):
        """Send DATA to the guest's console (Conflict when it has ended or does not take it
        within WRITE_TIMEOUT s)."""
        deadline = time.monotonic() + WRITE_TIMEOUT
        while data:
            if self.ended:
                raise Conflict("the console has ended")
            try:
                sent = self._stream.send(data)
            except libvirt.libvirtError as exc:
                self._end()
                raise Conflict(f"the console has ended: {exc.get_error_message()}") from None
            if sent == -2:
                if time.monotonic() > deadline:
                    raise Conflict(f"the guest took no input for {WRITE_TIMEOUT:g} s")
                time.sleep(0.01)
                continue
            data = data[sent:]

    def close(self):
        self._end()
        _quietly(self._stream.abort)


def _quietly(call, *args):
    try:
        call(*args)
    except libvirt.libvirtError:
        pass

