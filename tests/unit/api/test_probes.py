"""What probing the API as a user and as an attacker found, each kept fixed: no secret in an
answer, a log line or an event; no 500 for hostile bodies and forms; HEAD makes nothing; a
foreign Host is refused; a login costs the same whether the user exists; members learn
nothing of other users; a spread cluster that is full says why."""

import logging

import pytest

from service.app import create_app
from service.identity import passwords
from tests.helpers.servers import admin_token

SECRET = "Abc1234"


@pytest.fixture
def app(ctx):
    return create_app(ctx=ctx)


def member(ctx, name):
    user = ctx.accounts.create(name, None, "member", with_password=False)
    token, _ = ctx.tokens.issue(user.id, "t", 3600)
    return user, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("body", [
    {"username": "u", "password": SECRET},                   # too short
    {"username": "u", "password": SECRET + "x" * 2000},      # too long
    {"username": "u", "password": [SECRET]},                 # not a string
])
def test_a_refused_password_is_never_quoted(client, ctx, caplog, body):
    caplog.set_level(logging.DEBUG)
    answer = client.post("/api/v1/users", json=body)
    assert answer.status_code == 422
    assert answer.json["error"]["message"].startswith("password: ")
    assert SECRET not in answer.get_data(as_text=True)
    assert SECRET not in caplog.text
    assert all(SECRET not in e["outcome"] for e in ctx.store.events.list())


