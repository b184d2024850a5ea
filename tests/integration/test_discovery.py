"""Discovery on the lab: capacities, a failed host reported down and back, the operator's view."""

import os
import re
import subprocess

import pytest
import yaml

from service.errors import Conflict
from service.paths import REPO_ROOT

pytestmark = pytest.mark.lab


def test_every_lab_host_is_up_with_its_advertised_capacity(lab, lab_fleet):
    pms = lab_fleet.store.pms.list()
    assert [p.id for p in pms] == [1, 2, 3]
    for pm, host in zip(pms, lab.state.hosts):
        assert pm.address == host.address
        assert pm.state == "up", pm.reason
        assert (pm.cpu, pm.ram_mb, pm.disk_gb) == (
            host.capacity["cpu"], host.capacity["ram_mb"], host.capacity["disk_gb"])
        assert pm.domain_type == "qemu"
        # the facts were really gathered from the host
        assert pm.facts["raw"]["cpu"] == host.capacity["cpu"]


def test_allocation_ratio_applies(lab, tmp_path):
    from service.fleet import Fleet
    from service.store import Store
    from tests.helpers.servers import lab_config

    cfg = lab_config(lab, str(tmp_path), placement={"allocation_ratio": {"cpu": 2.0, "ram": 1.5}})
    fleet = Fleet(cfg, Store(cfg["database"]))
    fleet.register_pm_file(lab.state.pm_file)
    pm = fleet.discover()[0]
    assert (pm.cpu, pm.ram_mb) == (16, int(8192 * 1.5))


def test_failed_host_is_down_with_a_reason_and_returns_after_heal(lab, lab_fleet):
    host = lab.state.hosts[2]
    lab.fail(host.address, "libvirtd")
    try:
        pm = next(p for p in lab_fleet.discover() if p.address == host.address)
        assert pm.state == "down"
        assert "libvirt" in pm.reason
        others = [p for p in lab_fleet.store.pms.list() if p.address != host.address]
        assert all(p.state == "up" for p in others)
        lab.fail(host.address, "link")
        pm = next(p for p in lab_fleet.discover() if p.address == host.address)
        assert pm.state == "down" and "unreachable" in pm.reason
    finally:
        lab.heal(host.address)
    pm = next(p for p in lab_fleet.discover() if p.address == host.address)
    assert pm.state == "up", pm.reason


def test_changed_host_key_fails_discovery_of_that_host_clearly(lab, tmp_path):
    from service.fleet import Fleet
    from service.store import Store
    from tests.helpers.servers import lab_config

    known = tmp_path / "known_hosts"
    lines = open(lab.state.known_hosts).read().splitlines()
    h1, h2 = lab.state.hosts[0].address, lab.state.hosts[1].address
    # record h2's key for h1: h1 now presents a "changed" key
    forged = [l for l in lines if not l.startswith(h1 + " ")]
    forged += [l.replace(h2, h1, 1) for l in lines if l.startswith(h2 + " ")]
    known.write_text("\n".join(forged) + "\n")
    cfg = lab_config(lab, str(tmp_path / "home"), ssh={"known_hosts": str(known)})
    fleet = Fleet(cfg, Store(cfg["database"]))
    fleet.register_pm_file(lab.state.pm_file)
    pms = {p.address: p for p in fleet.discover()}
    assert pms[h1].state == "down"
    # one line that says what happened and what to run; never OpenSSH's banner
    reason = pms[h1].reason
    assert "host key has changed" in reason and f"vmfabric pm rekey {pms[h1].id}" in reason
    assert "\n" not in reason and "@@@" not in reason and "IDENTIFICATION" not in reason
    assert pms[h2].state == "up"
    # the operator compares fingerprints, then accepts the key the host really has
    keys = fleet.host_keys(pms[h1].id)
    assert keys["offered"] and keys["recorded"] and not set(keys["offered"]) & set(keys["recorded"])
    with pytest.raises(Conflict, match="does not present a key with fingerprint"):
        fleet.rekey(pms[h1].id, keys["recorded"][0])
    assert fleet.host_keys(pms[h1].id)["recorded"] == keys["recorded"]  # nothing changed
    fleet.rekey(pms[h1].id, keys["offered"][0])
    assert fleet.host_keys(pms[h1].id)["recorded"] == keys["offered"]
    assert {p.address: p.state for p in fleet.discover()} == {h: "up" for h in pms}


