"""The iscsi_tgt storage backend against the lab's storage host: a VM's disk made from an
image (copied there once), exported as a LUN its admitted host boots a guest from, cut from
that host (the second layer of fencing), and removed without a trace."""

import pytest

from service import storage
from tests.helpers.fleet import host_ssh
from tests.integration.test_storage_host import boot_from_the_lun
from vmfabric_lab import daemons
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab
VMID = 902  # far from any VM the suite's servers make
PATH = "/srv/vmfabric-test"


@pytest.fixture
def backend(lab):
    made = storage.backend("lab", {"kind": "iscsi_tgt", "host": lab.state.storage.address,
                                   "path": PATH}, lab.state.ssh_config, timeout=120)
    made.delete(VMID)  # (an earlier run's)
    yield made
    for host in lab.state.hosts[:2]:  # (a live migration leaves it defined where it went)
        for verb in ("destroy", "undefine"):
            daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", verb,
                                                  "on-shared"], check=False)
    made.delete(VMID)
    host_ssh(lab, lab.state.storage, f"rm -rf {PATH}")


def test_a_disk_is_made_booted_from_cut_from_its_host_and_removed(lab, guest_image, backend):
    h1, h2 = lab.state.hosts[0], lab.state.hosts[1]
    backend.create(VMID, 1, 1, guest_image, admitted=[h1.address])
    assert backend.targets()[VMID] == [h1.address]
    assert backend.source(VMID) == {"protocol": "iscsi", "port": 3260,
                                    "name": f"iqn.2026-12.io.vmfabric:vmf-{VMID}/1",
                                    "host": lab.state.storage.address}
    _, seen = boot_from_the_lun(lab, h1, iqn=backend.iqn(VMID))
    assert GUEST_MARKER in seen, f"no marker within 60 s; console:\n{seen[-2000:]}"
    url = f"iscsi://{lab.state.storage.address}/{backend.iqn(VMID)}/1"
    assert "virtual size: 1 GiB" in daemons.in_host(h1.pids["anchor"], ["qemu-img", "info", url])
    assert "virtual size" not in daemons.in_host(h2.pids["anchor"], ["qemu-img", "info", url],
                                                 check=False)  # not admitted
    assert backend.cut(h1.address) == [VMID]
    assert backend.targets()[VMID] == []
    assert "virtual size" not in daemons.in_host(h1.pids["anchor"], ["qemu-img", "info", url],
                                                 check=False)  # cut: no new login
    second = host_ssh(lab, lab.state.storage, f"ls {PATH}/images").stdout.split()
    backend.delete(VMID)
    assert VMID not in backend.targets()
    assert host_ssh(lab, lab.state.storage, f"ls {PATH}").stdout.split() == ["images"]
    assert second == ["image-1"]  # the image was copied once, and stays for the next disk


def test_a_guest_on_shared_storage_migrates_live_moving_memory_only(lab, lab_ctx, guest_image,
                                                                    backend):
    """Both hosts admitted, the guest moves from h1 to h2 with vmfabric's live migration
    given no disk to copy: only its memory crosses (about its RAM, not its 1 GiB disk), and
    it runs on, counting, on h2 from the same disk."""
    import os
    import time

    h1, h2 = lab.state.hosts[0], lab.state.hosts[1]
    backend.create(VMID, 1, 1, guest_image, admitted=[h1.address, h2.address])
    _, seen = boot_from_the_lun(lab, h1, iqn=backend.iqn(VMID))
    assert GUEST_MARKER in seen
    pms = {pm.address: pm for pm in lab_ctx.store.pms.list()}
    started = time.monotonic()
    done = lab_ctx.hypervisors.migration.live(
        pms[h1.address], pms[h2.address], "on-shared", {}, h2.address,
        lab_ctx.hypervisors.storage.pool_name, timeout=120)
    took = time.monotonic() - started
    on = {host.index: daemons.in_host(host.pids["anchor"], [
        "virsh", "-q", "-c", "qemu:///system", "list", "--name"]).split() for host in (h1, h2)}
    assert "on-shared" in on[2] and "on-shared" not in on[1]
    assert done["bytes"] < 256 << 20, done  # its memory (128 MiB), not its 1 GiB disk
    log = os.path.join(lab.state.host_dir(h2.index), "log-libvirt", "qemu", "on-shared-1.log")
    before = open(log, errors="replace").read().count("tick") if os.path.exists(log) else 0
    time.sleep(3)
    assert open(log, errors="replace").read().count("tick") > before  # running on, on h2
    print(f"live migration on shared storage: {took:.2f} s, {done}")
    daemons.in_host(h2.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", "destroy",
                                        "on-shared"], check=False)
