"""The OpenAPI schemas and operations of telemetry (merged into the document by openapi.py)."""

from service.api.v1.spec import NUM, POS, STR, body_of, errors, json_of, obj, path_id, query
from service.telemetry.history import RANGES, WINDOWS
from service.telemetry.rates import FIELDS

NUMBERS = {"type": "array", "items": {"type": ["number", "null"]}}
PERCENTILES = obj({"p50": {"type": ["number", "null"]}, "p95": {"type": ["number", "null"]},
                   "max": {"type": ["number", "null"]}})
RANGE = query("range", {"enum": list(RANGES), "default": "1h"})
SHARE = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
SECONDS = {"type": "number", "minimum": 1, "maximum": 86400}

SCHEMAS = {
    "Metrics": obj({
        "range": {"enum": list(RANGES)}, "step": NUM,
        "units": {"type": "object", "additionalProperties": STR},
        "at": {"type": "array", "items": NUM},
        # cpu_max: the highest CPU within each step of a coarser tier (24h, 30d)
        "series": obj({**{name: NUMBERS for name in FIELDS}, "cpu_max": NUMBERS},
                      required=list(FIELDS)),
        "last": {"oneOf": [{"type": "null"}, obj({"at": NUM, **{
            name: {"type": ["number", "null"]} for name in FIELDS}})]},
        "summary": obj({window: obj({"cpu": PERCENTILES, "steal": PERCENTILES})
                        for window in WINDOWS}),
    }),
    "MetricsOne": obj({"metrics": {"$ref": "#/components/schemas/Metrics"}}),
    # a VM's vertical autoscaling (service/usage/vertical.py)
    "Autoscale": obj({"min_cpu": POS, "max_cpu": POS, "up": SHARE, "down": SHARE,
                      "hold": SECONDS, "cooldown": SECONDS}, required=["min_cpu", "max_cpu"]),
    # a virtual cluster's horizontal autoscaling (service/usage/horizontal.py)
    "ClusterAutoscale": obj({"min_size": POS, "max_size": POS, "up": SHARE, "down": SHARE,
                             "hold": SECONDS, "cooldown": SECONDS,
                             "setup": {"type": "string", "maxLength": 65536}},
                            required=["min_size", "max_size"]),
    "Usage": obj({"usage": {"type": "array", "items": obj({
        "id": NUM, "name": STR, "pmid": NUM, "at": NUM,
        **{name: {"type": ["number", "null"]} for name in FIELDS}})}}),
}


def _history(parameter, summary):
    return {"parameters": [path_id(parameter)],
            "get": {"summary": summary, "parameters": [RANGE],
                    "responses": {"200": json_of("MetricsOne"), **errors("404", "422")}}}


PATHS = {
    "/metrics/vms": {
        "get": {"summary": "The last sample of every VM you may see (what `vmfabric vm top` "
                           "shows)", "responses": {"200": json_of("Usage")}},
    },
    "/metrics/pms": {
        "get": {"summary": "The last sample of every host", "responses": {"200": json_of("Usage")}},
    },
    "/vms/{vmid}/metrics": _history(
        "vmid", "What the VM used: CPU and steal (% of its vCPUs), memory, disk and network "
                "rates over 1h (10 s steps), 24h (1 min) or 30d (10 min)"),
    "/vms/{vmid}/autoscale": {
        "parameters": [path_id("vmid")],
        "put": {"summary": "Scale the VM's vCPUs by its use: one more while its CPU stays over "
                           "`up` for `hold` s (up to max_cpu), one fewer while it stays under "
                           "`down` for `cooldown` s (down to min_cpu); at most one change a "
                           "cooldown (defaults: up 0.8, down 0.2, hold 60, cooldown 300)",
                "requestBody": body_of("Autoscale"),
                "responses": {"200": json_of("VmOne"), **errors("404", "422")}},
        "delete": {"summary": "Stop scaling the VM (its size stays as it is)",
                   "responses": {"200": json_of("VmOne"), **errors("404")}},
    },
    "/clusters/{cluster_id}/autoscale": {
        "parameters": [path_id("cluster_id")],
        "put": {"summary": "Scale the cluster by its nodes' average CPU: a node added while it "
                           "stays over `up` for `hold` s (placed by the cluster's rules, in its "
                           "inventory, `setup` run on it before it counts), the newest removed "
                           "while it stays under `down` for `cooldown` s; between min_size and "
                           "max_size (defaults: up 0.7, down 0.2, hold 60, cooldown 300)",
                "requestBody": body_of("ClusterAutoscale"),
                "responses": {"200": json_of("ClusterOne"), **errors("404", "422")}},
        "delete": {"summary": "Stop scaling the cluster (its nodes stay)",
                   "responses": {"200": json_of("ClusterOne"), **errors("404")}},
    },
    "/pms/{pmid}/metrics": _history(
        "pmid", "What the host used (its CPU, its guests' steal, its memory, its guests' I/O) "
                "over a range, as for a VM"),
}
