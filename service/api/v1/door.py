"""/api/v1's blueprint: its routes (the modules beside this one) answer errors in its shape and
refuse query parameters their operation does not take."""

from flask import Blueprint

from service.api.v1 import errors
from service.api.v1.validate import check_query

blueprint = Blueprint("v1", __name__)
errors.install(blueprint)
blueprint.before_request(check_query)
