"""simulate --replications / --ablate, sweep and recommend through the CLI (tiny scenario)."""

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.twin import load_scenario
from stacktwin.twin.batch.executor import Executor
from stacktwin.twin.batch.knobs import cost
from stacktwin.twin.batch.stats import aggregate
from stacktwin.twin.batch.sweep import grid, parse_vary, point_scenarios, sweep_batch

runner = CliRunner()


def test_replications_json_has_each_seed_and_the_aggregate() -> None:
    res = runner.invoke(app, ["simulate", "all-in-one", "--replications", "3", "--jobs", "1",
                              "--set", "workload.sequential_boots=5", "--json", "-"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["kind"] == "replications" and doc["seeds"] == [1, 2, 3]
    reps = doc["replications"]
    assert [r["seed"] for r in reps] == [1, 2, 3] and all(r["summary"]["boots"] == 5 for r in reps)
    p99 = doc["aggregate"]["vif_wait.p99"]
    values = [r["summary"]["latency"]["vif_wait"]["p99"] for r in reps]
    assert p99["n"] == 3 and p99["min"] == min(values) and p99["max"] == max(values)
    assert p99["ci95_low"] < p99["mean"] < p99["ci95_high"]
    assert set(doc["aggregate"]["neutron_rpc.utilisation"]) == {
        "mean", "ci95_low", "ci95_high", "min", "max", "n"}  # fmt: skip


def test_set_errors_before_anything_runs() -> None:
    res = runner.invoke(app, ["simulate", "all-in-one", "--set", "neutron.DEFAULT.rpc_wrkers=2"])
    assert res.exit_code == 2 and "allowed: agent_down_time, api_workers" in res.output
    res = runner.invoke(app, ["simulate", "all-in-one", "--set", "model.flow_deletion=maybe"])
    assert res.exit_code == 2 and "one of blocking, deferred" in res.output
    res = runner.invoke(app, ["compare", "all-in-one", "all-in-one", "--set", "cloud.hostz=3"])
    assert (
        res.exit_code == 2 and "'hostz' in cloud" in res.output and "simulating" not in res.output
    )


def test_ablation_pairs_every_variant_on_the_same_seeds(tiny: Path) -> None:
    res = runner.invoke(app, ["simulate", str(tiny), "--ablate", "--replications", "3",
                              "--jobs", "1", "--json", "-"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = {r["variant"]: r for r in json.loads(res.stdout)["rows"]}
    assert all(r["seeds"] == [1, 2, 3] for r in rows.values())
    # max_pool_size 60 keeps connections open: fewer opened on every seed, an effect beyond noise
    pool = rows["max_pool_size_60"]["vs_base"]["db_connections_opened"]
    assert pool["ci95_high"] < 0 and pool["excludes_zero"]
    assert rows["base"]["vs_base"]["error"]["mean"] == 0  # base against itself
    assert "no effect measurable" in res.stderr or "~0" in res.stderr


def test_sweep_grid_samples_and_outputs(tiny: Path, tmp_path: Path) -> None:
    out, js = tmp_path / "s.parquet", tmp_path / "s.json"
    res = runner.invoke(app, ["sweep", str(tiny), "--vary", "neutron.DEFAULT.rpc_workers=1,2,4",
                              "--vary", "model.flow_deletion=blocking,deferred", "--samples", "4",
                              "--replications", "2", "--jobs", "1", "-o", str(out),
                              "--json", str(js)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "4 of 6 grid points × 2 replications" in res.stderr
    table = pq.read_table(out)
    assert table.num_rows == 8 and {"neutron.DEFAULT.rpc_workers", "vif_wait.p99"} <= set(
        table.column_names)  # fmt: skip
    doc = json.loads(js.read_text())
    assert len(doc["points"]) == 4 and doc["rows"] == table.to_pylist()
    html = tmp_path / "r.html"
    rep = runner.invoke(app, ["report", str(out), "-o", str(html)])
    assert rep.exit_code == 0, rep.output
    text = html.read_text()
    assert "Against neutron.DEFAULT.rpc_workers" in text and "vif_plugging_timeout 300 s" in text
    bad = runner.invoke(app, ["sweep", str(tiny), "--vary", "neutron.DEFAULT.rpc_workers=1,0"])
    assert bad.exit_code == 2 and "--vary neutron.DEFAULT.rpc_workers=0" in bad.output


def test_recommend_picks_the_cheapest_feasible_point(tiny: Path, tmp_path: Path) -> None:
    knobs = ["neutron.DEFAULT.rpc_workers=1,2,4", "model.flow_deletion=blocking,deferred"]
    js = tmp_path / "rec.json"
    args = ["recommend", str(tiny), "--objective", "errors==0", "--objective", "vif_wait.p99<=60",
            "--knob", knobs[0], "--knob", knobs[1], "--replications", "2", "--budget", "12",
            "--jobs", "1", "--json", str(js)]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rec = json.loads(js.read_text())["recommended"]
    # brute force over the whole grid, same seeds
    base = load_scenario(str(tiny))
    points = grid([parse_vary(k) for k in knobs])
    records = Executor(jobs=1).map(sweep_batch(point_scenarios(base, points), [1, 2]))
    by = {i: records[2 * i : 2 * i + 2] for i in range(len(points))}
    base_i = points.index({"neutron.DEFAULT.rpc_workers": 1, "model.flow_deletion": "blocking"})
    feasible = []
    for i, p in enumerate(points):
        agg = aggregate(by[i])
        if agg["error"]["ci95_high"] == 0 and (agg["vif_wait.p99"]["ci95_high"] or 1e9) <= 60:
            changes = sum(p[k] != points[base_i][k] for k in p)
            feasible.append((cost(by[i][0], by[base_i][0], changes)["core_equivalents"], p))
    assert feasible and rec["settings"] == min(feasible, key=lambda f: f[0])[1]
    assert "e09b128f41" in res.stdout and "config line to set" in res.stdout
    none = runner.invoke(app, [*args[:-2], "--objective", "vif_wait.p99<=0.01"])
    assert none.exit_code == 1 and "Nothing in range meets" in none.stdout
    bad = runner.invoke(app, ["recommend", str(tiny), "--objective", "vif_wait.p99=60"])
    assert bad.exit_code == 2 and "use '=='" in bad.output
