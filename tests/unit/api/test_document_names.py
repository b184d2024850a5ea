"""Every operation of the served OpenAPI document has a unique operationId, a tag and a
description of each parameter: what a generated client's names come from."""

import collections


def test_every_operation_is_named_tagged_and_its_parameters_described(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    ids, untagged, undescribed = collections.Counter(), [], []
    for path, item in doc["paths"].items():
        for parameter in item.get("parameters", []):
            if not parameter.get("description"):
                undescribed.append((path, parameter["name"]))
        for method, operation in item.items():
            if method == "parameters":
                continue
            ids[operation.get("operationId")] += 1
            if not operation.get("tags"):
                untagged.append((method, path))
            undescribed += [(path, p["name"]) for p in operation.get("parameters", [])
                            if not p.get("description")]
    assert None not in ids and [i for i, n in ids.items() if n > 1] == []
    assert untagged == [] and undescribed == []
    assert doc["paths"]["/vms"]["post"]["operationId"] == "create_vms"
    assert doc["paths"]["/vms/{vmid}"]["get"]["tags"] == ["vms"]
