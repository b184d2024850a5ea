"""Batches on libvirt's test driver: spread kept on retries, all or nothing to the end."""

import pytest

from service.errors import HypervisorError, NoCapacity
from service.store.schema import pms

pytestmark = pytest.mark.fleet(pms=3)


def break_host(ctx, pmid):
    """PMID's libvirt becomes unreachable (a test driver file that does not exist)."""
    with ctx.store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pmid)
                     .values(libvirt_uri="test:///nonexistent/broken.xml"))


def test_a_spread_member_that_fails_moves_to_a_host_no_sibling_holds(ctx):
    break_host(ctx, 1)  # first_fit puts the first member there
    vms = ctx.compute.create("web", 1, count=2, placement="spread")
    assert sorted(vm.pmid for vm in vms) == [2, 3]
    assert {vm.state for vm in vms} == {"running"}


def test_a_spread_that_cannot_be_kept_fails_whole(ctx):
    break_host(ctx, 1)
    with pytest.raises(HypervisorError, match="all or nothing"):
        ctx.compute.create("db", 1, count=3, placement="spread")
    assert {vm.state for vm in ctx.store.vms.list()} == {"failed"}
    assert all(pm.used_cpu == 0 and pm.vm_count == 0 for pm in ctx.store.pms.list())
    domains = ctx.hypervisors.domains.states(ctx.store.pms.get(2))
    assert not [name for name in domains if name.startswith("vmf-")]


def test_a_batch_whose_process_died_is_undone_whole(ctx):
    """Two members running, one still creating when the process making them died: the sync
    undoes all three (the request was all or nothing), nothing is left on the hosts."""
    import socket
    import subprocess

    from service.sync import work

    vms = ctx.compute.create("crashed", 1, count=3, placement="spread")
    child = subprocess.Popen(["true"])
    child.wait()
    ctx.store.processes.register("gone", socket.gethostname(), child.pid)
    ctx.store.vms.set_state(vms[2].id, "creating", owner="gone")
    pm = ctx.store.pms.get(vms[2].pmid)
    ctx.hypervisors.domains.power(pm, vms[2].domain, "stop")  # it never started
    done = work.recover(ctx.sync_services())
    assert vms[2].id in done["failed"]
    assert {ctx.store.vms.get(vm.id).state for vm in vms} == {"failed"}
    assert all(pm.used_cpu == 0 and pm.vm_count == 0 for pm in ctx.store.pms.list())
    for pm in ctx.store.pms.list():
        assert not [n for n in ctx.hypervisors.domains.states(pm) if n.startswith("vmf-")]


def test_a_batch_whose_members_all_run_is_finished(ctx):
    import socket
    import subprocess

    from service.sync import work

    vms = ctx.compute.create("nearly", 1, count=2)
    child = subprocess.Popen(["true"])
    child.wait()
    ctx.store.processes.register("gone2", socket.gethostname(), child.pid)
    for vm in vms:
        ctx.store.vms.set_state(vm.id, "creating", owner="gone2")
    work.recover(ctx.sync_services())
    assert {ctx.store.vms.get(vm.id).state for vm in vms} == {"running"}


def test_a_spread_cluster_on_every_host_says_the_rule_is_why(ctx):
    """Every host holds a node: the refusal names the spread rule, not the room hosts have."""
    cluster, _ = ctx.clusters.create("everywhere", 1, 3, placement="spread")
    with pytest.raises(NoCapacity, match=r"spread: each of the 3 host\(s\) already holds a node "
                                         r"of this cluster \(pm 1, 2, 3\), and a spread cluster "
                                         r"puts at most one node on a host"):
        ctx.clusters.add_nodes(cluster["id"], 1)
