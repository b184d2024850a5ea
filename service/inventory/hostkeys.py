"""SSH host keys: recorded when a host is first added, verified on every connection.

Recording is trust-on-first-use through ssh-keyscan, done once per host; the
key then lives in vmfabric's known_hosts and OpenSSH refuses any other key
(StrictHostKeyChecking=yes in the shared ssh_config). A key that changed is
replaced only by `rekey`, after an operator compared the fingerprint it
shows with the host's own. Writers of the file hold a lock beside it.
"""

import contextlib
import fcntl
import os
import subprocess
import tempfile

from service.util import run, write_atomically

KEY_TYPES = "ed25519,ecdsa,rsa"


def is_recorded(known_hosts, target):
    if not os.path.exists(known_hosts):
        return False
    proc = subprocess.run(["ssh-keygen", "-F", target, "-f", known_hosts],
                          capture_output=True, text=True, timeout=30)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def recorded(known_hosts, target):
    """The key lines KNOWN_HOSTS holds for TARGET."""
    if not os.path.exists(known_hosts):
        return []
    out = run(["ssh-keygen", "-F", target, "-f", known_hosts], check=False, timeout=30)
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def scan(entry, timeout=5):
    """The host key lines ENTRY's sshd offers now ([] if it does not answer)."""
    out = run(["ssh-keyscan", "-T", str(timeout), "-t", KEY_TYPES, "-p", str(entry.port),
               entry.address], check=False, timeout=timeout + 10)
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def fingerprints(lines):
    """SHA256 fingerprints (``SHA256:...``) of known_hosts LINES, in order."""
    if not lines:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".keys") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        out = run(["ssh-keygen", "-l", "-E", "sha256", "-f", fh.name], timeout=30)
    return [line.split()[1] for line in out.splitlines() if line.strip()]


def record(known_hosts, entry, timeout=5):
    """Scan ENTRY's keys and append them; returns True if keys were recorded now.

    A host that cannot be reached is left unrecorded (its discovery reports
    that), and will be scanned again the next time it is added or discovered.
    """
    with _locked(known_hosts):
        if is_recorded(known_hosts, entry.ssh_target):
            return False
        lines = scan(entry, timeout)
        if not lines:
            return False
        with open(known_hosts, "a") as fh:
            fh.write("\n".join(lines) + "\n")
        return True


def replace(known_hosts, entry, lines):
    """Make LINES the only keys recorded for ENTRY (a rekey the operator accepted)."""
    with _locked(known_hosts):
        if os.path.exists(known_hosts):
            run(["ssh-keygen", "-R", entry.ssh_target, "-f", known_hosts], check=False, timeout=30)
            for leftover in (known_hosts + ".old",):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
        existing = ""
        if os.path.exists(known_hosts):
            with open(known_hosts) as fh:
                existing = fh.read()
        write_atomically(known_hosts, existing + "\n".join(lines) + "\n")


@contextlib.contextmanager
def _locked(known_hosts):
    os.makedirs(os.path.dirname(os.path.abspath(known_hosts)), exist_ok=True)
    with open(known_hosts + ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
