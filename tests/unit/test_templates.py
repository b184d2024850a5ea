"""Domain XML for hostile VM names: refused clearly, or exactly one <name> and the text intact."""

import xml.etree.ElementTree as ET

import pytest

from service import templates
from service.errors import ValidationError

NS = "{https://vmfabric.dev/xmlns/vm/1}"


def render(name):
    return templates.render_domain(vmid=42, name=name, tid=1, image_id=3, cpu=2, ram_mb=1024,
                                   domain_type="qemu", pool="vmfabric",
                                   console_log="/var/lib/libvirt/images/vmf-42.console.log")


@pytest.mark.parametrize("name", [
    "</name><devices>",
    "</title><name>evil</name>",
    "a'b\"c",
    "Tom & Jerry <3",
    "x" * 4000,
    "]]><!--",
    "ünïcödé ✓ 名前",
    "&amp;&lt;",
    "$(reboot) `id`",
])
def test_hostile_names_keep_one_name_and_the_text(name):
    root = ET.fromstring(render(name))
    assert len(root.findall("name")) == 1
    assert root.findtext("name") == "vmf-42"
    assert root.findtext("description") == name
    assert root.find(f"metadata/{NS}vm/{NS}name").text == name
    assert len(root.findall("devices")) == 1
    assert len(root.findall("devices/disk")) == 1


def test_long_names_get_a_short_title_but_keep_the_full_text():
    root = ET.fromstring(render("y" * 4000))
    assert len(root.findtext("title")) <= templates.TITLE_MAX
    assert root.findtext("description") == "y" * 4000


@pytest.mark.parametrize("name, what", [
    ("bad\x00name", "U+0000"),
    ("line\nbreak", "U+000A"),
    ("tab\there", "U+0009"),
    ("esc\x1b[31m", "U+001B"),
    ("", "non-empty"),
    ("   ", "non-empty"),
    ("z" * 4097, "at most 4096"),
])
def test_names_xml_cannot_carry_are_refused_naming_the_field(name, what):
    with pytest.raises(ValidationError) as info:
        render(name)
    assert info.value.field == "name"
    assert what in str(info.value)


def test_domain_type_and_sizes_come_from_arguments():
    root = ET.fromstring(templates.render_domain(
        vmid=7, name="n", tid=2, image_id=1, cpu=4, ram_mb=2048, domain_type="kvm",
        pool="p", console_log="/p/vmf-7.console.log"))
    assert root.get("type") == "kvm"
    assert root.findtext("vcpu") == "4"
    assert root.findtext("memory") == "2048"
    assert root.find("devices/disk/source").get("volume") == "vmf-7.qcow2"
    assert root.find("devices/serial/log").get("file") == "/p/vmf-7.console.log"
    with pytest.raises(ValidationError):
        templates.render_domain(vmid=7, name="n", tid=2, image_id=1, cpu=4, ram_mb=2048,
                                domain_type="xen", pool="p", console_log="/x")


def test_volume_overlay_names_its_backing_store():
    root = ET.fromstring(templates.render_volume(name="vmf-1.qcow2", capacity=1 << 30, fmt="qcow2",
                                                 backing_path="/pool/base", backing_format="raw"))
    assert root.findtext("backingStore/path") == "/pool/base"
    assert root.find("backingStore/format").get("type") == "raw"


def test_names_refuse_non_ids():
    from service import naming

    assert naming.domain(38201) == "vmf-38201"
    assert naming.owner_of("vmf-38201.qcow2") == 38201 and naming.owner_of("vmfabric-base-1") is None
    for bad in (0, -1, "1; rm", "x", True, 1.5):
        with pytest.raises(ValueError):
            naming.domain(bad)


def test_a_disk_on_shared_storage_is_a_network_disk_and_a_bad_source_is_refused():
    source = {"protocol": "iscsi", "name": "iqn.2026-12.io.vmfabric:vmf-42/1",
              "host": "10.0.0.10", "port": 3260}
    root = ET.fromstring(templates.render_domain(
        vmid=42, name="n", tid=1, image_id=3, cpu=2, ram_mb=1024, domain_type="qemu",
        pool="p", console_log="/tmp/c.log", shared_disk=source))
    disk = root.find("./devices/disk[@device='disk']")
    assert disk.get("type") == "network" and disk.find("driver").get("type") == "raw"
    assert disk.find("source").attrib == {"protocol": "iscsi", "name": source["name"]}
    assert disk.find("source/host").attrib == {"name": "10.0.0.10", "port": "3260"}
    assert root.find("./devices/disk[@device='disk']/source[@pool]") is None
    for bad in ({**source, "host": "x'/><evil/>"}, {**source, "protocol": "file"},
                {**source, "port": 0}, {"protocol": "iscsi"}):
        with pytest.raises(ValidationError, match="shared_disk"):
            templates.render_domain(vmid=42, name="n", tid=1, image_id=3, cpu=2, ram_mb=1024,
                                    domain_type="qemu", pool="p", console_log="/tmp/c.log",
                                    shared_disk=bad)
