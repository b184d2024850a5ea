"""Shared fixtures: the session's lab of real hypervisor hosts and the guest image."""

import os
import subprocess

import pytest

TEST_HOME = os.environ.get("VMFABRIC_TEST_HOME", "/var/tmp/vmfabric-test")
LAB_DIR = os.path.join(TEST_HOME, "lab")
LAB_TAG = "t"


def _need_root():
    if os.geteuid() != 0:
        pytest.fail("the lab tests need root (namespaces, mounts, libvirtd)")


@pytest.fixture(scope="session")
def lab():
    """A 3-host lab, brought up once for the session and torn down at its end."""
    from service.lab.lab import Lab

    _need_root()
    the_lab = Lab(LAB_DIR, tag=LAB_TAG)
    the_lab.up(hosts=3)
    yield the_lab
    the_lab.down()


@pytest.fixture(scope="session")
def guest_image():
    from service.lab import image

    return image.build(os.path.join(TEST_HOME, "images", image.IMAGE_NAME))


def host_ssh(lab, host, *command, timeout=15):
    """Run COMMAND on a lab host over real SSH with the lab's verified host keys."""
    return subprocess.run(["ssh", "-F", lab.state.ssh_config, f"root@{host.address}", *command],
                          capture_output=True, text=True, timeout=timeout)
