"""Processes of one lab host: the namespace anchor and its three daemons (the storage host:
sshd and tgtd).

The anchor is a `sleep` that holds the host's private mount namespace open;
daemons are started inside it with `nsenter`, so they can be restarted (heal)
without touching the other hosts.
"""

import os
import subprocess
import time

from service.errors import LabError
from vmfabric_lab import hostfs
from vmfabric_lab.netns import kill_pids, pid_alive  # noqa: F401  (pid_alive: for callers)
from service.util import CommandError, run, tail

DAEMONS = ("virtlogd", "libvirtd", "sshd")
STORAGE_DAEMONS = ("sshd", "tgtd")


def start_anchor(netns, host_dir):
    """Start the anchor in the host's network namespace; returns its pid.

    The anchor also owns a UTS namespace, so each host has its own hostname.
    """
    script = (f"set -e\nhostname {netns}\n" + hostfs.mount_script(host_dir)
              + "\nexec sleep infinity\n")
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, "unshare", "--mount", "--uts", "--propagation",
         "private", "sh", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(host_dir, "log", "anchor.log"), "w"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"namespace {netns}: mount setup failed:\n"
                           + tail(os.path.join(host_dir, "log", "anchor.log")))
        if _mounted(proc.pid):
            return proc.pid
        time.sleep(0.02)
    raise LabError(f"namespace {netns}: mount setup timed out")


def _mounted(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().startswith(b"sleep")
    except OSError:
        return False


def in_host(anchor, argv, check=True, timeout=60):
    """Run argv inside the host (its network and mount namespaces)."""
    return run(["nsenter", "--target", str(anchor), "--mount", "--uts", "--net", "--", *argv],
               check=check, timeout=timeout)


def _pidfile(host_dir, daemon):
    return os.path.join(host_dir, "run", f"{daemon}.pid")


def _log(host_dir, daemon):
    if daemon in ("sshd", "tgtd"):
        return os.path.join(host_dir, "log", f"{daemon}.log")
    return os.path.join(host_dir, "log-libvirt", f"{daemon}.log")


def read_pid(host_dir, daemon):
    try:
        with open(_pidfile(host_dir, daemon)) as fh:
            return int(fh.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def daemon_up(host_dir, daemon):
    return pid_alive(read_pid(host_dir, daemon))


def start_daemon(anchor, host_dir, daemon, index):
    """Start one daemon unless it already runs; returns its pid."""
    pid = read_pid(host_dir, daemon)
    if pid_alive(pid):
        return pid
    try:
        os.unlink(_pidfile(host_dir, daemon))
    except FileNotFoundError:
        pass
    argv = {
        "virtlogd": ["virtlogd", "-d"],
        "libvirtd": ["libvirtd", "-d"],
        "sshd": ["/usr/sbin/sshd", "-f", os.path.join(host_dir, "ssh", "sshd_config"),
                 "-E", _log(host_dir, "sshd")],
        # the storage host's iSCSI target (Linux's tgt), on every address of its namespace
        "tgtd": ["tgtd", "--pid-file", "/run/tgtd.pid"],
    }[daemon]
    try:
        in_host(anchor, argv, timeout=30)
    except CommandError as exc:
        raise _daemon_failed(index, host_dir, daemon, exc.stderr) from exc
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid = read_pid(host_dir, daemon)
        if pid_alive(pid):
            return pid
        time.sleep(0.05)
    raise _daemon_failed(index, host_dir, daemon, "no pid file after 15 s")


def _daemon_failed(index, host_dir, daemon, detail):
    return LabError(f"lab host h{index}: {daemon} did not start ({detail.strip()}); "
                    f"log tail of {_log(host_dir, daemon)}:\n{tail(_log(host_dir, daemon))}")


def wait_libvirtd(anchor, host_dir, index, timeout=30):
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            in_host(anchor, ["virsh", "-q", "-c", "qemu:///system", "uri"], timeout=10)
            return
        except CommandError as exc:
            last = exc.stderr
            time.sleep(0.1)
    raise _daemon_failed(index, host_dir, "libvirtd", f"does not answer: {last}")


def running_domains(anchor):
    out = in_host(anchor, ["virsh", "-q", "-c", "qemu:///system", "list", "--name"],
                  check=False, timeout=10)
    return [line for line in out.split() if line.strip()]


def signal_daemon(host_dir, daemon, sig):
    """Send SIG to one daemon by its pid file and to its children (an sshd's sessions);
    returns True if it was running."""
    pid = read_pid(host_dir, daemon)
    if not pid_alive(pid):
        return False
    for target in [pid, *_children(pid)]:
        try:
            os.kill(target, sig)
        except ProcessLookupError:
            pass
    return True


def stat_field(pid, index):
    """Numeric field INDEX of /proc/PID/stat, counted after the command name (1: the parent,
    19: the start time); None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[index])
    except (OSError, ValueError, IndexError):
        return None


def parent_pid(pid):
    """PID's parent, from /proc (None once it is gone)."""
    return stat_field(pid, 1)


def _children(pid):
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and parent_pid(entry) == pid]


def stop_daemon(host_dir, daemon):
    """Stop one daemon by its pid file; returns True if something was stopped."""
    pid = read_pid(host_dir, daemon)
    if not pid_alive(pid):
        return False
    kill_pids([pid])
    return True
