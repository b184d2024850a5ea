"""The OpenAPI schemas and operations of telemetry (merged into the document by openapi.py)."""

from service.api.v1.spec import NUM, STR, errors, json_of, obj, path_id, query
from service.telemetry.history import RANGES, WINDOWS
from service.telemetry.rates import FIELDS

NUMBERS = {"type": "array", "items": {"type": ["number", "null"]}}
PERCENTILES = obj({"p50": {"type": ["number", "null"]}, "p95": {"type": ["number", "null"]},
                   "max": {"type": ["number", "null"]}})
RANGE = query("range", {"enum": list(RANGES), "default": "1h"})

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
    "/pms/{pmid}/metrics": _history(
        "pmid", "What the host used (its CPU, its guests' steal, its memory, its guests' I/O) "
                "over a range, as for a VM"),
}