def test_a_host_added_to_the_pm_file_keeps_the_old_pmids(lab, tmp_path):
    from service.fleet import Fleet
    from service.store import Store
    from tests.helpers.servers import lab_config

    cfg = lab_config(lab, str(tmp_path / "home"))
    fleet = Fleet(cfg, Store(cfg["database"]))
    first_two = tmp_path / "pm_file"
    addresses = [h.address for h in lab.state.hosts]
    first_two.write_text("\n".join(addresses[:2]) + "\n")
    fleet.register_pm_file(str(first_two))
    assert [p.state for p in fleet.discover()] == ["up", "up"]
    first_two.write_text("\n".join([addresses[2]] + addresses[:2]) + "\n")
    _, added = fleet.register_pm_file(str(first_two))
    assert added == [3]
    pms = fleet.discover([3])
    assert {p.id: p.address for p in pms} == {1: addresses[0], 2: addresses[1], 3: addresses[2]}
    assert all(p.state == "up" for p in pms)


def _ansible(cmd, inventory):
    venv_bin = os.path.join(REPO_ROOT, ".venv", "bin")
    env = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ["PATH"],
               ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"))
    return subprocess.run([os.path.join(venv_bin, cmd[0]), "-i", inventory, *cmd[1:]],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_operators_use_the_inventory_unmodified(lab, lab_fleet):
    inventory = lab_fleet.config["inventory"]["path"]
    listed = _ansible(["ansible-inventory", "--list"], inventory)
    assert listed.returncode == 0, listed.stderr
    data = yaml.safe_load(listed.stdout)
    assert sorted(data["hypervisors"]["hosts"]) == ["pm1", "pm2", "pm3"]
    assert data["_meta"]["hostvars"]["pm2"]["pmid"] == 2
    ping = _ansible(["ansible", "hypervisors", "-m", "ping"], inventory)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert ping.stdout.count("SUCCESS") == 3
    play = _ansible(["ansible-playbook", os.path.join(REPO_ROOT, "playbooks", "discover.yml")],
                    inventory)
    assert play.returncode == 0, play.stdout[-2000:]
    for pm in lab_fleet.store.pms.list():
        assert (f"pm{pm.id} {pm.address}: {pm.cpu} CPU, {pm.ram_mb} MB RAM, "
                f"{pm.disk_gb} GB disk") in " ".join(play.stdout.split())


def test_prepare_hosts_puts_the_pool_back_and_then_changes_nothing(lab, lab_fleet):
    inventory = lab_fleet.config["inventory"]["path"]
    playbook = os.path.join(REPO_ROOT, "playbooks", "prepare_hosts.yml")
    host = lab.state.hosts[0]
    virsh = ["virsh", "-q", "-c", "qemu:///system"]
    from vmfabric_lab import daemons

    anchor = host.pids["anchor"]
    # take the pool away from one host: the first run must put it back
    daemons.in_host(anchor, virsh + ["pool-destroy", "vmfabric"], check=False)
    daemons.in_host(anchor, virsh + ["pool-undefine", "vmfabric"], check=False)
    first = _ansible(["ansible-playbook", playbook], inventory)
    assert first.returncode == 0, first.stdout[-3000:]
    for task in ("Define the vmfabric storage pool", "Start the storage pool",
                 "Autostart the storage pool"):
        section = first.stdout.split(f"TASK [{task}")[1].split("TASK [")[0]
        assert "changed: [pm1]" in section, section
    info = daemons.in_host(anchor, virsh + ["pool-info", "vmfabric"])
    assert re.search(r"State:\s+running", info) and re.search(r"Autostart:\s+yes", info)
    # whatever the first run had to do on this machine, a second run has nothing left to do
    second = _ansible(["ansible-playbook", playbook], inventory)
    assert second.returncode == 0, second.stdout[-3000:]
    recap = second.stdout.split("PLAY RECAP")[-1]
    assert recap.count("changed=0") == 3 and "failed=0" in recap, recap


def test_prepare_hosts_makes_the_bridge_a_host_asks_for(lab, lab_fleet):
    """A host naming vmfabric_bridge gets it (here on a spare uplink, one end of a veth pair
    inside one lab host, so the host's own link is not touched); a second run changes nothing."""
    import json

    from vmfabric_lab import daemons

    inventory = lab_fleet.config["inventory"]["path"]
    playbook = os.path.join(REPO_ROOT, "playbooks", "prepare_hosts.yml")
    anchor = lab.state.hosts[1].pids["anchor"]
    bridge_vars = json.dumps({"vmfabric_bridge": {"name": "vmfbrtest", "uplink": "vmfdummy"}})

    def clean():
        for link in ("vmfbrtest", "vmfdummy"):
            daemons.in_host(anchor, ["ip", "link", "del", link], check=False)

    clean()
    daemons.in_host(anchor, ["ip", "link", "add", "vmfdummy", "type", "veth", "peer", "name",
                             "vmfdummyp"])
    daemons.in_host(anchor, ["ip", "addr", "add", "192.0.2.9/24", "dev", "vmfdummy"])
    daemons.in_host(anchor, ["ip", "link", "set", "vmfdummy", "up"])
    try:
        first = _ansible(["ansible-playbook", playbook, "-l", "pm2", "-e", bridge_vars], inventory)
        assert first.returncode == 0, first.stdout[-3000:]
        section = first.stdout.split("TASK [Create the guests' bridge")[1].split("PLAY RECAP")[0]
        assert "changed: [pm2]" in section, section
        links = json.loads(daemons.in_host(anchor, ["ip", "-j", "addr", "show"]))
        by_name = {link["ifname"]: link for link in links}
        assert by_name["vmfdummy"].get("master") == "vmfbrtest"
        assert [a["local"] for a in by_name["vmfbrtest"]["addr_info"] if a["family"] == "inet"] \
            == ["192.0.2.9"]
        assert not [a for a in by_name["vmfdummy"].get("addr_info", []) if a["family"] == "inet"]
        second = _ansible(["ansible-playbook", playbook, "-l", "pm2", "-e", bridge_vars], inventory)
        assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1], \
            second.stdout[-2000:]
    finally:
        clean()


