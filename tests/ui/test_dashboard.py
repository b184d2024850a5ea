"""The dashboard in a real browser (headless Chromium) on the lab: log in by keyboard, see the
hosts with their bars, create a VM from the form and watch it become running without a
reload, read its console, destroy it; a member does not see another member's VM, and uploads
and deletes an image of their own; a phone-sized window has nothing wider than itself."""


import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.helpers.servers import lab_server
from tests.ui.browser import chromium
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab
PASSWORDS = {"uiadmin": "the dashboard admin 1", "amy": "amy's own password 2",
             "bob": "bob's own password 3"}


@pytest.fixture(scope="module")
def server(lab_ctx):
    for name, password in PASSWORDS.items():
        lab_ctx.accounts.create(name, password, "admin" if name == "uiadmin" else "member")
    srv = lab_server(lab_ctx, "ui-server")
    yield srv
    srv.kill()


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def wait(driver, timeout=60):
    """A wait that looks again when htmx has just replaced what it looked at (every part is
    swapped every two seconds)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.25,
                         ignored_exceptions=(StaleElementReferenceException,))


def click_in_row(driver, name, label):
    """Click the LABEL button of VM NAME's row, as it is when the click happens."""
    click_in_part(driver, "vms", name, label)


def click(driver, xpath):
    """Clicks what the XPath names, looking again if the part holding it was just swapped."""
    wait(driver).until(lambda d: d.find_element(By.XPATH, xpath).click() or True)


def log_in(driver, url, username):
    driver.get(f"{url}/ui/")
    field = wait(driver).until(seen.presence_of_element_located((By.ID, "username")))
    assert driver.switch_to.active_element == field  # the page starts where one types
    field.send_keys(username, Keys.TAB, PASSWORDS[username], Keys.ENTER)  # by keyboard
    wait(driver).until(seen.text_to_be_present_in_element((By.ID, "whoami"), username))


def vm_row(driver, name):
    for row in driver.find_elements(By.CSS_SELECTOR, "#vms tr[data-vmid]"):
        if row.find_element(By.CSS_SELECTOR, "td.name").text == name:
            return row
    return None


def create(driver, name, tid="1"):
    driver.find_element(By.CSS_SELECTOR, "#create-vm summary").click()
    driver.find_element(By.NAME, "name").send_keys(name)
    Select(driver.find_element(By.NAME, "instance_type")).select_by_value(tid)
    driver.find_element(By.CSS_SELECTOR, "#create-vm button[type=submit]").click()
    wait(driver, 120).until(lambda d: (row := vm_row(d, name)) is not None
                            and row.find_element(By.CSS_SELECTOR, "td.state").text == "running")
    return wait(driver).until(lambda d: vm_row(d, name).get_attribute("data-vmid"))


def test_an_admin_sees_the_fleet_and_makes_a_vm_from_the_page(server, browser, lab):
    log_in(browser, server.url, "uiadmin")
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#hosts article.host"))
                        == len(lab.state.hosts))
    wait(browser).until(lambda d: all(  # each: bars for CPU, RAM and disk, and its state
        len(card.find_elements(By.TAG_NAME, "meter")) == 3
        and "up" in card.find_element(By.CSS_SELECTOR, ".badge").text
        for card in d.find_elements(By.CSS_SELECTOR, "#hosts article.host")))
    loads = browser.execute_script("return performance.getEntriesByType('navigation').length")
    vmid = create(browser, "from-the-page")
    # no reload happened: the same document, refreshed in parts
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == loads
    click_in_row(browser, "from-the-page", "console")
    wait(browser, 60).until(seen.text_to_be_present_in_element((By.CSS_SELECTOR, "#console pre"),
                                                               GUEST_MARKER))
    # the log keeps its reader's place across its 2 s refreshes (here: the top of it)
    scroll = "var p = document.querySelector('#console pre'); return [p.scrollTop, p.scrollHeight - p.clientHeight];"
    # (a log shorter than its box cannot scroll: make the box small, as a long log would be)
    browser.execute_script("document.styleSheets[document.styleSheets.length - 1].insertRule("
                           "'pre.console { max-height: 4em !important; }')")
    wait(browser).until(lambda d: d.execute_script(
        "var p = document.querySelector('#console pre');"
        "return p.scrollHeight > p.clientHeight && p.scrollTop > 0;"))  # following the log

    def scrolled_up(driver):  # the reader scrolls up (on the log as it is then, not one
        log = driver.find_element(By.CSS_SELECTOR, "#console pre")  # being replaced)
        driver.execute_script("arguments[0].scrollTop = 0", log)
        time.sleep(0.3)
        return log if driver.execute_script(
            "return document.querySelector('#console pre') === arguments[0]"
            " && arguments[0].scrollTop === 0", log) else None
    first = wait(browser).until(scrolled_up)
    wait(browser, 10).until(seen.staleness_of(first))  # refreshed at least once
    top, room = browser.execute_script(scroll)
    assert room > 0 and top == 0, (top, room)
    click_in_row(browser, "from-the-page", "destroy")
    wait(browser).until(seen.alert_is_present())
    browser.switch_to.alert.accept()  # "Destroy vm N?": confirmed
    wait(browser, 120).until(lambda d: vm_row(d, "from-the-page") is None)
    assert server.api("GET", f"/vms/{vmid}").status_code == 404


