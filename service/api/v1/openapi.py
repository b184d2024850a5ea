"""The OpenAPI 3 document of /api/v1; its schemas also validate request bodies."""

from flask import jsonify

from service.api.auth import ADMIN, OPEN, RULES
from service.api.ids import MAX_ID
from service.api.v1 import blueprint
from service.compute.power import ALLOWED_FROM
from service.placement.engine import PREFERENCES
from service.placement.policies import POLICIES


def _obj(properties, required=None, extra=False):
    """An object schema; every property is required unless REQUIRED lists which (may be [])."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": extra}


# the largest amount of one resource a host or a VM may state (CPUs, MB, GB)
MAX_AMOUNT = 2 ** 31 - 1
INT = {"type": "integer"}
POS = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
AMOUNT = {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT}
SPARE = {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT}
STR = {"type": "string"}
NUM = {"type": "number"}
RATIO = {"type": "number", "exclusiveMinimum": 0, "maximum": 1000}
# printable text: no control characters (XML cannot carry them), not only spaces
NAME = {"type": "string", "minLength": 1, "maxLength": 4096,
        "pattern": "^(?=[\\s\\S]*\\S)[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff\\ufffe\\uffff]*$"}
SNAPSHOT_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}
LIMITS = {"limit": 10000, "lines": 10000, "offset": MAX_ID}
ADDRESS = _obj({"network": STR, "ip": STR, "mac": STR})
# what a guest is given at first boot (public keys that log in, the user's cloud-config)
FIRST_BOOT = {
    "ssh_keys": {"type": "array", "minItems": 1, "maxItems": 10,
                 "items": {"type": "string", "minLength": 1, "maxLength": 16384}},
    "user_data": {"type": "string", "maxLength": 16384},
}
RES = _obj({"cpu": INT, "ram": INT, "disk": INT})
SETTINGS = _obj({
    "vmfabric_capacity": _obj({"cpu": AMOUNT, "ram_mb": AMOUNT, "disk_gb": AMOUNT}, required=[]),
    "vmfabric_capacity_cap": _obj({"cpu": AMOUNT, "ram_mb": AMOUNT, "disk_gb": AMOUNT},
                                  required=[]),
    "vmfabric_reserved": _obj({"cpu": SPARE, "ram_mb": SPARE, "disk_gb": SPARE}, required=[]),
    "vmfabric_allocation_ratio": _obj({"cpu": RATIO, "ram": RATIO, "disk": RATIO}, required=[]),
    "vmfabric_domain_type": {"enum": ["kvm", "qemu", "auto"]},
    # how the host attaches guests: a network of the configuration, through a Linux bridge
    # or a libvirt network
    "vmfabric_guest_network": _obj({"network": {"type": "string", "maxLength": 32},
                                    "bridge": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,15}$"},
                                    "libvirt_network": {"type": "string",
                                                        "pattern": "^[A-Za-z0-9_.-]{1,64}$"}},
                                   required=["network"]),
    "vmfabric_first_boot_disk": {"type": "boolean"},
    # ssh or TLS to a host, or this machine's own libvirtd; never plain TCP
    "vmfabric_libvirt_uri": {"type": "string", "maxLength": 1024,
                             "pattern": "^(qemu\\+ssh://[^/?#\\s]+/system|qemu\\+tls://[^/?#\\s]+"
                                        "/system|qemu:///system)$"},
}, required=[])

SCHEMAS = {
    "Error": _obj({"error": _obj({"code": STR, "message": STR})}),
    "Resources": RES,
    "Vm": _obj({"id": POS, "name": STR, "instance_type": POS, "image_id": POS,
                "pmid": {"type": ["integer", "null"]}, "state": STR,
                "state_age": {"type": ["number", "null"]}, "domain": STR,
                "resources": RES, "addresses": {"type": "array", "items": ADDRESS},
                "cluster_id": {"type": ["integer", "null"]}, "error": STR, "created_at": NUM,
                "pending_resize": {"anyOf": [{"type": "null"},
                                             _obj({"cpu": INT, "ram": INT})]}}),
    "VmList": _obj({"vms": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}}}),
    "VmOne": _obj({"vm": {"$ref": "#/components/schemas/Vm"}}),
    "VmCreate": _obj({
        "name": NAME, "instance_type": POS, "image_id": POS, **FIRST_BOOT,
        "count": {"type": "integer", "minimum": 1, "maximum": 100},
        "preference": {"enum": list(PREFERENCES)},
    }, required=["name", "instance_type"]),
    "VmAction": _obj({"action": {"enum": sorted(ALLOWED_FROM) + ["migrate", "resize"]},
                      # migrate: the host to move to (default: the placement policy's choice)
                      "pmid": POS,
                      # resize: to an instance type, or to sizes (the others kept)
                      "instance_type": POS, "cpu": AMOUNT, "ram": AMOUNT, "disk": AMOUNT},
                     required=["action"]),
    "Console": _obj({"vmid": POS, "lines": {"type": "array", "items": STR}}),
    "VmSsh": _obj({"vmid": POS, "user": STR, "address": STR, "host_key": STR,
                   "known_hosts_line": STR, "identity_file": {"type": ["string", "null"]}}),
    "Pm": _obj({"id": POS, "address": STR, "port": POS, "user": STR, "libvirt_uri": STR,
                "state": {"enum": ["new", "up", "down"]}, "reason": STR, "domain_type": STR,
                "capacity": RES, "allocated": RES, "free": RES, "vms": INT,
                "discovered_at": {"type": ["number", "null"]},
                "checked_at": {"type": ["number", "null"]},
                "unknown_domains": {"type": "array", "items": STR}}),
    "PmList": _obj({"pms": {"type": "array", "items": {"$ref": "#/components/schemas/Pm"}}}),
    "PmOne": _obj({"pm": {"$ref": "#/components/schemas/Pm"}}),
    "PmAdd": _obj({"address": {"type": "string", "minLength": 1, "maxLength": 300},
                   "settings": SETTINGS}, required=["address"]),
    "Discover": _obj({"pmids": {"type": "array", "items": POS, "uniqueItems": True}},
                     required=[]),
    "Cluster": _obj({"id": POS, "name": STR, "instance_type": POS,
                     "image_id": {"type": ["integer", "null"]},
                     "placement": {"enum": ["spread", "pack"]}, "size": INT,
                     "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}},
                     "created_at": NUM}),
    "ClusterOne": _obj({"cluster": {"$ref": "#/components/schemas/Cluster"}}),
    "ClusterList": _obj({"clusters": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Cluster"}}}),
    "ClusterCreate": _obj({
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"},
        "instance_type": POS, "size": {"type": "integer", "minimum": 1, "maximum": 100},
        "placement": {"enum": ["spread", "pack"]}, "image_id": POS, **FIRST_BOOT,
    }, required=["name", "instance_type", "size"]),
    "ClusterNodes": _obj({"count": {"type": "integer", "minimum": 1, "maximum": 100}}),
    "ClusterAdded": _obj({"cluster": {"$ref": "#/components/schemas/Cluster"},
                          "added": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}}}),
    "ClusterDestroyed": _obj({"destroyed": {"type": "array", "items": POS},
                              "pending": {"type": "array", "items": POS}}),
    "ClusterRun": _obj({"program": {"type": "string", "minLength": 1, "maxLength": 65536},
                        "command": {"type": "array", "minItems": 1, "maxItems": 256,
                                    "items": {"type": "string", "maxLength": 4096}}},
                       required=[]),
    "Inventory": {"type": "object"},
    "Volume": _obj({"id": POS, "name": STR, "size": POS,
                    "state": {"enum": ["available", "attaching", "attached", "detaching",
                                       "deleting", "deleted", "missing"]},
                    "pmid": {"type": ["integer", "null"]}, "vmid": {"type": ["integer", "null"]},
                    "target": {"type": ["string", "null"]}, "error": STR, "created_at": NUM}),
    "Snapshot": _obj({"name": STR, "vm_state": STR, "created_at": NUM}),
    "SnapshotOne": _obj({"snapshot": {"$ref": "#/components/schemas/Snapshot"}}),
    "SnapshotList": _obj({"snapshots": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Snapshot"}}}),
    "SnapshotCreate": _obj({"name": SNAPSHOT_NAME}),
    "VolumeOne": _obj({"volume": {"$ref": "#/components/schemas/Volume"}}),
    "VolumeList": _obj({"volumes": {"type": "array",
                                    "items": {"$ref": "#/components/schemas/Volume"}}}),
    "VolumeCreate": _obj({"name": {"type": "string", "minLength": 1, "maxLength": 255,
                                   "pattern": "^(?=[\\s\\S]*\\S)[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff\\ufffe\\uffff]*$"},
                          "size": {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT}}),
    "VolumeAction": _obj({"action": {"enum": ["attach", "detach"]}, "vmid": POS},
                         required=["action"]),
    "TokenCreate": _obj({"username": {"type": "string", "maxLength": 64},
                         "password": {"type": "string", "maxLength": 1024},
                         "name": {"type": "string", "maxLength": 128},
                         "ttl": {"type": "integer", "minimum": 60, "maximum": MAX_ID}},
                        required=[]),
    "TokenIssued": _obj({"token": STR, "id": POS}),
    "TokenInfo": _obj({"id": POS, "name": STR, "created_at": NUM, "expires_at": NUM,
                       "revoked_at": {"type": ["number", "null"]}}),
    "TokenList": _obj({"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/TokenInfo"}}}),
    "QuotaUse": _obj({"limit": {"type": ["integer", "null"]}, "used": INT}),
    "User": _obj({"id": POS, "username": STR, "role": {"enum": ["admin", "member"]},
                  "quota": _obj({name: {"$ref": "#/components/schemas/QuotaUse"}
                                 for name in ("cpu", "ram_mb", "disk_gb", "vms")}),
                  "created_at": NUM}),
    "UserOne": _obj({"user": {"$ref": "#/components/schemas/User"}}),
    "UserList": _obj({"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}),
    "UserCreate": _obj({"username": {"type": "string", "pattern": "^[a-z][a-z0-9_.-]{0,31}$"},
                        "password": {"type": "string", "minLength": 8, "maxLength": 1024},
                        "role": {"enum": ["admin", "member"]}}, required=["username", "password"]),
    "QuotaSet": _obj({name: {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_AMOUNT}
                      for name in ("cpu", "ram_mb", "disk_gb", "vms")}, required=[]),
    "Event": _obj({"id": POS, "at": NUM, "user_id": {"type": ["integer", "null"]},
                   "username": STR, "action": STR, "target": STR, "request_id": STR,
                   "status": INT, "outcome": STR}),
    "EventList": _obj({"events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}),
    "Job": _obj({"id": POS, "kind": {"enum": ["discover", "cluster_run", "migrate"]},
                 "state": {"enum": ["queued", "running", "succeeded", "failed"]},
                 "params": {"type": "object"}, "result": {"type": "object"},
                 "progress": {"type": "object"}, "error": STR,
                 "created_at": NUM, "finished_at": {"type": ["number", "null"]}}),
    "JobOne": _obj({"job": {"$ref": "#/components/schemas/Job"}}),
    "PmAdded": _obj({"job": {"$ref": "#/components/schemas/Job"},
                     "pm": {"$ref": "#/components/schemas/Pm"}}),
    "HostKeys": _obj({"pmid": POS, "recorded": {"type": "array", "items": STR},
                      "offered": {"type": "array", "items": STR}}),
    "Rekey": _obj({"fingerprint": {"type": "string", "pattern": "^SHA256:[A-Za-z0-9+/]{43}$"}}),
    "Image": _obj({"id": POS, "name": STR, "source": STR, "format": {"enum": ["raw", "qcow2"]},
                   "virtual_size": INT, "size": INT, "sha256": STR}),
    "ImageList": _obj({"images": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}}}),
    "Type": _obj({"tid": POS, "cpu": POS, "ram": POS, "disk": POS}),
    "TypeList": _obj({"types": {"type": "array", "items": {"$ref": "#/components/schemas/Type"}}}),
    "Policy": _obj({"policy": {"enum": sorted(POLICIES)},
                    "available": {"type": "array", "items": STR}}),
    "PolicySet": _obj({"policy": {"enum": sorted(POLICIES)}}),
    "Health": _obj({"status": STR, "pms_up": INT, "pms": INT}),
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


ERR = {code: _json("Error", text) for code, text in (
    ("400", "Not JSON"), ("401", "No valid API token"), ("403", "For admins only"),
    ("404", "No such object"), ("409", "Wrong state, no capacity or over quota"),
    ("422", "A field is missing, unknown or out of range"), ("502", "The hypervisor failed"))}


def _errors(*codes):
    return {c: ERR[c] for c in codes}


def _body(name):
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _id(name):
    return {"name": name, "in": "path", "required": True, "schema": POS}


def _q(name, schema):
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _bounded(name, minimum):
    return _q(name, {"type": "integer", "minimum": minimum, "maximum": LIMITS[name]})


PATHS = {
    "/vms": {
        "get": {"summary": "List VMs", "parameters": [_q("pmid", POS), _q("state", STR),
                                                      _q("name", STR), _bounded("limit", 1),
                                                      _bounded("offset", 0)],
                "responses": {"200": _json("VmList"), **_errors("422")}},
        "post": {"summary": "Create one VM, or a cluster of count VMs placed together",
                 "requestBody": _body("VmCreate"),
                 "responses": {"201": _json("VmList", "Created and running"),
                               **_errors("400", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}": {
        "parameters": [_id("vmid")],
        "get": {"summary": "Show a VM, as the store knows it (state_age: seconds since its state "
                           "was confirmed)",
                "responses": {"200": _json("VmOne"), **_errors("404")}},
        "delete": {"summary": "Destroy a VM (stop, undefine, delete its disk, release its claim)",
                   "responses": {"204": {"description": "Destroyed"},
                                 "202": _json("VmOne", "Accepted: its host does not answer; "
                                                       "the VM is deleting until it does"),
                                 **_errors("404", "409", "502")}},
    },
    "/vms/{vmid}/actions": {
        "parameters": [_id("vmid")],
        "post": {"summary": "Power action (start, shutdown, stop, reboot, pause, resume), resize "
                            "(instance_type, or cpu, ram, disk): 200; or migrate (admins; live "
                            "when running, cold when shut off): 202 and its job",
                 "requestBody": _body("VmAction"),
                 "responses": {"200": _json("VmOne"), "202": _json("JobOne", "Accepted"),
                               **_errors("400", "403", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}/ssh": {
        "parameters": [_id("vmid")],
        "get": {"summary": "The guest's address and the SSH host key vmfabric gave it (verify "
                           "the first connection against it)",
                "responses": {"200": _json("VmSsh"), **_errors("404", "409")}},
    },
    "/vms/{vmid}/console": {
        "parameters": [_id("vmid"), _bounded("lines", 1)],
        "get": {"summary": "The last lines of the VM's serial console",
                "responses": {"200": _json("Console"), **_errors("404", "409", "422", "502")}},
    },
    "/pms": {
        "get": {"summary": "List PMs with capacity, allocated, free and state",
                "responses": {"200": _json("PmList")}},
        "post": {"summary": "Add a host at runtime; it is discovered by a job (poll Location)",
                 "requestBody": _body("PmAdd"),
                 "responses": {"202": _json("PmAdded", "Added; the discovery job runs"),
                               **_errors("400", "409", "422")}},
    },
    "/pms/{pmid}": {
        "parameters": [_id("pmid")],
        "get": {"summary": "Show a PM", "responses": {"200": _json("PmOne"), **_errors("404")}},
    },
    "/pms/{pmid}/hostkeys": {
        "parameters": [_id("pmid")],
        "get": {"summary": "Fingerprints of the host keys recorded and of those the host "
                           "presents now",
                "responses": {"200": _json("HostKeys"), **_errors("404")}},
    },
    "/pms/{pmid}/rekey": {
        "parameters": [_id("pmid")],
        "post": {"summary": "Accept the host's current SSH keys after checking them (one must "
                            "have this fingerprint), then rediscover it",
                 "requestBody": _body("Rekey"),
                 "responses": {"202": _json("JobOne", "Accepted: the discovery job runs"),
                               **_errors("400", "404", "409", "422")}},
    },
    "/pms/discover": {
        "post": {"summary": "Rediscover all PMs (or those listed) in the background; poll the "
                            "job at Location (a discovery already running is returned instead)",
                 "requestBody": _body("Discover"),
                 "responses": {"202": _json("JobOne", "Accepted: the job runs"),
                               **_errors("400", "404", "422")}},
    },
    "/jobs/{job_id}": {
        "parameters": [_id("job_id")],
        "get": {"summary": "A job's state and, when finished, its result or error",
                "responses": {"200": _json("JobOne"), **_errors("404")}},
    },
    "/clusters": {
        "get": {"summary": "List virtual clusters", "responses": {"200": _json("ClusterList")}},
        "post": {"summary": "Make a virtual cluster: every node placed (spread: each on its own "
                            "host) and made, or none",
                 "requestBody": _body("ClusterCreate"),
                 "responses": {"201": _json("ClusterOne", "Made, every node running"),
                               **_errors("400", "404", "409", "422", "502")}},
    },
    "/clusters/{cluster_id}": {
        "parameters": [_id("cluster_id")],
        "get": {"summary": "Show a cluster and its nodes",
                "responses": {"200": _json("ClusterOne"), **_errors("404")}},
        "delete": {"summary": "Destroy every node, then the cluster (pending: nodes whose host "
                              "must answer first)",
                   "responses": {"200": _json("ClusterDestroyed"), **_errors("404", "409", "502")}},
    },
    "/clusters/{cluster_id}/nodes": {
        "parameters": [_id("cluster_id")],
        "post": {"summary": "Add nodes with the cluster's rules (all or none)",
                 "requestBody": _body("ClusterNodes"),
                 "responses": {"201": _json("ClusterAdded"),
                               **_errors("400", "404", "409", "422", "502")}},
    },
    "/clusters/{cluster_id}/inventory": {
        "parameters": [_id("cluster_id")],
        "get": {"summary": "The cluster's Ansible inventory (inventory/clusters/NAME.yml, as JSON)",
                "responses": {"200": _json("Inventory"), **_errors("404")}},
    },
    "/clusters/{cluster_id}/run": {
        "parameters": [_id("cluster_id")],
        "post": {"summary": "Run a program (a script) or a command on every node at once; poll "
                            "the job for each node's output",
                 "requestBody": _body("ClusterRun"),
                 "responses": {"202": _json("JobOne", "Accepted: the job runs"),
                               **_errors("400", "404", "422")}},
    },
    "/tokens": {
        "get": {"summary": "Your API tokens (never the tokens themselves)",
                "responses": {"200": _json("TokenList"), **_errors("401")}},
        "post": {"summary": "Log in ({username, password}: no token needed) or, with a token, "
                            "get another for the same user; the token is shown only here",
                 "requestBody": _body("TokenCreate"),
                 "responses": {"201": _json("TokenIssued", "Issued"),
                               **_errors("400", "401", "422")}},
    },
    "/tokens/{token_id}": {
        "parameters": [_id("token_id")],
        "delete": {"summary": "Revoke a token (yours; an admin's: any)",
                   "responses": {"204": {"description": "Revoked"}, **_errors("401", "404")}},
    },
    "/whoami": {"get": {"summary": "The caller, their role and quota",
                        "responses": {"200": _json("UserOne"), **_errors("401")}}},
    "/users": {
        "get": {"summary": "Every user with quota and usage (admin)",
                "responses": {"200": _json("UserList"), **_errors("401", "403")}},
        "post": {"summary": "Add a user (admin)", "requestBody": _body("UserCreate"),
                 "responses": {"201": _json("UserOne", "Added"),
                               **_errors("400", "401", "403", "409", "422")}},
    },
    "/users/{username}": {
        "parameters": [{"name": "username", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64}}],
        "delete": {"summary": "Remove a user who owns nothing (admin)",
                   "responses": {"204": {"description": "Removed"},
                                 **_errors("401", "403", "404", "409")}},
    },
    "/users/{username}/quota": {
        "parameters": [{"name": "username", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64}}],
        "put": {"summary": "Set a user's limits (null: the configured default) (admin)",
                "requestBody": _body("QuotaSet"),
                "responses": {"200": _json("UserOne"),
                              **_errors("400", "401", "403", "404", "422")}},
    },
    "/events": {
        "get": {"summary": "The audit trail, newest first (yours; an admin's: everyone's)",
                "parameters": [_q("user", STR), _q("action", STR),
                               _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                               _q("before", POS)],
                "responses": {"200": _json("EventList"), **_errors("401", "422")}},
    },
    "/vms/{vmid}/snapshots": {
        "parameters": [_id("vmid")],
        "get": {"summary": "The VM's snapshots",
                "responses": {"200": _json("SnapshotList"), **_errors("404")}},
        "post": {"summary": "Take a snapshot (its disk, and its memory when it runs)",
                 "requestBody": _body("SnapshotCreate"),
                 "responses": {"201": _json("SnapshotOne", "Taken"),
                               **_errors("400", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}/snapshots/{name}/revert": {
        "parameters": [_id("vmid"), {"name": "name", "in": "path", "required": True,
                                     "schema": SNAPSHOT_NAME}],
        "post": {"summary": "Bring the VM back to the snapshot (running where it was, if it ran)",
                 "responses": {"200": _json("VmOne"), **_errors("404", "409", "502")}},
    },
    "/vms/{vmid}/snapshots/{name}": {
        "parameters": [_id("vmid"), {"name": "name", "in": "path", "required": True,
                                     "schema": SNAPSHOT_NAME}],
        "delete": {"summary": "Delete a snapshot",
                   "responses": {"204": {"description": "Deleted"},
                                 **_errors("404", "409", "502")}},
    },
    "/volumes": {
        "get": {"summary": "List volumes", "responses": {"200": _json("VolumeList")}},
        "post": {"summary": "A raw disk of SIZE GB (made on the host of the first VM it is "
                            "attached to)",
                 "requestBody": _body("VolumeCreate"),
                 "responses": {"201": _json("VolumeOne", "Created"),
                               **_errors("400", "409", "422")}},
    },
    "/volumes/{volume_id}": {
        "parameters": [_id("volume_id")],
        "get": {"summary": "Show a volume (a destroyed one stays, deleted)",
                "responses": {"200": _json("VolumeOne"), **_errors("404")}},
        "delete": {"summary": "Destroy an available volume (409 while attached)",
                   "responses": {"204": {"description": "Destroyed"},
                                 **_errors("404", "409", "502")}},
    },
    "/volumes/{volume_id}/actions": {
        "parameters": [_id("volume_id")],
        "post": {"summary": "attach (to vmid: hot-plugged, kept in the domain's definition; "
                            "moved to the VM's host first if it is elsewhere) or detach",
                 "requestBody": _body("VolumeAction"),
                 "responses": {"200": _json("VolumeOne"),
                               **_errors("400", "404", "409", "422", "502")}},
    },
    "/images": {"get": {"summary": "List images", "responses": {"200": _json("ImageList")}}},
    "/types": {"get": {"summary": "List instance types", "responses": {"200": _json("TypeList")}}},
    "/policy": {
        "get": {"summary": "The active placement policy", "responses": {"200": _json("Policy")}},
        "put": {"summary": "Change the active placement policy (admin)",
                "requestBody": _body("PolicySet"),
                "responses": {"200": _json("Policy"), **_errors("400", "422")}},
    },
    "/health": {"get": {"summary": "Liveness and a count of PMs up",
                        "responses": {"200": _json("Health")}}},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": {"200": {"description": "OpenAPI 3 document"}}}},
}

def _access(paths):
    """Each operation's 401/403 answers and security, from the rules of service/api/auth.py."""
    for path, item in paths.items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            rule = RULES.get((method.upper(), path), ADMIN)
            if rule == OPEN:
                operation["security"] = [{}, {"token": []}] if path == "/tokens" else []
                continue
            operation["responses"].setdefault("401", ERR["401"])
            if rule == ADMIN:
                operation["responses"].setdefault("403", ERR["403"])
    return paths


_access(PATHS)

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "vmfabric", "version": "1",
             "description": "Provision VMs across libvirt hypervisor hosts. Every response "
                            "carries X-Request-Id (echoed when the client sends one)."},
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS,
                   "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    # every operation takes a token but /health, /openapi.json and a login
    "security": [{"token": []}],
}


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
