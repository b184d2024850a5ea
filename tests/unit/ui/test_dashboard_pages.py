"""The dashboard through Flask's test client on test-driver hosts: logging in sets an HttpOnly,
SameSite=Strict session; a change without the dashboard's own marks is refused; members see
only their own and no hosts; every part renders; a logout revokes the session."""

import pytest

from service.app import create_app

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def accounts(ctx):
    ctx.accounts.create("ada", "a long admin password", "admin")
    ctx.accounts.create("mel", "a long member password", "member")
    ctx.accounts.create("max", "another member password", "member")


def logged_in(ctx, username, password):
    client = create_app(ctx=ctx).test_client()
    answer = client.post("/ui/login", data={"username": username, "password": password})
    assert answer.status_code == 303 and answer.headers["Location"] == "/ui/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie
    return client


def test_a_wrong_password_is_refused_and_no_page_without_a_login(ctx):
    client = create_app(ctx=ctx).test_client()
    assert client.get("/ui/").headers["Location"] == "/ui/login"
    wrong = client.post("/ui/login", data={"username": "ada", "password": "nope"})
    assert wrong.status_code == 401 and b"wrong username or password" in wrong.data
    assert client.get("/ui/part/vms").status_code == 286  # htmx stops polling


def test_every_part_renders_and_members_see_no_hosts(ctx):
    admin = logged_in(ctx, "ada", "a long admin password")
    page = admin.get("/ui/")
    assert page.status_code == 200 and b'id="hosts"' in page.data
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for part in ("hosts", "vms", "clusters", "volumes", "jobs", "events"):
        assert admin.get(f"/ui/part/{part}").status_code == 200, part
    assert admin.get("/ui/part/hosts").data.count(b"<meter") == 9  # 3 hosts, 3 bars each
    member = logged_in(ctx, "mel", "a long member password")
    assert b'id="hosts"' not in member.get("/ui/").data
    assert member.get("/ui/part/hosts").status_code == 404


def test_changes_need_the_dashboards_own_page(ctx):
    client = logged_in(ctx, "mel", "a long member password")
    form = {"name": "mine", "instance_type": "1", "count": "1"}
    assert client.post("/ui/vms", data=form).status_code == 403  # a plain cross-site form
    forged = client.post("/ui/vms", data=form, headers={**HX, "Sec-Fetch-Site": "cross-site"})
    assert b"must come from its own page" in forged.data  # an alert in the page (htmx: 200)
    assert ctx.store.vms.list() == []
    made = client.post("/ui/vms", data=form, headers=HX)
    assert made.status_code == 200 and b"made mine" in made.data


def test_a_member_sees_and_touches_only_their_own(ctx):
    mel = logged_in(ctx, "mel", "a long member password")
    mel.post("/ui/vms", data={"name": "mels-vm", "instance_type": "1", "count": "1"}, headers=HX)
    vmid = ctx.store.vms.list(name="mels-vm")[0].id
    max_ = logged_in(ctx, "max", "another member password")
    assert b"mels-vm" not in max_.get("/ui/part/vms").data
    refused = max_.post(f"/ui/vms/{vmid}/destroy", headers=HX)
    assert b"no vm" in refused.data and refused.headers["HX-Retarget"] == "#alerts"
    assert ctx.store.vms.list(name="mels-vm")
    assert max_.get(f"/ui/vms/{vmid}/console").status_code == 404
    assert b"mels-vm" in logged_in(ctx, "ada", "a long admin password").get("/ui/part/vms").data


def test_bad_input_is_an_alert_not_a_traceback(ctx):
    client = logged_in(ctx, "ada", "a long admin password")
    bad = client.post("/ui/vms", data={"name": "x", "instance_type": "1", "count": "0"},
                      headers=HX)
    assert bad.status_code == 200 and b"count: a whole number" in bad.data
    assert ctx.store.vms.list() == []


def test_logging_out_revokes_the_session(ctx):
    client = logged_in(ctx, "ada", "a long admin password")
    assert client.post("/ui/logout", headers=HX).headers["HX-Redirect"] == "/ui/login"
    assert client.get("/ui/").headers["Location"] == "/ui/login"


def test_a_create_from_the_page_can_give_its_own_keys_and_user_data(ctx):
    client = logged_in(ctx, "mel", "a long member password")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + " mel@laptop"
    bad = client.post("/ui/vms", headers=HX, data={
        "name": "keyed", "instance_type": "1", "count": "1", "ssh_keys": "not a key"})
    assert b"ssh_keys" in bad.data and ctx.store.vms.list() == []  # named, nothing made
    made = client.post("/ui/vms", headers=HX, data={
        "name": "keyed", "instance_type": "1", "count": "1", "ssh_keys": f"\n{key}\n",
        "user_data": "#cloud-config\npackages: [nginx]\n"})
    assert made.status_code == 200 and b"made keyed" in made.data
    vm = ctx.store.vms.list(name="keyed")[0]
    assert vm.ssh_keys == [key] and vm.user_data.startswith("#cloud-config")
    plain = client.post("/ui/vms", headers=HX, data={"name": "plain", "instance_type": "1",
                                                     "count": "1"})
    assert b"made plain" in plain.data
    assert ctx.store.vms.list(name="plain")[0].ssh_keys == list(ctx.compute.default_keys)


def test_a_down_host_shows_whether_it_was_fenced_and_a_vm_where_its_disk_is(ctx):
    import time

    admin = logged_in(ctx, "ada", "a long admin password")
    ctx.store.pms.set_state(2, "down", "no route to the host")
    ctx.store.pms.set_fence(2, {"state": "unfenceable", "at": time.time(),
                                "detail": "its BMC at 10.0.0.2:623 did not answer"})
    ctx.store.pms.set_fence(3, {"state": "fenced", "at": time.time(), "detail": "confirmed"})
    hosts = admin.get("/ui/part/hosts").data.decode()
    assert 'badge fence-unfenceable">unfenceable' in hosts
    assert "its BMC at 10.0.0.2:623 did not answer; its VMs stay where they are" in hosts
    assert "fence-fenced" not in hosts  # pm 3 was fenced once, but is up: nothing to say
    vm = ctx.compute.create("plain", 1)[0]
    assert "on its host</td>" in admin.get(f"/ui/vms/{vm.id}/detail").data.decode()
