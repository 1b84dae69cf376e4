"""The HTML report without a browser: escaping, downsampling, determinism, self-containment."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from stacktwin import __version__
from stacktwin.api import load_input
from stacktwin.boots import Boot, Outcome, summarize
from stacktwin.render import figures, timeline
from stacktwin.render.html import ReportError, build_report, script_json, select_boots
from stacktwin.render.runs import Run
from tests.render.conftest import P_ATTR, P_SCRIPT, cli
from tests.render.conftest import load as load_json


def test_script_json_cannot_close_the_script_and_parses_back() -> None:
    value = {"a": "</script><script>alert(1)</script>", "b": "<!-- & \u2028\u2029 -->", "c": 1}
    text = script_json(json.dumps(value, ensure_ascii=False))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == value


def test_envelope_downsamples_keeping_every_extreme() -> None:
    n = 100_000
    t = np.arange(n, dtype=float)
    y = np.sin(t / 5000.0) * 10
    y[31_337] = 500.0  # a one-sample spike
    y[77_777] = -300.0  # a one-sample dip
    xs, ys = figures.envelope(t.tolist(), y.tolist(), max_points=1000)
    assert len(xs) <= 1000 and xs == sorted(xs)
    assert max(ys) == 500.0 and xs[ys.index(500.0)] == 31_337
    assert min(ys) == -300.0 and xs[ys.index(-300.0)] == 77_777
    assert xs[0] == 0.0 and xs[-1] >= n - n / 500  # covers the whole run, not a prefix
    short = figures.envelope([0.0, 1.0, 2.0], [3.0, 1.0, 2.0], max_points=1000)
    assert short == ([0.0, 1.0, 2.0], [3.0, 1.0, 2.0])


def test_ecdf_is_exact_when_small_and_keeps_min_max_when_large() -> None:
    assert figures.ecdf([3.0, 1.0, 2.0]) == ([1.0, 2.0, 3.0], [1 / 3, 2 / 3, 1.0])
    rng = np.random.default_rng(1)
    vals = rng.exponential(2.0, 50_000).tolist()
    x, y = figures.ecdf(vals)
    assert len(x) == figures.ECDF_POINTS and x[0] == min(vals) and x[-1] == max(vals)
    assert y[0] == 0.0 and y[-1] == 1.0
    assert x[len(x) // 2] == pytest.approx(np.median(vals), rel=0.02)


def _boot(name: str, t0: float, seconds: float, **kw: object) -> Boot:
    ms = {"requested": t0, "build_started": t0 + 1, "port_bound": t0 + 2, "wait_prepared": t0 + 3,
          "device_up": t0 + seconds / 2, "port_active": t0 + seconds / 2 + 0.1,
          "event_sent": t0 + seconds / 2 + 0.2, "event_api": t0 + seconds / 2 + 0.3,
          "event_received": t0 + seconds - 1, "running": t0 + seconds - 0.5,
          "finished": t0 + seconds}  # fmt: skip
    return Boot(instance=name, host="h", outcome=Outcome.ACTIVE, milestones=ms, **kw)  # type: ignore[arg-type]


def _run(boots: list[Boot], label: str = "fake", **kw: object) -> Run:
    return Run(label, "trace", "fake", summarize(boots), boots, **kw)  # type: ignore[arg-type]


def test_waterfall_takes_the_slowest_then_the_chosen() -> None:
    boots = [_boot(f"vm-{i}", i * 100.0, 10.0 + i) for i in range(10)]
    run = _run(boots)
    chosen = select_boots(run, 3, ["vm-0"])
    assert [b.instance for b in chosen] == ["vm-9", "vm-8", "vm-7", "vm-0"]
    with pytest.raises(ReportError, match="vm-x"):
        build_report([run], instances=["vm-x"])


def test_long_simulated_series_are_downsampled_not_truncated() -> None:
    n = 200_000  # e.g. 55 hours sampled every second
    t = [float(i) for i in range(n)]
    q = [float(i % 997) for i in range(n)]
    q[n - 5] = 99_999.0  # the peak is at the very end: truncation would lose it
    ts = {"t": t, "neutron_rpc_queue": q, "db_waiting": [0.0] * n}
    comps = {"neutron_rpc": {"count": 1, "capacity": 1}}
    run = Run("long", "simulate", "x", summarize([]), [], components=comps, timeseries=ts)
    fig = timeline.queues_over_time(run, 300.0)
    assert fig is not None
    rpc = next(tr for tr in fig.data if tr.name == "neutron RPC workers")
    assert len(rpc.x) <= figures.MAX_SERIES_POINTS and max(rpc.y) == 99_999.0
    assert rpc.x[-1] == pytest.approx((n - 1) / 60.0)
    page = build_report([run])
    assert len(page.encode()) < 8_000_000  # plotly.js (~4.8 MB) + a few kB per figure


def test_report_is_deterministic_self_contained_and_escaped(tmp_path: Path) -> None:
    evil = _boot(P_SCRIPT + P_ATTR, 0.0, 30.0, reason=P_ATTR, sources={"running": P_SCRIPT + ":1"})
    evil.outcome = Outcome.ERROR
    runs = [_run([evil, _boot("vm-ok", 50.0, 12.0)], label=P_ATTR), load_input("all-in-one")]
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    page = build_report(runs, made=made)
    assert page == build_report(runs, made=made)  # deterministic given its time: no random ids
    assert "made 2026-12-01 09:30 UTC" in page and f"stacktwin {__version__}" in page
    assert P_SCRIPT not in page and P_ATTR not in page and "<img" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page  # shown, escaped, in tables
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing loaded from the network
    assert page.count("<script") == 3  # plotly.js, the figures' JSON, the boot code
    from plotly.offline import get_plotlyjs

    ours = page.replace(get_plotlyjs(), "")  # what the report adds around plotly.js
    assert len(ours) < len(page) and "http://" not in ours and "https://" not in ours


def test_report_cli_writes_the_file(tmp_path: Path, sim_json: Path, trace_json: Path) -> None:
    out = tmp_path / "r.html"
    res = cli("report", str(trace_json), str(sim_json), "-o", str(out), "--slowest", "2")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="plot"') == 5
    res = cli("report", str(trace_json), "-o", str(out), "--instance", "no-such-vm")
    assert res.exit_code == 2 and "no-such-vm" in res.output
    res = cli("report", str(trace_json), "-o", str(tmp_path / "missing" / "r.html"))
    assert res.exit_code == 2 and "no folder" in res.output  # refused before anything is read


def test_queues_mark_when_the_first_vif_plugging_timeout_fired() -> None:
    late = _boot("vm-late", 0.0, 20.0)
    del late.milestones["event_received"], late.milestones["running"]
    late.milestones["wait_prepared"] = 120.0
    late.outcome, late.reason = Outcome.ERROR, "vif_plugging_timeout"
    ok = _boot("vm-ok", 0.0, 20.0)
    ts = {"t": [0.0, 60.0, 600.0], "boots_waiting_vif": [0.0, 1.0, 0.0]}
    run = Run("r", "simulate", "x", summarize([late, ok]), [late, ok], timeseries=ts)
    assert timeline.first_timeout_at(run, 300.0) == 420.0
    fig = timeline.queues_over_time(run, 300.0)
    assert fig is not None
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].x0 == pytest.approx(7.0)  # minutes
    assert timeline.first_timeout_at(_run([ok]), 300.0) is None
    # the failed boot is drawn at the timeout in the vif-wait-over-time figure, the other as a wait
    over = timeline.vif_wait_over_time([run], 300.0)
    failed = next(t for t in over.data if "failed without the event" in t.name)
    assert list(failed.y) == [300.0] and list(failed.x) == [2.0]


def test_milestone_sources_are_shown_relative_to_their_common_folder() -> None:
    from stacktwin.render.html import sources_base

    a = _boot("vm-a", 0.0, 20.0, sources={"requested": "/x/logs/c1/nova-api.log:3"})
    b = _boot("vm-b", 0.0, 30.0, sources={"running": "/x/logs/c2/nova-compute.log:9"})
    assert sources_base([a, b]) == "/x/logs"
    page = build_report([_run([a, b])])
    assert "files under /x/logs/" in page and "<td>c2/nova-compute.log:9</td>" in page
    assert sources_base([a]) == ""  # one file: shown in full


def test_a_trace_spanning_days_is_in_wall_clock_time_with_its_idle_gaps_cut() -> None:
    day = 86_400.0
    t0 = 1_530_000_000.0  # 2018-06-26 08:00 UTC
    boots = [
        _boot(f"vm-{i}", t0 + off, 5.0 + i) for i, off in enumerate((0, 600, 9 * day, 80 * day))
    ]
    run = _run(boots)
    gaps = timeline.idle_gaps([t0, t0 + 600, t0 + 9 * day, t0 + 80 * day])
    assert len(gaps) == 2 and gaps[0][0] > t0 + 600 and gaps[1][1] < t0 + 80 * day
    axis = timeline.vif_wait_over_time([run], 300.0).layout.xaxis
    assert axis.type == "date" and len(axis.rangebreaks) == 2
    assert "2 idle gaps" in axis.title.text and "cut out" in axis.title.text
    assert axis.ticktext[0] == "Jun 26 08:00"
    short = _run(boots[:2])  # ten minutes: wall-clock, nothing cut
    axis = timeline.vif_wait_over_time([short], 300.0).layout.xaxis
    assert axis.type == "date" and not axis.rangebreaks


def test_two_simulated_runs_share_their_queue_axes(sim_json: Path) -> None:
    a = load_input(str(sim_json))
    b = load_input(str(sim_json))
    fig = timeline.queues_side_by_side([a, b], [300.0, 300.0])
    assert fig is not None
    layout = fig.layout
    # each row's right-hand y axis follows its left-hand one; every x axis is the same
    assert layout.yaxis2.matches == "y" and layout.yaxis4.matches == "y3"
    assert {layout[f"xaxis{i}"].matches for i in (2, 3, 4, 5)} | {layout.xaxis.matches} == {
        "x5",
        None,
    }  # every time axis follows the bottom-left one
    assert layout.yaxis.title.text == "requests" and layout.yaxis5.title.text == "boots / ports"
    page = build_report([a, b], made=datetime(2026, 1, 1, tzinfo=UTC))
    assert page.count("Control plane over time") == 1 and "same axes" in page


def test_failed_boots_are_grouped_by_reason_and_host_and_long_text_is_capped(
    trace_json: Path, tmp_path: Path
) -> None:
    long_reason = "Traceback " + "x" * 9000 + " END"
    boots = []
    for i in range(7):
        b = _boot(f"vm-{i}", i * 10.0, 20.0, reason="libvirtError" if i < 5 else long_reason)
        b.outcome = Outcome.ERROR
        b.host = "compute-1" if i < 4 else "compute-2"
        boots.append(b)
    page = build_report([_run(boots)], made=datetime(2026, 1, 1, tzinfo=UTC))
    by_reason = page[page.index('<table class="by-reason">') :]
    by_reason = by_reason[: by_reason.index("</table>")]
    assert '<td>libvirtError</td><td class="num">5</td>' in by_reason
    by_host = page[page.index('<table class="by-host">') :]
    by_host = by_host[: by_host.index("</table>")]
    assert "host (2)" in by_host and '<td>compute-1</td><td class="num">4</td>' in by_host
    assert " END" not in page and "more characters in the JSON" in page
    # the saved run keeps the whole reason: compare --json of it carries it
    saved = load_json(trace_json)
    saved["boots"][0]["reason"] = long_reason
    path = tmp_path / "long.json"
    path.write_text(json.dumps(saved))
    res = cli("compare", str(path), str(path), "--json", "-")
    assert res.exit_code == 0 and long_reason in json.loads(res.stdout)["summaries"][0]["reasons"]


def test_replicated_input_says_it_has_no_boots_to_draw(reps_json: Path) -> None:
    page = build_report([load_input(str(reps_json))], made=datetime(2026, 1, 1, tzinfo=UTC))
    assert "per-seed summaries only" in page and "seed(s)" in page and "1, 2, 3" in page


def test_vif_wait_panels_share_their_scale(sim_json: Path) -> None:
    a, b = load_input(str(sim_json)), load_input(str(sim_json))
    fig = timeline.vif_wait_over_time([a, b], 300.0)
    assert fig.layout.yaxis.range == fig.layout.yaxis2.range and fig.layout.yaxis.range[1] > 300
    assert fig.layout.xaxis.matches == "x2" or fig.layout.xaxis2.matches == "x"
