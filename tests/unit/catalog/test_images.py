"""Images brought at runtime, on a store of either backend: an upload's checksum, the
inspection (a backing file or an external data file refused, naming why), imports from a
loopback HTTP server within images.import_networks only, private images and the quota, and
a failure at any step leaving no file and no row."""

import hashlib
import io
import os
import subprocess

import pytest

from service.catalog.fields import image_fields
from service.errors import QuotaExceeded, ValidationError, VmfabricError
from tests.helpers.file_server import serving
from tests.helpers.waiting import wait_until


def upload(ctx, user, name, data, **fields):
    return ctx.images.upload(user, image_fields(dict(fields, name=name)), io.BytesIO(data).read,
                             len(data))


def leftovers(ctx):
    """Files in the runtime image directory no active image has, and rows not active."""
    rows = ctx.store.catalog.images()
    kept = {os.path.basename(row["path"]) for row in rows if row["state"] == "active"}
    files = os.listdir(ctx.images.dir) if os.path.isdir(ctx.images.dir) else []
    return [f for f in files if f not in kept] + [r["id"] for r in rows if r["state"] != "active"]


@pytest.fixture
def member(ctx):
    return ctx.accounts.create("mia", None, "member", with_password=False)


@pytest.fixture
def admin(ctx):
    return ctx.accounts.create("ada", None, "admin", with_password=False)


def qcow2(path, *options):
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", *options, str(path), "16M"],
                   check=True)
    return path.read_bytes()


def test_an_upload_is_checked_against_its_sha256_and_inspected_before_it_is_active(ctx, admin):
    data = os.urandom(3 << 20)
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(ValidationError, match=f"sha256: the image's is .* not {wrong}"):
        upload(ctx, admin, "noisy", data, sha256=wrong)
    assert leftovers(ctx) == []
    image = upload(ctx, admin, "noisy", data, sha256=hashlib.sha256(data).hexdigest(),
                   os="debian")
    assert (image["state"], image["format"], image["size"], image["public"]) == \
        ("active", "raw", len(data), True)
    assert image["login"] == "debian" and open(image["path"], "rb").read() == data
    job = ctx.store.jobs.get(image["job_id"])
    assert job["state"] == "succeeded" and job["progress"]["done"] == len(data)


def test_a_qcow2_with_a_backing_or_data_file_is_refused_naming_why(ctx, admin, tmp_path):
    base = tmp_path / "base.raw"
    base.write_bytes(b"\0" * (1 << 20))
    backed = qcow2(tmp_path / "backed.qcow2", "-b", str(base), "-F", "raw")
    with pytest.raises(ValidationError, match="has a backing file .*base.raw"):
        upload(ctx, admin, "backed", backed)
    external = qcow2(tmp_path / "ext.qcow2", "-o", f"data_file={tmp_path / 'ext.data'}")
    with pytest.raises(ValidationError, match="has an external data file"):
        upload(ctx, admin, "ext", external)
    assert leftovers(ctx) == []
    plain = upload(ctx, admin, "plain", qcow2(tmp_path / "plain.qcow2"))
    assert (plain["format"], plain["virtual_size"]) == ("qcow2", 16 << 20)


def test_a_short_or_oversized_upload_leaves_nothing(ctx, admin):
    short = io.BytesIO(b"x" * 1000)
    with pytest.raises(VmfabricError, match="stopped after 1000 of 5000 bytes"):
        ctx.images.upload(admin, image_fields({"name": "short"}), short.read, 5000)
    ctx.images.settings["max_size"] = 1 << 20
    with pytest.raises(ValidationError, match="over images.max_size"):
        upload(ctx, admin, "big", b"\0" * (2 << 20))
    assert leftovers(ctx) == []


