"""A server process killed (SIGKILL) at each fault point of create, destroy, attach,
migrate and an image's upload or import: with no restart, the sync loop of another process finishes or rolls back its work,
and the fleet is whole. On SQLite (the session lab) and on PostgreSQL (a lab of its own)."""

import dataclasses

import os

import pytest
import requests

from service import faults
from tests.helpers.file_server import serving
from tests.helpers.servers import armed_server
from tests.helpers.fleet import fleet_is_whole
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.lab
CREATE_POINTS = [p for p in faults.POINTS if p.startswith("create.")]
DESTROY_POINTS = [p for p in faults.POINTS if p.startswith("destroy.")]


@dataclasses.dataclass
class Env:
    lab: object
    ctx: object
    server: object


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def env(request, tmp_path_factory):
    """A lab, a context on it, and a server over the context's store whose processes die at
    armed fault points."""
    lab, ctx = ((request.getfixturevalue("lab"), request.getfixturevalue("lab_ctx"))
                if request.param == "sqlite" else
                (request.getfixturevalue("pg_lab"), request.getfixturevalue("pg_lab_ctx")))
    srv = armed_server(ctx, tmp_path_factory, f"faulty-server-{request.param}",
                       images={"import_networks": ["127.0.0.1/32"]})
    yield Env(lab, ctx, srv)
    srv.kill()


def died_answering(call):
    """True when CALL, a request to the server, met the death of the process answering it:
    the front says so (a 502 in the API's shape), or, with no front, the connection drops."""
    try:
        response = call()
    except requests.ConnectionError:
        return True
    return response.status_code == 502 and response.json()["error"]["code"] == "unavailable"


def arm(server, point):
    open(os.path.join(server.armed, point), "w").close()


def settled(store, lab, name, timeout=60):
    """Wait until no VM named NAME is in transition and the fleet is whole; the problems left."""
    def problems():
        if [vm for vm in store.vms.list(name=name) if vm.in_transition]:
            return ["still in transition"]
        return fleet_is_whole(store, lab)
    try:
        wait_until(lambda: not problems(), f"the fleet whole after {name}", timeout)
    except AssertionError:
        return problems()
    return []


@pytest.mark.parametrize("point", CREATE_POINTS)
def test_a_create_killed_at_each_point_is_finished_or_rolled_back(env, point):
    faulty, lab, lab_ctx = env.server, env.lab, env.ctx
    name = f"crash-{point}"
    arm(faulty, point)
    assert died_answering(lambda: faulty.api("POST", "/vms", json={"name": name,
                                                                    "instance_type": 1}))
    assert not os.path.exists(os.path.join(faulty.armed, point)), "the point was not reached"
    assert settled(lab_ctx.store, lab, name) == []
    states = [vm.state for vm in lab_ctx.store.vms.list(name=name)]
    assert states == [] if point == "create.before_claim" else states in (["running"], ["failed"])
    if point == "create.after_start":
        assert states == ["running"]  # it was made: the sync finishes it
    for vm in lab_ctx.store.vms.list(name=name):
        if vm.state == "running":
            faulty.api("DELETE", f"/vms/{vm.id}", timeout=120)


def test_a_batch_killed_midway_is_undone_whole(env):
    """A batch of 3 whose process dies while one member's disk is made (the others anywhere
    between claim and running): the batch was all or nothing, so no member is left running."""
    faulty, lab, lab_ctx = env.server, env.lab, env.ctx
    name = "crash-batch"
    arm(faulty, "create.after_disk")
    assert died_answering(lambda: faulty.api(
        "POST", "/vms", json={"name": name, "instance_type": 1, "count": 3}))
    members = [vm for vm in lab_ctx.store.vms.list() if vm.name.startswith(f"{name}-")]
    assert len(members) == 3
    assert settled(lab_ctx.store, lab, f"{name}-1") == []
    wait_until(lambda: not any(lab_ctx.store.vms.get(vm.id).in_transition for vm in members),
               "the batch settled", timeout=60)
    assert {lab_ctx.store.vms.get(vm.id).state for vm in members} == {"failed"}
    assert fleet_is_whole(lab_ctx.store, lab) == []


@pytest.mark.parametrize("point", DESTROY_POINTS)
def test_a_destroy_killed_at_each_point_is_completed(env, point):
    faulty, lab, lab_ctx = env.server, env.lab, env.ctx
    created = faulty.api("POST", "/vms", timeout=120,
                         json={"name": f"doomed-{point}", "instance_type": 1})
    assert created.status_code == 201, created.text
    vmid = created.json()["vms"][0]["id"]
    arm(faulty, point)
    assert died_answering(lambda: faulty.api("DELETE", f"/vms/{vmid}"))
    assert settled(lab_ctx.store, lab, f"doomed-{point}") == []
    assert lab_ctx.store.vms.list(name=f"doomed-{point}") == []


