"""SSH host keys: recorded when a host is first added, verified on every connection.

Recording is trust-on-first-use through ssh-keyscan, done once per host; the
key then lives in vmfabric's known_hosts and OpenSSH refuses any other key
(StrictHostKeyChecking=yes in the shared ssh_config).
"""

import os
import subprocess

from service.util import run

KEY_TYPES = "ed25519,ecdsa,rsa"


def is_recorded(known_hosts, target):
    if not os.path.exists(known_hosts):
        return False
    proc = subprocess.run(["ssh-keygen", "-F", target, "-f", known_hosts],
                          capture_output=True, text=True)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def record(known_hosts, entry, timeout=5):
    """Scan ENTRY's keys and append them; returns True if keys were recorded now.

    A host that cannot be reached is left unrecorded (its discovery reports
    that), and will be scanned again the next time it is added or discovered.
    """
    if is_recorded(known_hosts, entry.ssh_target):
        return False
    out = run(["ssh-keyscan", "-T", str(timeout), "-t", KEY_TYPES, "-p", str(entry.port),
               entry.address], check=False, timeout=timeout + 10)
    lines = [l for l in out.splitlines() if l and not l.startswith("#")]
    if not lines:
        return False
    os.makedirs(os.path.dirname(os.path.abspath(known_hosts)), exist_ok=True)
    with open(known_hosts, "a") as fh:
        fh.write("\n".join(lines) + "\n")
    return True


def explain_ssh_failure(message, address, known_hosts):
    """Turn OpenSSH's host-key complaints into a sentence that says what to do."""
    changed = "HOST IDENTIFICATION HAS CHANGED" in message
    if not changed and "Host key verification failed" not in message:
        return message
    if changed or is_recorded(known_hosts, address):
        return (f"SSH host key of {address} does not match the key recorded in "
                f"{known_hosts}: the host was reinstalled or someone is in the way; "
                f"if the change is expected, remove the old key with "
                f"`ssh-keygen -R {address} -f {known_hosts}` and rediscover")
    return (f"no SSH host key recorded for {address} in {known_hosts} "
            "(the host was unreachable when it was added); rediscover once it answers")
