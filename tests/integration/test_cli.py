"""The command line as a new user meets it, against a real server on the lab: names wherever
ids go (an ambiguous one listing the candidates), several VMs at once, --wait for SSH and for
power states, `vm ssh` right after a create, a bad --url as one line, valid JSON from
--json, and list filters that refuse a typo."""

import json

import pytest

from tests.helpers.servers import lab_server, run_cli

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "cli-server")
    yield srv
    srv.kill()


def ok(done):
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def as_json(done):
    return json.loads(ok(done).stdout)


def test_names_and_several_vms_at_once_with_wait(server):
    made = as_json(run_cli(server, "vm", "create", "cli-web", "--type", "1", "--wait", "--json"))
    vmid = made["vms"][0]["id"]
    # right after a create with --wait, `vm ssh NAME` answers at once
    ssh = ok(run_cli(server, "vm", "ssh", "cli-web", "--", "hostname"))
    assert ssh.stdout.strip() == "cli-web"
    shown = as_json(run_cli(server, "vm", "show", "cli-web", "--json"))
    assert shown["vm"]["id"] == vmid
    twins = [as_json(run_cli(server, "vm", "create", "cli-twin", "--type", "1", "--json"))
             ["vms"][0]["id"] for _ in range(2)]
    ambiguous = run_cli(server, "vm", "show", "cli-twin")
    assert ambiguous.returncode != 0
    assert f"'cli-twin' names 2 VMs: {twins[0]}, {twins[1]} (give one's id)" in ambiguous.stderr
    stopped = as_json(run_cli(server, "vm", "stop", "cli-web", str(twins[0]), "--wait", "--json"))
    assert [v["state"] for v in stopped["vms"]] == ["shutoff", "shutoff"]
    started = as_json(run_cli(server, "vm", "start", "cli-web", "--wait", "--json"))
    assert started["vms"][0]["state"] == "running"
    gone = as_json(run_cli(server, "vm", "destroy", "cli-web", *map(str, twins), "--json"))
    assert sorted(gone["destroyed"]) == sorted([vmid, *twins])
    missing = run_cli(server, "vm", "show", "cli-web")
    assert missing.returncode != 0 and "no vm named 'cli-web'" in missing.stderr


def test_volumes_and_clusters_by_name_or_id(server):
    volume = as_json(run_cli(server, "volume", "create", "cli-data", "--size", "1", "--json"))
    assert as_json(run_cli(server, "volume", "show", "cli-data", "--json"))["volume"]["id"] == \
        volume["volume"]["id"]
    ok(run_cli(server, "volume", "destroy", "cli-data"))
    cluster = as_json(run_cli(server, "cluster", "create", "cli-c", "--type", "1", "--size", "1",
                              "--json"))["cluster"]
    by_id = as_json(run_cli(server, "cluster", "show", str(cluster["id"]), "--json"))
    assert by_id["cluster"]["name"] == "cli-c"
    ok(run_cli(server, "cluster", "destroy", "cli-c"))


def test_a_bad_url_is_one_line_naming_it(server):
    for url, said in (("localhost", "'localhost' is not an http(s) URL (such as 'http://localhost')"),
                      ("localhost:80", "is not an http(s) URL"),
                      ("http://no-such-host.invalid", "cannot resolve 'no-such-host.invalid'")):
        done = run_cli(server, "--url", url, "vm", "list")
        assert done.returncode == 1 and said in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_json_is_always_json_and_lists_refuse_a_typo(server):
    assert as_json(run_cli(server, "whoami", "--json"))["user"]["role"] == "admin"
    plan = as_json(run_cli(server, "pm", "drain", "1", "--dry-run", "--json"))
    assert "plan" in plan
    assert as_json(run_cli(server, "pm", "show", "1", "--json"))["pm"]["maintenance"] is False
    typo = run_cli(server, "vm", "list", "--state", "runing")
    assert typo.returncode == 2 and "'runing' is not one of" in typo.stderr
    made = as_json(run_cli(server, "vm", "create", "cli-listed", "--type", "1", "--json"))
    vmid = made["vms"][0]["id"]
    named = as_json(run_cli(server, "vm", "list", "--name", "cli-listed", "--json"))
    assert [v["id"] for v in named["vms"]] == [vmid] and named["vms"][0]["owner"] == "admin"
    table = ok(run_cli(server, "vm", "list", "--name", "cli-listed", "--sort", "name"))
    assert table.stdout.splitlines()[0].split()[:3] == ["VMID", "NAME", "OWNER"]
    ok(run_cli(server, "vm", "destroy", "cli-listed"))


def test_x_over_y_is_used_over_total_everywhere_and_the_headers_say_so(server):
    """`pm list` and `user list` show USED/TOTAL and USED/LIMIT: a VM's CPU shows as used on
    its host's line and in its owner's, both agreeing with the API's figures."""
    made = as_json(run_cli(server, "vm", "create", "cli-counted", "--type", "2", "--json"))
    vm = made["vms"][0]
    try:
        hosts = ok(run_cli(server, "pm", "list")).stdout.splitlines()
        header = hosts[0]
        assert "CPU USED/TOTAL" in header and "RAM MB USED/TOTAL" in header, header
        pm = as_json(run_cli(server, "pm", "show", str(vm["pmid"]), "--json"))["pm"]
        line = next(row for row in hosts[1:] if row.split()[0] == str(vm["pmid"]))
        assert f"{pm['allocated']['cpu']}/{pm['capacity']['cpu']}" in line.split()
        assert pm["allocated"]["cpu"] >= 2  # the VM's two CPUs are counted as used there
        users = ok(run_cli(server, "user", "list")).stdout.splitlines()
        assert "CPU USED/LIMIT" in users[0], users[0]
        admin = next(row for row in users[1:] if row.split()[0] == "admin")
        mine = as_json(run_cli(server, "whoami", "--json"))["user"]["quota"]["cpu"]
        assert mine["used"] >= 2 and f"{mine['used']}/{mine['limit'] or '-'}" in admin.split()
    finally:
        ok(run_cli(server, "vm", "destroy", "cli-counted"))
