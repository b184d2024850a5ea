"""Request validation against the OpenAPI document's own schemas (one source of truth)."""

import re

import jsonschema
from flask import request
from jsonschema import validators

from service.api.errors import BadRequest
from service.errors import ValidationError


def _strict_integer(_checker, instance):
    """JSON Schema counts 2.0 as an integer; a count or an id of 2.0 is not one here."""
    return isinstance(instance, int) and not isinstance(instance, bool)


Validator = validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))


def body(schema_name):
    """The JSON body, checked against components.schemas[SCHEMA_NAME]."""
    from service.api.v1.openapi import SCHEMAS

    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the request body must be JSON (Content-Type: application/json)")
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
        field = ".".join(filter(None, [path, extra[0] if extra else ""]))
        return ValidationError(f"{field}: unknown field", field=field)
    if err.validator == "required":
        missing = err.message.split("'")[1]
        field = ".".join(filter(None, [path, missing]))
        return ValidationError(f"{field}: required", field=field)
    return ValidationError(f"{path or 'body'}: {err.message}", field=path or None)


def query_int(name, default=None, minimum=None, maximum=None):
    """Query parameter NAME as an int within [MINIMUM, MAXIMUM] (ASCII digits, optional sign)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
        raise ValidationError(f"{name}: {raw[:40]!r} is not an integer", field=name)
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError(f"{name}: {value} is out of range [{minimum}, {maximum}]", field=name)
    return value


def check_query():
    """Refuse a query parameter the operation does not take (a mistyped filter is not ignored)."""
    from service.api.auth import V1, document_path
    from service.api.v1.openapi import PATHS

    if request.url_rule is None or not request.path.startswith(V1) or not request.args:
        return
    item = PATHS.get(document_path(request.url_rule.rule), {})
    operation = item.get(request.method.lower(), {})
    known = {p["name"] for p in item.get("parameters", []) + operation.get("parameters", [])
             if p["in"] == "query"}
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise ValidationError(f"{unknown[0][:40]}: unknown query parameter", field=unknown[0][:40])
