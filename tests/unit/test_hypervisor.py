"""The libvirt driver against libvirt's real in-memory test driver (test:///default)."""

import uuid

import pytest

from service import templates
from service.errors import Conflict, HypervisorError, NotFound
from service.hypervisor import Hypervisors, connection_uri

PM = {"id": 1, "address": "test", "libvirt_uri": "test:///default"}


@pytest.fixture
def hv():
    return Hypervisors("/nonexistent/ssh", "default-pool")


def domain_xml(vmid):
    return templates.render_domain(vmid=vmid, name=f"unit {vmid}", tid=1, image_id=1, cpu=1,
                                   ram_mb=128, domain_type="qemu", pool="default-pool",
                                   console_log="/default-pool/x.log")


def fresh_vmid():
    return uuid.uuid4().int % 10**9 + 1


def test_ssh_uris_go_through_the_verifying_wrapper():
    pm = {"libvirt_uri": "qemu+ssh://root@10.0.0.1:22/system"}
    uri = connection_uri(pm, "/var/lib/vmfabric/state/ssh/ssh")
    assert uri == ("qemu+ssh://root@10.0.0.1:22/system?command=%2Fvar%2Flib%2Fvmfabric%2F"
                   "state%2Fssh%2Fssh&no_tty=1")
    assert "no_verify" not in uri
    assert connection_uri({"libvirt_uri": "qemu:///system"}, "/x") == "qemu:///system"


def test_define_start_power_and_remove(hv):
    vmid = fresh_vmid()
    name = hv.define_and_start(PM, domain_xml(vmid))
    assert name == f"vmf-{vmid}"
    assert hv.domain_state(PM, name) == "running"
    hv.power(PM, name, "pause")
    assert hv.domain_state(PM, name) == "paused"
    hv.power(PM, name, "resume")
    hv.power(PM, name, "stop")
    assert hv.domain_state(PM, name) == "shutoff"
    # the test driver says "internal error", QEMU's says "operation invalid" (Conflict)
    with pytest.raises((Conflict, HypervisorError), match="not running"):
        hv.power(PM, name, "pause")
    assert hv.remove_domain(PM, name) is True
    assert hv.remove_domain(PM, name) is False  # idempotent
    with pytest.raises(NotFound, match=f"pm 1 .*{name}"):
        hv.domain_state(PM, name)


def test_volumes_overlay_and_delete(hv):
    base = f"base-{fresh_vmid()}"
    path = hv.create_overlay(PM, base, None, None, 1 << 20)  # plain volume: no backing
    assert hv.volume_path(PM, base) == path
    assert base in hv.volume_names(PM)
    assert hv.delete_volume(PM, base) is True
    assert hv.delete_volume(PM, base) is False
    with pytest.raises(NotFound):
        hv.volume_path(PM, base)


def test_a_bad_uri_is_a_clear_error(hv):
    from service.errors import HypervisorError

    bad = {"id": 9, "address": "nowhere", "libvirt_uri": "test:///nonexistent/file.xml"}
    with pytest.raises(HypervisorError, match="pm 9 \\(nowhere\\): cannot connect to libvirt"):
        hv.domain_names(bad)


def test_the_connection_is_cached(hv):
    hv.domain_names(PM)
    first = hv._conns[(1, "test:///default")]
    hv.domain_names(PM)
    assert hv._conns[(1, "test:///default")] is first
