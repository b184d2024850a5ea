"""Fault points: places in create and destroy where a crash test kills the process there.

A point is armed by creating a file named after it in the directory that
$VMFABRIC_FAULTS_DIR names; the first process to reach an armed point removes
the file and dies at once (SIGKILL), as an OOM kill or a power cut would take
it, leaving its work for the sync loop of another process. Without the
variable (every real installation) a point is one comparison.
"""

import os
import signal

_DIR = os.environ.get("VMFABRIC_FAULTS_DIR")
POINTS = ("create.before_claim", "create.after_claim", "create.after_disk",
          "create.after_define", "create.after_start",
          "destroy.after_mark", "destroy.after_domain", "destroy.after_disks")


def point(name):
    """Die here if the test armed NAME."""
    if _DIR is None:
        return
    try:
        os.unlink(os.path.join(_DIR, name))
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)