def test_user_data_over_its_limit_is_not_quoted(client, ctx, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "#cloud-config\npassword: " + "hunter2-" * 3000
    answer = client.post("/api/v1/vms", json={"name": "x", "instance_type": 1,
                                              "user_data": secret})
    assert answer.status_code == 422 and answer.json["error"]["message"].startswith("user_data")
    assert "hunter2" not in answer.get_data(as_text=True) + caplog.text
    assert all("hunter2" not in e["outcome"] for e in ctx.store.events.list())


def test_a_value_is_quoted_briefly(client):
    answer = client.post("/api/v1/vms", json={"name": "x" * 5000, "instance_type": 1})
    assert answer.status_code == 422
    assert len(answer.json["error"]["message"]) < 200


def test_deeply_nested_json_is_a_400_even_anonymously(app):
    nested = "[" * 1000 + "]" * 1000
    answer = app.test_client().post("/api/v1/tokens", data=nested,
                                    headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "deeper" in answer.json["error"]["message"]


def test_a_body_over_the_limit_is_a_short_413(client, ctx):
    limit = ctx.config["server"]["max_body"]
    answer = client.post("/api/v1/vms", data=b"{" + b" " * limit + b"}",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and len(answer.data) < 300
    seed = client.get("/vm/create?name=x&instance_type=1", data=b"x" * (limit + 1))
    assert seed.status_code == 413 and seed.json == {"vmid": 0}
    assert ctx.store.vms.list() == []


def test_head_and_options_of_a_seed_change_make_nothing(app, ctx):
    client = app.test_client()
    assert client.head("/vm/create?name=x&instance_type=1").status_code == 200
    assert client.options("/vm/create?name=x&instance_type=1").json == {"vmid": 0}
    assert ctx.store.vms.list() == []
    vm = ctx.compute.create("kept", 1, user_id=ctx.accounts.seed_account().id)[0]
    assert client.head(f"/vm/destroy?vmid={vm.id}").status_code == 200
    assert client.options(f"/vm/destroy?vmid={vm.id}").json == {"status": 0}
    assert ctx.store.vms.get(vm.id).state == "running"
    assert ctx.store.events.list() == []


@pytest.mark.parametrize("url", ["/vm/create?name=x&instance_type=1", "/api/v1/health", "/ui/login"])
def test_a_foreign_host_is_refused(app, ctx, url):
    """DNS rebinding: a page under another name that resolves to the server gets nothing."""
    answer = app.test_client().get(url, headers={"Host": "attacker.example"})
    assert answer.status_code == 400
    assert ctx.store.vms.list() == []
    assert app.test_client().get(url, headers={"Host": "127.0.0.1:80"}).status_code != 400


def test_a_login_costs_a_password_check_whether_or_not_the_user_exists(app, ctx, monkeypatch):
    """The time of a refusal does not tell whether the user exists: both check a hash."""
    ctx.accounts.create("known", "a long password", "member")
    checked = []

    class Counting:
        """The hasher, counting the hashes it checks passwords against."""

        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, digest, password):
            checked.append(digest)
            return self.hasher.verify(digest, password)

        def __getattr__(self, name):
            return getattr(self.hasher, name)

    monkeypatch.setattr(passwords, "_hasher", Counting(passwords._hasher))
    client = app.test_client()
    for username in ("known", "nobody"):
        answer = client.post("/api/v1/tokens", json={"username": username, "password": "wrong!!!"})
        assert answer.status_code == 401
    assert len(checked) == 2
    assert passwords.unknown_user_hash() in checked


def test_cluster_names_are_per_owner_and_members_see_no_server_paths(app, ctx):
    """Another member's cluster name is no business of yours; no answer of a member names a
    file on the server (the image's source, vmfabric's key, the guests' ssh_config)."""
    _, alice = member(ctx, "alice")
    _, bob = member(ctx, "bob")
    client = app.test_client()
    for who in (alice, bob):
        made = client.post("/api/v1/clusters", json={"name": "web", "instance_type": 1,
                                                      "size": 1}, headers=who)
        assert made.status_code == 201, made.json
    again = client.post("/api/v1/clusters", json={"name": "web", "instance_type": 1, "size": 1},
                        headers=alice)
    assert again.status_code == 409 and "bob" not in again.get_data(as_text=True)
    home = ctx.config["home"]
    cluster_id = client.get("/api/v1/clusters", headers=alice).json["clusters"][0]["id"]
    vmid = client.get("/api/v1/vms", headers=alice).json["vms"][0]["id"]
    for url in ("/api/v1/images", f"/api/v1/clusters/{cluster_id}/inventory",
                f"/api/v1/vms/{vmid}", "/api/v1/clusters", "/api/v1/whoami"):
        answer = client.get(url, headers=alice)
        assert answer.status_code in (200, 409), (url, answer.status_code)
        assert home not in answer.get_data(as_text=True), url
        assert "bob" not in answer.get_data(as_text=True), url
    admin = {"Authorization": f"Bearer {admin_token(ctx)}"}
    assert client.get("/api/v1/images", headers=admin).json["images"][0]["source"]


def test_a_full_spread_cluster_says_the_spread_rule_is_why(client, ctx):
    made = client.post("/api/v1/clusters", json={"name": "everywhere", "instance_type": 1,
                                                  "size": 3, "placement": "spread"})
    assert made.status_code == 201
    cluster_id = made.json["cluster"]["id"]
    for count in (1, 2):
        more = client.post(f"/api/v1/clusters/{cluster_id}/nodes", json={"count": count})
        assert more.status_code == 409, more.json
        assert "spread" in more.json["error"]["message"]


def test_a_user_who_had_a_volume_can_be_deleted(client, ctx):
    user, _ = member(ctx, "carol")
    volume = ctx.volumes.create("scratch", 1, user_id=user.id)
    ctx.volumes.destroy(volume.id)
    assert client.delete("/api/v1/users/carol").status_code == 204
    kept = client.delete("/api/v1/users/nobody-here")
    assert kept.status_code == 404


def test_a_name_that_is_not_utf8_makes_no_vm(app, ctx):
    answer = app.test_client().get("/vm/create?name=a%FFb&instance_type=1")
    assert answer.status_code == 200 and answer.json == {"vmid": 0}
    assert ctx.store.vms.list() == []


@pytest.mark.parametrize("field", ["instance_type", "count", "image_id"])
def test_the_dashboards_form_refuses_other_scripts_digits(ctx, field):
    ctx.accounts.create("ada", "a long admin password", "admin")
    client = create_app(ctx=ctx).test_client()
    client.post("/ui/login", data={"username": "ada", "password": "a long admin password"})
    form = {"name": "x", "instance_type": "1", "count": "1", "image_id": "1", field: "²"}
    answer = client.post("/ui/vms", data=form, headers={"HX-Request": "true"})
    assert b"internal error" not in answer.data and field.encode() in answer.data
    assert ctx.store.vms.list() == []


def test_a_host_header_admitted_once_stays_admitted_and_a_foreign_one_never_is():
    """Admitted Host headers are remembered (parsed once); refused ones never are, so a
    client cycling through names neither gets in nor grows the memory."""
    from service.web.guards import AllowedHosts

    allowed = AllowedHosts(["127.0.0.1", "vmfabric.example"])
    for _ in range(2):
        assert allowed.admits("127.0.0.1:80") and allowed.admits("VMFABRIC.example.")
        assert not allowed.admits("attacker.example") and not allowed.admits("127.0.0.1.evil:80")
    for n in range(AllowedHosts.REMEMBERED * 2):
        assert allowed.admits(f"127.0.0.1:{n}")
    assert len(allowed._admitted) == AllowedHosts.REMEMBERED
    assert not allowed.admits("attacker.example")