def test_a_stalled_host_costs_the_others_nothing_and_is_reported(lab, tmp_path):
    """One host's sshd frozen (it accepts connections and answers nothing) while the others
    are discovered: they are recorded as their reports arrive, before the run ends; the
    frozen one is down with its reason, and up again once it answers."""
    import concurrent.futures
    import time

    from service.fleet import Fleet
    from service.store import Store
    from tests.helpers.servers import lab_config
    from tests.helpers.waiting import wait_until

    cfg = lab_config(lab, str(tmp_path), discovery={"timeout": 30})
    fleet = Fleet(cfg, Store(cfg["database"]))
    fleet.register_pm_file(lab.state.pm_file)
    stalled = lab.state.hosts[1]
    others = [pm for pm in fleet.store.pms.list() if pm.address != stalled.address]
    started = time.time()
    lab.fail(stalled.address, "stall")
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(fleet.discover)
            wait_until(lambda: all(fleet.store.pms.get(pm.id).state == "up" for pm in others),
                       "the answering hosts recorded up", timeout=60, every=0.2)
            assert not running.done(), "the others were recorded only when the run ended"
            pms = {pm.address: pm for pm in running.result(timeout=120)}
        assert pms[stalled.address].state == "down" and pms[stalled.address].reason
        assert all(pms[pm.address].discovered_at >= started for pm in others)
    finally:
        lab.heal(stalled.address)
    pm = next(p for p in fleet.discover([pms[stalled.address].id]) if p.address == stalled.address)
    assert pm.state == "up", pm.reason
