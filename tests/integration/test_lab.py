"""The lab: real sshd and libvirtd per host, isolation, faults, guest boot, clean teardown."""

import json
import os
import subprocess
import time

import pytest

from vmfabric_lab import daemons
from vmfabric_lab.image import GUEST_MARKER
from vmfabric_lab.lab import Lab
from vmfabric_lab.state import LabState
from tests.helpers.fleet import host_ssh

pytestmark = pytest.mark.lab

DOMAIN_XML = """<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
<devices>{disk}<serial type='pty'><log file='{log}' append='off'/><target port='0'/></serial>
<console type='pty'/></devices></domain>"""

DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='{path}'/><target dev='vda' bus='virtio'/></disk>")


def virsh(lab, host, *args, check=True):
    uri = f"qemu+ssh://root@{host.address}/system?command={lab.state.dir}/ssh"
    proc = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                          timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_every_host_answers_over_ssh_with_its_own_hostname(lab):
    names = set()
    for host in lab.state.hosts:
        proc = host_ssh(lab, host, "hostname")
        assert proc.returncode == 0, proc.stderr
        names.add(proc.stdout.strip())
    assert len(names) == 3


def test_a_changed_host_key_is_refused(lab, tmp_path):
    host = lab.state.hosts[0]
    other = lab.state.hosts[1]
    with open(lab.state.known_hosts) as fh:
        lines = fh.read().splitlines()
    # pretend host 1 has host 2's key: ssh must refuse to connect
    key_of_other = next(l for l in lines if l.startswith(other.address + " "))
    bad = tmp_path / "known_hosts"
    bad.write_text(key_of_other.replace(other.address, host.address, 1) + "\n")
    proc = subprocess.run(["ssh", "-F", lab.state.ssh_config, "-o", f"UserKnownHostsFile={bad}",
                           f"root@{host.address}", "true"], capture_output=True, text=True,
                          timeout=15)
    assert proc.returncode != 0
    assert "HOST IDENTIFICATION HAS CHANGED" in proc.stderr


def test_each_host_has_its_own_libvirtd(lab, tmp_path):
    h1, h2 = lab.state.hosts[0], lab.state.hosts[1]
    name = "vmf-test-isolation"
    xml = tmp_path / "d.xml"
    xml.write_text(DOMAIN_XML.format(name=name, disk="", log="/var/log/libvirt/qemu/x.log"))
    virsh(lab, h1, "undefine", name, check=False)
    virsh(lab, h1, "define", str(xml))
    try:
        assert name in virsh(lab, h1, "list", "--all", "--name").stdout.split()
        assert name not in virsh(lab, h2, "list", "--all", "--name").stdout.split()
    finally:
        virsh(lab, h1, "undefine", name)


