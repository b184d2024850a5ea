"""Jobs: covered requests get the open job, others queue; one discovery at a time; orphans fail."""

import socket
import subprocess
import threading
import time

import pytest

from service.errors import NotFound
from service.process import Process
from service.sync import work


def test_an_open_job_that_covers_a_request_is_returned(ctx):
    jobs, me = ctx.store.jobs, ctx.process.id
    everything, new = jobs.start("discover", {"pmids": None}, me,
                                 covered_by=lambda params: params.get("pmids") is None)
    assert new and everything["state"] == "queued" and everything["owner"] == me
    again, new = jobs.start("discover", {"pmids": [1]}, me, covered_by=lambda params: True)
    assert not new and again["id"] == everything["id"]
    other, new = jobs.start("discover", {"pmids": [1]}, me, covered_by=lambda params: False)
    assert new and other["id"] != everything["id"]
    jobs.running(everything["id"])
    jobs.succeed(everything["id"], {"pms": []})
    done = jobs.get(everything["id"])
    assert done["state"] == "succeeded" and done["finished_at"] >= done["created_at"]
    # finished jobs stay finished: a late second finish changes nothing
    jobs.fail(everything["id"], "too late")
    assert jobs.get(everything["id"])["state"] == "succeeded"
    with pytest.raises(NotFound):
        jobs.get(other["id"] + 100)


def exited_pid():
    """The pid of a process of this machine that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_process_is_dead_when_it_stops_beating_or_its_pid_is_gone(ctx):
    observer = Process(ctx.store, heartbeat=0.05, dead_after=0.3)
    ctx.store.processes.register("remote", "another-machine", 4242)
    ctx.store.processes.register("exited", socket.gethostname(), exited_pid())
    live = observer.live()
    assert "remote" in live and "exited" not in live and observer.id in live
    time.sleep(0.4)
    assert "remote" not in observer.live()
    ctx.store.processes.beat("remote")
    assert "remote" in observer.live()


def test_jobs_of_a_process_that_died_are_failed_by_the_sync(ctx):
    ctx.store.processes.register("killed", socket.gethostname(), exited_pid())
    orphan, _ = ctx.store.jobs.start("discover", {"pmids": None}, "killed")
    mine, _ = ctx.store.jobs.start("discover", {"pmids": [1]}, ctx.process.id,
                                   covered_by=lambda params: False)
    assert work.recover(ctx.sync_services())["jobs"] == [orphan["id"]]
    assert ctx.store.jobs.get(orphan["id"])["state"] == "failed"
    assert "stopped" in ctx.store.jobs.get(orphan["id"])["error"]
    assert ctx.store.jobs.get(mine["id"])["state"] == "queued"


def test_a_lease_has_one_live_holder(ctx, clock):
    leases = ctx.store.leases
    ctx.store.processes.register("p1", "machine-1", 1)
    ctx.store.processes.register("p2", "machine-2", 2)
    assert leases.acquire("lease-x", "p1", dead_after=20)
    assert leases.acquire("lease-x", "p1", dead_after=20)  # its holder may renew it
    assert not leases.acquire("lease-x", "p2", dead_after=20)
    leases.release("lease-x", "p1")
    assert leases.acquire("lease-x", "p2", dead_after=20)
    assert leases.holder("lease-x") == "p2"
    clock.advance(0.3)  # p2 falls silent: its lease is free for a live process
    ctx.store.processes.beat("p1")
    assert leases.acquire("lease-x", "p1", dead_after=0.2)


def test_one_discovery_at_a_time_across_processes(ctx, monkeypatch):
    """Two job runners (as two servers would be) on one store: their discoveries never overlap."""
    from service.jobs import Jobs

    running, overlaps, lock = [0], [], threading.Lock()

    def slow_discover(pmids):
        with lock:
            running[0] += 1
            overlaps.append(running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return ctx.store.pms.list()

    monkeypatch.setattr(ctx.fleet, "discover", slow_discover)
    other = Process(ctx.store, heartbeat=1, dead_after=5).start()
    try:
        runners = [Jobs(ctx.store, ctx.fleet, process, ctx.config)
                   for process in (ctx.process.start(), other)]
        started = [runners[0].discover([1]), runners[1].discover([2]), runners[0].discover([3])]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(
                ctx.store.jobs.get(j["id"])["state"] != "succeeded" for j in started):
            time.sleep(0.1)
        assert [ctx.store.jobs.get(j["id"])["state"] for j in started] == ["succeeded"] * 3
        assert max(overlaps) == 1
    finally:
        other.stop()


def test_bad_discovery_requests_are_refused_before_any_job(ctx):
    from service.app import create_app
    from tests.helpers.servers import admin_token

    client = create_app(ctx=ctx).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token(ctx)}"
    response = client.post("/api/v1/pms/discover", json={"pmids": [1, 77]})
    assert response.status_code == 404 and "no pm 77" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/pms/discover", json={"pmids": [0]})
    assert response.status_code == 422
    assert client.get("/api/v1/jobs/1").status_code == 404
