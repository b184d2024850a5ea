"""The OpenAPI schemas and operations of identity: tokens, users and their quotas, the audit
trail (merged into the document by openapi.py)."""

from service.web.ids import MAX_ID
from service.api.v1.spec import (INT, MAX_AMOUNT, NUM, POS, STR, body_of, errors, json_of, obj,
                                 page_of, paged, path_id, query)

SCHEMAS = {
    # a login (username and password, both) or, with a token, another token (neither)
    "TokenCreate": dict(obj({"username": {"type": "string", "maxLength": 64},
                             "password": {"type": "string", "maxLength": 1024},
                             "name": {"type": "string", "maxLength": 128},
                             "ttl": {"type": "integer", "minimum": 60, "maximum": MAX_ID}},
                            required=[]),
                        dependentRequired={"username": ["password"], "password": ["username"]}),
    "TokenIssued": obj({"token": STR, "id": POS}),
    "TokenInfo": obj({"id": POS, "name": STR, "created_at": NUM, "expires_at": NUM,
                       "revoked_at": {"type": ["number", "null"]}}),
    "TokenList": page_of("tokens", "TokenInfo"),
    "QuotaUse": obj({"limit": {"type": ["integer", "null"]}, "used": INT}),
    "User": obj({"id": POS, "username": STR, "role": {"enum": ["admin", "member"]},
                  "quota": obj({name: {"$ref": "#/components/schemas/QuotaUse"}
                                 for name in ("cpu", "ram_mb", "disk_gb", "vms")}),
                  "created_at": NUM}),
    "UserOne": obj({"user": {"$ref": "#/components/schemas/User"}}),
    "UserList": page_of("users", "User"),
    "UserCreate": obj({"username": {"type": "string", "pattern": "^[a-z][a-z0-9_.-]{0,31}$"},
                        "password": {"type": "string", "minLength": 8, "maxLength": 1024},
                        "role": {"enum": ["admin", "member"]}}, required=["username", "password"]),
    "QuotaSet": obj({name: {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_AMOUNT}
                      for name in ("cpu", "ram_mb", "disk_gb", "vms")}, required=[]),
    "Event": obj({"id": POS, "at": NUM, "user_id": {"type": ["integer", "null"]},
                   "username": STR, "action": STR, "target": STR, "request_id": STR,
                   "status": INT, "outcome": STR}),
    "EventList": page_of("events", "Event"),
}

PATHS = {
    "/tokens": {
        "get": {"summary": "Your API tokens (never the tokens themselves)", "parameters": paged(),
                "responses": {"200": json_of("TokenList"), **errors("401", "422")}},
        "post": {"summary": "Log in ({username, password}: no token needed) or, with a token, "
                            "get another for the same user; the token is shown only here",
                 "requestBody": body_of("TokenCreate"),
                 "responses": {"201": json_of("TokenIssued", "Issued"),
                               **errors("400", "401", "422")}},
    },
    "/tokens/{token_id}": {
        "parameters": [path_id("token_id")],
        "delete": {"summary": "Revoke a token (yours; an admin's: any)",
                   "responses": {"204": {"description": "Revoked"}, **errors("401", "404")}},
    },
    "/whoami": {"get": {"summary": "The caller, their role and quota",
                        "responses": {"200": json_of("UserOne"), **errors("401")}}},
    "/users": {
        "get": {"summary": "Every user with quota and usage (admin)", "parameters": paged(),
                "responses": {"200": json_of("UserList"), **errors("401", "403", "422")}},
        "post": {"summary": "Add a user (admin)", "requestBody": body_of("UserCreate"),
                 "responses": {"201": json_of("UserOne", "Added"),
                               **errors("400", "401", "403", "409", "422")}},
    },
    "/users/{username}": {
        "parameters": [{"name": "username", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64}}],
        "delete": {"summary": "Remove a user who owns nothing (admin)",
                   "responses": {"204": {"description": "Removed"},
                                 **errors("401", "403", "404", "409")}},
    },
    "/users/{username}/quota": {
        "parameters": [{"name": "username", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64}}],
        "put": {"summary": "Set a user's limits (null: the configured default) (admin)",
                "requestBody": body_of("QuotaSet"),
                "responses": {"200": json_of("UserOne"),
                              **errors("400", "401", "403", "404", "422")}},
    },
    "/events": {
        "get": {"summary": "The audit trail, newest first (yours; an admin's: everyone's)",
                "parameters": paged(query("user", STR), query("action", STR),
                                    query("before", POS)),
                "responses": {"200": json_of("EventList"), **errors("401", "422")}},
    },
}
