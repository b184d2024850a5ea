"""Host capacity arithmetic (service/capacity.py) and the filter plugin Ansible loads for it."""

import importlib.util
import os

import pytest

from service import capacity, jinja_filters, naming
from service.paths import FILTER_PLUGINS

GIB = 1024 ** 3
FACTS = {
    "ansible_processor_vcpus": 8,
    "ansible_memtotal_mb": 16000,
    "ansible_mounts": [
        {"mount": "/", "size_total": 50 * GIB, "size_available": 10 * GIB},
        {"mount": "/var/lib/libvirt", "size_total": 100 * GIB + 5, "size_available": 90 * GIB},
        {"mount": "/var/lib/libvirtX", "size_total": 7 * GIB, "size_available": 1},
    ],
}


def cap(**kwargs):
    return capacity.host_capacity(FACTS, **kwargs)


def test_raw_facts_use_the_pool_filesystem():
    result = cap()
    assert {k: result[k] for k in ("cpu", "ram_mb", "disk_gb")} == {
        "cpu": 8, "ram_mb": 16000, "disk_gb": 100}


def test_pool_on_root_filesystem():
    result = capacity.host_capacity(FACTS, pool_path="/srv/images")
    assert result["disk_gb"] == 50


def test_documented_example():
    result = cap(settings={"reserved": {"ram_mb": 2048}}, ratio={"cpu": 4.0, "ram": 1.0, "disk": 1.0})
    assert result == {"cpu": 32, "ram_mb": 13952, "disk_gb": 100,
                      "raw": {"cpu": 8, "ram_mb": 16000, "disk_gb": 100}}


def test_advertised_capacity_replaces_facts_entirely():
    result = capacity.host_capacity({}, settings={"capacity": {"cpu": 4, "ram_mb": 4096, "disk_gb": 20}})
    assert (result["cpu"], result["ram_mb"], result["disk_gb"]) == (4, 4096, 20)


def test_partial_advertisement_overrides_only_what_it_names():
    result = cap(settings={"capacity": {"cpu": 64}})
    assert (result["cpu"], result["ram_mb"]) == (64, 16000)


def test_cap_then_reserve_then_ratio():
    result = cap(settings={"capacity_cap": {"ram_mb": 8192}, "reserved": {"ram_mb": 1024, "cpu": 2}},
                 ratio={"ram": 1.5, "cpu": 2})
    assert result["ram_mb"] == int((8192 - 1024) * 1.5)
    assert result["cpu"] == (8 - 2) * 2


def test_reservation_larger_than_host_gives_zero():
    assert cap(settings={"reserved": {"cpu": 99}})["cpu"] == 0


@pytest.mark.parametrize("settings, ratio, message", [
    ({"reserved": {"cpu": -1}}, None, "reserved.cpu"),
    ({"capacity": {"cpu": "eight"}}, None, "capacity.cpu"),
    (None, {"ram": -2}, "allocation_ratio.ram"),
])
def test_bad_values_are_named(settings, ratio, message):
    with pytest.raises(capacity.CapacityError, match=message):
        cap(settings=settings, ratio=ratio)


def test_missing_fact_is_named():
    with pytest.raises(capacity.CapacityError, match="processor_vcpus"):
        capacity.host_capacity({"ansible_mounts": FACTS["ansible_mounts"]})


def plugin(name):
    """A filter plugin file loaded by path, as Ansible loads it."""
    spec = importlib.util.spec_from_file_location(f"ansible_plugin_{name}",
                                                  os.path.join(FILTER_PLUGINS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FilterModule().filters()


def test_the_plugin_hands_ansible_the_service_functions():
    assert plugin("vmfabric") == jinja_filters.ALL
    assert plugin("vmfabric")["vmfabric_domain_name"] is naming.domain


def test_ansible_sees_a_filter_error():
    from ansible.errors import AnsibleFilterError

    wrapped = plugin("vmfabric")["vmfabric_host_capacity"]
    with pytest.raises(AnsibleFilterError, match="vmfabric_host_capacity: no mounted filesystem"):
        wrapped({"ansible_mounts": []})
