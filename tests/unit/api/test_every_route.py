"""Rules every route keeps, generated from the app's own URL map (the seed API, /api/v1 and the
dashboard), so a route added later is held to them too: HEAD and OPTIONS change nothing; a
foreign Host is refused; a body over server.max_body gets a short 413; a member's answers
name no other user, nothing of theirs and no file of the server."""

import pytest
import sqlalchemy as sa

from service.store import schema
from tests.helpers.contexts import make_ctx, two_members
from tests.helpers.waiting import wait_until

SEED_QUERY = "name=probe&instance_type=1&vmid={vmid}&volumeid={volume_id}&size=1&pmid=1"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    context = make_ctx(tmp_path_factory.mktemp("every-route"))
    yield context
    context.close()


@pytest.fixture(scope="module")
def world(ctx):
    return two_members(ctx)


def routes(app):
    """(rule, methods) of every route but static files."""
    return sorted(((rule, sorted(rule.methods - {"HEAD", "OPTIONS"})) for rule in app.url_map.iter_rules()
                   if not rule.endpoint.endswith("static")), key=lambda r: r[0].rule)


def url_of(rule, values):
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", str(values[argument]))
        for converter in ("id", "int", "path"):
            path = path.replace(f"<{converter}:{argument}>", str(values[argument]))
    return path + "?" + SEED_QUERY.format(**values) if not path.startswith(("/api", "/ui")) \
        else path


def fingerprint(ctx, audit=True):
    """What a change would change: every table's rows (AUDIT: the audit trail's too; a refused
    attempt at a change is recorded there, and rightly so), once no job an earlier test
    started is still on its way."""
    wait_until(lambda: not any(job["state"] in ("queued", "running")
                               for job in ctx.store.jobs.recent(limit=1000)),
               "the earlier tests' jobs finished", timeout=60, every=0.1)
    found = {}
    tables = (schema.vms, schema.volumes, schema.clusters, schema.users, schema.tokens,
              schema.jobs, schema.snapshots, schema.kv, schema.pms) + ((schema.events,) if audit
                                                                       else ())
    with ctx.store.read() as conn:
        for table in tables:
            found[table.name] = sorted(map(repr, conn.execute(sa.select(table)).all()))
    return found


def test_head_and_options_change_nothing_on_any_route(world, ctx):
    app, tokens, owned = world
    client = app.test_client()
    before = fingerprint(ctx)
    for rule, _ in routes(app):
        url = url_of(rule, owned["alice"])
        for method in ("HEAD", "OPTIONS"):
            answer = client.open(url, method=method,
                                 headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert answer.status_code < 500, (method, url, answer.status_code)
    assert fingerprint(ctx) == before


def test_a_foreign_host_is_refused_on_every_route(world, ctx):
    app, tokens, owned = world
    client = app.test_client()
    before = fingerprint(ctx, audit=False)
    for rule, methods in routes(app):
        url = url_of(rule, owned["alice"])
        for method in methods:
            answer = client.open(url, method=method, json={},
                                 headers={"Host": "rebound.example",
                                          "Authorization": f"Bearer {tokens['admin']}"})
            assert answer.status_code == 400, (method, url, answer.status_code)
    assert fingerprint(ctx, audit=False) == before


def test_a_body_over_the_limit_gets_a_short_413_on_every_route(world, ctx):
    app, tokens, owned = world
    client = app.test_client()
    big = b"[" + b"0," * (ctx.config["server"]["max_body"] // 2) + b"0]"
    before = fingerprint(ctx, audit=False)
    for rule, methods in routes(app):
        url = url_of(rule, owned["alice"])
        for method in methods:
            answer = client.open(url, method=method, data=big,
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {tokens['admin']}"})
            assert answer.status_code == 413, (method, url, answer.status_code)
            assert len(answer.data) < 2048, (method, url, len(answer.data))
    assert fingerprint(ctx, audit=False) == before


def test_a_members_answers_hold_nothing_of_others_or_of_the_server(world, ctx):
    """Every GET as alice: nothing of bob's (his name, his VM's, cluster's, volume's names),
    no path of the server's (its home holds its key, its store, its images)."""
    app, tokens, owned = world
    client = app.test_client()
    forbidden = ["bob", ctx.config["home"], ctx.config["ssh"]["private_key"]]
    for rule, methods in routes(app):
        if "GET" not in methods:
            continue
        url = url_of(rule, owned["alice"])
        answer = client.get(url, headers={"Authorization": f"Bearer {tokens['alice']}"})
        text = answer.get_data(as_text=True)
        for word in forbidden:
            assert word not in text, (url, word)
