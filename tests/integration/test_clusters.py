"""Guests on the lab's network: a spread cluster, verified SSH, node-to-node traffic, its Ansible
inventory, a program run on every node, and everything given back when it is destroyed."""

import os
import subprocess
import sys

import pytest
import yaml

from service.paths import REPO_ROOT
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config
from tests.helpers.consoles import wait_text

pytestmark = pytest.mark.lab
NAME = "mpi"


@pytest.fixture(scope="module")
def server(lab, lab_ctx):
    home = lab_ctx.config["home"]
    path = write_config(lab_ctx.config, os.path.join(home, "cluster-server.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "cluster-server.log"),
                        token=admin_token(lab_ctx)).start()
    yield srv
    srv.kill()


def api(server, method, path, **kwargs):
    return server.api(method, path, **kwargs)


def console_until(server, vmid, text, timeout=60):
    return wait_text(server, vmid, text, timeout)


def ssh(access, ip, command):
    return subprocess.run(["ssh", "-F", access.ssh_config, f"root@{ip}", command],
                          capture_output=True, text=True, timeout=60)


def test_a_spread_cluster_on_the_network(server, lab, lab_ctx):
    made = api(server, "POST", "/clusters", json={"name": NAME, "instance_type": 1, "size": 3,
                                                   "placement": "spread"})
    assert made.status_code == 201, made.text
    cluster = made.json()["cluster"]
    nodes = cluster["nodes"]
    assert [n["name"] for n in nodes] == [f"{NAME}-1", f"{NAME}-2", f"{NAME}-3"]
    assert len({n["pmid"] for n in nodes}) == 3  # spread: three hosts
    ips = [n["addresses"][0]["ip"] for n in nodes]
    access = lab_ctx.guest_access
    try:
        for node, ip in zip(nodes, ips):
            console_until(server, node["id"], f"eth0 {ip}/")
            console_until(server, node["id"], "ssh ready")
        # from this machine, every node answers with the host key vmfabric gave it
        for node, ip in zip(nodes, ips):
            done = ssh(access, ip, "hostname")
            assert done.returncode == 0, done.stderr
            assert done.stdout.strip() == node["name"]
        # node 1 reaches node 3, on another host
        ping = ssh(access, ips[0], f"ping -c 1 -W 3 {ips[2]}")
        assert ping.returncode == 0 and "1 packets received" in ping.stdout, ping.stdout + ping.stderr
        # the cluster's inventory drives Ansible from the checkout
        inventory = os.path.join(os.path.dirname(lab_ctx.config["inventory"]["path"]),
                                 "clusters", "admin", f"{NAME}.yml")  # filed under its owner
        assert api(server, "GET", f"/clusters/{cluster['id']}/inventory").json() == \
            yaml.safe_load(open(inventory))
        venv_bin = os.path.dirname(sys.executable)
        raw = subprocess.run([os.path.join(venv_bin, "ansible"), "-i", inventory, "all", "-m",
                              "raw", "-a", "hostname"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=120)
        assert raw.returncode == 0, raw.stdout + raw.stderr
        assert all(f"{n['name']} | CHANGED" in raw.stdout for n in nodes), raw.stdout
        # a program run on every node at once, through the CLI
        vmfabric = os.path.join(venv_bin, "vmfabric")
        run = subprocess.run([vmfabric, "--url", server.url, "--token", server.token, "cluster",
                              "run", NAME, "--", "sh", "-c",
                              "echo node $VMFABRIC_NODE of $(hostname)"],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        for index, node in enumerate(nodes):
            assert f"--- {node['name']}\nnode {index} of {node['name']}" in run.stdout, run.stdout
        # the playbook by hand, as the README shows it: the nodes come from the inventory,
        # and a program that fails makes the run fail
        by_hand = playbook(inventory, "echo nodes: $VMFABRIC_NODES")
        assert by_hand.returncode == 0, by_hand.stdout + by_hand.stderr
        assert f"nodes: {' '.join(ips)}" in by_hand.stdout, by_hand.stdout
        failing = playbook(inventory, "exit 3")
        assert failing.returncode != 0
        assert all(f"{n['name']}" in failing.stdout for n in nodes)
        assert "the program exited with 3" in failing.stdout
        assert failing.stdout.count("failed=1") == len(nodes), failing.stdout
    finally:
        gone = api(server, "DELETE", f"/clusters/{cluster['id']}")
    assert gone.status_code == 200 and sorted(gone.json()["destroyed"]) == sorted(
        n["id"] for n in nodes)
    assert not os.path.exists(inventory)
    assert all(lab_ctx.store.addresses.of_vm(n["id"]) == [] for n in nodes)
    assert api(server, "GET", f"/clusters/{cluster['id']}").status_code == 404


def playbook(inventory, program):
    """playbooks/cluster_run.yml by hand, from the checkout, with PROGRAM (a shell line)."""
    import base64

    venv_bin = os.path.dirname(sys.executable)
    encoded = base64.b64encode(f"#!/bin/sh\n{program}\n".encode()).decode()
    return subprocess.run([os.path.join(venv_bin, "ansible-playbook"), "-i", inventory,
                           "playbooks/cluster_run.yml", "-e", f"vmfabric_program_b64={encoded}"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
