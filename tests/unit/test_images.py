"""Image registration: inspection with an explicit format, unsafe images refused."""

import subprocess

import pytest

from service import images
from service.errors import ConfigError
from service.store import Store


def qemu_img(*args):
    subprocess.run(["qemu-img", *args], check=True, capture_output=True)


@pytest.fixture
def catalog(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'db.sqlite'}").catalog


def register(catalog, tmp_path, *lines):
    image_file = tmp_path / "image_file"
    image_file.write_text("\n".join(lines) + "\n")
    return images.register(catalog, str(image_file), str(tmp_path / "cache"), "/dev/null",
                           lambda u, h: None)


def test_raw_and_qcow2_are_registered_with_stable_ids(catalog, tmp_path):
    raw, qcow = tmp_path / "disk.img", tmp_path / "Ubuntu-12.04-amd64.qcow2"
    raw.write_bytes(b"\0" * 65536)
    qemu_img("create", "-q", "-f", "qcow2", str(qcow), "10M")
    ids = register(catalog, tmp_path, "# images", str(raw), "", str(qcow))
    assert ids == [1, 2]
    listed = catalog.images()
    assert [(i["name"], i["format"]) for i in listed] == [("disk", "raw"),
                                                          ("Ubuntu-12.04-amd64", "qcow2")]
    assert listed[1]["virtual_size"] == 10 * 1024 * 1024
    assert register(catalog, tmp_path, str(qcow), str(raw)) == [2, 1]  # same sources, same ids


def test_image_name_is_the_file_name_without_extension():
    assert images.ImageLine("/srv/Fedora-17-x86_64.qcow2", 1, None).name == "Fedora-17-x86_64"
    assert images.ImageLine("/srv/plain", 1, None).name == "plain"
    remote = images.ImageLine("u@h:/a/b/guest.img", 1, ("u", "h", "/a/b/guest.img"))
    assert remote.name == "guest"


def test_backing_file_to_etc_passwd_is_refused(catalog, tmp_path):
    evil = tmp_path / "evil.qcow2"
    qemu_img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/etc/passwd", str(evil), "1M")
    with pytest.raises(ConfigError) as info:
        register(catalog, tmp_path, str(evil))
    assert f"{tmp_path / 'image_file'}:1:" in str(info.value)
    assert "backing file" in str(info.value)
    assert catalog.images() == []


def test_external_data_file_is_refused(catalog, tmp_path):
    evil = tmp_path / "data.qcow2"
    qemu_img("create", "-q", "-f", "qcow2", "-o", f"data_file={tmp_path / 'data.raw'}",
             str(evil), "1M")
    with pytest.raises(ConfigError, match="external data file"):
        register(catalog, tmp_path, str(evil))


def test_other_formats_are_refused_by_name(catalog, tmp_path):
    vmdk = tmp_path / "disk.vmdk"
    qemu_img("create", "-q", "-f", "vmdk", str(vmdk), "1M")
    with pytest.raises(ConfigError, match="is a vmdk image"):
        register(catalog, tmp_path, str(vmdk))


def test_missing_files_and_bad_lines_name_file_and_line(catalog, tmp_path):
    good = tmp_path / "good.img"
    good.write_bytes(b"\0" * 512)
    with pytest.raises(ConfigError) as info:
        register(catalog, tmp_path, str(good), str(tmp_path / "absent.img"))
    assert f"{tmp_path / 'image_file'}:2:" in str(info.value)
    assert "no such file" in str(info.value)
    with pytest.raises(ConfigError) as info:
        register(catalog, tmp_path, str(good), "relative/path.img")
    assert ":2:" in str(info.value) and "neither a full path" in str(info.value)
    assert catalog.images() == []


def test_empty_image_file_is_an_error(catalog, tmp_path):
    with pytest.raises(ConfigError, match="no images"):
        register(catalog, tmp_path, "# nothing")
