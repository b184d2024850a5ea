"""A collection pass into a real store (either backend), read back through the API: hosts
answer with libvirt's stats (a connection that answers as libvirt does, the layer under
test being collection); one host that never answers costs the others nothing."""

import threading

import pytest

from service import clock
from service.app import create_app
from service.hypervisor.errors import Unreachable
from service.telemetry.collect import Collector
from tests.helpers.contexts import two_members

SECOND = 1_000_000_000


class Domain:
    polled = {}  # name -> the balloon polling period it was asked for

    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def setMemoryStatsPeriod(self, period, _flags):
        Domain.polled[self._name] = period


class Host:
    """What one host's libvirt answers: each guest's CPU grows by BUSY vCPU-seconds a pass."""

    def __init__(self, guests, busy=1.0):
        self.guests, self.busy, self.passes = guests, busy, 0

    def getAllDomainStats(self, _groups, _flags):
        self.passes += 1
        used = int(self.passes * 10 * self.busy * SECOND)
        return [(Domain(name), {"cpu.time": used, "vcpu.current": 1, "vcpu.maximum": 1,
                                "vcpu.0.delay": used // 4, "balloon.rss": 262144,
                                "block.count": 1, "block.0.wr.bytes": self.passes * 10240})
                for name in self.guests]

    def getCPUStats(self, _cpus):
        return {"user": self.passes * 10 * SECOND, "kernel": 0, "idle": self.passes * 10 * SECOND,
                "iowait": 0}

    def getMemoryStats(self, _cells):
        return {"total": 8 << 20, "free": 4 << 20, "buffers": 0, "cached": 0}


class Hypervisors:
    def __init__(self, hosts, silent=()):
        self.hosts, self.silent = hosts, set(silent)
        self.connections = self
        self.hold = threading.Event()

    def connect(self, pm):
        if pm.id in self.silent:  # no answer until the test is over
            self.hold.wait(30)
            raise Unreachable(f"{pm.label}: no answer")

    def run(self, pm, _what, operation, _timeout):
        return operation(self.hosts[pm.id])


@pytest.fixture
def collected(ctx, monkeypatch):
    """Three passes 10 s apart over hosts 1 and 2 (host 3 never answers); the VM of member
    alice on host 1 is busy half its time, bob's on host 2 all of it."""
    import concurrent.futures

    app, tokens, owned = two_members(ctx)
    vms = {name: ctx.store.vms.get(owned[name]["vmid"]) for name in ("alice", "bob")}
    hosts = {vms["alice"].pmid: Host([vms["alice"].domain_name], busy=0.5)}
    hosts.setdefault(vms["bob"].pmid, Host([])).guests.append(vms["bob"].domain_name)
    if vms["bob"].pmid != vms["alice"].pmid:
        hosts[vms["bob"].pmid].busy = 1.0
    silent = [pm.id for pm in ctx.store.pms.list() if pm.id not in hosts]
    now = [clock.now() - 25]  # the last pass 5 s ago
    monkeypatch.setattr(clock, "now", lambda: now[0])
    pool = concurrent.futures.ThreadPoolExecutor(4)
    hypervisors = Hypervisors(hosts, silent)
    collector = Collector(ctx.config, ctx.store, hypervisors, pool)
    collector.limit = 0.5  # (the backstop past libvirt's own limits, which this fake has not)
    written = []
    for _ in range(3):
        written.append(collector.collect())
        now[0] += 10
    monkeypatch.undo()
    hypervisors.hold.set()
    pool.shutdown()
    return app, tokens, owned, vms, written, silent


