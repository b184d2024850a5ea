"""The libvirt driver against libvirt's real in-memory test driver (test:///default)."""

import uuid

import pytest

from service import config as config_mod
from service import templates
from service.errors import Conflict, HypervisorError, NotFound
from service.hypervisor import Hypervisors, Unreachable
from service.hypervisor.connections import connection_uri
from tests.helpers.records import pm_record

PM = pm_record(1)


def libvirt_settings(**overrides):
    return {**config_mod.defaults("/nonexistent")["libvirt"], "pool": "default-pool", **overrides}


@pytest.fixture
def hv():
    hypervisors = Hypervisors("/nonexistent/ssh", libvirt_settings())
    yield hypervisors
    hypervisors.close()


def domain_xml(vmid):
    return templates.render_domain(vmid=vmid, name=f"unit {vmid}", tid=1, image_id=1, cpu=1,
                                   ram_mb=128, domain_type="qemu", pool="default-pool",
                                   console_log="/default-pool/x.log")


def fresh_vmid():
    return uuid.uuid4().int % 10**9 + 1


def test_ssh_uris_go_through_the_verifying_wrapper():
    pm = pm_record(libvirt_uri="qemu+ssh://root@10.0.0.1:22/system")
    uri = connection_uri(pm, "/var/lib/vmfabric/state/ssh/ssh")
    assert uri == ("qemu+ssh://root@10.0.0.1:22/system?command=%2Fvar%2Flib%2Fvmfabric%2F"
                   "state%2Fssh%2Fssh&no_tty=1")
    assert "no_verify" not in uri
    assert connection_uri(pm_record(libvirt_uri="qemu:///system"), "/x") == "qemu:///system"


def test_define_start_power_and_remove(hv):
    vmid = fresh_vmid()
    name = hv.domains.define_and_start(PM, domain_xml(vmid))
    assert name == f"vmf-{vmid}"
    assert hv.domains.state(PM, name) == "running"
    assert hv.domains.states(PM)[name] == "running"
    hv.domains.power(PM, name, "pause")
    assert hv.domains.state(PM, name) == "paused"
    assert hv.domains.states(PM)[name] == "paused"
    hv.domains.power(PM, name, "resume")
    hv.domains.power(PM, name, "stop")
    assert hv.domains.state(PM, name) == "shutoff"
    # the test driver says "internal error", QEMU's says "operation invalid" (Conflict)
    with pytest.raises((Conflict, HypervisorError), match="not running"):
        hv.domains.power(PM, name, "pause")
    assert hv.domains.remove(PM, name) is True
    assert hv.domains.remove(PM, name) is False  # idempotent
    with pytest.raises(NotFound, match=f"pm 1 .*{name}"):
        hv.domains.state(PM, name)


def test_volumes_made_overlaid_and_deleted(hv):
    base = f"base-{fresh_vmid()}"
    hv.storage.create_volume(PM, base, 1 << 20)
    overlay = f"overlay-{fresh_vmid()}"
    hv.storage.create_overlay_on(PM, overlay, base, "raw", 2 << 20)
    assert {base, overlay} <= hv.storage.volume_names(PM)
    assert hv.storage.capacity(PM, overlay) == 2 << 20
    for name in (overlay, base):
        assert hv.storage.delete_volume(PM, name) is True
        assert hv.storage.delete_volume(PM, name) is False
    assert not {base, overlay} & hv.storage.volume_names(PM)
    with pytest.raises(NotFound):
        hv.storage.create_overlay_on(PM, overlay, base, "raw", 2 << 20)


def test_a_bad_uri_is_a_clear_error(hv):

    bad = pm_record(9, "nowhere", "test:///nonexistent/file.xml")
    with pytest.raises(Unreachable, match="pm 9 \\(nowhere\\): cannot connect to libvirt"):
        hv.domains.states(bad)


def test_the_connection_is_cached(hv):
    hv.domains.states(PM)
    first = hv.connections._conns[(1, "test:///default")]
    hv.domains.states(PM)
    assert hv.connections._conns[(1, "test:///default")] is first


def test_a_call_that_does_not_answer_in_time_is_abandoned(hv):
    import threading
    import time

    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(Unreachable, match="pm 1 \\(test\\): unreachable: wait got no answer within 0.3 s"):
        hv.connections.run(PM, "wait", lambda conn: release.wait(5), timeout=0.3)
    assert time.monotonic() - started < 2
    release.set()
    assert (1, "test:///default") not in hv.connections._conns  # closed: the next call reconnects
    assert hv.domains.states(PM) is not None


def test_a_missing_pool_is_made_on_first_use():
    hypervisors = Hypervisors("/nonexistent/ssh", libvirt_settings(pool=f"vmf-unit-{fresh_vmid()}",
                                                                   pool_path="/unit-pool"))
    try:
        path = hypervisors.storage.pool_path_on(PM)
        assert path == "/unit-pool"
        assert hypervisors.connections.run(
            PM, "check", lambda conn: conn.storagePoolLookupByName(
                hypervisors.storage.pool_name).isActive()) == 1
    finally:
        hypervisors.connections.run(PM, "remove the pool", lambda conn: (
            conn.storagePoolLookupByName(hypervisors.storage.pool_name).destroy(),
            conn.storagePoolLookupByName(hypervisors.storage.pool_name).undefine()))
        hypervisors.close()
