"""./install.sh as a new user runs it: the demo on a spare port, every seed endpoint over HTTP, --stop."""

import json
import os
import subprocess

import pytest
import requests

from service.inventory import checkout
from service.paths import REPO_ROOT
from tests.helpers.servers import free_port

pytestmark = pytest.mark.e2e
INSTALL = os.path.join(REPO_ROOT, "install.sh")
CLIENT_LINK = "/usr/local/bin/vmfabric"


def install(*args, home, port, timeout=900):
    env = dict(os.environ, VMFABRIC_HOME=home, VMFABRIC_PORT=str(port))
    return subprocess.run([INSTALL, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(run_dir):
    home = os.path.join(run_dir, "e2e-home")
    port = free_port()
    linked_before = checkout.owner()
    client_before = os.path.lexists(CLIENT_LINK)
    done = install(home=home, port=port)
    assert done.returncode == 0, done.stdout + done.stderr
    yield f"http://localhost:{port}", done
    if not client_before and os.path.realpath(CLIENT_LINK).startswith(REPO_ROOT + os.sep):
        os.unlink(CLIENT_LINK)  # the link this test's install made
    if linked_before is None and (checkout.owner() or "").startswith(home + os.sep):
        for link in (checkout.HOSTS, checkout.CLUSTERS):  # what this test's install linked
            if os.path.islink(link):
                os.unlink(link)
    lab_dir = os.path.join(home, "lab")
    tag = json.load(open(os.path.join(lab_dir, "lab.json")))["tag"]
    stopped = install("--stop", home=home, port=port)
    assert stopped.returncode == 0, stopped.stderr
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert f"vmf-{tag}-h" not in netns


def get(url):
    response = requests.get(url, timeout=300)
    assert response.status_code == 200
    return response.json()


def test_demo_prints_the_url_and_the_hosts(demo):
    url, done = demo
    assert f"vmfabric is running at {url}" in done.stdout
    assert done.stdout.count(" up ") == 3


def test_the_first_admin_gets_a_token_and_nothing_else(demo, run_dir):
    url, done = demo
    path = os.path.join(run_dir, "e2e-home", "admin.token")
    assert path in done.stdout
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    token = open(path).read().strip()
    assert token not in done.stdout + done.stderr  # said where, not what
    me = requests.get(f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["user"]["role"] == "admin"
    assert requests.get(f"{url}/api/v1/pms").status_code == 401


def test_the_client_is_on_the_path(demo, run_dir):
    """After install.sh, `vmfabric` runs by its name (this checkout's client, or the one a
    demo already running beside took the link for)."""
    url, _ = demo
    target = os.path.realpath(CLIENT_LINK)
    assert target.endswith(os.path.join(".venv", "bin", "vmfabric")) and os.path.exists(target)
    answer = subprocess.run(["vmfabric", "--url", url, "type", "list", "--json"],
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, PATH="/usr/local/bin:/usr/bin:/bin",
                                     VMFABRIC_TOKEN=open(os.path.join(
                                         run_dir, "e2e-home", "admin.token")).read().strip()))
    assert answer.returncode == 0, answer.stderr
    assert [t["tid"] for t in json.loads(answer.stdout)["types"]][:3] == [1, 2, 3]


def test_every_seed_endpoint_over_http(demo):
    url, _ = demo
    assert get(f"{url}/pm/list") == {"pmids": [1, 2, 3]}
    assert get(f"{url}/vm/types") == {"types": [
        {"tid": 1, "cpu": 1, "ram": 512, "disk": 1}, {"tid": 2, "cpu": 2, "ram": 1024, "disk": 2},
        {"tid": 3, "cpu": 4, "ram": 2048, "disk": 3}]}
    images = get(f"{url}/image/list")["images"]
    assert images == [{"id": 1, "name": "vmfabric-guest"}]
    vmids = []
    for tid in (1, 2, 3):
        vmid = get(f"{url}/vm/create?name=demo-{tid}&instance_type={tid}")["vmid"]
        assert vmid > 0
        vmids.append(vmid)
        vm = get(f"{url}/vm/query?vmid={vmid}")
        assert vm["name"] == f"demo-{tid}" and vm["instance_type"] == tid
        assert vmid in get(f"{url}/pm/listvms?pmid={vm['pmid']}")["vmids"]
        pm = get(f"{url}/pm/query?pmid={vm['pmid']}")
        assert set(pm) == {"pmid", "capacity", "free", "vms"} and pm["vms"] >= 1
    assert get(f"{url}/vm/create?name=x&instance_type=1&image_id=1")["vmid"] > 0
    assert get(f"{url}/vm/create?name=x&instance_type=77") == {"vmid": 0}
    assert get(f"{url}/vm/query?vmid=abc") == 0
    assert get(f"{url}/pm/query?pmid=42") == 0
    assert get(f"{url}/no/such/url") == 0
    for vmid in vmids:
        assert get(f"{url}/vm/destroy?vmid={vmid}") == {"status": 1}
        assert get(f"{url}/vm/query?vmid={vmid}") == 0


def test_the_installation_keeps_its_state_to_itself(demo, run_dir):
    """The store, the configuration and the log hold tokens' hashes, keys' paths, addresses:
    no other user of the machine reads them."""
    home = os.path.join(run_dir, "e2e-home")
    assert os.stat(home).st_mode & 0o777 == 0o700
    for name in ("vmfabric.yml", "vmfabric.db", "vmfabric.log", "admin.token"):
        mode = os.stat(os.path.join(home, name)).st_mode & 0o777
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def test_its_inventory_is_its_own_and_the_checkouts_is_not_taken(demo, run_dir):
    """The inventory goes under the installation's home; the checkout's inventory/hosts.yml
    links to it only if no other installation has it (a demo running beside the tests
    keeps its own)."""
    home = os.path.join(run_dir, "e2e-home")
    own = os.path.join(home, "inventory", "hosts.yml")
    assert os.path.exists(own)
    assert "pm1" in open(own).read()
    linked = checkout.owner()
    assert linked is not None
    assert linked == os.path.realpath(own) or not linked.startswith(os.path.realpath(run_dir))


def test_installing_again_with_files_keeps_the_key_and_the_hosts_settings(demo, run_dir):
    """./install.sh pm_file image_file types_file on the demo's home: the hosts stay up with
    the key they accept and keep their settings (their guest network)."""
    import yaml

    url, _ = demo
    home = os.path.join(run_dir, "e2e-home")
    before = yaml.safe_load(open(os.path.join(home, "vmfabric.yml")))
    lab_dir = open(os.path.join(home, "demo", "lab")).read().strip()
    port = int(url.rsplit(":", 1)[1])
    again = install(os.path.join(lab_dir, "pm_file"), os.path.join(home, "demo", "image_file"),
                    os.path.join(home, "demo", "types_file"), home=home, port=port)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count(" up ") == 3, again.stdout
    after = yaml.safe_load(open(os.path.join(home, "vmfabric.yml")))
    assert after["ssh"] == before["ssh"]
    assert after["inventory"]["host_settings"] == before["inventory"]["host_settings"]
    vmid = get(f"{url}/vm/create?name=again&instance_type=1")["vmid"]
    assert vmid > 0 and get(f"{url}/vm/destroy?vmid={vmid}") == {"status": 1}


def test_bad_input_names_file_and_line_and_starts_nothing(tmp_path):
    home = str(tmp_path / "home")
    port = free_port()
    pm_file, image_file, types_file = (tmp_path / n for n in ("pms", "images", "types"))
    pm_file.write_text("127.0.0.1\n127.0.0.300\n")
    image_file.write_text("/nonexistent/disk.qcow2\n")
    types_file.write_text('{"types": [{"cpu": 1, "ram": 512, "disk": 1}]}\n')
    done = install(str(pm_file), str(image_file), str(types_file), home=home, port=port)
    assert done.returncode != 0 and f"{pm_file}:2:" in done.stderr
    pm_file.write_text("127.0.0.1\n")
    done = install(str(pm_file), str(image_file), str(types_file), home=home, port=port)
    assert done.returncode != 0 and f"{image_file}:1:" in done.stderr
    image_file.write_text("relative.img\n")
    done = install(str(pm_file), str(image_file), str(types_file), home=home, port=port)
    assert done.returncode != 0 and f"{image_file}:1:" in done.stderr
    good_image = tmp_path / "disk.img"
    good_image.write_bytes(b"\0" * 4096)
    image_file.write_text(f"{good_image}\n")
    types_file.write_text('{"types": [{"cpu": 1, "ram": "lots", "disk": 1}]}\n')
    done = install(str(pm_file), str(image_file), str(types_file), home=home, port=port)
    assert done.returncode != 0 and f"{types_file}: entry 1" in done.stderr
    done = install(str(pm_file), str(image_file), str(tmp_path / "missing"), home=home, port=port)
    assert done.returncode != 0 and "missing" in done.stderr
    assert not os.path.exists(os.path.join(home, "vmfabric.pid"))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://localhost:{port}/pm/list", timeout=2)
