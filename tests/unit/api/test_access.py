"""Who may do what, for every route of /api/v1 (generated, Tempest-style, from the rules the
routes declare, the same the check reads): no token is 401, a member on an admin route 403,
a member on another member's resource 404, an expired or revoked token 401. A route added
without a rule, or missing from the OpenAPI document, fails here."""

import pytest

from service.api.v1 import document, openapi
from service.web import access
from tests.helpers.contexts import make_ctx, two_members


RULES = document.declared_rules()


def operations():
    return sorted(RULES)


def test_every_route_declares_its_rule_and_is_documented():
    assert [op for op, declared in RULES.items() if declared is None] == [], \
        "declare each new route's rule beside it: @access.rule(...)"
    documented = {(method.upper(), path) for path, item in openapi.BASE["paths"].items()
                  for method in item if method != "parameters"}
    assert set(RULES) == documented


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    context = make_ctx(tmp_path_factory.mktemp("access"))
    yield context
    context.close()


@pytest.fixture(scope="module")
def world(ctx):
    return two_members(ctx)


def call(app, method, path, token=None, values=None):
    url = "/api/v1" + path.format(**(values or {"vmid": 1, "cluster_id": 1, "job_id": 1,
                                                "token_id": 1, "volume_id": 1, "pmid": 1,
                                                "username": "x", "name": "x", "image_id": 1,
                                                "tid": 1}))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().open(url, method=method, json={}, headers=headers)


@pytest.mark.parametrize("method, path", operations())
def test_no_token_is_401(world, method, path):
    app, _, _ = world
    status = call(app, method, path).status_code
    if RULES[(method, path)].who == access.OPEN:
        assert status != 401 or path == "/tokens"
    else:
        assert status == 401


@pytest.mark.parametrize("method, path", [op for op in operations()
                                          if RULES[op].who == access.ADMIN])
def test_a_member_on_an_admin_route_is_403(world, method, path):
    app, tokens, owned = world
    assert call(app, method, path, tokens["alice"], owned["alice"]).status_code == 403


@pytest.mark.parametrize("method, path", [op for op in operations()
                                          if RULES[op].who == access.MEMBER
                                          and any(p in op[1] for p in ("{vmid}", "{cluster_id}",
                                                                      "{job_id}", "{token_id}",
                                                                      "{volume_id}",
                                                                      "{image_id}"))])
def test_another_members_resource_is_404(world, method, path):
    app, tokens, owned = world
    response = call(app, method, path, tokens["alice"], owned["bob"])
    assert response.status_code == 404, response.get_json()
    if method == "GET":  # it is there: an admin reaches it
        assert call(app, method, path, tokens["admin"], owned["bob"]).status_code != 404


def test_lists_show_a_member_their_own(world):
    app, tokens, owned = world
    vms = call(app, "GET", "/vms", tokens["alice"]).get_json()["vms"]
    assert [vm["id"] for vm in vms] == [owned["alice"]["vmid"], *[
        vm["id"] for vm in vms if vm["cluster_id"] == owned["alice"]["cluster_id"]]]
    clusters = call(app, "GET", "/clusters", tokens["alice"]).get_json()["clusters"]
    assert [c["id"] for c in clusters] == [owned["alice"]["cluster_id"]]
    assert len(call(app, "GET", "/vms", tokens["admin"]).get_json()["vms"]) == 4


@pytest.fixture(scope="module")
def dead_tokens(ctx, world):
    user = ctx.store.users.by_name("alice")
    expired, _ = ctx.tokens.issue(user.id, "old", 1)
    revoked, revoked_id = ctx.tokens.issue(user.id, "gone", 3600)
    ctx.accounts.revoke(user, revoked_id)
    return expired, revoked, "vmf_forged", "not-even-a-token"


@pytest.mark.parametrize("method, path", [op for op in operations()
                                          if RULES[op].who != access.OPEN])
def test_expired_and_revoked_tokens_are_401(world, dead_tokens, clock, method, path):
    app, _, owned = world
    clock.advance(2)  # the first of them (1 s to live) has expired
    for token in dead_tokens:
        assert call(app, method, path, token, owned["alice"]).status_code == 401


def test_an_action_a_route_gives_to_admins_is_403_for_a_member(world):
    """/vms/{id}/actions is a member's, but its migrate action (it chooses hosts) an admin's:
    declared beside the route, checked by the same mechanism, shown in the document."""
    app, tokens, owned = world
    body = {"action": "migrate"}
    headers = {"Authorization": f"Bearer {tokens['alice']}"}
    refused = app.test_client().post(f"/api/v1/vms/{owned['alice']['vmid']}/actions", json=body,
                                     headers=headers)
    assert refused.status_code == 403 and "admins" in refused.get_json()["error"]["message"]
    assert RULES[("POST", "/vms/{vmid}/actions")].by_action == {"migrate": access.ADMIN}
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "403" in served["paths"]["/vms/{vmid}/actions"]["post"]["responses"]
