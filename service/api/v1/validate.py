"""Request validation against the OpenAPI document's own schemas (one source of truth).

A body is read only within ``server.max_body`` bytes (413 before parsing beyond
it) and only as deep as ``MAX_DEPTH`` (400 beyond it), so no request costs the
server more than its size. Error messages name the field and quote at most a
short prefix of a value, and never the value of a secret field (a password, a
token, user-data, a program): they reach the answer, the log and the audit trail.
"""

import json
import re

import jsonschema
from flask import request
from jsonschema import validators

from service.web.errors import BadRequest
from service.errors import ValidationError

MAX_DEPTH = 32
QUOTE = 40
# fields whose values are never quoted back, whatever their place in a body
SECRET_FIELDS = frozenset({"password", "token", "user_data", "program", "command"})


def _strict_integer(_checker, instance):
    """An integer, not a boolean (a body's 2.0 arrives as 2 already: see json_body)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


Validator = validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))


def quote(value, limit=QUOTE):
    """VALUE's repr, cut to LIMIT characters (a message names a value, never repeats it)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def json_body():
    """The request's JSON (BadRequest if it is not JSON or nests deeper than MAX_DEPTH)."""
    raw = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH: 413 beyond it
    if not request.is_json or not raw:
        raise BadRequest("the request body must be JSON (Content-Type: application/json)")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _nesting(raw) > MAX_DEPTH:
        raise BadRequest(f"the request body nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(raw, parse_float=_number)
    except (ValueError, RecursionError):
        raise BadRequest("the request body must be JSON (Content-Type: application/json)") \
            from None


def _number(text):
    """A JSON number with a fraction: 2.0 is the integer 2, as JSON Schema counts it."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2 ** 53 else value


def _nesting(raw):
    """The deepest nesting of arrays and objects in RAW (strings skipped), without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def body(schema_name):
    """The JSON body, checked against components.schemas[SCHEMA_NAME]."""
    from service.api.v1.openapi import SCHEMAS

    data = json_body()
    check(data, SCHEMAS[schema_name])
    return data


def check(data, schema):
    from service.api.v1.openapi import SCHEMAS

    validator = Validator(
        dict(schema, components={"schemas": SCHEMAS}) if "$ref" in str(schema) else schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise _as_validation_error(errors[0])


def _as_validation_error(err):
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        field = ".".join(filter(None, [path, str(extra[0])[:QUOTE] if extra else ""]))
        return ValidationError(f"{field}: unknown field", field=field)
    if err.validator in ("required", "dependentRequired"):
        missing = err.message.split("'")[1]
        field = ".".join(filter(None, [path, missing]))
        return ValidationError(f"{field}: required", field=field)
    if err.validator == "not" and list(err.validator_value) == ["required"]:
        first, *others = err.validator_value["required"]
        field = ".".join(filter(None, [path, others[-1]]))
        return ValidationError(f"{field}: give {first} alone, not both", field=field)
    return ValidationError(f"{path or 'body'}: {describe(err)}", field=path or None)


def describe(err):
    """What is wrong with the value ERR is about, quoting it only briefly and never a secret."""
    secret = any(str(part) in SECRET_FIELDS for part in err.absolute_path)
    what = _rule_text(err.validator, err.validator_value)
    return what if secret else f"{what} (given: {quote(err.instance)})"


def _rule_text(validator, rule):
    if validator == "type":
        return f"must be of type {rule if isinstance(rule, str) else ' or '.join(rule)}"
    if validator == "enum":
        return "must be one of " + ", ".join(quote(v) for v in rule)
    plain = {"minLength": "too short (at least {} characters)",
             "maxLength": "too long (at most {} characters)",
             "minimum": "must be at least {}", "maximum": "must be at most {}",
             "exclusiveMinimum": "must be more than {}",
             "exclusiveMaximum": "must be less than {}",
             "minItems": "too few items (at least {})", "maxItems": "too many items (at most {})",
             "pattern": "not in the accepted form"}
    return plain.get(validator, "not an accepted value").format(rule)


def query_int(name, default=None, minimum=None, maximum=None):
    """Query parameter NAME as an int within [MINIMUM, MAXIMUM] (ASCII digits, optional sign)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
        raise ValidationError(f"{name}: {quote(raw)} is not an integer", field=name)
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError(f"{name}: {value} is out of range [{minimum}, {maximum}]", field=name)
    return value


def check_query():
    """Refuse a query parameter the operation does not take (a mistyped filter is not ignored)."""
    req = request._get_current_object()
    if not req.query_string or req.url_rule is None:
        return  # (most requests: nothing to parse)
    from service.api.v1.document import V1, document_path
    from service.api.v1.openapi import PATHS

    if not req.path.startswith(V1) or not req.args:
        return
    item = PATHS.get(document_path(req.url_rule.rule), {})
    operation = item.get(req.method.lower(), {})
    known = {p["name"] for p in item.get("parameters", []) + operation.get("parameters", [])
             if p["in"] == "query"}
    unknown = sorted(set(req.args) - known)
    if unknown:
        raise ValidationError(f"{unknown[0][:40]}: unknown query parameter", field=unknown[0][:40])
