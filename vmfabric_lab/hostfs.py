"""The private files of one lab host: configuration, keys and state directories.

The host's mount namespace binds these over the real paths, so every host has
its own /run, /root, /etc/libvirt, /var/lib/libvirt, /var/log/libvirt and /srv.
"""

import os
import shutil

from service.util import run

# host directory (relative to DIR/hosts/hN) -> path it is mounted over
BIND_MOUNTS = {
    "run": "/run",
    "root": "/root",
    "etc-libvirt": "/etc/libvirt",
    "lib-libvirt": "/var/lib/libvirt",
    "log-libvirt": "/var/log/libvirt",
    "srv": "/srv",  # (the storage host keeps its LUNs' files there)
}

QEMU_CONF_LAB = """
# vmfabric lab: run QEMU as root (a non-root user makes every define re-probe
# QEMU for ~35 s here) and leave cgroups alone (hosts share one kernel).
user = "root"
group = "root"
cgroup_controllers = [ ]
"""

LIBVIRTD_CONF_LAB = """
# vmfabric lab: unix socket only, log where `vmfabric lab` can show it.
listen_tls = 0
listen_tcp = 0
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""

SSHD_CONFIG = """\
# sshd of vmfabric lab host {index}
ListenAddress {address}
Port 22
HostKey {host_key}
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile .ssh/authorized_keys
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups 100:30:200
MaxSessions 64
LogLevel INFO
"""


def prepare(host_dir, index, address, authorized_key):
    """Create (or complete) the host's files; returns the host's public key line."""
    os.makedirs(host_dir, exist_ok=True)
    for sub in BIND_MOUNTS:
        os.makedirs(os.path.join(host_dir, sub), exist_ok=True)
    os.chmod(os.path.join(host_dir, "root"), 0o700)
    for sub in ("run/sshd", "run/libvirt", "log-libvirt/qemu", "lib-libvirt/images",
                "lib-libvirt/qemu", "lib-libvirt/boot", "ssh", "log"):
        os.makedirs(os.path.join(host_dir, sub), exist_ok=True)
    _prepare_libvirt_etc(os.path.join(host_dir, "etc-libvirt"))
    _prepare_root_ssh(os.path.join(host_dir, "root"), authorized_key)
    return _prepare_sshd(host_dir, index, address)


def _prepare_libvirt_etc(etc_dir):
    marker = os.path.join(etc_dir, ".vmfabric-lab")
    if os.path.exists(marker):
        return
    shutil.rmtree(etc_dir)
    shutil.copytree("/etc/libvirt", etc_dir, symlinks=True)
    # no default network in the hosts: no dnsmasq, no virbr0 per namespace
    autostart = os.path.join(etc_dir, "qemu", "networks", "autostart")
    shutil.rmtree(autostart, ignore_errors=True)
    os.makedirs(autostart, exist_ok=True)
    with open(os.path.join(etc_dir, "qemu.conf"), "a") as fh:
        fh.write(QEMU_CONF_LAB)
    with open(os.path.join(etc_dir, "libvirtd.conf"), "a") as fh:
        fh.write(LIBVIRTD_CONF_LAB)
    open(marker, "w").close()


def _prepare_root_ssh(root_dir, authorized_key):
    ssh_dir = os.path.join(root_dir, ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    os.chmod(ssh_dir, 0o700)
    path = os.path.join(ssh_dir, "authorized_keys")
    with open(path, "w") as fh:
        fh.write(authorized_key.strip() + "\n")
    os.chmod(path, 0o600)


def _prepare_sshd(host_dir, index, address):
    key = os.path.join(host_dir, "ssh", "ssh_host_ed25519_key")
    if not os.path.exists(key):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"vmfabric-lab-h{index}", "-f", key])
    with open(os.path.join(host_dir, "ssh", "sshd_config"), "w") as fh:
        fh.write(SSHD_CONFIG.format(index=index, address=address, host_key=key))
    with open(key + ".pub") as fh:
        kind, blob = fh.read().split()[:2]
    return f"{address} {kind} {blob}"


def mount_script(host_dir):
    """Shell lines that bind the host's directories over the real paths."""
    lines = []
    for sub, target in BIND_MOUNTS.items():
        lines.append(f"mount --bind '{os.path.join(host_dir, sub)}' '{target}'")
    return "\n".join(lines)
