"""Each lab host's BMC: OpenIPMI's ``ipmi_sim``, a BMC simulator speaking IPMI 2.0 over LAN
(RMCP+), as `ipmitool -I lanplus` and fence agents reach a real one.

Out of band, as a real BMC is: it listens on an address of its own on the loopback network
(127.213.X.N for host N of the lab on 10.213.X.0/24), so it answers while its host's link is
cut or its daemons are dead, and stops answering only when its own process is stopped (the
lab's `bmc` fault). Its chassis control is the host itself (vmfabric_lab/chassis.py): power
off kills every process of the host at once (libvirtd, QEMU, sshd; its namespace stays, as a
powered-off machine's disks do) and takes its link down; power on brings it back; the power
state is a file in the host's directory. The lab's BMCs share one administrator and a
password made for the lab (DIR/bmc.password, 0600).
"""

import ipaddress
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time

from service.errors import LabError
from vmfabric_lab.netns import kill_pids, pid_alive

USER = "admin"
PORT = 623
POWER_FILE = "power"


def address(lab_subnet, index):
    """The BMC address of host INDEX of the lab on LAB_SUBNET (a /24 in 10.213.0.0/16)."""
    third = ipaddress.ip_network(lab_subnet).network_address.packed[2]
    return f"127.213.{third}.{index}"


def password_file(lab_dir):
    return os.path.join(lab_dir, "bmc.password")


def ensure_password(lab_dir):
    """The lab's BMC password, made once (0600; written whole under another name, then
    linked into place, so a reader never sees half of it)."""
    path = password_file(lab_dir)
    if not os.path.exists(path):
        part = f"{path}.{os.getpid()}.{threading.get_ident()}"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(12) + "\n")
        try:
            os.link(part, path)
        except FileExistsError:
            pass  # another made it first: theirs is the lab's
        finally:
            os.unlink(part)
    with open(path) as fh:
        return fh.read().strip()


def power_is_on(host_dir):
    try:
        with open(os.path.join(host_dir, POWER_FILE)) as fh:
            return fh.read().strip() != "off"
    except FileNotFoundError:
        return True


def set_power_file(host_dir, on):
    with open(os.path.join(host_dir, POWER_FILE), "w") as fh:
        fh.write("on\n" if on else "off\n")


def _config(name, bmc_address, password, chassis):
    return f"""# ipmi_sim's configuration for {name} (made by vmfabric_lab/bmc.py)
name "{name}"
set_working_mc 0x20
  startlan 1
    addr {bmc_address} {PORT}
    priv_limit admin
    allowed_auths_callback none
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid {secrets.token_hex(16)}
  endlan
  chassis_control "{chassis}"
  user 2 true "{USER}" "{password}" admin 10 md5
"""


COMMANDS = "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n" \
    "mc_enable 0x20\n"


def launch(here, name, bmc_address, password, chassis):
    """An ipmi_sim named NAME on BMC_ADDRESS:623 whose chassis control runs CHASSIS (a command
    line; ipmi_sim appends `get power` or `set power N`), its files in HERE; its pid once it
    listens."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,20}", password):
        raise LabError(f"{name}: a BMC password is 1 to 20 letters, digits, '.', '_' or '-' "
                       "(IPMI 2.0 holds at most 20 bytes; ipmi_sim's file takes no quotes)")
    os.makedirs(os.path.join(here, "state"), exist_ok=True)
    conf = os.path.join(here, "lan.conf")
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # (it holds the password)
    with os.fdopen(fd, "w") as fh:
        fh.write(_config(name, bmc_address, password, chassis))
    with open(os.path.join(here, "commands.emu"), "w") as fh:
        fh.write(COMMANDS)
    log = open(os.path.join(here, "ipmi_sim.log"), "w")
    proc = subprocess.Popen(["ipmi_sim", "-c", conf, "-f", os.path.join(here, "commands.emu"),
                             "-s", os.path.join(here, "state"), "-n"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"{name}: its BMC (ipmi_sim) exited at once; see "
                           f"{os.path.join(here, 'ipmi_sim.log')}")
        if _listening(bmc_address):
            return proc.pid
        time.sleep(0.05)
    kill_pids([proc.pid])
    raise LabError(f"{name}: its BMC did not listen on {bmc_address}:{PORT} within 10 s")


def start(lab_dir, host_dir, index, bmc_address, pid):
    """Host INDEX's BMC, started unless PID (its last) still runs; returns its pid."""
    if pid_alive(pid):
        return pid
    chassis = f"{sys.executable} -m vmfabric_lab.chassis {lab_dir} {index}"
    return launch(os.path.join(host_dir, "bmc"), f"vmfabric-h{index}", bmc_address,
                  ensure_password(lab_dir), chassis)


def _listening(bmc_address):
    """True once a UDP socket is bound to BMC_ADDRESS:623 (from /proc/net/udp)."""
    want = "%08X:%04X" % (int.from_bytes(ipaddress.ip_address(bmc_address).packed, "little"),
                          PORT)
    with open("/proc/net/udp") as fh:
        return any(line.split()[1] == want for line in fh.readlines()[1:])


def stop(pid):
    if pid_alive(pid):
        kill_pids([pid], timeout=2.0)


def sweep(lab_dir):
    """Stop every BMC of the lab in LAB_DIR (those a killed run left too), by their command
    lines, which name the lab's directory."""
    mine = f"{os.path.join(lab_dir, 'hosts')}{os.sep}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"ipmi_sim") and any(a.startswith(mine) for a in argv):
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass
