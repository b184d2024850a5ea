"""/api/v1 fuzzed from its own OpenAPI document (schemathesis), on hosts of libvirt's test driver.

Every operation gets generated requests, valid and invalid, within a fixed budget, as an
admin (what a member or no one may do is tests/unit/api/test_access.py's); the run
fails on any 5xx, any status the document does not list, or any answer that does not match
its schema. Operations that make the server reach out to a host named in the request
(adding a host, rediscovery, host keys) or run programs on guests are left out: the fuzzer
would name hosts on any network. Their validation is checked by table tests in tests/unit/api.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.checks import (content_type_conformance, negative_data_rejection,
                                 not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from service.api import create_app
from tests.conftest import admin_token
from tests.unit.api.conftest import _clear_test_driver, make_ctx

REACHES_HOSTS = ["POST /pms", "POST /pms/discover", "POST /pms/{pmid}/rekey",
                 "GET /pms/{pmid}/hostkeys", "POST /clusters/{cluster_id}/run"]
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection)


CALLER = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    ctx = make_ctx(tmp_path_factory.mktemp("fuzz"))
    app = create_app(ctx=ctx)
    CALLER["headers"] = {"Authorization": f"Bearer {admin_token(ctx)}"}
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).exclude(name=REACHES_HOSTS)
    ctx.close()
    _clear_test_driver()


schema = schemathesis.pytest.from_fixture("api_schema")


def checks_for(case):
    """CHECKS, but a case made negative in its headers (the Authorization header left out)
    is not expected to be refused: the admin's token every call carries puts it back."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode.is_negative:
        return tuple(check for check in CHECKS if check is not negative_data_rejection)
    return CHECKS


@schema.parametrize()
@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case):
    case.call_and_validate(checks=checks_for(case), headers=CALLER["headers"])
