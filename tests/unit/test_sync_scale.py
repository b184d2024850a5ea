"""The sync pass when hosts are many and some are slow: each host within its own limit, counted
from when it is asked; a cold connection not counted against its look; what answered
recorded while others are still being asked.

The hosts are libvirt's test driver; a host's slowness is added in front of it (a delay
before its connection opens, or inside its domain listing, which the real per-call bound
of service/hypervisor/connections.py then has to cut short).
"""

import concurrent.futures
import dataclasses
import threading
import time

import pytest

from service.sync import hosts
from tests.helpers.waiting import wait_until


class SlowHosts:
    """CTX's hypervisors, with delays: CONNECT {pmid: s} before a connection opens (a cold
    ssh handshake), LISTING {pmid: s or threading.Event} inside the domain listing."""

    def __init__(self, real, connect=None, listing=None):
        self.real, self.connect_delay, self.listing = real, connect or {}, listing or {}
        self.storage = real.storage
        self.domains = self

    def connect(self, pm):
        time.sleep(self.connect_delay.get(pm.id, 0))
        self.real.connect(pm)

    def states(self, pm, timeout=None):
        delay = self.listing.get(pm.id, 0)

        def op(conn):
            if isinstance(delay, threading.Event):
                delay.wait(30)
            else:
                time.sleep(delay)
            return self.real.domains.states(pm, timeout)
        return self.real.connections.run(pm, "list domains", op, timeout)

    def forget(self, pm):
        self.real.forget(pm)


def services_with(ctx, **delays):
    return dataclasses.replace(ctx.sync_services(), hypervisors=SlowHosts(ctx.hypervisors, **delays))


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        yield executor


@pytest.mark.fleet(pms=24)
def test_a_cold_pass_longer_than_the_host_timeout_marks_no_answering_host_down(ctx, pool):
    # 24 hosts, 4 asked at a time, each taking 0.4 s to connect: the pass takes ~2.4 s,
    # over twice the 1 s a host is given; every host answers within its own limit
    ctx.config["sync"]["host_timeout"] = 1
    pms = ctx.store.pms.list()
    services = services_with(ctx, connect={pm.id: 0.4 for pm in pms})
    started = time.monotonic()
    found = hosts.check_all(services, pool, {})
    assert time.monotonic() - started > 2 * ctx.config["sync"]["host_timeout"]
    assert found == {pm.id: "up" for pm in pms}
    assert {pm.state for pm in ctx.store.pms.list()} == {"up"}


@pytest.mark.fleet(pms=12)
def test_hosts_that_never_answer_are_down_and_the_rest_up_on_the_same_pass(ctx, pool):
    ctx.config["sync"]["host_timeout"] = 1
    pms = ctx.store.pms.list()
    dead, slow = {pms[3].id, pms[8].id}, pms[5].id
    services = services_with(ctx, listing={**{pmid: 5 for pmid in dead}, slow: 0.3})
    found = hosts.check_all(services, pool, {})
    for pm in ctx.store.pms.list():
        if pm.id in dead:
            assert pm.state == "down" and "no answer within 1 s" in pm.reason, pm
            assert found[pm.id] == pm.reason
        else:
            assert pm.state == "up" and found[pm.id] == "up", pm  # the slow one too


@pytest.mark.fleet(pms=6)
def test_what_answered_is_recorded_while_a_slow_host_is_still_being_asked(ctx, pool):
    vm = ctx.compute.create("watched", 1)[0]
    pm = ctx.store.pms.get(vm.pmid)
    ctx.hypervisors.domains.power(pm, vm.domain, "pause")
    held = ctx.store.pms.list()[-1] if pm.id != ctx.store.pms.list()[-1].id \
        else ctx.store.pms.list()[0]
    gate = threading.Event()
    with ctx.store.write() as conn:  # every host down: the pass must bring each up itself
        from service.store.schema import pms

        conn.execute(pms.update().values(state="down", reason="earlier"))
    services = services_with(ctx, listing={held.id: gate})
    runner = concurrent.futures.ThreadPoolExecutor(1)
    passing = runner.submit(hosts.check_all, services, pool, {})
    try:
        wait_until(lambda: ctx.store.vms.get(vm.id).state == "paused"
                   and ctx.store.pms.get(pm.id).state == "up", "the answering host recorded",
                   timeout=10, every=0.05)
        assert not passing.done() and ctx.store.pms.get(held.id).state == "down"
    finally:
        gate.set()
        runner.shutdown(wait=True)
    assert passing.result()[held.id] == "up"
    assert ctx.store.pms.get(held.id).state == "up"


@pytest.mark.fleet(pms=3)
def test_a_pass_writes_only_what_changed_and_answers_still_say_when_it_was_confirmed(ctx, pool):
    vm = ctx.compute.create("steady", 1)[0]
    hosts.check_all(ctx.sync_services(), pool, {})
    before = ctx.store.vms.get(vm.id)
    time.sleep(0.05)
    hosts.check_all(ctx.sync_services(), pool, {})
    after = ctx.store.vms.get(vm.id)
    assert after.state_at == before.state_at and after.updated_at == before.updated_at
    # its state was confirmed by the second look at its host, though its row was not written
    assert after.state_age() < before.state_age()
    assert after.host_checked_at > before.host_checked_at
