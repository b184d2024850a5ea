"""A Python client generated from the served OpenAPI document (openapi-python-client, as a
user of the API would make one) has usable names (one module per tag, one function per
operationId) and talks to a real server on the lab."""

import importlib
import subprocess
import sys

import pytest
import requests

from tests.helpers.servers import lab_server

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "client-server")
    yield srv
    srv.kill()


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    """The generated package, importable."""
    work = tmp_path_factory.mktemp("generated")
    (work / "openapi.json").write_text(requests.get(f"{server.url}/api/v1/openapi.json",
                                                    timeout=30).text)
    (work / "config.yml").write_text("post_hooks: []\nproject_name_override: vmfabric-client\n"
                                     "package_name_override: vmfabric_client\n")
    generator = str(__import__("pathlib").Path(sys.executable).with_name("openapi-python-client"))
    done = subprocess.run([generator, "generate", "--path", "openapi.json", "--config",
                           "config.yml", "--meta", "none", "--output-path", "vmfabric_client"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module("vmfabric_client")
    finally:
        sys.path.remove(str(work))


def test_a_generated_client_calls_the_api_by_its_names(server, generated):
    client = generated.AuthenticatedClient(base_url=f"{server.url}/api/v1", token=server.token)
    service = importlib.import_module("vmfabric_client.api.service.health")
    whoami = importlib.import_module("vmfabric_client.api.identity.whoami")
    list_types = importlib.import_module("vmfabric_client.api.catalog.list_types")
    list_vms = importlib.import_module("vmfabric_client.api.vms.list_vms")
    show_vm = importlib.import_module("vmfabric_client.api.vms.show_vm")
    health = service.sync(client=client)
    assert health.status == "ok" and health.pms_up >= 1
    assert whoami.sync(client=client).user.role == "admin"
    assert [t.tid for t in list_types.sync(client=client).types][:3] == [1, 2, 3]
    made = server.api("POST", "/vms", json={"name": "generated", "instance_type": 1})
    vmid = made.json()["vms"][0]["id"]
    try:
        listed = list_vms.sync(client=client, name="generated")
        assert [vm.id for vm in listed.vms] == [vmid]
        assert show_vm.sync(vmid=vmid, client=client).vm.state == "running"
    finally:
        server.api("DELETE", f"/vms/{vmid}")
