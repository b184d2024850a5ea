"""/api/v1 fuzzed from its own OpenAPI document (schemathesis), on hosts of libvirt's test driver.

Every operation gets generated requests in all of schemathesis's phases: the document's
examples, its coverage phase (boundaries and every keyword), fuzzing (valid and invalid
data), and a stateful run that chains operations through the links it infers (a VM made,
then shown, acted on, destroyed). As an admin (what a member or no one may do is
tests/unit/api/test_access.py's), the run fails on any 5xx, any status the document does
not list, any answer off its schema, any invalid request accepted and any valid request
refused: the document must say what the API takes. Operations that make the server reach
out to a host named in the request (adding a host, rediscovery, host keys) or run programs
on guests are left out: the fuzzer would name hosts on any network. Their validation is
checked by table tests in tests/unit/api.
"""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import (content_type_conformance, negative_data_rejection,
                                 not_a_server_error, positive_data_acceptance,
                                 response_schema_conformance, status_code_conformance)
from schemathesis.core.parameters import ParameterLocation

from service.app import create_app
from service.network import guestkeys
from tests.helpers.servers import admin_token
from tests.helpers.contexts import clear_test_driver, make_ctx

REACHES_HOSTS = ["POST /pms", "POST /pms/discover", "POST /pms/{pmid}/rekey",
                 "GET /pms/{pmid}/hostkeys", "POST /clusters/{cluster_id}/run"]
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, positive_data_acceptance)
# real public keys for the document's "openssh-public-key" format (what ssh_keys take)
PUBLIC_KEYS = [guestkeys.new_host_key(f"fuzz {n}")[1] for n in range(3)]
schemathesis.openapi.format("openssh-public-key", st.sampled_from(PUBLIC_KEYS))
# and cloud-configs for the "cloud-config" format (user_data): a mapping, none of vmfabric's keys
schemathesis.openapi.format("cloud-config", st.one_of(st.just(""), st.dictionaries(
    st.sampled_from(["packages", "runcmd", "timezone", "write_files"]), st.text(max_size=20),
    max_size=3).map(lambda data: "#cloud-config\n" + "".join(
        f"{key}: {json.dumps(value)}\n" for key, value in data.items()))))

CALLER = {}


def _schema(path):
    """The document of an app on fresh test-driver hosts, as an admin calls it."""
    ctx = make_ctx(path)
    app = create_app(ctx=ctx)
    CALLER["headers"] = {"Authorization": f"Bearer {admin_token(ctx)}"}
    return ctx, app, schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).exclude(
        name=REACHES_HOSTS)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    ctx, _, loaded = _schema(tmp_path_factory.mktemp("fuzz"))
    yield loaded
    ctx.close()
    clear_test_driver()


@pytest.fixture
def stateful(tmp_path):
    """(app, schema, fresh_fleet): FRESH_FLEET() gives the app an empty fleet again, so that
    every scenario of the stateful run starts from the same state (and replays the same)."""
    ctx, app, loaded = _schema(tmp_path / "first")
    held = {"ctx": ctx, "n": 0}

    def fresh_fleet():
        held["ctx"].close()
        held["n"] += 1
        held["ctx"] = make_ctx(tmp_path / f"scenario-{held['n']}")
        app.config["VMFABRIC"] = held["ctx"]
        CALLER["headers"] = {"Authorization": f"Bearer {admin_token(held['ctx'])}"}

    yield app, loaded, fresh_fleet
    held["ctx"].close()
    clear_test_driver()


# the exclusion is the lazy schema's own: the fixture's schema is only where it is loaded from
schema = schemathesis.pytest.from_fixture("api_schema").exclude(name=REACHES_HOSTS)


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


def test_operations_chained_answer_as_documented(stateful):
    """The stateful phase: sequences of calls linked by what earlier answers returned."""
    _, loaded, fresh_fleet = stateful

    class Workflow(loaded.as_state_machine()):
        def setup(self):
            fresh_fleet()

        def get_call_kwargs(self, case):
            CALLER.setdefault("stateful", set()).add(case.operation.label)
            return {"headers": CALLER["headers"]}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=checks_for(case))

    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=40, stateful_step_count=8, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    # it chained calls: things were made, and calls on what they made followed
    called = CALLER["stateful"]
    assert called & {"POST /vms", "POST /clusters", "POST /volumes"}, sorted(called)
    assert [op for op in called if "{vmid}" in op or "{cluster_id}" in op], sorted(called)
