"""The OpenAPI schemas and operations of snapshots and volumes (merged into the document by
openapi.py)."""

from service.api.v1.spec import (MAX_AMOUNT, NAME, NUM, POS, STR, body_of, errors, json_of, obj,
                                 page_of, paged, path_id)

SNAPSHOT_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}

SCHEMAS = {
    "Snapshot": obj({"name": STR, "vm_state": STR, "created_at": NUM}),
    "SnapshotOne": obj({"snapshot": {"$ref": "#/components/schemas/Snapshot"}}),
    "SnapshotList": obj({"snapshots": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Snapshot"}}}),
    "SnapshotCreate": obj({"name": SNAPSHOT_NAME}),
    "Volume": obj({"id": POS, "name": STR, "size": POS,
                    "state": {"enum": ["available", "attaching", "attached", "detaching",
                                       "deleting", "deleted", "missing"]},
                    "pmid": {"type": ["integer", "null"]}, "vmid": {"type": ["integer", "null"]},
                    "target": {"type": ["string", "null"]}, "error": STR, "created_at": NUM}),
    "VolumeOne": obj({"volume": {"$ref": "#/components/schemas/Volume"}}),
    "VolumeList": page_of("volumes", "Volume"),
    "VolumeCreate": obj({"name": dict(NAME, maxLength=255),
                          "size": {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT}}),
    "VolumeAction": obj({"action": {"enum": ["attach", "detach"]}, "vmid": POS},
                         required=["action"]),
}

PATHS = {
    "/vms/{vmid}/snapshots": {
        "parameters": [path_id("vmid")],
        "get": {"summary": "The VM's snapshots",
                "responses": {"200": json_of("SnapshotList"), **errors("404")}},
        "post": {"summary": "Take a snapshot (its disk, and its memory when it runs)",
                 "requestBody": body_of("SnapshotCreate"),
                 "responses": {"201": json_of("SnapshotOne", "Taken"),
                               **errors("400", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}/snapshots/{name}/revert": {
        "parameters": [path_id("vmid"), {"name": "name", "in": "path", "required": True,
                                     "schema": SNAPSHOT_NAME}],
        "post": {"summary": "Bring the VM back to the snapshot (running where it was, if it ran)",
                 "responses": {"200": json_of("VmOne"), **errors("404", "409", "502")}},
    },
    "/vms/{vmid}/snapshots/{name}": {
        "parameters": [path_id("vmid"), {"name": "name", "in": "path", "required": True,
                                     "schema": SNAPSHOT_NAME}],
        "delete": {"summary": "Delete a snapshot",
                   "responses": {"204": {"description": "Deleted"},
                                 **errors("404", "409", "502")}},
    },
    "/volumes": {
        "get": {"summary": "List volumes", "parameters": paged(),
                "responses": {"200": json_of("VolumeList"), **errors("422")}},
        "post": {"summary": "A raw disk of SIZE GB (made on the host of the first VM it is "
                            "attached to)",
                 "requestBody": body_of("VolumeCreate"),
                 "responses": {"201": json_of("VolumeOne", "Created"),
                               **errors("400", "409", "422")}},
    },
    "/volumes/{volume_id}": {
        "parameters": [path_id("volume_id")],
        "get": {"summary": "Show a volume (a destroyed one stays, deleted)",
                "responses": {"200": json_of("VolumeOne"), **errors("404")}},
        "delete": {"summary": "Destroy an available volume (409 while attached)",
                   "responses": {"204": {"description": "Destroyed"},
                                 **errors("404", "409", "502")}},
    },
    "/volumes/{volume_id}/actions": {
        "parameters": [path_id("volume_id")],
        "post": {"summary": "attach (to vmid: hot-plugged, kept in the domain's definition; "
                            "moved to the VM's host first if it is elsewhere) or detach",
                 "requestBody": body_of("VolumeAction"),
                 "responses": {"200": json_of("VolumeOne"),
                               **errors("400", "404", "409", "422", "502")}},
    },
}
