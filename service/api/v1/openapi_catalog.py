"""The OpenAPI schemas and operations of images and instance types (merged into the document
by openapi.py)."""

from service.api.v1.spec import (INT, NUM, POS, STR, body_of, errors, json_of, obj, page_of, paged,
                                 path_id, query)

IMAGE_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$"}
SHA256 = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}
OS = {"type": "string", "pattern": "^[a-z][a-z0-9._-]{0,31}$"}
LOGIN = {"type": "string", "pattern": "^[a-z_][a-z0-9_-]{0,31}$"}
MIN_DISK = {"type": "integer", "minimum": 0, "maximum": 65536}
MIN_RAM = {"type": "integer", "minimum": 0, "maximum": 1 << 22}
NULL_STR = {"type": ["string", "null"]}
IMAGE_FIELDS = {"name": IMAGE_NAME, "sha256": SHA256, "os": OS, "login": LOGIN,
                "min_disk_gb": MIN_DISK, "min_ram_mb": MIN_RAM}
TYPE_SIZES = {"cpu": {"type": "integer", "minimum": 1, "maximum": 1024},
              "ram": {"type": "integer", "minimum": 1, "maximum": 1 << 24},
              "disk": {"type": "integer", "minimum": 1, "maximum": 1 << 20}}

SCHEMAS = {
    "Image": obj({"id": POS, "name": STR, "source": NULL_STR,
                  "format": {"enum": ["raw", "qcow2"]}, "virtual_size": INT, "size": INT,
                  "sha256": STR, "state": {"enum": ["importing", "active", "deleting"]},
                  "public": {"type": "boolean"}, "owner": {"type": ["integer", "null"]},
                  "os": NULL_STR, "login": STR, "min_disk_gb": INT, "min_ram_mb": INT,
                  "created_at": {"type": ["number", "null"]},
                  "job": {"type": ["integer", "null"]}}),
    "ImageOne": obj({"image": {"$ref": "#/components/schemas/Image"}}),
    "ImageList": page_of("images", "Image"),
    "ImageImport": obj(dict(IMAGE_FIELDS, url={"type": "string", "maxLength": 2000}),
                       required=["name", "url"]),
    "ImageImporting": obj({"image": {"$ref": "#/components/schemas/Image"},
                           "job": {"$ref": "#/components/schemas/Job"}}),
    "Type": obj({"tid": POS, "cpu": POS, "ram": POS, "disk": POS, "retired": {"type": "boolean"},
                 "ha": {"type": "boolean"}}),
    "TypeOne": obj({"type": {"$ref": "#/components/schemas/Type"}}),
    "TypeList": page_of("types", "Type"),
    "TypeCreate": obj(dict(TYPE_SIZES, tid=POS, ha={"type": "boolean"}),
                      required=["cpu", "ram", "disk"]),
    "TypeChange": obj(dict(TYPE_SIZES, retired={"type": "boolean"}, ha={"type": "boolean"}),
                      required=[]),
}

PATHS = {
    "/images": {
        "get": {"summary": "List the images you may use (an admin: every image)",
                "parameters": paged(),
                "responses": {"200": json_of("ImageList"), **errors("422")}},
        "post": {
            "summary": "Bring an image: upload its bytes (application/octet-stream, with its "
                       "Content-Length; the fields in the query), or import it from an http(s) "
                       "URL (JSON; a job fetches it). It is inspected, then active",
            "parameters": [dict(query(name, schema), description=f"an upload's {name}")
                           for name, schema in IMAGE_FIELDS.items()],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ImageImport"}},
                "application/octet-stream": {"schema": {"type": "string",
                                                        "format": "binary"}}}},
            "responses": {"201": json_of("ImageOne", "Uploaded, inspected and active"),
                          "202": json_of("ImageImporting", "Accepted: the job imports it"),
                          **errors("400", "409", "422")}},
    },
    "/images/{image_id}": {
        "parameters": [path_id("image_id")],
        "get": {"summary": "One image", "responses": {"200": json_of("ImageOne"),
                                                      **errors("404")}},
        "delete": {"summary": "Delete an image no VM or cluster uses (409 names them); its "
                              "copies on hosts go too (202 while a host must answer first)",
                   "responses": {"204": {"description": "Deleted"},
                                 "202": json_of("ImageOne", "Deleting: a host must answer"),
                                 **errors("403", "404", "409")}},
    },
    "/types": {
        "get": {"summary": "List instance types (members: the active ones)",
                "parameters": paged(),
                "responses": {"200": json_of("TypeList"), **errors("422")}},
        "post": {"summary": "Create an instance type (admin)", "requestBody": body_of("TypeCreate"),
                 "responses": {"201": json_of("TypeOne", "Created"),
                               **errors("400", "403", "409", "422")}},
    },
    "/types/{tid}": {
        "parameters": [path_id("tid")],
        "get": {"summary": "One instance type", "responses": {"200": json_of("TypeOne"),
                                                              **errors("404")}},
        "patch": {"summary": "Change a type's sizes (only while no VM uses it) or retire it "
                             "(no new VMs of it) (admin)",
                  "requestBody": body_of("TypeChange"),
                  "responses": {"200": json_of("TypeOne"), **errors("400", "403", "404", "409",
                                                                     "422")}},
        "delete": {"summary": "Delete a type no VM or cluster uses (admin)",
                   "responses": {"204": {"description": "Deleted"},
                                 **errors("403", "404", "409")}},
    },
}
