"""The console a person types into, in headless Chromium on the lab: the VM's page leads to it,
what is typed reaches the guest's shell and its answer comes back on the screen (and in the
console's log), stopping the VM closes it with a reason, and it fits a phone."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen

from tests.helpers.servers import lab_server
from tests.helpers.waiting import wait_until
from tests.ui.browser import chromium
from tests.ui.test_dashboard import wait
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab
ADMIN, PASSWORD = "console-admin", "the console admin's password"
SCREEN = """var b = window.vmfabricTerminal.buffer.active, rows = [];
for (var i = 0; i < b.length; i++) { rows.push(b.getLine(i).translateToString(true)); }
return rows.join("\\n");"""


@pytest.fixture(scope="module")
def server(lab_ctx):
    lab_ctx.accounts.create(ADMIN, PASSWORD, "admin")
    srv = lab_server(lab_ctx, "console-server")
    yield srv
    srv.kill()


@pytest.fixture
def booted(server):
    made = server.api("POST", "/vms", json={"name": "typed-into", "instance_type": 1})
    assert made.status_code == 201, made.text
    vmid = made.json()["vms"][0]["id"]
    wait_until(lambda: GUEST_MARKER in "\n".join(
        server.api("GET", f"/vms/{vmid}/console").json()["lines"]), "the guest booted", timeout=120)
    yield vmid
    server.api("DELETE", f"/vms/{vmid}")


def screen(driver):
    return driver.execute_script(SCREEN)


def test_what_is_typed_reaches_the_guest_and_its_answer_comes_back(server, booted):
    driver = chromium(width=390, height=844)  # a phone: the terminal fits it too
    try:
        driver.get(f"{server.url}/ui/")
        field = wait(driver).until(seen.presence_of_element_located((By.ID, "username")))
        field.send_keys(ADMIN, Keys.TAB, PASSWORD, Keys.ENTER)
        wait(driver).until(seen.presence_of_element_located((By.ID, "whoami")))
        driver.get(f"{server.url}/ui/vms/{booted}")
        wait(driver).until(seen.element_to_be_clickable((By.LINK_TEXT, "console"))).click()
        wait(driver).until(seen.text_to_be_present_in_element((By.ID, "terminal-state"),
                                                              "connected"))
        wait(driver).until(lambda d: "the console is live from here" in screen(d))  # its log first
        typed = driver.find_element(By.CSS_SELECTOR, "#terminal textarea")
        typed.send_keys("echo typed-$((6*7))-back", Keys.ENTER)
        wait(driver).until(lambda d: "typed-42-back" in screen(d))  # the shell's answer
        assert "typed-42-back" in "\n".join(
            server.api("GET", f"/vms/{booted}/console").json()["lines"])
        assert driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth") <= 0
        box = driver.execute_script(
            "var r = document.querySelector('#terminal .xterm-screen').getBoundingClientRect();"
            "return [r.left, r.right, window.innerWidth];")
        assert box[0] >= 0 and box[1] <= box[2], f"the terminal is off-screen at 390 px: {box}"
        opened = server.api("GET", "/events", params={"action": "vm.console"}).json()["events"]
        assert any(e["target"] == f"vm {booted}" and e["username"] == ADMIN for e in opened)
        assert server.api("POST", f"/vms/{booted}/actions",
                          json={"action": "stop"}).status_code < 300
        wait(driver).until(seen.text_to_be_present_in_element((By.ID, "terminal-state"),
                                                              "the console ended"))
        assert driver.find_element(By.ID, "terminal-reconnect").is_displayed()
    finally:
        driver.quit()


def console_client(server, session):
    """A console opened as the dashboard's page would (simple-websocket's client sends a Host
    without the port, so the page's origin is given the same way)."""
    import urllib.parse

    import simple_websocket

    origin = f"http://{urllib.parse.urlsplit(server.url).hostname}"
    return simple_websocket.Client.connect(
        server.url.replace("http://", "ws://") + f"/ui/vms/{session['vmid']}/console/ws",
        headers={"Cookie": f"vmfabric_session={session['cookie']}", "Origin": origin})


def received(client, text, timeout=30):
    """What CLIENT received until TEXT was in it (AssertionError after TIMEOUT s)."""
    import time

    seen_so_far, deadline = b"", time.monotonic() + timeout
    while text.encode() not in seen_so_far:
        assert time.monotonic() < deadline, f"no {text!r} in {seen_so_far[-300:]!r}"
        seen_so_far += client.receive(timeout=1) or b""
    return seen_so_far


def test_a_second_console_takes_over_and_a_log_out_ends_it(server, booted):
    """As with `virsh console --force`, opening a console ends the one open before; logging
    out ends the consoles of that session within ten seconds."""
    import requests
    import simple_websocket

    web = requests.Session()
    web.post(f"{server.url}/ui/login", data={"username": ADMIN, "password": PASSWORD},
             allow_redirects=False).raise_for_status()
    session = {"vmid": booted, "cookie": web.cookies["vmfabric_session"]}
    first = console_client(server, session)
    first.send("echo first-$((1+1))\r")
    received(first, "first-2")
    second = console_client(server, session)
    wait_until(lambda: not first.connected, "the first console closed", timeout=30)
    second.send("echo second-$((2+2))\r")
    received(second, "second-4")
    assert web.post(f"{server.url}/ui/logout", headers={"HX-Request": "true",
                                                        "Origin": server.url}).ok
    wait_until(lambda: not second.connected, "the console closed after the log out", timeout=20)
    with pytest.raises(simple_websocket.ConnectionError):
        console_client(server, session)  # the session's cookie opens nothing any more
