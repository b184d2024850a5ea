"""The seed-style block-storage API, every URL valid and invalid, answers checked field by field."""

import logging

import pytest


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"].startswith("application/json")
    return response.get_json()


def test_create_query_destroy_and_ids_never_reused(client):
    made = get(client, "/volume/create?name=data&size=3")
    volumeid = made["volumeid"]
    assert list(made) == ["volumeid"] and isinstance(volumeid, int) and volumeid > 0
    assert get(client, f"/volume/query?volumeid={volumeid}") == {
        "volumeid": volumeid, "name": "data", "size": 3, "status": "available"}
    assert get(client, f"/volume/destroy?volumeid={volumeid}") == {"status": 1}
    assert get(client, f"/volume/query?volumeid={volumeid}") == {
        "volumeid": volumeid, "name": "data", "size": 3, "status": "deleted"}
    assert get(client, f"/volume/destroy?volumeid={volumeid}") == {"status": 0}
    assert get(client, "/volume/create?name=next&size=1")["volumeid"] > volumeid


def test_a_volume_that_never_existed(client):
    assert get(client, "/volume/query?volumeid=424242") == {
        "error": "volumeid : 424242 does not exist"}


@pytest.mark.parametrize("query", [
    "", "name=x", "size=1", "name=&size=1", "name=x&size=0", "name=x&size=-1", "name=x&size=1.5",
    "name=x&size=abc", "name=x&size=%C2%B2", "name=x&size=99999999999", "name=x&size=100000",
    "name=a%00b&size=1", "name=" + "n" * 300 + "&size=1", "name=x&size=1&size=2",
])
def test_bad_creates_answer_volumeid_0_and_make_nothing(client, ctx, query, caplog):
    caplog.set_level(logging.DEBUG)
    assert get(client, f"/volume/create?{query}") == {"volumeid": 0}
    assert ctx.store.volumes.list() == []
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("url, answer", [
    ("/volume/query", {"error": "volumeid :  does not exist"}),
    ("/volume/query?volumeid=abc", {"error": "volumeid : abc does not exist"}),
    ("/volume/query?volumeid=0", {"error": "volumeid : 0 does not exist"}),
    ("/volume/query?volumeid=99999999999999999999", {
        "error": "volumeid : 99999999999999999999 does not exist"}),
    ("/volume/destroy", {"status": 0}), ("/volume/destroy?volumeid=x", {"status": 0}),
    ("/volume/destroy?volumeid=77", {"status": 0}),
    ("/volume/attach?volumeid=1", {"status": 0}), ("/volume/attach?vmid=1", {"status": 0}),
    ("/volume/attach?vmid=x&volumeid=1", {"status": 0}),
    ("/volume/attach?vmid=9&volumeid=9", {"status": 0}),
    ("/volume/detach", {"status": 0}), ("/volume/detach?volumeid=9", {"status": 0}),
])
def test_bad_calls_answer_their_failure_shape(client, url, answer):
    get(client, "/volume/create?name=one&size=1")  # volume 1 exists; vm 1 does not
    assert get(client, url) == answer


def test_an_attach_that_fails_on_its_host_leaves_the_volume_as_it_was(client, ctx):
    """The test driver cannot hot-plug: the attach fails after the disk was made, and is undone."""
    vmid = get(client, "/vm/create?name=guest&instance_type=1")["vmid"]
    volumeid = get(client, "/volume/create?name=data&size=2")["volumeid"]
    used = ctx.store.pms.get(1).used_disk_gb
    assert get(client, f"/volume/attach?vmid={vmid}&volumeid={volumeid}") == {"status": 0}
    assert get(client, f"/volume/query?volumeid={volumeid}")["status"] == "available"
    assert ctx.store.volumes.get(volumeid).pmid is None
    assert ctx.store.pms.get(1).used_disk_gb == used  # its claim went with the disk
    assert get(client, f"/volume/detach?volumeid={volumeid}") == {"status": 0}  # not attached
    assert get(client, f"/volume/destroy?volumeid={volumeid}") == {"status": 1}


def test_another_users_volume_is_not_there(client, ctx):
    from service.app import create_app

    owner = ctx.accounts.create("olga", None, "member", with_password=False)
    hers = ctx.volumes.create("hers", 1, user_id=owner.id)
    anonymous = create_app(ctx=ctx).test_client()  # the seed API's own account
    assert get(anonymous, f"/volume/query?volumeid={hers.id}") == {
        "error": f"volumeid : {hers.id} does not exist"}
    assert get(anonymous, f"/volume/destroy?volumeid={hers.id}") == {"status": 0}
