"""The building blocks of the OpenAPI document: common schemas and the helpers that make
operations, shared by service/api/v1/openapi.py and the modules that add to it."""

from service.web.ids import MAX_ID


def obj(properties, required=None, extra=False):
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
# printable text: no control characters (XML cannot carry them), not only spaces. (Lone
# surrogates, which no UTF-8 body holds, are refused too; a surrogate range in the pattern
# would make it one that other engines than Python's cannot read.)
NAME = {"type": "string", "minLength": 1, "maxLength": 4096,
        "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*"
                   "[^\\s\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]"
                   "[^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*$"}
LIMITS = {"limit": 10000, "lines": 10000, "offset": MAX_ID}
ADDRESS = obj({"network": STR, "ip": STR, "mac": STR})
# what a guest is given at first boot (public keys that log in, the user's cloud-config)
FIRST_BOOT = {
    # an OpenSSH public key line, "TYPE BASE64 [comment]", whose data is a key of TYPE
    "ssh_keys": {"type": "array", "minItems": 1, "maxItems": 10,
                 "items": {"type": "string", "minLength": 1, "maxLength": 16384,
                           "format": "openssh-public-key"}},
    # a cloud-config: YAML whose top level is a mapping (or nothing), at most 16 KiB, without
    # the keys vmfabric sets itself (hostname, ssh_keys, ssh_deletekeys)
    "user_data": {"type": "string", "maxLength": 16384, "format": "cloud-config"},
}
RES = obj({"cpu": INT, "ram": INT, "disk": INT})


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_of(name, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}


ERR = {code: json_of("Error", text) for code, text in (
    ("400", "Not JSON"), ("401", "No valid API token"), ("403", "For admins only"),
    ("404", "No such object"), ("409", "Wrong state, no capacity or over quota"),
    ("422", "A field is missing, unknown or out of range"), ("502", "The hypervisor failed"))}


def errors(*codes):
    return {c: ERR[c] for c in codes}


def body_of(name):
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": POS}


def query(name, schema):
    return {"name": name, "in": "query", "required": False, "schema": schema}


def bounded(name, minimum):
    return query(name, {"type": "integer", "minimum": minimum, "maximum": LIMITS[name]})


# lists page one way (service/api/v1/paging.py): ?limit=&cursor=, and total and next
CURSOR = {"type": "string", "pattern": "^[0-9]{1,10}$"}


def page_of(key, item):
    """A page of a list: its items under KEY, how many the filters match in all (`total`) and
    the cursor of the following page (`next`, null on the last)."""
    return obj({key: {"type": "array", "items": ref(item)},
                "total": {"type": "integer", "minimum": 0},
                "next": {"type": ["string", "null"]}}, required=[key])


def paged(*parameters):
    """The parameters of a list operation: PARAMETERS, then limit and cursor."""
    return [*parameters, bounded("limit", 1), query("cursor", CURSOR)]
