"""Images brought at runtime on the lab, through a real server: one uploaded with the CLI
(a wrong checksum refused, the right one taken) and one imported from a loopback HTTP
server both boot guests that answer SSH; a qcow2 with a backing or data file is refused
naming why; an image in use stays, and deleting an unused one removes its copies from
the hosts; a member's image is private and counts in their quota. An instance type is
created, used, retired (no new VM of it, the existing one untouched) and deleted once unused."""

import hashlib
import json
import shutil
import subprocess

import pytest
import requests

from tests.helpers.consoles import wait_text
from tests.helpers.file_server import serving
from tests.helpers.servers import lab_server, run_cli
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "image-server", images={"import_networks": ["127.0.0.1/32"]})
    yield srv
    srv.kill()


@pytest.fixture(scope="module")
def image_copy(guest_image, tmp_path_factory):
    """The lab's guest image under another name, and its sha256."""
    path = tmp_path_factory.mktemp("images") / "lab-guest.qcow2"
    shutil.copyfile(guest_image, path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def boots(server, lab_ctx, image_id, name):
    """A VM of IMAGE_ID that answers SSH with the host key vmfabric gave it; returns its row."""
    made = server.api("POST", "/vms", json={"name": name, "instance_type": 1,
                                            "image_id": image_id})
    assert made.status_code == 201, made.text
    vm = made.json()["vms"][0]
    ip = vm["addresses"][0]["ip"]
    wait_text(server, vm["id"], "ssh ready", timeout=90)
    done = subprocess.run(["ssh", "-F", lab_ctx.guest_access.ssh_config, f"root@{ip}", "hostname"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == name, done.stderr
    return vm


def destroy(server, vmid):
    assert server.api("DELETE", f"/vms/{vmid}").status_code in (202, 204)
    wait_until(lambda: server.api("GET", f"/vms/{vmid}").status_code == 404, f"vm {vmid} gone")


def test_an_uploaded_image_boots_and_goes_with_its_copies_once_unused(server, lab_ctx, image_copy):
    path, digest = image_copy
    wrong = run_cli(server, "image", "add", str(path), "--name", "uploaded", "--sha256", "0" * 64)
    assert wrong.returncode != 0 and f"sha256: the image's is {digest}" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert "uploaded" not in [i["name"] for i in server.api("GET", "/images").json()["images"]]
    right = run_cli(server, "image", "add", str(path), "--name", "uploaded", "--sha256", digest,
                    "--json")
    assert right.returncode == 0, right.stderr
    image = json.loads(right.stdout)["image"]
    assert (image["state"], image["format"], image["sha256"]) == ("active", "qcow2", digest)
    vm = boots(server, lab_ctx, image["id"], "from-upload")
    refused = server.api("DELETE", f"/images/{image['id']}")
    assert refused.status_code == 409
    assert f"in use by vm {vm['id']} (from-upload)" in refused.json()["error"]["message"]
    bases = lab_ctx.store.catalog.hosts_with(image["id"])
    assert [b["pmid"] for b in bases] == [vm["pmid"]]
    destroy(server, vm["id"])
    gone = run_cli(server, "image", "delete", str(image["id"]))
    assert gone.returncode == 0, gone.stderr
    pm = lab_ctx.store.pms.get(vm["pmid"])
    assert bases[0]["volume"] not in lab_ctx.hypervisors.storage.volume_names(pm)
    assert server.api("GET", f"/images/{image['id']}").status_code == 404


def test_an_image_imported_from_a_url_boots(server, lab_ctx, image_copy):
    path, digest = image_copy
    with serving(path.parent) as base:
        answer = server.api("POST", "/images", json={"name": "imported", "sha256": digest,
                                                     "url": f"{base}/{path.name}",
                                                     "login": "debian"})
        assert answer.status_code == 202, answer.text
        job = answer.json()["job"]
        ended = wait_until(lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            server.api("GET", f"/jobs/{job['id']}").json()["job"]), "the import's end", 120)
    assert ended["state"] == "succeeded", ended["error"]
    assert ended["progress"]["done"] == path.stat().st_size
    image = server.api("GET", f"/images/{answer.json()['image']['id']}").json()["image"]
    assert image["state"] == "active" and image["sha256"] == digest
    vm = boots(server, lab_ctx, image["id"], "from-url")
    # `vm ssh` logs in as the user the image says its cloud image has
    assert server.api("GET", f"/vms/{vm['id']}/ssh").json()["user"] == "debian"
    destroy(server, vm["id"])
    assert server.api("DELETE", f"/images/{image['id']}").status_code == 204


def test_a_qcow2_with_a_backing_or_data_file_is_refused_naming_why(server, tmp_path):
    base = tmp_path / "secret.raw"
    base.write_bytes(b"\0" * (1 << 20))
    for name, options, why in (("backed", ["-b", str(base), "-F", "raw"], "has a backing file"),
                               ("external", ["-o", f"data_file={tmp_path / 'd.raw'}"],
                                "has an external data file")):
        path = tmp_path / f"{name}.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", *options, str(path), "8M"],
                       check=True)
        done = run_cli(server, "image", "add", str(path))
        assert done.returncode != 0 and why in done.stderr, done.stderr
        assert name not in [i["name"] for i in server.api("GET", "/images").json()["images"]]


