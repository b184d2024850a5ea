"""The audit trail speaks of actions and objects: `vm.create` of `vm 12` (from the API, the
seed API or the dashboard alike), `vm.stop` from an action's body, and a filter on an
action that does not exist is refused with the list of those that do."""


def events(client, **params):
    return client.get("/api/v1/events", query_string=params).get_json()["events"]


def test_events_name_the_action_and_the_object_made_or_acted_on(client):
    made = client.post("/api/v1/vms", json={"name": "audited", "instance_type": 1})
    vmid = made.get_json()["vms"][0]["id"]
    batch = client.post("/api/v1/vms", json={"name": "many", "instance_type": 1, "count": 2})
    ids = [vm["id"] for vm in batch.get_json()["vms"]]
    assert client.post(f"/api/v1/vms/{vmid}/actions", json={"action": "stop"}).status_code == 200
    seed = client.get("/vm/create?name=seeded&vm_type=1").get_json()["vmid"]
    assert client.delete(f"/api/v1/vms/{vmid}").status_code == 204
    created = [(e["action"], e["target"]) for e in events(client, action="vm.create")]
    assert set(created) == {("vm.create", f"vm {vmid}"), ("vm.create", f"vm {ids[0]}, {ids[1]}"),
                            ("vm.create", f"vm {seed}")}
    assert [(e["action"], e["target"]) for e in events(client, action="vm.stop")] == \
        [("vm.stop", f"vm {vmid}")]
    assert [e["target"] for e in events(client, action="vm.delete")] == [f"vm {vmid}"]


def test_an_unknown_action_is_refused_naming_the_known_ones(client):
    answer = client.get("/api/v1/events", query_string={"action": "v1.create_vms"})
    assert answer.status_code == 422
    message = answer.get_json()["error"]["message"]
    assert message.startswith("action: 'v1.create_vms' is no action") and "vm.create" in message
