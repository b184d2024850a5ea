"""Each lab host's BMC (ipmi_sim), driven as a fence agent drives a real one (`ipmitool -I
lanplus`): power off is the plug pulled (the host's libvirtd, sshd and a running guest killed,
its link down), power on brings it back, the status reads back true; a wrong password is
refused, and a stopped BMC does not answer while its host runs on. On a lab of its own, since
it powers a host off."""

import os
import subprocess

import pytest

from tests.helpers.fleet import host_ssh
from tests.helpers.waiting import wait_until
from tests.integration.test_lab import DISK, DOMAIN_XML
from vmfabric_lab import daemons, netns
from vmfabric_lab.lab import Lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab_dir(run_dir):
    """A 1-host lab's directory. Its BMC's power on runs in another process (the chassis
    program) and records the host's new daemons in the lab's state, so each step below reads
    the lab afresh (Lab(DIR)) rather than keeping an object that would not know them."""
    path = os.path.join(run_dir, "lab-bmc")
    Lab(path).up(hosts=1)
    yield path
    Lab(path).down(purge=True)


def ipmi(lab, *command, password=None, host="h1"):
    """`ipmitool -I lanplus ... COMMAND` against HOST's BMC (the password from the
    environment, never on the command line)."""
    bmc = lab.bmc_of(host)
    secret = password or open(bmc["password_file"]).read().strip()
    return subprocess.run(["ipmitool", "-I", "lanplus", "-C", "3", "-N", "1", "-R", "2",
                           "-H", bmc["address"], "-p", str(bmc["port"]), "-U", bmc["username"],
                           "-E", *command], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, IPMI_PASSWORD=secret))


def boot_a_guest(lab, guest_image, host):
    disk = os.path.join(lab.state.host_dir(host.index), "lib-libvirt", "images", "bmc.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", guest_image,
                    disk], check=True)
    xml = DOMAIN_XML.format(name="powered", log="/var/log/libvirt/qemu/powered-serial.log",
                            disk=DISK.format(path="/var/lib/libvirt/images/bmc.qcow2"))
    daemons.in_host(host.pids["anchor"], ["sh", "-c", f"echo \"{xml}\" > /run/powered.xml && "
                                          "virsh -q -c qemu:///system create /run/powered.xml"])


def booting(lab_dir):
    """True while the chassis program still brings a host of LAB_DIR back after a power on."""
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"vmfabric_lab.chassis" in argv and lab_dir.encode() in argv and b"boot" in argv:
            return True
    return False


def processes_of(lab, host):
    """The commands running in HOST (its namespace anchor left out)."""
    found = []
    for pid in netns.netns_pids(lab.state.names.netns(host.index)):
        if pid != host.pids["anchor"]:
            try:
                found.append(open(f"/proc/{pid}/comm").read().strip())
            except OSError:
                pass
    return found


def test_power_off_pulls_the_plug_and_power_on_brings_the_host_back(lab_dir, guest_image):
    lab = Lab(lab_dir)
    host = lab.state.hosts[0]
    assert "Chassis Power is on" in ipmi(lab, "chassis", "power", "status").stdout
    boot_a_guest(lab, guest_image, host)
    running = processes_of(lab, host)
    assert "libvirtd" in running and "sshd" in running and any(
        name.startswith("qemu") for name in running), running
    off = ipmi(lab, "chassis", "power", "off")
    assert off.returncode == 0, off.stderr
    assert "Chassis Power is off" in ipmi(lab, "chassis", "power", "status").stdout
    wait_until(lambda: processes_of(lab, host) == [], "every process of the host gone",
               timeout=10)
    assert host_ssh(lab, host, "true", timeout=10).returncode != 0
    row = lab.status()[0]
    assert row["power"] == "off" and row["link"] is False and row["bmc"] is True
    on = ipmi(lab, "chassis", "power", "on")
    assert on.returncode == 0, on.stderr
    assert "Chassis Power is on" in ipmi(lab, "chassis", "power", "status").stdout
    # it boots after the BMC's answer, as a machine does: sshd and libvirtd come back
    wait_until(lambda: host_ssh(lab, host, "true", timeout=5).returncode == 0,
               "the host answering SSH again", timeout=60, every=1)
    wait_until(lambda: not booting(lab_dir), "its boot finished", timeout=60)
    lab = Lab(lab_dir)
    host = lab.state.hosts[0]
    assert lab.status()[0]["power"] == "on"
    # the guest did not come back by itself: a powered-off host's guests are gone
    assert not any(name.startswith("qemu") for name in processes_of(lab, host))


def test_a_wrong_password_and_a_stopped_bmc_are_refused(lab_dir):
    lab = Lab(lab_dir)
    wrong = ipmi(lab, "chassis", "power", "status", password="not the password")
    assert wrong.returncode != 0 and "Power is" not in wrong.stdout
    lab.fail("h1", "bmc")
    try:
        silent = ipmi(lab, "chassis", "power", "status")
        assert silent.returncode != 0 and "Power is" not in silent.stdout
        assert host_ssh(lab, lab.state.hosts[0], "true").returncode == 0  # the host runs on
        assert lab.status()[0]["bmc"] is False
    finally:
        Lab(lab_dir).heal("h1")
    assert "Chassis Power is on" in ipmi(lab, "chassis", "power", "status").stdout


def test_the_servers_hosts_know_their_bmc_and_can_read_its_power(lab_ctx):
    """The lab's host settings give each host its vmfabric_bmc; the server's PM records keep
    it, and the fence agent made from it reads the power through the real BMC."""
    from service import fencing

    for pm in lab_ctx.store.pms.list():
        agent = fencing.agent_for(pm.settings)
        assert agent is not None, pm.settings
        assert agent.status() == "on"


def test_the_server_fences_a_drained_host_and_reports_one_it_cannot_fence(lab_dir, guest_image,
                                                                            tmp_path):
    """vmfabric's own fencing (service/fencing) on a context over this lab: an up host taking
    VMs is refused; drained, it is fenced (its power read back off, its processes gone) and
    that is kept on the host; with its BMC stopped it is unfenceable, and says why."""
    from service.errors import Conflict
    from tests.helpers.servers import lab_context

    lab = Lab(lab_dir)
    ctx = lab_context(lab, guest_image, str(tmp_path), policy="first_fit")
    try:
        pm = ctx.store.pms.list()[0]
        with pytest.raises(Conflict, match="drain it first"):
            ctx.fencer.fence(pm.id)
        ctx.store.pms.set_maintenance(pm.id, True)
        fenced = ctx.fencer.fence(pm.id)
        assert fenced.fence["state"] == "fenced", fenced.fence
        assert ctx.store.pms.get(pm.id).fence == fenced.fence
        assert processes_of(lab, lab.state.hosts[0]) == []
        assert "Chassis Power is off" in ipmi(lab, "chassis", "power", "status").stdout
        lab.fail("h1", "bmc")
        refused = ctx.fencer.fence(pm.id)
        assert refused.fence["state"] == "unfenceable"
        assert lab.bmc_of("h1")["address"] in refused.fence["detail"]
    finally:
        ctx.close()
        Lab(lab_dir).heal("h1")
        wait_until(lambda: not booting(lab_dir), "its boot finished", timeout=60)
