"""Fault points: places in create, destroy, attach, migrate and image imports where a test breaks in.

A point is armed by creating a file named after it in the directory that
$VMFABRIC_FAULTS_DIR names. An empty file kills the first process to reach the
point (SIGKILL), as an OOM kill or a power cut would, leaving its work for the
sync loop of another process. A file saying ``pause`` holds the process there
until the test removes the file (so the test can fail a host in between), at
most PAUSE_LIMIT seconds. Without the variable (every real installation) a
point is one comparison.
"""

import os
import signal
import time

_DIR = os.environ.get("VMFABRIC_FAULTS_DIR")
POINTS = ("create.before_claim", "create.after_claim", "create.after_disk",
          "create.after_define", "create.after_start",
          "destroy.after_mark", "destroy.after_domain", "destroy.after_disks",
          "volume.attach.after_disk", "migrate.before_move", "image.receive")
PAUSE_LIMIT = 120


def point(name):
    """Die (or wait) here if the test armed NAME."""
    if _DIR is None:
        return
    path = os.path.join(_DIR, name)
    try:
        with open(path) as fh:
            action = fh.read().strip()
    except FileNotFoundError:
        return
    if action == "pause":
        deadline = time.monotonic() + PAUSE_LIMIT
        while os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        return  # another process took it
    os.kill(os.getpid(), signal.SIGKILL)
