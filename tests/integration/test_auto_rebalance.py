"""The server acting on use, on the lab, on real guests made busy or left idle: a host whose
guests wait for CPU (its CPU capped) is relieved by a migration within a minute of the
breach lasting, and its steal falls under the target; an idle fleet spread over three
hosts is packed onto fewer; a VM with a policy gets a vCPU when busy and gives it back; a
busy cluster gets a node (in its inventory, set up) and loses it when idle. Every
automatic change is an event with its reason."""

import os
import subprocess
import sys
import time

import pytest

from tests.helpers.servers import armed_server
from tests.helpers.telemetry import ip, reachable, reaches
from tests.helpers.waiting import wait_until
from vmfabric_lab import load

pytestmark = pytest.mark.lab
INTERVAL = 2
STEAL_TARGET = 0.05


@pytest.fixture(scope="module")
def server(lab_ctx, tmp_path_factory):
    srv = armed_server(
        lab_ctx, tmp_path_factory, "auto-rebalance-server",
        telemetry={"interval": INTERVAL, "tiers": [{"step": INTERVAL, "keep": 3600},
                                                   {"step": 60, "keep": 3600}]},
        # a breach must last 3 samples; a VM stays 60 s where it was placed or moved; idle
        # hosts pack to 0.6 of their cores
        usage={"hold": 3 * INTERVAL, "window": 60, "residence": 60, "fill": 0.6,
               "steal_target": STEAL_TARGET},
        rebalance={"auto": True, "every": 5, "max_moves": 1})
    yield srv
    srv.kill()


@pytest.fixture
def made(server, lab_ctx):
    vmids = []

    def make(count):
        answer = server.api("POST", "/vms", json={"name": "auto", "instance_type": 1,
                                                  "count": count, "placement": "pack"})
        assert answer.status_code == 201, answer.text
        vms = answer.json()["vms"]
        vmids.extend(vm["id"] for vm in vms)
        for vm in vms:
            wait_until(lambda: reachable(lab_ctx, ip(vm)), f"vm {vm['id']} answering ssh", 90)
        return vms
    yield make
    for vmid in vmids:
        server.api("DELETE", f"/vms/{vmid}")


def vmfabric(server, *args):
    command = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    done = subprocess.run([command, "--url", server.url, *args], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, VMFABRIC_TOKEN=server.token))
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done


def where(server, vms):
    return {vm["id"]: server.api("GET", f"/vms/{vm['id']}").json()["vm"]["pmid"] for vm in vms}


def auto_events(server, vmid):
    answer = server.api("GET", "/events", params={"action": "rebalance.auto"})
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["events"] if e["target"] == f"vm {vmid}"]


def test_a_capped_hosts_busy_guests_are_relieved_and_steal_falls(server, lab, lab_ctx, made):
    first, second = made(2)
    assert first["pmid"] == second["pmid"]
    capped = first["pmid"]
    address = lab_ctx.store.pms.get(capped).address
    config = lab_ctx.guest_access.ssh_config
    lab.cap(address, 1.5)  # two busy vCPUs on 1.5 cores: each waits about a quarter
    try:
        for vm in (first, second):
            load.start(config, ip(vm), "cpu", seconds=240)
        since = time.time()
        reaches(server, "pm", capped, since, "steal", lambda v: v > STEAL_TARGET * 100,
                "the capped host's guests waiting for CPU")
        breach = time.time()
        moved = wait_until(lambda: [vmid for vmid, pmid in where(server, (first, second)).items()
                                    if pmid != capped], "one busy guest moved off", 90)
        took = time.time() - breach
        assert len(moved) == 1 and took < 60 + 3 * INTERVAL, (moved, took)
        # (the event is written once the migration is done)
        events = wait_until(lambda: auto_events(server, moved[0]), "the move's event", 30)
        assert "steal over 5%" in events[0]["outcome"], events
        print(f"moved {took:.1f} s after the breach showed: {events[0]['outcome']}")
        # with one guest left, the capped host's steal falls under the target
        relieved = time.time()
        reaches(server, "pm", capped, relieved, "steal", lambda v: v < STEAL_TARGET * 100,
                "the capped host's steal under the target")
    finally:
        lab.uncap(address)
        for vm in (first, second):
            load.stop(config, ip(vm))


def test_an_idle_fleet_spread_over_three_hosts_is_packed_onto_fewer(server, lab_ctx, made):
    vms = made(3)
    hosts = sorted(pm.id for pm in lab_ctx.store.pms.list() if pm.state == "up")[:3]
    jobs = []
    for vm, pmid in zip(vms, hosts):
        if vm["pmid"] != pmid:
            answer = server.api("POST", f"/vms/{vm['id']}/actions",
                                json={"action": "migrate", "pmid": pmid})
            assert answer.status_code == 202, answer.text
            jobs.append(answer.headers["Location"][len("/api/v1"):])
    for job in jobs:
        wait_until(lambda: server.api("GET", job).json()["job"]["state"] not in
                   ("queued", "running"), "the spreading migrations done", 120)
    # (a host whose booting guests made it wait for CPU may have been relieved meanwhile)
    spread = len(set(where(server, vms).values()))
    assert spread >= 2
    # once their residence is over, the idle VMs are packed onto fewer hosts
    wait_until(lambda: len(set(where(server, vms).values())) < spread and any(
        "so it can be freed" in event["outcome"] for vm in vms
        for event in auto_events(server, vm["id"])), "the idle VMs packed", 150)
    packed = [event["outcome"] for vm in vms for event in auto_events(server, vm["id"])
              if "so it can be freed" in event["outcome"]]
    print(f"packed from {spread} onto {len(set(where(server, vms).values()))} hosts: {packed[0]}")
    # the plan explains itself: the VMs just moved stay, and say why
    explained = vmfabric(server, "rebalance", "--goal", "consolidate_by_use", "--explain").stdout
    assert "stays: moved" in explained and "usage.residence" in explained, explained


