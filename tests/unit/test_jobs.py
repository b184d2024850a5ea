"""Jobs: one of a kind at a time across processes, finished once, interrupted by a restart."""

import pytest

from service import reconcile
from service.errors import NotFound
from tests.unit.api.conftest import make_ctx


@pytest.fixture
def ctx(tmp_path):
    context = make_ctx(tmp_path)
    yield context
    context.store.dispose()


def test_a_second_start_gets_the_running_job(ctx):
    jobs = ctx.store.jobs
    first, new = jobs.start("discover", {"pmids": None})
    assert new and first["state"] == "running"
    again, new = jobs.start("discover", {"pmids": [1]})
    assert not new and again["id"] == first["id"] and again["params"] == {"pmids": None}
    jobs.succeed(first["id"], {"pms": []})
    done = jobs.get(first["id"])
    assert done["state"] == "succeeded" and done["finished_at"] >= done["created_at"]
    # finished jobs stay finished: a late second finish changes nothing
    jobs.fail(first["id"], "too late")
    assert jobs.get(first["id"])["state"] == "succeeded"
    later, new = jobs.start("discover", {"pmids": None})
    assert new and later["id"] > first["id"]
    with pytest.raises(NotFound):
        jobs.get(later["id"] + 100)


def test_start_up_reconciliation_fails_jobs_left_running(ctx):
    running, _ = ctx.store.jobs.start("discover", {"pmids": None})
    done = reconcile.reconcile(ctx)
    assert done["jobs_interrupted"] == [running["id"]]
    job = ctx.store.jobs.get(running["id"])
    assert job["state"] == "failed" and job["error"].startswith("interrupted")


def test_bad_discovery_requests_are_refused_before_any_job(ctx):
    from service.api import create_app

    client = create_app(ctx=ctx).test_client()
    response = client.post("/api/v1/pms/discover", json={"pmids": [1, 77]})
    assert response.status_code == 404 and "no pm 77" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/pms/discover", json={"pmids": [0]})
    assert response.status_code == 422
    assert client.get("/api/v1/jobs/1").status_code == 404
    _, new = ctx.store.jobs.start("discover", {})
    assert new  # nothing was left running by the refused requests
