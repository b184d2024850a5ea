"""The unit tests' service context: make_ctx (tests/helpers/contexts.py) on a fresh store of
either backend, shaped by the module's or test's ``fleet`` mark:

    pytestmark = pytest.mark.fleet(pms=3, capacity=(4, 4096, 20))
"""

import pytest

from service.app import create_app
from tests.helpers.contexts import clear_test_driver, make_ctx
from tests.helpers.servers import admin_token


def pytest_configure(config):
    config.addinivalue_line("markers", "fleet(**options): make_ctx's options for the ctx fixture")


@pytest.fixture
def ctx(request, tmp_path, database):
    mark = request.node.get_closest_marker("fleet")
    context = make_ctx(tmp_path, database=database, **(mark.kwargs if mark else {}))
    yield context
    context.close()
    clear_test_driver()


@pytest.fixture
def client(ctx):
    """A client of the app calling with an admin's token."""
    client = create_app(ctx=ctx).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token(ctx)}"
    return client