def guest_cpus(lab_ctx, vm):
    """The CPUs the guest itself sees online."""
    done = subprocess.run(["ssh", "-F", lab_ctx.guest_access.ssh_config, f"root@{ip(vm)}",
                           "grep -c ^processor /proc/cpuinfo"], capture_output=True, text=True,
                          timeout=30)
    return int(done.stdout.strip() or 0)


def test_a_vm_with_a_policy_gets_a_vcpu_when_busy_and_gives_it_back_when_idle(server, lab_ctx,
                                                                              made):
    vm = made(1)[0]
    done = vmfabric(server, "vm", "autoscale", str(vm["id"]), "--min", "1", "--max", "2",
                    "--up", "0.7", "--down", "0.3", "--hold", str(3 * INTERVAL),
                    "--cooldown", "20")
    assert "1-2 vCPUs" in done.stdout, done.stdout
    assert server.api("GET", f"/vms/{vm['id']}").json()["vm"]["autoscale"]["max_cpu"] == 2
    config = lab_ctx.guest_access.ssh_config
    load.start(config, ip(vm), "cpu", seconds=120)
    started = time.time()
    wait_until(lambda: server.api("GET", f"/vms/{vm['id']}").json()["vm"]["resources"]["cpu"]
               == 2, "the busy VM grown to 2 vCPUs", 60)
    grew = time.time() - started
    assert grew < 30 + 3 * INTERVAL, grew
    wait_until(lambda: guest_cpus(lab_ctx, vm) == 2, "the guest seeing its second vCPU", 30)
    load.stop(config, ip(vm))
    stopped = time.time()
    # (the event is written once the resize is done: waiting for it sees both)
    wait_until(lambda: any("2 -> 1" in e["outcome"] for e in auto_events_of(
        server, vm["id"], "autoscale")), "the idle VM giving its vCPU back", 90)
    shown = server.api("GET", f"/vms/{vm['id']}").json()["vm"]
    outcomes = [e["outcome"] for e in auto_events_of(server, vm["id"], "autoscale")]
    print(f"grew in {grew:.1f} s, gave back {time.time() - stopped:.1f} s after idle: "
          f"{shown['resources']}, pending {shown['pending_resize']}: {outcomes}")
    assert any("1 -> 2 vCPUs" in o for o in outcomes) and any("2 -> 1" in o for o in outcomes)
    assert shown["resources"]["cpu"] == 1 or shown["pending_resize"]["cpu"] == 1, shown


def auto_events_of(server, oid, action, kind="vms"):
    answer = server.api("GET", "/events", params={"action": action})
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["events"] if e["target"] == f"{kind.rstrip('s')} {oid}"]


def test_a_busy_cluster_grows_with_its_setup_applied_then_shrinks_back(server, lab_ctx,
                                                                       tmp_path):
    answer = server.api("POST", "/clusters", json={"name": "scaled", "instance_type": 1,
                                                   "size": 2, "placement": "pack"})
    assert answer.status_code == 201, answer.text
    cluster = answer.json()["cluster"]
    ssh = lab_ctx.guest_access.ssh_config
    try:
        for node in cluster["nodes"]:
            wait_until(lambda: reachable(lab_ctx, ip(node)), f"{node['name']} answering", 90)
        setup = tmp_path / "setup.sh"
        setup.write_text("#!/bin/sh\necho \"ready $VMFABRIC_NODE\" > /root/vmfabric-setup\n")
        shown = vmfabric(server, "cluster", "autoscale", "scaled", "--min", "2", "--max", "3",
                         "--up", "0.6", "--down", "0.3", "--hold", str(3 * INTERVAL),
                         "--cooldown", "20", "--setup", str(setup)).stdout
        assert "2-3 nodes" in shown and "setup" in shown, shown
        for node in cluster["nodes"]:
            load.start(ssh, ip(node), "cpu", seconds=150)
        started = time.time()

        def nodes():
            return server.api("GET", f"/clusters/{cluster['id']}").json()["cluster"]["nodes"]
        wait_until(lambda: any("added and set up" in e["outcome"] for e in auto_events_of(
            server, cluster["id"], "autoscale.cluster", "clusters")),
            "the busy cluster grown by a node, set up", 180)
        took = time.time() - started
        grown = nodes()
        assert len(grown) == 3, grown
        added = next(n for n in grown if n["name"] == "scaled-3")
        inventory = server.api("GET", f"/clusters/{cluster['id']}/inventory").json()
        assert "scaled-3" in str(inventory)
        done = subprocess.run(["ssh", "-F", ssh, f"root@{ip(added)}", "cat /root/vmfabric-setup"],
                              capture_output=True, text=True, timeout=30)
        assert done.stdout.startswith("ready"), (done.stdout, done.stderr)
        for node in cluster["nodes"]:
            load.stop(ssh, ip(node))
        stopped = time.time()
        wait_until(lambda: sorted(n["name"] for n in nodes()) == ["scaled-1", "scaled-2"],
                   "the idle cluster back to 2 nodes, its newest gone", 150)
        outcomes = [e["outcome"] for e in auto_events_of(server, cluster["id"],
                                                         "autoscale.cluster", "clusters")]
        print(f"grew in {took:.1f} s; back to 2 nodes {time.time() - stopped:.1f} s after the "
              f"load stopped: {outcomes}")
        assert any("scaled-3 added and set up" in o for o in outcomes), outcomes
    finally:
        for node in cluster["nodes"]:
            try:
                load.stop(ssh, ip(node))
            except Exception:
                pass
        server.api("DELETE", f"/clusters/{cluster['id']}")