def test_a_members_image_is_private_and_counts_in_their_disk_quota(ctx, client, member):
    ctx.accounts.set_quota("mia", {"disk_gb": 2})
    image = upload(ctx, member, "mine", b"\1" * (1 << 20))
    assert not image["public"] and image["disk_gb"] == 1
    assert ctx.quotas.usage(ctx.store, member)["disk_gb"]["used"] == 1
    with pytest.raises(QuotaExceeded, match="disk_gb limit 2, in use 1, asked 2"):
        upload(ctx, member, "more", b"\1" * ((1 << 30) + 1))
    assert [r["name"] for r in ctx.images.listing(member)] == ["guest", "mine"]
    other = ctx.accounts.create("noah", None, "member", with_password=False)
    assert [r["name"] for r in ctx.images.listing(other)] == ["guest"]
    token, _ = ctx.tokens.issue(other.id, "t", 60)
    answer = client.get(f"/api/v1/images/{image['id']}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    with pytest.raises(VmfabricError, match=f"no image {image['id']}"):
        ctx.compute.create("theirs", 1, image_id=image["id"], user_id=other.id)


def test_an_import_fetches_from_allowed_addresses_only(ctx, admin, tmp_path):
    data = os.urandom(2 << 20)
    (tmp_path / "disk.img").write_bytes(data)
    with serving(tmp_path) as base:
        url = f"{base}/disk.img"
        with pytest.raises(ValidationError, match="127.0.0.1, an address images.import_networks "
                                                  "does not allow"):
            ctx.images.import_url(admin, image_fields({"name": "lo", "url": url}))
        with pytest.raises(ValidationError, match="only http and https"):
            image_fields({"name": "f", "url": "file:///etc/passwd"})
        ctx.images.settings["import_networks"] = ["127.0.0.1/32"]
        image, job = ctx.images.import_url(admin, image_fields(
            {"name": "fetched", "url": url, "sha256": hashlib.sha256(data).hexdigest()}))
        assert image["state"] == "importing"
        done = ended(ctx, job)
        assert done["state"] == "succeeded", done["error"]
        found = ctx.store.catalog.image(image["id"])
        assert found["state"] == "active" and found["sha256"] == hashlib.sha256(data).hexdigest()
        # a redirect is followed, and checked as the first address was
        ctx.images.settings["max_redirects"] = 2
        far = f"{base}/redirect/3?to={url}"
        _, job = ctx.images.import_url(admin, image_fields({"name": "far", "url": far}))
        assert "more than 2 redirects" in ended(ctx, job)["error"]
        away = f"{base}/redirect/1?to=http://10.0.0.1/disk.img"
        _, job = ctx.images.import_url(admin, image_fields({"name": "away", "url": away}))
        assert "10.0.0.1, an address images.import_networks does not allow" in \
            ended(ctx, job)["error"]
        missing = f"{base}/nothing.img"
        _, job = ctx.images.import_url(admin, image_fields({"name": "gone", "url": missing}))
        assert "HTTP 404" in ended(ctx, job)["error"]
    assert leftovers(ctx) == []


def ended(ctx, job):
    def look():
        found = ctx.store.jobs.get(job["id"])
        return found if found["state"] in ("succeeded", "failed") else None
    return wait_until(look, f"job {job['id']} ends", timeout=30, every=0.1)


def test_an_import_of_a_process_that_died_is_settled_by_the_sync(ctx, admin):
    image = ctx.images._begin(admin, image_fields({"name": "orphan"}), "upload:orphan", 10)
    with open(image["path"] + ".part", "wb") as fh:
        fh.write(b"half")
    assert ctx.image_removal.settle({ctx.process.id}) == []  # its process lives
    assert ctx.image_removal.settle(set()) == [image["id"]]
    assert leftovers(ctx) == [] and ctx.store.catalog.unsettled_images(set()) == []


def test_an_image_in_use_is_kept_and_an_unused_one_goes_with_its_file(ctx, admin, client):
    image = upload(ctx, admin, "needy", b"\0" * (1 << 20), min_ram_mb=1024)
    with pytest.raises(ValidationError, match="needs at least 1024 MB of memory; type 1 has 512"):
        ctx.compute.create("small", 1, image_id=image["id"], user_id=admin.id)
    assert ctx.store.vms.list() == []
    # (the test driver takes no uploads: the installation's image, whose base is on its hosts)
    vm = ctx.compute.create("big", 2, image_id=1, user_id=admin.id)[0]
    answer = client.delete("/api/v1/images/1")
    assert answer.status_code == 409
    assert f"in use by vm {vm.id} (big)" in answer.get_json()["error"]["message"]
    assert ctx.store.catalog.image(1)["state"] == "active"
    assert client.delete(f"/api/v1/images/{image['id']}").status_code == 204
    assert not os.path.exists(image["path"])
    assert client.get(f"/api/v1/images/{image['id']}").status_code == 404