def test_guest_image_boots_and_prints_the_marker(lab, guest_image):
    host = lab.state.hosts[2]
    host_dir = lab.state.host_dir(host.index)
    disk = os.path.join(host_dir, "lib-libvirt", "images", "lab-boot-test.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    guest_image, disk], check=True)
    log = "/var/log/libvirt/qemu/lab-boot-test-serial.log"
    log_outside = os.path.join(host_dir, "log-libvirt", "qemu", "lab-boot-test-serial.log")
    anchor = host.pids["anchor"]
    xml = DOMAIN_XML.format(name="lab-boot-test", log=log,
                            disk=DISK.format(path="/var/lib/libvirt/images/lab-boot-test.qcow2"))
    started = time.monotonic()
    daemons.in_host(anchor, ["sh", "-c", f"echo \"{xml}\" > /run/boot.xml && "
                             "virsh -q -c qemu:///system create /run/boot.xml"])
    try:
        seen = ""
        while time.monotonic() - started < 60:
            if os.path.exists(log_outside):
                with open(log_outside, errors="replace") as fh:
                    seen = fh.read()
                if GUEST_MARKER in seen:
                    break
            time.sleep(0.2)
        assert GUEST_MARKER in seen, f"no marker within 60 s; console:\n{seen[-2000:]}"
        assert "lab-boot-test" in virsh(lab, host, "list", "--name").stdout
    finally:
        daemons.in_host(anchor, ["virsh", "-q", "-c", "qemu:///system", "destroy",
                                 "lab-boot-test"], check=False)
        os.unlink(disk)


@pytest.mark.parametrize("mode", ["link", "sshd", "libvirtd"])
def test_fail_and_heal(lab, mode):
    host = lab.state.hosts[1]
    lab.fail(host.address, mode)
    try:
        if mode == "libvirtd":
            assert virsh(lab, host, "hostname", check=False).returncode != 0
        else:
            assert host_ssh(lab, host, "true", timeout=20).returncode != 0
        row = next(r for r in lab.status() if r["address"] == host.address)
        assert row["failed"] == mode
    finally:
        lab.heal(host.address)
    assert host_ssh(lab, host, "true").returncode == 0
    assert virsh(lab, host, "hostname").stdout.strip() == lab.state.names.netns(host.index)


def test_up_again_reports_the_running_lab(lab):
    pids = {h.index: dict(h.pids) for h in lab.state.hosts}
    again = Lab(lab.dir)
    again.up(hosts=3)
    assert {h.index: h.pids for h in again.state.hosts} == pids


def test_up_repairs_a_killed_daemon(lab):
    host = lab.state.hosts[0]
    daemons.stop_daemon(lab.state.host_dir(host.index), "sshd")
    Lab(lab.dir).up(hosts=3)
    assert host_ssh(lab, host, "true").returncode == 0


def _leftovers(lab_dir):
    """Interfaces and namespaces that carry LAB_DIR as their owner."""
    from vmfabric_lab import netns

    owner = netns.owner_alias(lab_dir)
    found = [link["ifname"] for link in netns.list_links() if link.get("ifalias") == owner]
    for ns in netns.list_netns():
        inside = json.loads(subprocess.run(["ip", "-n", ns, "-j", "link", "show"],
                                           capture_output=True, text=True).stdout or "[]")
        found += [ns for link in inside if link.get("ifalias") == owner]
    return found


def test_down_leaves_nothing_behind(run_dir):
    lab_dir = os.path.join(run_dir, "lab-down")
    the_lab = Lab(lab_dir)
    state = the_lab.up(hosts=2)
    pids = [p for h in state.hosts for p in h.pids.values()]
    assert all(daemons.pid_alive(p) for p in pids)
    assert _leftovers(lab_dir)
    the_lab.down()
    assert not any(daemons.pid_alive(p) for p in pids)
    assert _leftovers(lab_dir) == []
    with open("/proc/mounts") as fh:
        assert lab_dir not in fh.read()


def test_a_second_lab_never_touches_the_first(lab, guest_image, run_dir):
    """Two labs in two directories at once: the second takes its own names and subnet, and
    its up and down leave the first's hosts, guests and known_hosts as they were."""
    from service.errors import LabError

    host = lab.state.hosts[0]
    disk = os.path.join(lab.state.host_dir(host.index), "lib-libvirt", "images", "iso-guest.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", guest_image,
                    disk], check=True)
    xml = DOMAIN_XML.format(name="iso-guest", log="/var/log/libvirt/qemu/iso-guest-serial.log",
                            disk=DISK.format(path="/var/lib/libvirt/images/iso-guest.qcow2"))
    anchor = host.pids["anchor"]
    daemons.in_host(anchor, ["sh", "-c", f"echo \"{xml}\" > /run/iso.xml && "
                             "virsh -q -c qemu:///system create /run/iso.xml"])
    known_hosts = open(lab.state.known_hosts).read()
    pids = {h.index: dict(h.pids) for h in LabState.load(lab.dir).hosts}
    other_dir = os.path.join(run_dir, "lab-other")
    try:
        with pytest.raises(LabError, match=f"in use by the lab in {lab.dir}"):
            Lab(other_dir, tag=lab.state.tag).up(hosts=1)
        with pytest.raises(LabError, match=f"in use by the lab in {lab.dir}"):
            Lab(other_dir, subnet=lab.state.subnet).up(hosts=1)
        other = Lab(other_dir)
        state = other.up(hosts=2)
        assert state.tag != lab.state.tag and state.subnet != lab.state.subnet
        assert {h.address for h in state.hosts}.isdisjoint(h.address for h in lab.state.hosts)
        other.down()
        for each in lab.state.hosts:
            assert host_ssh(lab, each, "true").returncode == 0
        assert "iso-guest" in virsh(lab, host, "list", "--name").stdout.split()
        assert open(lab.state.known_hosts).read() == known_hosts
        assert {h.index: h.pids for h in LabState.load(lab.dir).hosts} == pids
        assert all(daemons.pid_alive(pid) for each in pids.values() for pid in each.values())
    finally:
        Lab(other_dir).down()
        daemons.in_host(anchor, ["virsh", "-q", "-c", "qemu:///system", "destroy", "iso-guest"],
                        check=False)
        os.unlink(disk)
