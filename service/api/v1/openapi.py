"""The OpenAPI 3 document of /api/v1; its schemas also validate request bodies.

The core resources are here; users, tokens and the audit trail are in
openapi_identity.py, snapshots and volumes in openapi_storage.py, rebalancing and
host maintenance in openapi_fleet.py, usage in openapi_telemetry.py; they are merged in below.
"""

from service.api.v1 import (openapi_catalog, openapi_fleet, openapi_identity, openapi_storage,
                            openapi_telemetry)
from service.api.v1.openapi_fleet import SETTINGS
from service.api.v1.spec import (ADDRESS, AMOUNT, FIRST_BOOT, INT, NAME, NUM, POS, RES,
                                 STR, body_of, bounded, errors, json_of, obj, page_of,
                                 paged, path_id, query)
from service.compute.power import ALLOWED_FROM
from service.placement.engine import PLACEMENTS
from service.placement.policies import POLICIES
from service.usage.demand import PROFILES

SCHEMAS = {
    "Error": obj({"error": obj({"code": STR, "message": STR})}),
    "Resources": RES,
    "Vm": obj({"id": POS, "name": STR, "instance_type": POS, "image_id": POS,
                "pmid": {"type": ["integer", "null"]}, "state": STR,
                "state_age": {"type": ["number", "null"]}, "domain": STR,
                "resources": RES, "addresses": {"type": "array", "items": ADDRESS},
                "cluster_id": {"type": ["integer", "null"]}, "error": STR, "created_at": NUM,
                # the username of its owner (admins only; null for a member's own view)
                "owner": {"type": ["string", "null"]},
                # the share of its vCPUs it declared it would use (null: nothing declared)
                "expected_use": {"type": ["number", "null"]},
                "storage": {"type": ["string", "null"]}, "ha": {"type": "boolean"},
                # its vertical autoscaling policy (null: none)
                "autoscale": {"type": ["object", "null"]},
                "pending_resize": {"anyOf": [{"type": "null"},
                                             obj({"cpu": INT, "ram": INT})]},
                # a shutdown asked of the guest and not done yet (overdue: past its deadline)
                "shutdown": {"anyOf": [{"type": "null"}, obj({
                    "asked_at": NUM, "deadline": NUM, "force": {"type": "boolean"},
                    "overdue": {"type": "boolean"}})]}}),
    "VmList": page_of("vms", "Vm"),
    "VmOne": obj({"vm": {"$ref": "#/components/schemas/Vm"}}),
    "VmCreate": obj({
        "name": NAME, "instance_type": POS, "image_id": POS, **FIRST_BOOT,
        "count": {"type": "integer", "minimum": 1, "maximum": 100},
        "placement": {"enum": list(PLACEMENTS)},
        # what it will use: a share of its vCPUs (0-1], or a profile (service/usage/demand.py)
        "expected_use": {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                   {"enum": list(PROFILES)}]},
        "ha": {"type": "boolean"},  # restarted on another host when its host fails
        # placement's earlier name, still taken
        "preference": {"enum": list(PLACEMENTS), "deprecated": True},
    }, required=["name", "instance_type"]) | {"not": {"required": ["placement", "preference"]}},
    "VmAction": obj({"action": {"enum": sorted(ALLOWED_FROM) + ["migrate", "resize"]},
                      # migrate: the host to move to (default: the placement policy's choice)
                      "pmid": POS,
                      # resize: to an instance type, or to sizes (the others kept)
                      "instance_type": POS, "cpu": AMOUNT, "ram": AMOUNT, "disk": AMOUNT,
                      # shutdown: stop the VM if its guest has not shut down in time
                      "force": {"type": "boolean"}},
                     required=["action"]),
    "Console": obj({"vmid": POS, "lines": {"type": "array", "items": STR}}),
    "VmSsh": obj({"vmid": POS, "user": STR, "address": STR, "host_key": STR,
                   "known_hosts_line": STR, "identity_file": {"type": ["string", "null"]}}),
    "Pm": obj({"id": POS, "address": STR, "port": POS, "user": STR, "libvirt_uri": STR,
                "state": {"enum": ["new", "up", "down"]}, "reason": STR, "domain_type": STR,
                "capacity": RES, "allocated": RES, "free": RES, "vms": INT,
                "discovered_at": {"type": ["number", "null"]},
                "checked_at": {"type": ["number", "null"]},
                "unknown_domains": {"type": "array", "items": STR},
                "maintenance": {"type": "boolean"}, "down_since": {"type": ["number", "null"]},
                "failed": {"type": "boolean"},
                "fence": obj({"state": {"enum": ["fenced", "unfenceable"]}, "at": NUM,
                              "detail": STR}, required=[])}),
    "PmList": page_of("pms", "Pm"),
    "PmOne": obj({"pm": {"$ref": "#/components/schemas/Pm"}}),
    "PmAdd": obj({"address": {"type": "string", "minLength": 1, "maxLength": 300},
                   "settings": SETTINGS}, required=["address"]),
    "Discover": obj({"pmids": {"type": "array", "items": POS, "uniqueItems": True}},
                     required=[]),
    "Cluster": obj({"id": POS, "name": STR, "instance_type": POS,
                     "image_id": {"type": ["integer", "null"]},
                     "placement": {"enum": ["spread", "pack"]}, "size": INT,
                     "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}},
                     "created_at": NUM, "autoscale": {"type": ["object", "null"]}}),
    "ClusterOne": obj({"cluster": {"$ref": "#/components/schemas/Cluster"}}),
    "ClusterList": page_of("clusters", "Cluster"),
    "ClusterCreate": obj({
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"},
        "instance_type": POS, "size": {"type": "integer", "minimum": 1, "maximum": 100},
        "placement": {"enum": ["spread", "pack"]}, "image_id": POS, **FIRST_BOOT,
    }, required=["name", "instance_type", "size"]),
    "ClusterNodes": obj({"count": {"type": "integer", "minimum": 1, "maximum": 100}}),
    "ClusterAdded": obj({"cluster": {"$ref": "#/components/schemas/Cluster"},
                          "added": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}}}),
    "ClusterDestroyed": obj({"destroyed": {"type": "array", "items": POS},
                              "pending": {"type": "array", "items": POS}}),
    "ClusterRun": obj({"program": {"type": "string", "minLength": 1, "maxLength": 65536},
                        "command": {"type": "array", "minItems": 1, "maxItems": 256,
                                    "items": {"type": "string", "maxLength": 4096}}},
                       required=[]),
    "Inventory": {"type": "object"},
    "Job": obj({"id": POS, "kind": {"enum": ["discover", "cluster_run", "migrate", "rebalance",
                                             "drain", "evacuate"]},
                 "state": {"enum": ["queued", "running", "succeeded", "failed"]},
                 "params": {"type": "object"}, "result": {"type": "object"},
                 "progress": {"type": "object"}, "error": STR,
                 "created_at": NUM, "finished_at": {"type": ["number", "null"]}}),
    "JobList": page_of("jobs", "Job"),
    "JobOne": obj({"job": {"$ref": "#/components/schemas/Job"}}),
    "PmAdded": obj({"job": {"$ref": "#/components/schemas/Job"},
                     "pm": {"$ref": "#/components/schemas/Pm"}}),
    "HostKeys": obj({"pmid": POS, "recorded": {"type": "array", "items": STR},
                      "offered": {"type": "array", "items": STR}}),
    "Rekey": obj({"fingerprint": {"type": "string", "pattern": "^SHA256:[A-Za-z0-9+/]{43}$"}}),
    "Policy": obj({"policy": {"enum": sorted(POLICIES)},
                    "available": {"type": "array", "items": STR}}),
    "PolicySet": obj({"policy": {"enum": sorted(POLICIES)}}),
    "Health": obj({"status": STR, "pms_up": INT, "pms": INT}),
}



