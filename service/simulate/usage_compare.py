"""Every policy on the same days of use, in one table: vmfabric's (best_fit, usage), the
anchors' (anchors.py) and the oracle, with each one's host-hours beside best_fit's and the
oracle's."""

from service.simulate import anchors, usage_policies, usage_replay, usage_trace

POLICIES = {"best_fit": usage_policies.BestFit, "usage": usage_policies.Usage,
            **anchors.ANCHORS}


def compare(paths, vm_size, host_size, names=None):
    """[report] per day and policy (and the oracle's), for the traces at PATHS."""
    reports = []
    for path in paths:
        _, percent = usage_trace.read(path)
        day = usage_replay.Day.from_trace(percent, vm_size, host_size)
        oracle = usage_replay.oracle(day)
        found = [usage_replay.run(day, POLICIES[name](), name) for name in names or POLICIES]
        base = next((r["host_hours"] for r in found if r["policy"] == "best_fit"), None)
        for report in found + [oracle]:
            report["day"] = path
            report["vs_best_fit"] = round(report["host_hours"] / base, 3) if base else None
            report["vs_oracle"] = round(report["host_hours"] / oracle["host_hours"], 3)
            reports.append(report)
        oracle["lower_bound_host_hours"] = float(oracle["lower_bound_host_hours"])
    return reports
