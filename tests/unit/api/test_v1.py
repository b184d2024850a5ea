"""/api/v1: status codes, one error shape, validation naming the field, OpenAPI kept true."""

import re

import jsonschema
import pytest

from service.api.v1.openapi import BASE as DOCUMENT


def schema_for(path_template, method, status):
    op = DOCUMENT["paths"][path_template][method]
    response = op["responses"][str(status)]
    content = response.get("content")
    if content is None:
        return None
    return dict(content["application/json"]["schema"], components=DOCUMENT["components"])


def call(client, method, url, template, expected, json=None, **kwargs):
    """Call URL, check the status and that the body matches the documented schema."""
    response = client.open(url, method=method.upper(), json=json, **kwargs)
    assert response.status_code == expected, response.get_data(as_text=True)
    schema = schema_for(template, method, expected)
    if schema is not None:
        jsonschema.validate(response.get_json(), schema)
    assert response.headers["X-Request-Id"]
    return response.get_json()


def test_every_route_is_described(client):
    app = client.application
    documented = {(path, method) for path, ops in DOCUMENT["paths"].items()
                  for method in ops if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is not in openapi.json"


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/vms" in doc["paths"]


def test_vm_lifecycle(client):
    created = call(client, "post", "/api/v1/vms", "/vms", 201,
                   json={"name": "web-1", "instance_type": 2})
    vm = created["vms"][0]
    assert vm["state"] == "running" and vm["resources"] == {"cpu": 2, "ram": 1024, "disk": 2}
    vmid = vm["id"]
    shown = call(client, "get", f"/api/v1/vms/{vmid}", "/vms/{vmid}", 200)
    assert shown["vm"]["state"] == "running"
    listed = call(client, "get", "/api/v1/vms?pmid=1", "/vms", 200)
    assert [v["id"] for v in listed["vms"]] == [vmid]
    paused = call(client, "post", f"/api/v1/vms/{vmid}/actions", "/vms/{vmid}/actions", 200,
                  json={"action": "pause"})
    assert paused["vm"]["state"] == "paused"
    error = call(client, "post", f"/api/v1/vms/{vmid}/actions", "/vms/{vmid}/actions", 409,
                 json={"action": "reboot"})
    assert error["error"]["code"] == "conflict" and "paused" in error["error"]["message"]
    call(client, "get", f"/api/v1/vms/{vmid}/console?lines=5", "/vms/{vmid}/console", 200)
    pm = call(client, "get", "/api/v1/pms/1", "/pms/{pmid}", 200)["pm"]
    assert pm["allocated"] == {"cpu": 2, "ram": 1024, "disk": 2}
    assert pm["free"] == {"cpu": 6, "ram": 7168, "disk": 38}
    assert client.delete(f"/api/v1/vms/{vmid}").status_code == 204
    call(client, "get", f"/api/v1/vms/{vmid}", "/vms/{vmid}", 404)
    call(client, "delete", f"/api/v1/vms/{vmid}", "/vms/{vmid}", 404)


def test_cluster_all_or_nothing_with_spread(client):
    body = {"name": "db", "instance_type": 3, "count": 3, "placement": "spread"}
    vms = call(client, "post", "/api/v1/vms", "/vms", 201, json=body)["vms"]
    assert sorted(v["pmid"] for v in vms) == [1, 2, 3]
    assert [v["name"] for v in vms] == ["db-1", "db-2", "db-3"]
    too_many = dict(body, count=4, name="more")
    error = call(client, "post", "/api/v1/vms", "/vms", 409, json=too_many)
    assert error["error"]["code"] == "no_capacity"
    assert call(client, "get", "/api/v1/vms?name=more-1", "/vms", 200)["vms"] == []


@pytest.mark.parametrize("body, field", [
    ({"instance_type": 1}, "name"),
    ({"name": "x"}, "instance_type"),
    ({"name": "x", "instance_type": 1, "colour": "red"}, "colour"),
    ({"name": "x", "instance_type": 0}, "instance_type"),
    ({"name": "x", "instance_type": "one"}, "instance_type"),
    ({"name": "x", "instance_type": 1, "count": 1000}, "count"),
    ({"name": "x", "instance_type": 1, "placement": "random"}, "placement"),
    ({"name": "x", "instance_type": 1, "preference": "random"}, "preference"),
    ({"name": "x", "instance_type": 1, "placement": "pack", "preference": "spread"}, "preference"),
    ({"name": "bad\u0001", "instance_type": 1}, "name"),
])
def test_create_validation_names_the_field(client, body, field):
    error = call(client, "post", "/api/v1/vms", "/vms", 422, json=body)
    assert error["error"]["code"] == "invalid"
    assert error["error"]["message"].startswith(field)


def test_not_json_is_400(client):
    error = call(client, "post", "/api/v1/vms", "/vms", 400, data="name=x",
                 content_type="application/x-www-form-urlencoded")
    assert error["error"]["code"] == "bad_request"


def test_unknown_type_or_image_is_404(client):
    call(client, "post", "/api/v1/vms", "/vms", 404, json={"name": "x", "instance_type": 9})
    call(client, "post", "/api/v1/vms", "/vms", 404,
         json={"name": "x", "instance_type": 1, "image_id": 9})


def test_query_parameters_are_checked(client):
    error = call(client, "get", "/api/v1/vms?limit=0", "/vms", 422)
    assert error["error"]["message"].startswith("limit")


def test_catalog_and_pms(client):
    call(client, "get", "/api/v1/images", "/images", 200)
    types = call(client, "get", "/api/v1/types", "/types", 200)["types"]
    assert [t["tid"] for t in types] == [1, 2, 3]
    pms = call(client, "get", "/api/v1/pms", "/pms", 200)["pms"]
    assert [p["state"] for p in pms] == ["up"] * 3
    call(client, "get", "/api/v1/pms/99", "/pms/{pmid}", 404)
    call(client, "get", "/api/v1/health", "/health", 200)


def test_policy_read_and_change(client):
    assert call(client, "get", "/api/v1/policy", "/policy", 200)["policy"] == "first_fit"
    assert call(client, "put", "/api/v1/policy", "/policy", 200,
                json={"policy": "worst_fit"})["policy"] == "worst_fit"
    error = call(client, "put", "/api/v1/policy", "/policy", 422, json={"policy": "random"})
    assert error["error"]["message"].startswith("policy")
    # the change is used by the next placement: worst_fit spreads
    first = call(client, "post", "/api/v1/vms", "/vms", 201, json={"name": "a", "instance_type": 1})
    second = call(client, "post", "/api/v1/vms", "/vms", 201, json={"name": "b", "instance_type": 1})
    assert first["vms"][0]["pmid"] != second["vms"][0]["pmid"]


def test_add_host_with_bad_address_is_422(client):
    error = call(client, "post", "/api/v1/pms", "/pms", 422, json={"address": "not an address"})
    assert error["error"]["message"].startswith("address")


def test_unknown_v1_url_is_a_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.patch("/api/v1/vms")
    assert response.status_code == 405


def test_optional_fields_may_be_left_out():
    from service.api.v1.openapi import SCHEMAS
    from service.api.v1.validate import check

    check({}, SCHEMAS["Discover"])
    check({"address": "10.0.0.9", "settings": {"vmfabric_capacity": {"cpu": 4}}}, SCHEMAS["PmAdd"])
    with pytest.raises(Exception, match="pmids"):
        check({"pmids": [1, 1]}, SCHEMAS["Discover"])


def test_a_batch_whose_member_names_would_be_too_long_claims_nothing(client, ctx):
    body = {"name": "n" * 4095, "instance_type": 1, "count": 12}
    error = call(client, "post", "/api/v1/vms", "/vms", 422, json=body)
    assert error["error"]["message"].startswith("name") and "suffix" in error["error"]["message"]
    assert ctx.store.vms.list() == [] and all(pm.used_cpu == 0 for pm in ctx.store.pms.list())
    # the same name fits alone
    assert call(client, "post", "/api/v1/vms", "/vms", 201, json=dict(body, count=1))


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "instance_type": 48671596898476851200}, "instance_type"),
    ({"name": "x", "instance_type": 1, "count": 2.5}, "count"),
    ({"name": "x", "instance_type": 1.5}, "instance_type"),
    ({"name": "x", "instance_type": True}, "instance_type"),
    ({"name": "   ", "instance_type": 1}, "name"),
])
def test_numbers_and_names_are_checked_against_the_document(client, body, field):
    error = call(client, "post", "/api/v1/vms", "/vms", 422, json=body)
    assert error["error"]["message"].startswith(field)