PATHS = {
    "/vms": {
        "get": {"summary": "List VMs", "parameters": paged(query("pmid", POS), query("state", STR),
                                                           query("name", STR),
                                                           bounded("offset", 0)),
                "responses": {"200": json_of("VmList"), **errors("422")}},
        "post": {"summary": "Create one VM, or a cluster of count VMs placed together",
                 "requestBody": body_of("VmCreate"),
                 "responses": {"201": json_of("VmList", "Created and running"),
                               **errors("400", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}": {
        "parameters": [path_id("vmid")],
        "get": {"summary": "Show a VM, as the store knows it (state_age: seconds since its state "
                           "was confirmed)",
                "responses": {"200": json_of("VmOne"), **errors("404")}},
        "delete": {"summary": "Destroy a VM (stop, undefine, delete its disk, release its claim)",
                   "responses": {"204": {"description": "Destroyed"},
                                 "202": json_of("VmOne", "Accepted: its host does not answer; "
                                                       "the VM is deleting until it does"),
                                 **errors("404", "409", "502")}},
    },
    "/vms/{vmid}/actions": {
        "parameters": [path_id("vmid")],
        "post": {"summary": "Power action (start, shutdown, stop, reboot, pause, resume), resize "
                            "(instance_type, or cpu, ram, disk): 200; or migrate (admins; live "
                            "when running, cold when shut off): 202 and its job",
                 "requestBody": body_of("VmAction"),
                 "responses": {"200": json_of("VmOne"), "202": json_of("JobOne", "Accepted"),
                               **errors("400", "403", "404", "409", "422", "502")}},
    },
    "/vms/{vmid}/ssh": {
        "parameters": [path_id("vmid")],
        "get": {"summary": "The guest's address and the SSH host key vmfabric gave it (verify "
                           "the first connection against it)",
                "responses": {"200": json_of("VmSsh"), **errors("404", "409")}},
    },
    "/vms/{vmid}/console": {
        "parameters": [path_id("vmid"), bounded("lines", 1)],
        "get": {"summary": "The last lines of the VM's serial console",
                "responses": {"200": json_of("Console"), **errors("404", "409", "422", "502")}},
    },
    "/pms": {
        "get": {"summary": "List PMs with capacity, allocated, free and state",
                "parameters": paged(), "responses": {"200": json_of("PmList"), **errors("422")}},
        "post": {"summary": "Add a host at runtime; it is discovered by a job (poll Location)",
                 "requestBody": body_of("PmAdd"),
                 "responses": {"202": json_of("PmAdded", "Added; the discovery job runs"),
                               **errors("400", "409", "422")}},
    },
    "/pms/{pmid}": {
        "parameters": [path_id("pmid")],
        "get": {"summary": "Show a PM", "responses": {"200": json_of("PmOne"), **errors("404")}},
    },
    "/pms/{pmid}/hostkeys": {
        "parameters": [path_id("pmid")],
        "get": {"summary": "Fingerprints of the host keys recorded and of those the host "
                           "presents now",
                "responses": {"200": json_of("HostKeys"), **errors("404")}},
    },
    "/pms/{pmid}/rekey": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Accept the host's current SSH keys after checking them (one must "
                            "have this fingerprint), then rediscover it",
                 "requestBody": body_of("Rekey"),
                 "responses": {"202": json_of("JobOne", "Accepted: the discovery job runs"),
                               **errors("400", "404", "409", "422")}},
    },
    "/pms/discover": {
        "post": {"summary": "Rediscover all PMs (or those listed) in the background; poll the "
                            "job at Location (a discovery already running is returned instead)",
                 "requestBody": body_of("Discover"),
                 "responses": {"202": json_of("JobOne", "Accepted: the job runs"),
                               **errors("400", "404", "422")}},
    },
    "/jobs": {
        "get": {"summary": "Jobs, newest first (yours; an admin's: everyone's)",
                "parameters": paged(),
                "responses": {"200": json_of("JobList"), **errors("422")}},
    },
    "/jobs/{job_id}": {
        "parameters": [path_id("job_id")],
        "get": {"summary": "A job's state and, when finished, its result or error",
                "responses": {"200": json_of("JobOne"), **errors("404")}},
    },
    "/clusters": {
        "get": {"summary": "List virtual clusters", "parameters": paged(),
                "responses": {"200": json_of("ClusterList"), **errors("422")}},
        "post": {"summary": "Make a virtual cluster: every node placed (spread: each on its own "
                            "host) and made, or none",
                 "requestBody": body_of("ClusterCreate"),
                 "responses": {"201": json_of("ClusterOne", "Made, every node running"),
                               **errors("400", "404", "409", "422", "502")}},
    },
    "/clusters/{cluster_id}": {
        "parameters": [path_id("cluster_id")],
        "get": {"summary": "Show a cluster and its nodes",
                "responses": {"200": json_of("ClusterOne"), **errors("404")}},
        "delete": {"summary": "Destroy every node, then the cluster (pending: nodes whose host "
                              "must answer first)",
                   "responses": {"200": json_of("ClusterDestroyed"), **errors("404", "409", "502")}},
    },
    "/clusters/{cluster_id}/nodes": {
        "parameters": [path_id("cluster_id")],
        "post": {"summary": "Add nodes with the cluster's rules (all or none)",
                 "requestBody": body_of("ClusterNodes"),
                 "responses": {"201": json_of("ClusterAdded"),
                               **errors("400", "404", "409", "422", "502")}},
    },
    "/clusters/{cluster_id}/inventory": {
        "parameters": [path_id("cluster_id")],
        "get": {"summary": "The cluster's Ansible inventory (inventory/clusters/OWNER/NAME.yml, as JSON)",
                "responses": {"200": json_of("Inventory"), **errors("404")}},
    },
    "/clusters/{cluster_id}/run": {
        "parameters": [path_id("cluster_id")],
        "post": {"summary": "Run a program (a script) or a command on every node at once; poll "
                            "the job for each node's output",
                 "requestBody": body_of("ClusterRun"),
                 "responses": {"202": json_of("JobOne", "Accepted: the job runs"),
                               **errors("400", "404", "422")}},
    },
    "/policy": {
        "get": {"summary": "The active placement policy", "responses": {"200": json_of("Policy")}},
        "put": {"summary": "Change the active placement policy (admin)",
                "requestBody": body_of("PolicySet"),
                "responses": {"200": json_of("Policy"), **errors("400", "422")}},
    },
    "/health": {"get": {"summary": "Liveness and a count of PMs up",
                        "responses": {"200": json_of("Health")}}},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": {"200": {"description": "OpenAPI 3 document"}}}},
}

for part in (openapi_identity, openapi_storage, openapi_fleet, openapi_telemetry,
             openapi_catalog):
    SCHEMAS.update(part.SCHEMAS)
    PATHS.update(part.PATHS)

BASE = {
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
