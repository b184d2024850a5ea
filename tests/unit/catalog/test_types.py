"""Instance types at runtime: created, used, kept from changing its sizes while used,
retired (no new VM of it, the existing one untouched), deleted once unused; the types_file
re-applied at install keeps a type in use as it is."""

import pytest

from service.errors import Conflict, ValidationError


def test_a_type_is_created_used_retired_and_deleted_once_unused(ctx, client):
    made = client.post("/api/v1/types", json={"cpu": 2, "ram": 768, "disk": 2})
    assert made.status_code == 201
    tid = made.get_json()["type"]["tid"]
    assert tid == 4 and made.headers["Location"] == "/api/v1/types/4"
    vm = ctx.compute.create("typed", tid)[0]
    resized = client.patch(f"/api/v1/types/{tid}", json={"ram": 1024})
    assert resized.status_code == 409
    assert f"cannot change its ram_mb while in use by vm {vm.id} (typed)" in \
        resized.get_json()["error"]["message"]
    assert client.delete(f"/api/v1/types/{tid}").status_code == 409
    retired = client.patch(f"/api/v1/types/{tid}", json={"retired": True})
    assert retired.get_json()["type"]["retired"] is True
    with pytest.raises(ValidationError, match=f"type {tid} is retired"):
        ctx.compute.create("another", tid)
    assert ctx.store.vms.get(vm.id).state == "running" and ctx.store.vms.get(vm.id).tid == tid
    seed_types = client.get("/vm/types").get_json()["types"]
    assert tid not in [t["tid"] for t in seed_types] and len(seed_types) == 3
    ctx.compute.destroy(vm.id)
    assert client.patch(f"/api/v1/types/{tid}", json={"ram": 1024}).status_code == 200
    assert client.delete(f"/api/v1/types/{tid}").status_code == 204
    assert client.get(f"/api/v1/types/{tid}").status_code == 404


def test_a_bad_type_is_named_and_a_taken_tid_refused(ctx, client):
    answer = client.post("/api/v1/types", json={"cpu": 0, "ram": 512, "disk": 1})
    assert answer.status_code in (400, 422) and "cpu" in answer.get_json()["error"]["message"]
    answer = client.post("/api/v1/types", json={"tid": 1, "cpu": 1, "ram": 512, "disk": 1})
    assert answer.status_code == 409 and "type 1 exists" in answer.get_json()["error"]["message"]
    assert client.patch("/api/v1/types/1", json={}).status_code in (400, 422)
    assert [t["tid"] for t in ctx.store.catalog.types()] == [1, 2, 3]


def test_the_types_file_again_keeps_a_type_in_use_and_any_made_at_runtime(ctx):
    ctx.compute.create("one", 1)
    ctx.store.catalog.add_type({"cpu": 8, "ram_mb": 8192, "disk_gb": 8})
    kept = ctx.store.catalog.put_types([{"tid": 1, "cpu": 2, "ram_mb": 512, "disk_gb": 1},
                                        {"tid": 2, "cpu": 3, "ram_mb": 1024, "disk_gb": 2}])
    assert kept == ["type 1 keeps its sizes: in use by vm 1 (one)"]
    sizes = {t["tid"]: t["cpu"] for t in ctx.store.catalog.types()}
    assert sizes == {1: 1, 2: 3, 3: 4, 4: 8}
    with pytest.raises(Conflict):
        ctx.store.catalog.delete_type(1)
