"""What a generated client is named from: each operation's operationId (its view's name),
its tag (the part of the API it belongs to) and a description of each parameter, filled into
the OpenAPI document where openapi.py does not say them itself."""

# the first part of a path -> its tag
# (lower-case words: a generator makes module names of them, `vms`, `hosts` ...)
TAGS = {"vms": "vms", "pms": "hosts", "clusters": "clusters", "volumes": "volumes",
        "images": "catalog", "types": "catalog", "policy": "placement",
        "rebalance": "placement", "jobs": "jobs", "users": "identity", "tokens": "identity",
        "whoami": "identity", "events": "identity", "metrics": "telemetry",
        "health": "service", "openapi.json": "service"}
# parameters by name -> what they are
PARAMETERS = {
    "vmid": "The VM's id", "pmid": "The host's (PM's) id", "cluster_id": "The cluster's id",
    "volume_id": "The volume's id", "image_id": "The image's id", "job_id": "The job's id",
    "token_id": "The token's id", "tid": "The instance type's id",
    "username": "The account's username", "name": "The name to match (or, in a path, the "
                                                   "snapshot's name)",
    "limit": "The most items to answer", "offset": "Items to skip (the list's cursor)",
    "before": "Only items older than this id (the list's cursor)",
    "lines": "The console's last lines to answer", "range": "The time range: 1h, 24h or 30d",
    "state": "Only VMs in this state", "user": "Only this user's (admins)",
    "action": "Only this action (vm.create, vm.start, ...)",
}


def tag_of(path):
    first = path.strip("/").split("/")[0]
    if "/snapshots" in path:
        return "snapshots"
    return TAGS.get(first, first or "service")


def describe(operation, path, endpoint):
    """Fill OPERATION's operationId, tags and parameter descriptions where they are missing."""
    operation.setdefault("operationId", endpoint)
    operation.setdefault("tags", [tag_of(path)])
    for parameter in operation.get("parameters", []):
        parameter.setdefault("description", PARAMETERS.get(parameter["name"],
                                                           f"The {parameter['name']}"))


def describe_shared(item):
    """The parameters a path item shares between its operations."""
    for parameter in item.get("parameters", []):
        parameter.setdefault("description", PARAMETERS.get(parameter["name"],
                                                           f"The {parameter['name']}"))