def test_a_member_does_not_see_another_members_vm(server, browser):
    log_in(browser, server.url, "amy")
    assert browser.find_elements(By.ID, "hosts") == []  # the fleet is an admin's
    create(browser, "amys-vm")
    browser.find_element(By.XPATH, "//button[text()='Log out']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "username")))
    log_in(browser, server.url, "bob")
    table = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#vms table")))
    wait(browser).until(seen.staleness_of(table))  # the table refreshed (bob's, from the server)
    assert "amys-vm" not in browser.find_element(By.ID, "vms").text
    for vm in server.api("GET", "/vms", params={"name": "amys-vm"}).json()["vms"]:
        server.api("DELETE", f"/vms/{vm['id']}")


def assert_nothing_cut(driver, page):
    """PAGE is no wider than the window, and no cell, button, field or list of choices in it is
    off-screen or cut, by the elements' geometry."""
    wide = driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page} is {wide} px wider than the window"
    cut = driver.execute_script("""
        var width = window.innerWidth, bad = [];
        document.querySelectorAll("main td, main button, main th, main select, main input, main a, main .xterm-screen")
          .forEach(function (el) {
            var box = el.getBoundingClientRect();
            if (box.width === 0) { return; }  // (a header a phone hides)
            var clipped = el.tagName !== "SELECT" && el.tagName !== "INPUT" &&
                          el.scrollWidth > el.clientWidth + 1;
            if (box.left < 0 || box.right > width + 0.5 || clipped)
              { bad.push(el.tagName + " " + el.textContent.trim().slice(0, 30)); }
          });
        return bad;""")
    assert cut == [], f"cut or off-screen at 390 px on {page}: {cut[:8]}"


def test_a_phone_sized_window_has_nothing_wider_than_itself(server):
    """At 390 px the dashboard, a VM's page, its usage graphs and its console are no wider
    than the window, and every cell, button and field is on screen and whole, by the
    elements' geometry."""
    made = server.api("POST", "/vms", json={"name": "on-a-phone", "instance_type": 1})
    assert made.status_code == 201, made.text
    driver = chromium(width=390, height=844)
    try:
        log_in(driver, server.url, "uiadmin")
        wait(driver).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#hosts article")))
        wait(driver).until(lambda d: vm_row(d, "on-a-phone") is not None)
        assert_nothing_cut(driver, "/ui/")
        state = vm_row(driver, "on-a-phone").find_element(By.CSS_SELECTOR, "td.state")
        assert state.text.endswith("running") and state.get_attribute("data-label") == "State"
        vmid = made.json()["vms"][0]["id"]
        for page, part in ((f"/ui/vms/{vmid}", "#vm-page table"),
                           (f"/ui/vms/{vmid}/usage", "main h2"),
                           (f"/ui/vms/{vmid}/terminal", "#terminal .xterm-screen")):
            driver.get(server.url + page)
            wait(driver).until(seen.presence_of_element_located((By.CSS_SELECTOR, part)))
            assert_nothing_cut(driver, page)
    finally:
        driver.quit()
        server.api("DELETE", f"/vms/{made.json()['vms'][0]['id']}")


def test_a_member_sees_their_quota_and_an_alert_where_they_are(server, browser, lab_ctx):
    lab_ctx.accounts.set_quota("bob", {"cpu": 1, "vms": 1})
    log_in(browser, server.url, "bob")
    quota = wait(browser).until(seen.presence_of_element_located((By.ID, "quota")))
    assert "CPU 0/1" in quota.text and "VMs 0/1" in quota.text
    options = browser.find_elements(By.CSS_SELECTOR, "select[name=instance_type] option")
    offered = {o.get_attribute("value"): o.get_attribute("disabled") for o in options}
    assert offered["1"] is None and offered["2"] == "true"  # 2 CPUs: over the quota
    browser.find_element(By.CSS_SELECTOR, "#create-vm summary").click()
    browser.find_element(By.NAME, "name").send_keys("   ")  # only spaces: no name
    form = browser.find_element(By.CSS_SELECTOR, "#create-vm form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    alert = wait(browser).until(lambda d: d.find_element(By.ID, "vms-alerts").text and
                                d.find_element(By.ID, "vms-alerts"))
    assert "name" in alert.text
    # shown where the user is: within a screen of the form they used, not at the page's top
    gap = browser.execute_script(
        "return arguments[0].getBoundingClientRect().top - arguments[1].getBoundingClientRect()"
        ".bottom", alert, form)
    assert 0 <= gap < 200, f"the alert is {gap} px from the form"
    assert browser.find_element(By.ID, "alerts").text == ""


