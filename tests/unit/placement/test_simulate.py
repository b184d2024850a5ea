"""The simulator: same placement code, in-memory claims, the report's numbers hold together."""

import json

from click.testing import CliRunner

from service.cli.main import cli
from service.simulate import replay as simulate, workload


def test_report_keys_and_consistency():
    size = (64, 262144, 2000)
    report = simulate.run("best_fit", 200, size, workload.synthetic(3000, 200, size, seed=3))
    for key in ("policy", "hosts", "requests", "placed", "rejected", "pms_used_peak",
                "lower_bound_peak", "decision_p50_us", "decision_p99_us", "decisions_per_s"):
        assert key in report
    assert report["placed"] + report["rejected"] == report["requests"] == 3000
    assert report["lower_bound_peak"] <= report["pms_used_peak"] <= 200


def test_best_fit_beats_round_robin_and_stays_near_the_bound():
    size = (64, 262144, 2000)
    best = simulate.run("best_fit", 500, size, workload.synthetic(8000, 500, size, seed=5))
    spread = simulate.run("round_robin", 500, size, workload.synthetic(8000, 500, size, seed=5))
    assert best["pms_used_peak"] <= 1.05 * best["lower_bound_peak"]
    assert best["pms_used_peak"] <= 0.9 * spread["pms_used_peak"]


def test_a_full_fleet_rejects_cleanly():
    size = (4, 8192, 100)
    arrivals = [workload.Arrival(float(t), 1e9, 4, 1024, 1) for t in range(5)]
    report = simulate.run("first_fit", 3, size, arrivals)
    assert (report["placed"], report["rejected"], report["pms_used_peak"]) == (3, 2, 3)


def test_cli_json_and_errors(tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["simulate", "--policy", "first_fit", "--hosts", "50",
                              "--requests", "500", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["policy"] == "first_fit"
    bad = runner.invoke(cli, ["simulate", "--policy", "nope"])
    assert bad.exit_code != 0 and "known policies" in bad.output
    trace = tmp_path / "trace.csv"
    trace.write_text("arrival,lifetime,cpu,ram_mb,disk_gb\n0,5,1,512,1\n1,5,one,1,1\n")
    bad = runner.invoke(cli, ["simulate", "--trace", str(trace)])
    assert bad.exit_code != 0 and f"{trace}:3:" in bad.output
    bad = runner.invoke(cli, ["simulate", "--host-size", "0,1,1"])
    assert bad.exit_code != 0 and "positive" in bad.output