def test_an_attach_killed_after_its_disk_was_made_is_rolled_back(env):
    """The disk made on the guest's host for a first attach is removed and its claim given
    back; the volume is available again and attaches once the dust settles."""
    faulty, lab, lab_ctx = env.server, env.lab, env.ctx
    created = faulty.api("POST", "/vms", timeout=120,
                         json={"name": "crash-attach", "instance_type": 1})
    assert created.status_code == 201, created.text
    vmid = created.json()["vms"][0]["id"]
    volume = faulty.api("POST", "/volumes", json={"name": "crash-disk", "size": 1}).json()["volume"]
    arm(faulty, "volume.attach.after_disk")
    assert died_answering(lambda: faulty.api("POST", f"/volumes/{volume['id']}/actions",
                                             json={"action": "attach", "vmid": vmid}))
    assert not os.path.exists(os.path.join(faulty.armed, "volume.attach.after_disk"))
    assert settled(lab_ctx.store, lab, "crash-attach") == []
    stored = lab_ctx.store.volumes.get(volume["id"])
    assert (stored.state, stored.pmid, stored.pending_pmid) == ("available", None, None)
    again = faulty.api("POST", f"/volumes/{volume['id']}/actions", timeout=120,
                       json={"action": "attach", "vmid": vmid})
    assert again.status_code == 200, again.text
    assert faulty.api("DELETE", f"/vms/{vmid}", timeout=120).status_code == 204
    assert faulty.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert fleet_is_whole(lab_ctx.store, lab) == []


def test_a_migration_killed_before_the_move_is_undone(env):
    """Killed with the destination claimed and its disks made: the sync of another process
    removes them there and gives the claim back; the VM runs where it was."""
    faulty, lab, lab_ctx = env.server, env.lab, env.ctx
    created = faulty.api("POST", "/vms", timeout=120,
                         json={"name": "crash-migrate", "instance_type": 1})
    assert created.status_code == 201, created.text
    vm = created.json()["vms"][0]
    arm(faulty, "migrate.before_move")
    try:
        faulty.api("POST", f"/vms/{vm['id']}/actions", json={"action": "migrate"}, timeout=120)
    except requests.ConnectionError:
        pass  # the job runs in the request's process: it may die before or after answering
    wait_until(lambda: not os.path.exists(os.path.join(faulty.armed, "migrate.before_move")),
               "the fault point reached", timeout=30, every=0.2)
    assert settled(lab_ctx.store, lab, "crash-migrate") == []
    stayed = lab_ctx.store.vms.get(vm["id"])
    assert (stayed.pmid, stayed.target_pmid, stayed.state) == (vm["pmid"], None, "running")
    assert faulty.api("DELETE", f"/vms/{vm['id']}", timeout=120).status_code == 204


@pytest.mark.parametrize("how", ["upload", "import"])
def test_an_image_killed_midway_leaves_no_half_image(env, how, tmp_path):
    data = os.urandom(8 << 20)
    (tmp_path / "half.raw").write_bytes(data)
    arm(env.server, "image.receive")
    name = f"half-{how}"
    with serving(tmp_path) as base:
        if how == "upload":
            assert died_answering(lambda: env.server.api(
                "POST", "/images", params={"name": name}, data=data,
                headers={"Content-Type": "application/octet-stream"}))
        else:
            # the import's thread may reach the fault point, and its process die, before the
            # 202 is sent (the front answers 502) or while it is on its way (the answer is
            # cut): the half image is the same
            try:
                answer = env.server.api("POST", "/images", json={"name": name,
                                                                 "url": f"{base}/half.raw"})
                assert answer.status_code in (202, 502), answer.text
            except requests.exceptions.ChunkedEncodingError:
                pass
        wait_until(lambda: not os.path.exists(os.path.join(env.server.armed, "image.receive")),
                   "the fault point reached", timeout=30, every=0.2)
        store = env.ctx.store
        wait_until(lambda: name not in [r["name"] for r in store.catalog.images()],
                   "the sync removing the half image", timeout=60)
    runtime = env.ctx.images.dir
    kept = {os.path.basename(r["path"]) for r in store.catalog.images()}
    assert [f for f in os.listdir(runtime) if f not in kept] == []
    job = store.jobs.recent(limit=1)[0]
    assert job["kind"] == f"image.{how}" and job["state"] == "failed"