def test_times_are_readable_and_events_name_what_they_acted_on(server, browser):
    made = server.api("POST", "/vms", json={"name": "timed", "instance_type": 1}).json()["vms"][0]
    log_in(browser, server.url, "uiadmin")
    cell = wait(browser).until(lambda d: [td for td in d.find_elements(
        By.CSS_SELECTOR, "#events td") if td.text == f"vm {made['id']}"])
    row = cell[0].find_element(By.XPATH, "..")
    when = row.find_element(By.TAG_NAME, "time")
    assert not when.text.isdigit() and any(ch in when.text for ch in "/-:")
    assert "vm.create" in row.text
    server.api("DELETE", f"/vms/{made['id']}")


def graphs_drawn(driver):
    """The usage page's figures, once uPlot has drawn each (a canvas with the points)."""
    boxes = driver.find_elements(By.CSS_SELECTOR, ".graph")
    return boxes if boxes and all(b.get_attribute("data-drawn") == "yes"
                                  and b.find_elements(By.TAG_NAME, "canvas") for b in boxes) \
        else None


def test_usage_graphs_draw_for_their_owner_and_for_no_other_member(server, browser):
    log_in(browser, server.url, "amy")
    vmid = create(browser, "amys-graphs")
    wait(browser, 90).until(lambda _: len(server.api("GET", f"/vms/{vmid}/metrics").json()
                                          ["metrics"]["at"]) >= 2)  # two samples read
    browser.get(f"{server.url}/ui/vms/{vmid}/usage")
    boxes = wait(browser).until(graphs_drawn)
    assert len(boxes) == 4 and all(int(b.get_attribute("data-points")) >= 2 for b in boxes)
    assert "Last sample: CPU" in browser.find_element(By.CSS_SELECTOR, "p.last").text
    browser.get(f"{server.url}/ui/vms/{vmid}")  # the VM's own page: the last hour's graphs
    assert len(wait(browser).until(graphs_drawn)) == 4
    browser.get(f"{server.url}/ui/vms/{vmid}/usage?range=24h")  # another range: the same page
    wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "[aria-current]")))
    browser.get(f"{server.url}/ui/pms/1/usage")  # a host's graphs are an admin's
    assert browser.find_elements(By.CSS_SELECTOR, ".graph") == []
    browser.get(f"{server.url}/ui/")
    browser.find_element(By.XPATH, "//button[text()='Log out']").click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "username")))
    log_in(browser, server.url, "bob")
    browser.get(f"{server.url}/ui/vms/{vmid}/usage")
    assert browser.find_elements(By.CSS_SELECTOR, ".graph") == []
    assert "amys-graphs" not in browser.page_source
    assert f"vm {vmid}" not in browser.find_element(By.TAG_NAME, "main").text.replace(
        f"no vm {vmid}", "")  # at most told there is none
    server.api("DELETE", f"/vms/{vmid}")


def test_an_admin_sees_a_hosts_graphs_and_its_use_beside_its_allocation(server, browser):
    log_in(browser, server.url, "uiadmin")
    wait(browser, 60).until(lambda d: any("CPU" in p.text for p in d.find_elements(
        By.CSS_SELECTOR, "#hosts article.host p.use")))
    browser.get(f"{server.url}/ui/pms/1/usage")
    assert len(wait(browser, 60).until(graphs_drawn)) == 4


def image_row(driver, name):
    for row in driver.find_elements(By.CSS_SELECTOR, "#images tr[data-image]"):
        if row.find_element(By.CSS_SELECTOR, "td.name").text == name:
            return row
    return None


