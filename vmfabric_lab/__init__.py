"""`vmfabric lab`: several real hypervisor hosts on one Linux machine.

Each host is a network namespace on a private bridge, with a private mount
namespace (own /run, /etc/libvirt, /var/lib/libvirt, /var/log/libvirt,
/root/.ssh) held open by a small anchor process, running its own sshd,
virtlogd and libvirtd.
"""
