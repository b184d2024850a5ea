"""Bytes of an image arriving (an upload's body, an import's response) written to disk as
they come, hashed on the way, never held in memory; the file takes its name only once it
is whole and its checksum is the one the client gave."""

import hashlib
import os
import queue
import threading

from service import clock, faults
from service.errors import ValidationError, VmfabricError

CHUNK = 1 << 20
REPORT_EVERY = 1.0  # seconds between progress reports


class TransferFailed(VmfabricError):
    """The bytes stopped coming, or were more than allowed."""


def receive(read, path, limit, length=None, sha256=None, report=None, deadline=None):
    """Write READ(n)'s bytes to PATH (through PATH.part) and return (size, sha256).

    LENGTH: the bytes announced (short of them is a failure); LIMIT: the most allowed;
    SHA256: what the digest must be (a ValidationError naming it otherwise); REPORT(done,
    total) about once a second; DEADLINE: a clock.monotonic() time to finish by. The digest
    is taken in a thread of its own while the next bytes arrive and are written (hashlib
    lets go of the GIL), so hashing costs no time of its own.
    """
    part = path + ".part"
    digest = Digest()
    done, last = 0, clock.monotonic()
    try:
        with open(part, "wb") as out:
            while length is None or done < length:
                block = read(CHUNK if length is None else min(CHUNK, length - done))
                if not block:
                    break
                done += len(block)
                if done > limit:
                    raise TransferFailed(f"the image is over {limit} bytes (images.max_size)")
                digest.update(block)
                out.write(block)
                faults.point("image.receive")
                now = clock.monotonic()
                if deadline is not None and now > deadline:
                    raise TransferFailed("the image did not arrive within images.import_timeout")
                if report and now - last >= REPORT_EVERY:
                    report(done, length)
                    last = now
            out.flush()
            os.fsync(out.fileno())
        if length is not None and done < length:
            raise TransferFailed(f"the transfer stopped after {done} of {length} bytes")
        found = digest.hexdigest()
        if sha256 and found != sha256:
            raise ValidationError(f"sha256: the image's is {found}, not {sha256} as given",
                                  field="sha256")
        os.replace(part, path)
    except BaseException:
        digest.close()
        remove(part)
        raise
    if report:
        report(done, length)
    return done, found


class Digest:
    """SHA-256 taken by a thread of its own from a bounded queue of blocks."""

    def __init__(self, depth=16):
        self._hash = hashlib.sha256()
        self._blocks = queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, name="vmfabric-sha256", daemon=True)
        self._thread.start()

    def update(self, block):
        self._blocks.put(block)

    def hexdigest(self):
        self.close()
        return self._hash.hexdigest()

    def close(self):
        if self._thread.is_alive():
            self._blocks.put(None)
            self._thread.join()

    def _run(self):
        while (block := self._blocks.get()) is not None:
            self._hash.update(block)


def remove(*paths):
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