def test_an_integer_written_with_a_fraction_is_that_integer(client):
    """JSON Schema (and so the document) counts 2.0 as the integer 2: so does the API."""
    made = call(client, "post", "/api/v1/vms", "/vms", 201,
                json={"name": "x", "instance_type": 1.0, "count": 2.0})
    assert [vm["name"] for vm in made["vms"]] == ["x-1", "x-2"]


@pytest.mark.parametrize("url", ["/api/v1/vms/9223372036854775808", "/api/v1/vms/2147483648",
                                 "/api/v1/vms/007", "/api/v1/pms/99999999999999999999999",
                                 "/api/v1/jobs/18446744073709551616"])
def test_ids_no_object_can_have_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_405_lists_the_allowed_methods(client):
    response = client.patch("/api/v1/vms")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_one_host_under_two_spellings_is_refused(client, ctx, monkeypatch):
    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    monkeypatch.setattr("service.jobs.Jobs.discover", lambda self, pmids=None, user_id=None: {
        "id": 1, "kind": "discover", "state": "queued", "params": {"pmids": pmids}, "result": {},
        "progress": {},
        "error": "", "created_at": 0.0, "finished_at": None})
    assert client.post("/api/v1/pms", json={"address": "localhost:2222"}).status_code == 202
    again = client.post("/api/v1/pms", json={"address": "127.0.0.1:2222"})
    assert again.status_code == 409 and "already pm" in again.get_json()["error"]["message"]
    assert client.post("/api/v1/pms", json={"address": "127.0.0.1:2223"}).status_code == 202


def test_a_batch_still_takes_preference_the_earlier_name_of_placement(client):
    made = call(client, "post", "/api/v1/vms", "/vms", 201,
                json={"name": "old", "instance_type": 1, "count": 2, "preference": "spread"})
    assert len({vm["pmid"] for vm in made["vms"]}) == 2
