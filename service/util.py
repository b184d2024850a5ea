"""Small helpers for running commands with errors that say what failed."""

import os
import subprocess
import tempfile

from service.errors import VmfabricError


class CommandError(VmfabricError):
    """A command exited non-zero; carries its stderr for the message."""

    def __init__(self, argv, returncode, stderr):
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = (stderr or "").strip()
        cmd = " ".join(str(a) for a in self.argv)
        super().__init__(f"{cmd!r} exited {returncode}: {self.stderr[-800:]}")


def run(argv, *, check=True, input=None, timeout=120, env=None):
    """Run argv and return stdout as text; raise CommandError on failure."""
    proc = subprocess.run(
        [str(a) for a in argv],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stderr or proc.stdout)
    return proc.stdout


def tail(path, lines=15):
    """The last lines of a log file, or a note that it does not exist."""
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def write_atomically(path, text, mode=0o644):
    """Replace PATH with TEXT in one step; concurrent writers each use their own temporary file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
