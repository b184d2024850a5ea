"""The OpenAPI schemas and operations of rebalancing and host maintenance, and a host's
settings (merged into the document by openapi.py)."""

from service.rebalance import USAGE_GOALS
from service.web.ids import MAX_ID
from service.api.v1.spec import (AMOUNT, NUM, POS, RATIO, SPARE, STR, body_of, errors,
                                 json_of, obj, path_id)

# a host's settings (its pm_file line or host_settings.yml), as the API shows and takes them
SETTINGS = obj({
    "vmfabric_capacity": obj({"cpu": AMOUNT, "ram_mb": AMOUNT, "disk_gb": AMOUNT}, required=[]),
    "vmfabric_capacity_cap": obj({"cpu": AMOUNT, "ram_mb": AMOUNT, "disk_gb": AMOUNT},
                                  required=[]),
    "vmfabric_reserved": obj({"cpu": SPARE, "ram_mb": SPARE, "disk_gb": SPARE}, required=[]),
    "vmfabric_allocation_ratio": obj({"cpu": RATIO, "ram": RATIO, "disk": RATIO}, required=[]),
    "vmfabric_domain_type": {"enum": ["kvm", "qemu", "auto"]},
    # how the host attaches guests: a network of the configuration, through a Linux bridge
    # or a libvirt network
    "vmfabric_guest_network": obj({"network": {"type": "string", "maxLength": 32},
                                    "bridge": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,15}$"},
                                    "libvirt_network": {"type": "string",
                                                        "pattern": "^[A-Za-z0-9_.-]{1,64}$"}},
                                   required=["network"]),
    "vmfabric_first_boot_disk": {"type": "boolean"},
    # the shared storage its guests' disks are on: a backend of the configuration's storage
    "vmfabric_storage": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
    # its BMC, to fence it (service/fencing): the password stays in a file on the server
    "vmfabric_bmc": obj({"agent": {"enum": ["ipmi"]},
                         "address": {"type": "string", "minLength": 1, "maxLength": 255},
                         "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                         "username": {"type": "string", "minLength": 1, "maxLength": 16},
                         "password_file": {"type": "string", "pattern": "^/", "maxLength": 4096},
                         "cipher_suite": {"type": "integer", "minimum": 0, "maximum": 17}},
                        required=["address", "username", "password_file"]),
    # ssh or TLS to a host, or this machine's own libvirtd; never plain TCP
    "vmfabric_libvirt_uri": {"type": "string", "maxLength": 1024,
                             "pattern": "^(qemu\\+ssh://[^/?#\\s]+/system|qemu\\+tls://[^/?#\\s]+"
                                        "/system|qemu:///system)$"},
}, required=[])

FRACTION = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
MOVE = obj({"vmid": POS, "from": POS, "to": POS, "reason": STR}, required=["vmid", "from", "to"])
STAYING = obj({"vmid": POS, "reason": STR})
HOST_FRACTION = {"type": "number", "exclusiveMinimum": 0, "maximum": 2}
SUMMARY = obj({"hosts_in_use": {"type": "integer"}, "lower_bound": {"type": "integer"},
               "most_loaded": {"type": "object"}})
PLAN = obj({"goal": STR, "moves": {"type": "array", "items": MOVE}, "before": SUMMARY,
            "after": SUMMARY, "unresolved": {"type": "array", "items": {"type": "object"}},
            "staying": {"type": "array", "items": STAYING}, "planned_in_s": NUM})

SCHEMAS = {
    "RebalanceRequest": obj({"goal": {"enum": ["consolidate", "balance", *USAGE_GOALS]},
                             # the usage goals': the share of a host's cores to relieve
                             # above (balance_by_use), or to pack up to (consolidate_by_use)
                             "target": HOST_FRACTION, "fill": HOST_FRACTION,
                             "dry_run": {"type": "boolean"},
                             "threshold": obj({"cpu": FRACTION, "ram": FRACTION,
                                               "disk": FRACTION}, required=[]),
                             "max_moves": {"type": "integer", "minimum": 0, "maximum": MAX_ID}},
                            required=["goal"]),
    "Plan": PLAN,
    "PlanOne": obj({"plan": PLAN}),
    "PlanJob": obj({"plan": PLAN, "job": {"$ref": "#/components/schemas/Job"}}),
    "Drain": obj({"dry_run": {"type": "boolean"}}, required=[]),
    # rebuild: true, the one value: the caller says the disks of the failed host are lost
    "Evacuate": obj({"rebuild": {"const": True}}),
}

PATHS = {
    "/rebalance": {
        "post": {"summary": "A plan of migrations toward a goal (consolidate: free hosts; "
                            "balance: every host under a threshold; balance_by_use and "
                            "consolidate_by_use: the same on what guests use), each move with "
                            "its reason and each VM that must stay with why; dry_run (the "
                            "default) only plans, otherwise 202 and the job applying it",
                 "requestBody": body_of("RebalanceRequest"),
                 "responses": {"200": json_of("PlanOne"), "202": json_of("PlanJob", "Accepted"),
                               **errors("400", "422")}},
    },
    "/pms/{pmid}/drain": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Put the host in maintenance (it takes no new VMs) and migrate its "
                            "VMs away: 202, the plan and its job (dry_run: the plan only, 200)",
                 "requestBody": body_of("Drain"),
                 "responses": {"200": json_of("PlanOne"), "202": json_of("PlanJob", "Accepted"),
                               **errors("400", "404", "422")}},
    },
    "/pms/{pmid}/remove": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Forget an empty host and drop it from the inventory (409 naming "
                            "what it still holds)",
                 "responses": {"200": json_of("PmOne"), **errors("404", "409")}},
    },
    "/pms/{pmid}/evacuate": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Rebuild a failed (down) host's VMs on other hosts from their images, "
                            "keeping their ids, names and addresses; their disk contents are "
                            "lost (rebuild: true says so): 202 and a job",
                 "requestBody": body_of("Evacuate"),
                 "responses": {"202": json_of("JobOne", "Accepted"),
                               **errors("400", "404", "409", "422")}},
    },
    "/pms/{pmid}/fence": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Power the host off through its BMC (vmfabric_bmc) and confirm it "
                            "is off; the host must be down or drained. The answer's "
                            "pm.fence says fenced, or unfenceable and why",
                 "responses": {"200": json_of("PmOne"), **errors("404", "409")}},
    },
    "/pms/{pmid}/enable": {
        "parameters": [path_id("pmid")],
        "post": {"summary": "Take the host out of maintenance",
                 "responses": {"200": json_of("PmOne"), **errors("404")}},
    },
}
