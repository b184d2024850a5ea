"""Load on a lab guest, on command, for tests and demos of telemetry: CPU (a busy loop per
vCPU), memory (MiB held in the guest's RAM), disk (its disk read over and over) and network
(bytes streamed to a sibling guest). Each load runs detached in the guest under a pidfile
and stops by itself after its seconds, or at once with stop().

Everything goes over ssh with the guest's recorded host key (the ssh config vmfabric
writes for its guests: guest_access.ssh_config).
"""

import shlex
import subprocess

from service.errors import LabError

KINDS = ("cpu", "memory", "disk", "network")
PIDFILE = "/run/vmfabric-load.pids"
PORT = 5201  # where a guest listens for a sibling's network load


def _script(kind, seconds, megabytes, peer):
    if kind == "cpu":
        work = "while :; do :; done"
        copies = "$(grep -c ^processor /proc/cpuinfo)"
    elif kind == "memory":
        work = (f"mkdir -p /run/load && dd if=/dev/zero of=/run/load/mem bs=1M "
                f"count={megabytes} 2>/dev/null; sleep {seconds}; rm -f /run/load/mem")
        copies = "1"
    elif kind == "disk":
        work = ("while :; do echo 3 > /proc/sys/vm/drop_caches; "
                "dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null; done")
        copies = "1"
    else:
        if not peer:
            raise LabError("network load: the address of a sibling guest is needed (--peer)")
        work = f"while :; do nc {shlex.quote(peer)} {PORT} < /dev/zero; sleep 1; done"
        copies = "1"
    # each copy in its own session, its pid kept; a timer stops them all after SECONDS
    return (f"n={copies}; i=0; while [ $i -lt $n ]; do setsid sh -c {shlex.quote(work)} "
            f"</dev/null >/dev/null 2>&1 & echo $! >> {PIDFILE}; i=$((i+1)); done; "
            f"setsid sh -c 'sleep {int(seconds)}; kill $(cat {PIDFILE}) 2>/dev/null; "
            f"rm -f {PIDFILE}' </dev/null >/dev/null 2>&1 &")


def _ssh(ssh_config, address, script, timeout=60):
    try:
        done = subprocess.run(["ssh", "-F", ssh_config, f"root@{address}", script],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError(f"guest {address}: no answer over ssh within {timeout} s") from None
    if done.returncode != 0:
        raise LabError(f"guest {address}: {done.stderr.strip()[-300:] or done.returncode}")
    return done.stdout


def start(ssh_config, address, kind, seconds=60, megabytes=64, peer=None):
    """Start load KIND in the guest at ADDRESS for SECONDS."""
    if kind not in KINDS:
        raise LabError(f"load {kind!r}: choose one of {', '.join(KINDS)}")
    if not 1 <= seconds <= 86400:
        raise LabError(f"--seconds {seconds!r}: from 1 to 86400")
    _ssh(ssh_config, address, _script(kind, seconds, int(megabytes), peer))


def listen(ssh_config, address):
    """Make the guest at ADDRESS take (and drop) what a sibling's network load sends it."""
    _ssh(ssh_config, address, f"setsid sh -c 'while :; do nc -l -p {PORT} > /dev/null; done' "
                              f"</dev/null >/dev/null 2>&1 & echo $! >> {PIDFILE}")


def stop(ssh_config, address):
    """Stop every load of the guest at ADDRESS (nothing when none runs)."""
    _ssh(ssh_config, address, f"[ -f {PIDFILE} ] && kill $(cat {PIDFILE}) 2>/dev/null; "
                              f"rm -f {PIDFILE} /run/load/mem; true")
