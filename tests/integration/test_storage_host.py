"""The lab's storage host: an iSCSI target (Linux's tgt) in a namespace of its own, managed
over SSH as a real storage server is. A LUN made there with tgtadm holds a guest's disk that
QEMU on any lab host reaches through its own initiator (libiscsi: no host kernel involved),
so a guest boots from it on one host and then on another; a host the target's ACL does not
name cannot read it (what cutting a fenced host's storage access will do)."""

import os
import time

import pytest

from tests.helpers.fleet import host_ssh
from tests.integration.test_lab import DOMAIN_XML
from vmfabric_lab import daemons
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab
IQN = "iqn.2026-12.io.vmfabric.lab:storage-test"
TID = 901  # far from any target vmfabric would number
NETWORK_DISK = ("<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>"
                "<source protocol='iscsi' name='{iqn}/1'><host name='{address}' port='3260'/>"
                "</source><target dev='vda' bus='virtio'/></disk>")


def on_storage(lab, command, timeout=120):
    done = host_ssh(lab, lab.state.storage, command, timeout=timeout)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


@pytest.fixture
def lun(lab, guest_image):
    """Target TID with LUN 1: the guest image, as raw, in the storage host's /srv; host h1
    admitted by address (the target's ACL)."""
    on_storage(lab, f"mkdir -p /srv/test && qemu-img convert -O raw {guest_image} "
                    "/srv/test/boot.raw")
    on_storage(lab, f"tgtadm --lld iscsi --op new --mode target --tid {TID} -T {IQN} && "
                    f"tgtadm --lld iscsi --op new --mode logicalunit --tid {TID} --lun 1 "
                    f"-b /srv/test/boot.raw && tgtadm --lld iscsi --op bind --mode target "
                    f"--tid {TID} -I {lab.state.hosts[0].address}")
    yield
    for host in lab.state.hosts[:2]:
        for verb in ("destroy", "undefine"):
            daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", verb,
                                                  "on-shared"], check=False)
    host_ssh(lab, lab.state.storage, f"tgtadm --lld iscsi --op delete --force --mode target "
                                     f"--tid {TID}; rm -rf /srv/test")


def boot_from_the_lun(lab, host, iqn=IQN):
    """Start a guest whose disk is LUN 1 of target IQN on HOST; the serial console's text
    after 60 s at most (until the marker)."""
    log = f"/var/log/libvirt/qemu/on-shared-{host.index}.log"
    outside = os.path.join(lab.state.host_dir(host.index), "log-libvirt", "qemu",
                           f"on-shared-{host.index}.log")
    xml = DOMAIN_XML.format(name="on-shared", log=log, disk=NETWORK_DISK.format(
        iqn=iqn, address=lab.state.storage.address))
    started = daemons.in_host(host.pids["anchor"], [
        "sh", "-c", f"echo \"{xml}\" > /run/on-shared.xml && "
                    "virsh -q -c qemu:///system create /run/on-shared.xml"], check=False)
    seen, deadline = "", time.monotonic() + 60
    while time.monotonic() < deadline and GUEST_MARKER not in seen:
        if os.path.exists(outside):
            seen = open(outside, errors="replace").read()
        time.sleep(0.2)
    return started, seen


def test_a_guest_boots_from_the_storage_hosts_lun_on_an_admitted_host(lab, lun):
    h1, h2 = lab.state.hosts[0], lab.state.hosts[1]
    _, seen = boot_from_the_lun(lab, h1)
    assert GUEST_MARKER in seen, f"no marker within 60 s; console:\n{seen[-2000:]}"
    daemons.in_host(h1.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", "destroy",
                                        "on-shared"])
    # h2 is not in the target's ACL: libiscsi's login is refused
    out = daemons.in_host(h2.pids["anchor"], [
        "qemu-img", "info", f"iscsi://{lab.state.storage.address}/{IQN}/1"], check=False)
    assert "virtual size" not in out
    # admitted, it reads the same disk the guest booted from on h1
    on_storage(lab, f"tgtadm --lld iscsi --op bind --mode target --tid {TID} -I {h2.address}")
    out = daemons.in_host(h2.pids["anchor"], [
        "qemu-img", "info", f"iscsi://{lab.state.storage.address}/{IQN}/1"])
    assert "file format: raw" in out
    _, seen = boot_from_the_lun(lab, h2)
    assert GUEST_MARKER in seen, f"no marker on h2 within 60 s; console:\n{seen[-2000:]}"


def test_the_storage_host_is_in_the_status_and_its_key_is_known(lab):
    storage = lab.storage_status()
    assert storage["sshd"] and storage["tgtd"] and storage["link"]
    assert storage["address"] == lab.state.address_of(0)
    assert host_ssh(lab, lab.state.storage, "hostname").stdout.strip() == \
        lab.state.names.netns(0)
    assert storage["address"] not in open(lab.state.pm_file).read().split()  # no hypervisor