def test_a_member_uploads_an_image_from_the_page_and_deletes_it(server, browser, tmp_path):
    path = tmp_path / "page-upload.raw"
    path.write_bytes(b"\0" * (4 << 20))
    log_in(browser, server.url, "amy")
    wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "#types tr[data-tid]")))
    assert "retired" not in browser.find_element(By.ID, "types").text  # a member's: offered ones
    browser.find_element(By.CSS_SELECTOR, "#upload-image-box summary").click()
    form = browser.find_element(By.ID, "upload-image")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, 120).until(lambda d: (row := image_row(d, "page-upload")) is not None
                             and row.find_element(By.CSS_SELECTOR, "td.state").text == "active")
    row = image_row(browser, "page-upload")
    assert "only its owner" in row.text
    image_id = row.get_attribute("data-image")
    assert server.api("GET", f"/images/{image_id}").json()["image"]["public"] is False
    wait(browser).until(lambda d: image_row(d, "page-upload")
                        .find_element(By.XPATH, ".//button[text()='delete']").click() or True)
    wait(browser).until(seen.alert_is_present())
    browser.switch_to.alert.accept()
    wait(browser).until(lambda d: image_row(d, "page-upload") is None)
    assert server.api("GET", f"/images/{image_id}").status_code == 404


def test_a_vms_own_page_acts_on_it(server, browser):
    """From the VM table to the VM's page: stop it, take a snapshot, attach and detach a
    volume, resize it; each shown on the page without a reload, and in its events."""
    made = server.api("POST", "/vms", json={"name": "paged-vm", "instance_type": 1}).json()
    vmid = made["vms"][0]["id"]
    volume = server.api("POST", "/volumes", json={"name": "page-disk", "size": 1}).json()
    try:
        log_in(browser, server.url, "uiadmin")
        wait(browser).until(lambda d: vm_row(d, "paged-vm") is not None)
        wait(browser).until(lambda d: vm_row(d, "paged-vm").find_element(
            By.LINK_TEXT, "paged-vm").click() or True)
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page"), "running"))
        click(browser, "//div[@id='vm-page']//button[text()='stop']")
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page"), "shutoff"))
        browser.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys("before")
        browser.find_element(By.XPATH, "//button[text()='take']").click()
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page-alerts"),
                                                               "snapshot before taken"))
        click(browser, "//div[@id='vm-page']//button[text()='delete']")
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page-alerts"),
                                                               "before: delete done"))
        Select(browser.find_element(By.NAME, "instance_type")).select_by_value("2")
        browser.find_element(By.XPATH, "//button[text()='resize']").click()
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page-alerts"),
                                                               "resized to type 2"))
        browser.find_element(By.XPATH, "//button[text()='attach']").click()
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page-alerts"),
                                                               "page-disk: attach done"))
        assert server.api("GET", f"/volumes/{volume['volume']['id']}").json()["volume"][
            "vmid"] == vmid
        wait(browser).until(seen.text_to_be_present_in_element((By.ID, "vm-page"), "vm.stop"))
        assert server.api("GET", f"/vms/{vmid}").json()["vm"]["instance_type"] == 2
    finally:
        server.api("DELETE", f"/vms/{vmid}")
        server.api("DELETE", f"/volumes/{volume['volume']['id']}")


def row_of(driver, part, name):
    for row in driver.find_elements(By.CSS_SELECTOR, f"#{part} tbody tr"):
        cells = row.find_elements(By.CSS_SELECTOR, "td.name")
        if cells and cells[0].text == name:
            return row
    return None


def click_in_part(driver, part, name, label):
    """Click the LABEL button of NAME's row in PART, as it is when the click happens."""
    def click(d):
        row = row_of(d, part, name)
        if row is None:
            return False
        row.find_element(By.XPATH, f".//button[text()='{label}']").click()
        return True
    wait(driver).until(click)


def click_and_confirm(driver, part, name, label):
    click_in_part(driver, part, name, label)
    wait(driver).until(seen.alert_is_present())
    driver.switch_to.alert.accept()


def test_clusters_and_volumes_have_their_actions(server, browser):
    made = server.api("POST", "/clusters", json={"name": "ui-c", "instance_type": 1, "size": 1,
                                                 "placement": "pack"})
    assert made.status_code == 201, made.text
    cluster_id = made.json()["cluster"]["id"]
    log_in(browser, server.url, "uiadmin")
    click_in_part(browser, "clusters", "ui-c", "add a node")
    wait(browser, 120).until(seen.text_to_be_present_in_element((By.ID, "clusters"),
                                                                "ui-c-2 added"))
    assert len(server.api("GET", f"/clusters/{cluster_id}").json()["cluster"]["nodes"]) == 2
    click_and_confirm(browser, "clusters", "ui-c", "destroy")
    wait(browser, 120).until(lambda d: row_of(d, "clusters", "ui-c") is None)
    form = browser.find_element(By.ID, "create-volume")
    form.find_element(By.NAME, "name").send_keys("ui-disk")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: row_of(d, "volumes", "ui-disk") is not None)
    click_and_confirm(browser, "volumes", "ui-disk", "destroy")
    wait(browser).until(lambda d: row_of(d, "volumes", "ui-disk") is None)
    assert "ui-disk" not in [v["name"] for v in server.api("GET", "/volumes").json()["volumes"]]
