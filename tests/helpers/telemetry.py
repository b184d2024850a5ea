"""Reading a lab server's telemetry in tests: a metric's samples after a moment, waiting for
one that holds, and whether a guest answers over ssh."""

from tests.helpers.waiting import wait_until
from vmfabric_lab import load


def ip(vm):
    return vm["addresses"][0]["ip"]


def reachable(lab_ctx, address):
    try:
        load.stop(lab_ctx.guest_access.ssh_config, address)
        return True
    except Exception:
        return False


def metrics(server, kind, oid):
    answer = server.api("GET", f"/{kind}s/{oid}/metrics")
    assert answer.status_code == 200, answer.text
    return answer.json()["metrics"]


def after(server, kind, oid, since, field):
    """FIELD's samples taken wholly after SINCE (the sample's interval began after it)."""
    found = metrics(server, kind, oid)
    interval = found["step"]
    return [value for at, value in zip(found["at"], found["series"][field])
            if at - interval >= since and value is not None]


def settled(server, kind, oid, since, field, test, what, timeout=60):
    """Wait for a sample of FIELD after SINCE; then TEST(first such samples) must hold."""
    wait_until(lambda: len(after(server, kind, oid, since, field)) >= 2, what, timeout)
    values = after(server, kind, oid, since, field)
    assert test(values[:2]), (what, values)
    return values


def reaches(server, kind, oid, since, field, test, what, timeout=60):
    """Wait for a sample of FIELD after SINCE for which TEST(value) holds (a load that builds
    up, or a statistic the guest reports on its own schedule)."""
    return wait_until(lambda: [v for v in after(server, kind, oid, since, field) if test(v)],
                      what, timeout)
