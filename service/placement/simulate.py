"""`vmfabric simulate`: replay arrivals and departures through the service's placement code.

The same constraints and policy classes decide; the store is in memory (the
HostTable itself, whose claim() is the in-memory guarded update).
"""

import heapq
import math
import time

import numpy as np

from service.placement.engine import Placer
from service.placement.hosts import HostTable, Request


def run(policy, hosts, host_size, arrivals, requests_hint=None):
    """Replay ARRIVALS on HOSTS empty hosts of HOST_SIZE; returns the report dict."""
    table = HostTable.uniform(hosts, host_size)
    placer = Placer(policy)
    state = {}
    vm_count = np.zeros(hosts, dtype=np.int32)
    departures = []  # (time, row, cpu, ram, disk)
    total = [0, 0, 0]
    used_hosts = used_peak = lb_peak = 0
    placed = rejected = 0
    latencies = []
    perf = time.perf_counter_ns
    started = time.perf_counter()
    for arrival in arrivals:
        while departures and departures[0][0] <= arrival.time:
            _, row, cpu, ram, disk = heapq.heappop(departures)
            table.release(row, (cpu, ram, disk))
            total[0] -= cpu
            total[1] -= ram
            total[2] -= disk
            vm_count[row] -= 1
            if vm_count[row] == 0:
                used_hosts -= 1
        request = Request(arrival.cpu, arrival.ram_mb, arrival.disk_gb)
        t0 = perf()
        best = placer.rank(table, request, state, 1)
        ok = len(best) > 0 and table.claim(int(best[0]), request.vector)
        if ok:
            placer.placed(table, int(best[0]), state)
        latencies.append(perf() - t0)
        if not ok:
            rejected += 1
            continue
        row = int(best[0])
        placed += 1
        heapq.heappush(departures, (arrival.time + arrival.lifetime, row) + request.vector)
        total[0] += request.cpu
        total[1] += request.ram_mb
        total[2] += request.disk_gb
        vm_count[row] += 1
        if vm_count[row] == 1:
            used_hosts += 1
        used_peak = max(used_peak, used_hosts)
        lb_peak = max(lb_peak, max(math.ceil(total[r] / host_size[r]) for r in range(3)))
    elapsed = time.perf_counter() - started
    lat = np.asarray(latencies, dtype=np.float64) / 1000.0
    return {
        "policy": policy,
        "hosts": hosts,
        "host_size": {"cpu": host_size[0], "ram_mb": host_size[1], "disk_gb": host_size[2]},
        "requests": placed + rejected,
        "placed": placed,
        "rejected": rejected,
        "pms_used_peak": used_peak,
        "lower_bound_peak": lb_peak,
        "used_over_lower_bound": round(used_peak / lb_peak, 4) if lb_peak else None,
        "decision_p50_us": round(float(np.percentile(lat, 50)), 1) if len(lat) else 0.0,
        "decision_p99_us": round(float(np.percentile(lat, 99)), 1) if len(lat) else 0.0,
        "decisions_per_s": round(len(lat) / (lat.sum() / 1e6), 1) if len(lat) and lat.sum() else 0.0,
        "wall_s": round(elapsed, 2),
    }
