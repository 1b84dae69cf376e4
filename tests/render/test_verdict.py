"""The verdict without a browser: computed from the inputs (a wrong input changes it), the
objectives' grammar, replicated inputs with their intervals, settings as config lines, the fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacktwin.api import load_inputs
from stacktwin.render.runs import InputError, load_saved
from stacktwin.render.text import MAX_TEXT, cap
from stacktwin.render.verdict import build_verdict, default_objectives, settings_diff
from stacktwin.render.verdict_html import number
from tests.render.conftest import cli, load


def _broken(sim_json: Path, tmp_path: Path, lost: int) -> Path:
    """The saved all-in-one run with ``lost`` boots whose agent never reported the port up."""
    data = load(sim_json)
    for boot in data["boots"][:lost]:
        for m in (
            "device_up",
            "port_active",
            "event_sent",
            "event_api",
            "event_received",
            "running",
        ):
            boot["milestones"].pop(m, None)
        boot["outcome"], boot["reason"] = "error", "vif_plugging_timeout"
        boot["timed_out"] = True
    out = tmp_path / f"broken-{lost}.json"
    out.write_text(json.dumps(data))
    return out


def test_a_wrong_input_changes_the_verdict(sim_json: Path, tmp_path: Path) -> None:
    good = build_verdict(load_inputs([str(sim_json)])).inputs[0]
    assert good.passed and good.failed == 0 and good.causes == []
    assert [c.objective for c in good.checks] == ["timeouts == 0", "vif_wait.p99 < 150"]

    bad = build_verdict(load_inputs([str(_broken(sim_json, tmp_path, 7))])).inputs[0]
    summary = load_saved(_broken(sim_json, tmp_path, 7)).summary
    assert not bad.passed and bad.failed == summary["outcomes"]["error"] == 7
    assert bad.stopped_at == {"agent": 7} and bad.reasons == [("vif_plugging_timeout", 7)]
    cause = bad.causes[0]
    assert (cause.stop, cause.boots, cause.where) == ("agent", 7, "the OVS agent")
    evidence = {e.source: e for e in cause.evidence}
    agents = load(sim_json)["components"]["ovs_agents"]["longest_iteration"]
    assert evidence["components.ovs_agents.longest_iteration"].value == agents
    assert evidence["boots[stopped_at=agent].host"].value == 1  # all-in-one: one host
    other = build_verdict(load_inputs([str(_broken(sim_json, tmp_path, 3))])).inputs[0]
    assert other.failed == 3 and other.causes[0].boots == 3


def test_objectives_as_recommend_takes_them(sim_json: Path) -> None:
    runs = load_inputs([str(sim_json)])
    p99 = runs[0].summary["latency"]["vif_wait"]["p99"]
    assert p99 is not None
    tight = build_verdict(runs, [f"vif_wait.p99<{p99 / 2}"]).inputs[0]
    loose = build_verdict(runs, [f"vif_wait.p99<={p99}", "errors==0"]).inputs[0]
    assert not tight.passed and loose.passed
    assert [c.figure for c in loose.checks] == ["vif_wait.p99", "error"]
    assert [str(o) for o in default_objectives(600)] == ["timeouts == 0", "vif_wait.p99 < 300"]
    res = cli("report", str(sim_json), "-o", "never.html", "--objective", "vif_wait.p99=3")
    assert res.exit_code == 2 and "'=' is not an operator" in res.output
    assert not Path("never.html").exists()


def test_replicated_inputs_carry_every_seed_and_their_intervals(
    reps_json: Path, reps_slow_json: Path
) -> None:
    doc = load(reps_json)
    a, b = load_inputs([str(reps_json), str(reps_slow_json)])
    assert a.seeds == b.seeds == doc["seeds"] == [1, 2, 3]
    assert a.replications is not None and len(a.replications) == 3
    assert a.aggregate == doc["aggregate"]  # recomputed from the records, equal to the saved one
    assert a.summary == doc["replications"][0]["summary"] and a.boots == []

    vd = build_verdict([a, b])
    first, second = vd.inputs
    iv = doc["aggregate"]["vif_wait.p99"]
    m = first.checks[1].measure
    assert (m.value, m.low, m.high, m.n) == (iv["mean"], iv["ci95_low"], iv["ci95_high"], 3)
    assert first.passed and not second.passed  # 30 s timeout: p99 against 15 s
    assert second.checks[1].objective == "vif_wait.p99 < 15"
    lines = {s.path: (s.line_first, s.line_second) for s in vd.settings}
    assert lines["nova.DEFAULT.vif_plugging_timeout"] == (
        "nova.conf [DEFAULT] vif_plugging_timeout = 300",
        "nova.conf [DEFAULT] vif_plugging_timeout = 30",
    )
    assert "model.costs.rpc_update_device_up" in lines and "seed" not in lines
    change = next(c for c in vd.changes if c.figure == "vif_wait.p99")
    assert change.paired and change.difference.n == 3
    per_seed = [
        s["summary"]["latency"]["vif_wait"]["p99"] - f["summary"]["latency"]["vif_wait"]["p99"]
        for f, s in zip(doc["replications"], load(reps_slow_json)["replications"], strict=True)
    ]
    assert change.difference.value == pytest.approx(sum(per_seed) / 3)
    assert change.difference.low is not None and change.difference.low > 0


def test_bad_replications_files_name_the_problem(reps_json: Path, tmp_path: Path) -> None:
    doc = load(reps_json)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("top", {"replications": []}, "without its 'replications'"),
        ("second", {"kind": "trace"}, "replication #2"),
        ("second", {"seed": 1}, "their own seed"),
    ]
    for where, change, why in cases:
        bad: Any = json.loads(json.dumps(doc))
        (bad if where == "top" else bad["replications"][1]).update(change)
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(InputError, match=why):
            load_saved(path)


def test_traced_beside_simulated_is_a_fit(trace_json: Path, sim_json: Path) -> None:
    traced, simulated = load_inputs([str(trace_json), str(sim_json)])
    vd = build_verdict([traced, simulated])
    assert vd.fit is not None and vd.changes == [] and vd.settings == []
    fit = {f.hop: f for f in vd.fit}
    tr, sim = traced.summary["latency"]["agent"], simulated.summary["latency"]["agent"]
    assert sim["p50"] is not None and tr["p50"] is not None
    assert fit["agent"].p50 == pytest.approx(sim["p50"] - tr["p50"])
    assert fit["agent"].traced == tr["count"] and fit["agent"].simulated == sim["count"]
    ks = fit["agent"].ks
    assert ks is not None and 0 < ks <= 1
    assert settings_diff(traced, simulated) == []


def test_untrusted_text_is_capped_with_the_length_said() -> None:
    long = "x" * (MAX_TEXT + 500)
    assert cap(long).startswith("x" * MAX_TEXT) and "500 more characters in the JSON" in cap(long)
    assert cap("short") == "short"
    assert number(3050.5, "s") == "3,050 s" and number(13.13, "s") == "13.1 s"
    assert number(0.2408, "%") == "24.1%" and number(-0.22, "%", signed=True) == "-22.0 pt"
    assert number(1989.0) == "1,989" and number(None) == "not measured"
    assert number(0.4545) == "0.45" and number(7.333) == "7.33" and number(12.5) == "12.5"
    assert number(1.0, "hosts") == "1 host" and number(3.0, "hosts") == "3 hosts"
    assert number(1.0, "s") == "1.00 s"


def test_units_of_figures() -> None:
    from stacktwin.render.verdict import unit_of

    assert unit_of("vif_wait.p99") == "s" and unit_of("agent_longest_iteration") == "s"
    assert unit_of("neutron_rpc.peak_queue") == "" and unit_of("neutron_rpc.utilisation") == "%"
    assert unit_of("error_rate") == "%" and unit_of("timeouts") == ""
