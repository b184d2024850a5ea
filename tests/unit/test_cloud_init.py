"""What a guest is given at first boot, checked by cloud-init's own code (Debian's package, as
the guests have it) without booting anything: the user-data validates against cloud-init's
schema, and the network-config renders with every renderer (ifupdown's eni, which a default
Debian install uses, netplan, networkd, and the RHEL family's sysconfig) with the address
and the gateway in what it writes."""

import collections
import glob
import os
import subprocess
import sys

import pytest

from service.network import cidata, guestkeys
from service.network.pools import pools_from_config
from tests.helpers.runs import TEST_HOME

Address = collections.namedtuple("Address", "network ip mac")
POOL = pools_from_config({"lab": {"cidr": "10.213.7.0/24", "gateway": "10.213.7.1",
                                  "dns": ["10.213.7.1"], "range": ["10.213.7.128", "10.213.7.254"]}})
ADDRESS = Address("lab", "10.213.7.130", "52:54:00:12:34:56")
RENDERERS = [("eni", "debian"), ("netplan", "debian"), ("networkd", "debian"),
             ("sysconfig", "rhel")]


@pytest.fixture(scope="module")
def cloud_init():
    """The command line of Debian's cloud-init, from its package, run by this Python."""
    root = os.path.join(TEST_HOME, "cloud-init")
    if not glob.glob(os.path.join(root, "usr", "bin", "cloud-init")):
        os.makedirs(root, exist_ok=True)
        subprocess.run(["apt-get", "download", "cloud-init"], cwd=root, check=True,
                       capture_output=True, timeout=300)
        deb = glob.glob(os.path.join(root, "cloud-init_*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True, timeout=120)
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "usr", "lib", "python3",
                                                   "dist-packages"))

    def run(*args, cwd):
        return subprocess.run([sys.executable, os.path.join(root, "usr", "bin", "cloud-init"),
                               *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=120)
    return run


def first_boot(user_data=""):
    private, public = guestkeys.new_host_key("vmfabric-guest test")
    return cidata.files(vmid=7, hostname="web-1", authorized_keys=["ssh-ed25519 AAAA key"],
                        host_private=private, host_public=public, address=ADDRESS,
                        pool=POOL["lab"], user_data=user_data)


@pytest.mark.parametrize("user_data", ["", "#cloud-config\npackages: [htop]\n",
                                       "#cloud-config\nwrite_files: [{path: /x, content: y}]\n"])
def test_user_data_validates_with_cloud_inits_schema(cloud_init, tmp_path, user_data):
    path = tmp_path / "user-data"
    path.write_text(first_boot(user_data)["user-data"])
    checked = cloud_init("schema", "-c", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Valid cloud-config" in checked.stdout + checked.stderr
    assert "error" not in (checked.stdout + checked.stderr).lower()


def test_the_hot_plugged_vcpu_rule_is_in_the_user_data():
    text = first_boot("#cloud-config\nwrite_files: [{path: /x, content: y}]\n")["user-data"]
    assert "80-vmfabric-cpu-online.rules" in text and "path: /x" in text


@pytest.mark.parametrize("renderer, distro", RENDERERS)
def test_network_config_renders_with_every_renderer(cloud_init, tmp_path, renderer, distro):
    path = tmp_path / "network-config"
    path.write_text(first_boot()["network-config"])
    out = tmp_path / "out"
    done = cloud_init("devel", "net-convert", "-p", str(path), "-k", "yaml", "-D", distro,
                      "-d", str(out), "-O", renderer, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    written = "".join(open(f).read() for f in glob.glob(str(out / "**" / "*"), recursive=True)
                      if os.path.isfile(f))
    assert "10.213.7.130" in written and "10.213.7.1" in written, written
