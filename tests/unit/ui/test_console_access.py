"""Who may open a VM's console, checked before the websocket is made (the typing itself is
tested on the lab, tests/ui/test_dashboard.py): the owner or an admin, signed in, from the
dashboard's own page, of a VM that runs; every attempt is in the audit trail as vm.console."""

import pytest

from service.app import create_app
from tests.unit.ui.test_dashboard_pages import HX, logged_in

UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://localhost"}


@pytest.fixture
def mels_vm(ctx):
    ctx.accounts.create("ada", "a long admin password", "admin")
    ctx.accounts.create("mel", "a long member password", "member")
    ctx.accounts.create("max", "another member password", "member")
    mel = logged_in(ctx, "mel", "a long member password")
    mel.post("/ui/vms", data={"name": "mels-vm", "instance_type": "1", "count": "1"}, headers=HX)
    return mel, ctx.store.vms.list(name="mels-vm")[0].id


def opening(client, vmid, **headers):
    return client.get(f"/ui/vms/{vmid}/console/ws", headers={**UPGRADE, **headers})


def test_only_the_owner_or_an_admin_signed_in_may_open_it(ctx, mels_vm):
    _, vmid = mels_vm
    assert opening(create_app(ctx=ctx).test_client(), vmid).status_code == 401
    other = logged_in(ctx, "max", "another member password")
    assert opening(other, vmid).status_code == 404  # as if there were no such VM
    assert other.get(f"/ui/vms/{vmid}/terminal").status_code == 404
    refused = [e for e in ctx.store.events.list(limit=10) if e["action"] == "vm.console"]
    assert {(e["username"], e["status"]) for e in refused} >= {("max", 404)}
    assert all(e["target"] == f"vm {vmid}" for e in refused)


def test_only_from_the_dashboards_own_page(ctx, mels_vm):
    mel, vmid = mels_vm
    foreign = opening(mel, vmid, Origin="https://elsewhere.example")
    assert foreign.status_code == 403 and b"a console opens only from the dashboard" in foreign.data
    assert opening(mel, vmid, Origin="").status_code == 403  # no Origin: no browser page


def test_a_vm_that_does_not_run_has_no_console(ctx, mels_vm):
    mel, vmid = mels_vm
    assert mel.post(f"/ui/vms/{vmid}/stop", headers=HX).status_code == 200
    stopped = opening(mel, vmid)
    assert stopped.status_code == 409 and b"start it to use its console" in stopped.data


def test_the_page_loads_its_terminal_from_here_only(ctx, mels_vm):
    mel, vmid = mels_vm
    page = mel.get(f"/ui/vms/{vmid}/terminal")
    assert page.status_code == 200 and f'data-socket="/ui/vms/{vmid}/console/ws"'.encode() in page.data
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    for path in ("/ui/vendor/xterm.js", "/ui/vendor/xterm.css", "/ui/vendor/addon-fit.js"):
        assert mel.get(path).status_code == 200, path
