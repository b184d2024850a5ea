"""Every list pages one way: ?limit= and ?cursor= (the page before's `next`), and each
answer says `total`; following `next` visits every item once, oldest first (events and jobs:
newest first), and a cursor that is no cursor is a 422 naming it."""

import pytest


def walk(client, path, key, limit):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/v1{path}", query_string=params).get_json()
        seen += [item.get("id", item.get("tid")) for item in page[key]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return seen, page["total"], pages


@pytest.mark.fleet(capacity=(16, 16384, 80))
def test_every_list_pages_by_limit_and_cursor_and_says_its_total(ctx, client):
    answer = client.post("/api/v1/vms", json={"name": "paged", "instance_type": 1, "count": 5})
    made = [vm["id"] for vm in answer.get_json()["vms"]]
    seen, total, pages = walk(client, "/vms", "vms", 2)
    assert seen == made and total == 5 and pages == 3
    assert walk(client, "/types", "types", 2)[:2] == ([1, 2, 3], 3)
    assert walk(client, "/pms", "pms", 1)[1:] == (3, 3)
    for _ in range(3):
        ctx.jobs.run("cluster_run", {}, lambda: {})  # jobs that end at once
    events, total, _ = walk(client, "/events", "events", 2)
    assert events == sorted(events, reverse=True) and len(events) == total >= 1
    jobs, total, pages = walk(client, "/jobs", "jobs", 2)
    assert jobs == sorted(jobs, reverse=True) and len(jobs) == total == 3 and pages == 2


def test_a_cursor_that_is_no_cursor_is_named(client):
    for bad in ("abc", "-1", "1.5", "9" * 12):
        answer = client.get("/api/v1/vms", query_string={"cursor": bad})
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["message"].startswith("cursor:")
