"""Fencing through a real IPMI BMC simulator (OpenIPMI's ipmi_sim on a loopback address,
driven by ipmitool): only a power state read back as off confirms a fence; a BMC that keeps
the power on, refuses the credentials, does not answer, or does not exist gives an
unconfirmed result naming why, and nothing else is done."""

import os
import random
import time

import pytest

from service import fencing
from service.errors import ConfigError
from vmfabric_lab import bmc as simulator
from vmfabric_lab.netns import kill_pids

PASSWORD = "bmc-password-1"


@pytest.fixture
def bmc(tmp_path):
    """A BMC whose chassis is a file holding 1 or 0 (and ignores `set` while TMP/stuck
    exists); its vmfabric_bmc setting."""
    power = tmp_path / "power"
    power.write_text("1\n")
    chassis = tmp_path / "chassis"
    chassis.write_text(f"""#!/bin/sh
case "$1" in
  get) echo "power:$(cat {power})" ;;
  set) [ -e {tmp_path}/stuck ] || echo "$3" > {power} ;;
esac
""")
    chassis.chmod(0o755)
    (tmp_path / "password").write_text(PASSWORD + "\n")
    address = f"127.214.{random.randint(1, 250)}.{random.randint(1, 250)}"
    pid = simulator.launch(str(tmp_path / "sim"), "unit-bmc", address, PASSWORD, str(chassis))
    yield {"agent": "ipmi", "address": address, "port": 623, "username": simulator.USER,
           "password_file": str(tmp_path / "password")}, power, tmp_path
    kill_pids([pid], timeout=2.0)


def test_a_fence_is_confirmed_only_when_the_power_reads_back_off(bmc):
    setting, power, _ = bmc
    agent = fencing.agent_for({"vmfabric_bmc": setting})
    assert agent.status() == "on"
    done = fencing.fence(agent, confirm_within=10)
    assert done.confirmed and "confirmed" in done.detail
    assert power.read_text().strip() == "0" and agent.status() == "off"


def test_a_bmc_that_keeps_the_power_on_is_not_a_fence(bmc):
    setting, power, tmp_path = bmc
    (tmp_path / "stuck").touch()
    started = time.monotonic()
    done = fencing.fence(fencing.agent_for({"vmfabric_bmc": setting}), confirm_within=1.5)
    assert not done.confirmed and "still reports power on" in done.detail
    assert 1.5 <= time.monotonic() - started < 10
    assert power.read_text().strip() == "1"


def test_wrong_credentials_and_no_answer_are_not_a_fence_and_say_why(bmc, tmp_path_factory):
    setting, power, _ = bmc
    wrong = tmp_path_factory.mktemp("wrong") / "password"
    wrong.write_text("not the password\n")
    refused = fencing.fence(fencing.agent_for({"vmfabric_bmc": dict(
        setting, password_file=str(wrong))}))
    assert not refused.confirmed and setting["address"] in refused.detail
    assert PASSWORD not in refused.detail and power.read_text().strip() == "1"
    nobody = dict(setting, address="127.214.0.254")  # nothing listens there
    silent = fencing.fence(fencing.agent_for({"vmfabric_bmc": nobody}, timeout=5))
    assert not silent.confirmed and "127.214.0.254" in silent.detail
    unreadable = fencing.fence(fencing.agent_for({"vmfabric_bmc": dict(
        setting, password_file="/nonexistent/password")}))
    assert not unreadable.confirmed and "/nonexistent/password" in unreadable.detail


def test_a_host_without_a_bmc_cannot_be_fenced_and_an_unknown_agent_is_named():
    assert fencing.agent_for({}) is None
    assert not fencing.fence(None).confirmed
    assert "no BMC" in fencing.fence(None).detail
    with pytest.raises(ConfigError, match="'pdu' is not a fence agent"):
        fencing.agent_for({"vmfabric_bmc": {"agent": "pdu", "address": "x", "username": "u",
                                            "password_file": os.devnull}})
