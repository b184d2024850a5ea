"""Checks made before the lab touches the machine, each with a fix in its message."""

import os
import shutil

from service.errors import LabError
from service.util import CommandError, run

# command -> Debian package that provides it
REQUIRED = {
    "ip": "iproute2",
    "nsenter": "util-linux",
    "unshare": "util-linux",
    "libvirtd": "libvirt-daemon-system",
    "virtlogd": "libvirt-daemon-system",
    "virsh": "libvirt-clients",
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "sshd": "openssh-server",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "ipmi_sim": "openipmi",
    "ipmitool": "ipmitool",
    "tgtd": "tgt",
    "tgtadm": "tgt",
}


def find_command(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def check_root():
    if os.geteuid() != 0:
        raise LabError("vmfabric lab needs root (network namespaces, mounts, libvirtd): "
                       "run it with sudo or as root")


def check_commands(required=REQUIRED):
    missing = sorted({pkg for cmd, pkg in required.items() if not find_command(cmd)})
    if missing:
        raise LabError("missing Debian packages: " + " ".join(missing)
                       + "; install them with: apt-get install -y " + " ".join(missing))


def check_netns():
    try:
        run(["ip", "netns", "list"], timeout=10)
    except (CommandError, OSError) as exc:
        raise LabError(f"`ip netns` is not available here ({exc}); the lab needs network "
                       "namespaces (a kernel with CONFIG_NET_NS and iproute2)") from exc


def check_all():
    check_root()
    check_commands()
    check_netns()