def test_a_pass_writes_what_every_answering_host_used(collected):
    app, tokens, owned, vms, written, silent = collected
    client = app.test_client()
    # a first reading gives no rate, only the latest counters; then a sample each as well
    # (and a minute's mean, when a minute ended between the passes)
    assert written[1] >= 2 * written[0] and written[2] >= 2 * written[0]
    answer = client.get(f"/api/v1/vms/{owned['alice']['vmid']}/metrics",
                        headers={"Authorization": f"Bearer {tokens['alice']}"})
    assert answer.status_code == 200, answer.json
    metrics = answer.json["metrics"]
    assert metrics["step"] == 10 and len(metrics["at"]) == 2
    busy = 50.0
    assert metrics["series"]["cpu"] == [busy, busy]
    assert metrics["series"]["steal"] == [busy / 4, busy / 4]
    assert metrics["series"]["write_bps"] == [1024.0, 1024.0]
    assert metrics["last"]["rss_mb"] == 256.0
    assert metrics["summary"]["5m"]["cpu"] == {"p50": busy, "p95": busy, "max": busy}
    # its balloon reported no statistics yet: it was asked to, every interval
    assert Domain.polled[vms["alice"].domain_name] == 10


def test_a_host_that_never_answers_costs_the_others_nothing(collected, ctx):
    app, tokens, owned, vms, written, silent = collected
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    client = app.test_client()
    answered = client.get(f"/api/v1/pms/{vms['bob'].pmid}/metrics", headers=admin).json["metrics"]
    assert answered["series"]["cpu"] == [50.0, 50.0]  # busy half of the host's time
    assert answered["series"]["mem_mb"] == [4096.0, 4096.0]
    for pmid in silent:
        quiet = client.get(f"/api/v1/pms/{pmid}/metrics", headers=admin).json["metrics"]
        assert quiet["at"] == [] and quiet["last"] is None


def test_metrics_follow_the_objects_rules(collected):
    app, tokens, owned, vms, written, silent = collected
    client = app.test_client()

    def get(path, who):
        return client.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})
    assert get(f"/api/v1/vms/{owned['bob']['vmid']}/metrics", "alice").status_code == 404
    assert get(f"/api/v1/pms/{vms['alice'].pmid}/metrics", "alice").status_code == 403
    assert get(f"/api/v1/vms/{owned['alice']['vmid']}/metrics?range=24h", "alice").status_code == 200
    refused = get(f"/api/v1/vms/{owned['alice']['vmid']}/metrics?range=2y", "alice")
    assert refused.status_code == 422 and "range" in refused.json["error"]["message"]


def test_prometheus_reads_every_guests_counters_and_the_fleet(collected):
    from prometheus_client.parser import text_string_to_metric_families

    app, tokens, owned, vms, written, silent = collected
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {tokens['alice']}"}) \
        .status_code == 403
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    samples = {(s.name, s.labels.get("domain") or s.labels.get("pmid")): s
               for family in text_string_to_metric_families(answer.get_data(as_text=True))
               for s in family.samples}
    alice = f"vmf-{owned['alice']['vmid']}"
    cpu = samples[("libvirt_domain_info_cpu_time_seconds_total", alice)]
    assert cpu.value == 15.0 and cpu.labels == {"domain": alice}  # three passes, half busy
    assert samples[("libvirt_domain_info_meta", alice)].labels == {
        "domain": alice, "vmid": str(owned["alice"]["vmid"]), "name": "alice-vm",
        "pmid": str(vms["alice"].pmid)}
    assert samples[("libvirt_domain_vcpu_delay_seconds_total", alice)].value == 3.75
    assert samples[("libvirt_domain_block_stats_write_bytes_total", alice)].value == 30720
    pmid = str(vms["alice"].pmid)
    assert samples[("vmfabric_pm_cpu_seconds_total", pmid)].value == 60.0
    assert samples[("vmfabric_pm_up", pmid)].value == 1
    for quiet in silent:  # never read: none of its counters is made up
        assert ("vmfabric_pm_cpu_seconds_total", str(quiet)) not in samples
    jobs = {s.labels["state"]: s.value for s in answer_samples(answer) if s.name == "vmfabric_jobs"}
    assert sum(jobs.values()) >= 2  # each member's job of two_members
    answered = [s for s in answer_samples(answer)
                if s.name == "vmfabric_http_request_duration_seconds_count"
                and s.labels == {"endpoint": "scrape.metrics", "method": "GET", "status": "4xx"}]
    assert answered and answered[0].value >= 2  # the two refused scrapes above, at least


def answer_samples(answer):
    from prometheus_client.parser import text_string_to_metric_families

    return [s for family in text_string_to_metric_families(answer.get_data(as_text=True))
            for s in family.samples]