def test_a_members_image_is_theirs_alone_and_counts_in_their_quota(server, lab_ctx, tmp_path):
    tokens = {}
    for name in ("imogen", "ivan"):
        user = lab_ctx.accounts.create(name, None, "member", with_password=False)
        tokens[name], _ = lab_ctx.tokens.issue(user.id, "images", 3600)
    path = tmp_path / "small.raw"
    path.write_bytes(b"\1" * (3 << 20))
    done = run_cli(server, "image", "add", str(path), "--json", token=tokens["imogen"])
    assert done.returncode == 0, done.stderr
    image = json.loads(done.stdout)["image"]
    assert image["public"] is False

    def call(who, method, route):
        return requests.request(method, f"{server.url}/api/v1{route}", timeout=60,
                                headers={"Authorization": f"Bearer {tokens[who]}"})

    quota = call("imogen", "GET", "/whoami").json()["user"]["quota"]["disk_gb"]
    assert quota["used"] == 1
    assert image["id"] not in [i["id"] for i in call("ivan", "GET", "/images").json()["images"]]
    assert call("ivan", "GET", f"/images/{image['id']}").status_code == 404
    assert call("ivan", "DELETE", f"/images/{image['id']}").status_code == 404
    assert call("imogen", "DELETE", f"/images/{image['id']}").status_code == 204
    assert call("imogen", "GET", "/whoami").json()["user"]["quota"]["disk_gb"]["used"] == 0


def test_a_type_is_created_used_retired_and_deleted_once_unused(server):
    made = run_cli(server, "type", "create", "--cpu", "1", "--ram", "384", "--disk", "1", "--json")
    assert made.returncode == 0, made.stderr
    tid = json.loads(made.stdout)["type"]["tid"]
    created = server.api("POST", "/vms", json={"name": "typed", "instance_type": tid})
    assert created.status_code == 201, created.text
    vm = created.json()["vms"][0]
    assert (vm["state"], vm["instance_type"]) == ("running", tid)
    retired = run_cli(server, "type", "retire", str(tid))
    assert retired.returncode == 0, retired.stderr
    refused = server.api("POST", "/vms", json={"name": "typed-2", "instance_type": tid})
    assert refused.status_code == 422 and f"type {tid} is retired" in refused.text
    assert tid not in [t["tid"] for t in requests.get(f"{server.url}/vm/types", timeout=30)
                       .json()["types"]]
    still = server.api("GET", f"/vms/{vm['id']}").json()["vm"]
    assert (still["state"], still["instance_type"]) == ("running", tid)
    in_use = run_cli(server, "type", "delete", str(tid))
    assert in_use.returncode != 0 and f"in use by vm {vm['id']} (typed)" in in_use.stderr
    destroy(server, vm["id"])
    gone = run_cli(server, "type", "delete", str(tid))
    assert gone.returncode == 0, gone.stderr
    assert server.api("GET", f"/types/{tid}").status_code == 404
