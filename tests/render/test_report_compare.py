"""The comparison rows, their formatting and ``stacktwin compare``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from stacktwin.api import load_input
from stacktwin.output import json_text
from stacktwin.render.compare import (
    Row,
    comparison,
    comparison_rows,
    comparison_table,
    fmt,
    fmt_difference,
    verdict,
)
from tests.render.conftest import cli, load


def _row(rows: list[Row], metric: str) -> Row:
    return next(r for r in rows if r.metric == metric)


def test_rows_carry_each_runs_summary_and_the_difference(trace_json: Path, sim_json: Path) -> None:
    a, b = load_input(str(trace_json)), load_input(str(sim_json))
    sa, sb = load(trace_json)["summary"], load(sim_json)["summary"]
    rows = comparison_rows([a, b])
    assert _row(rows, "boots").values == (sa["boots"], sb["boots"])
    assert _row(rows, "vif-plugging timeouts").values == (sa["timeouts"], sb["timeouts"])
    assert _row(rows, "error").values == (sa["outcomes"]["error"], sb["outcomes"]["error"])
    for hop in ("vif_wait", "boot", "agent", "nova_api"):
        for stat in ("p50", "p95", "p99", "max"):
            row = _row(rows, f"{hop} {stat}")
            assert row.values == (sa["latency"][hop][stat], sb["latency"][hop][stat])
            first, second = row.values
            if first is not None and second is not None:
                assert row.difference == pytest.approx(second - first)
    rate = _row(rows, "timeout rate")
    assert rate.values[0] == pytest.approx(sa["timeouts"] / sa["boots"]) and rate.unit == "%"
    # the traced run's stop points are listed, with 0 for the simulated run
    stops = [r for r in rows if r.section == "chain stopped at"]
    assert {r.metric for r in stops} == set(sa["stopped_at"]) | set(sb["stopped_at"]) != set()
    for r in stops:
        assert r.values == (sa["stopped_at"].get(r.metric, 0), sb["stopped_at"].get(r.metric, 0))


def test_utilisation_rows_only_for_simulated_runs(trace_json: Path, sim_json: Path) -> None:
    a, b = load_input(str(trace_json)), load_input(str(sim_json))
    comps = load(sim_json)["components"]
    util = [r for r in comparison_rows([a, b]) if r.section == "utilisation"]
    api = _row(util, "neutron API workers: utilisation")
    assert api.values == (None, comps["neutron_api"]["utilisation"]) and api.difference is None
    assert (
        _row(util, "neutron DB pools: peak queue").values[1]
        == comps["neutron_db_pools"]["peak_queue"]
    )
    assert not [r for r in comparison_rows([a]) if r.section == "utilisation"]


def test_formatting_and_verdicts() -> None:
    slower = Row("latency", "vif_wait p99", (2.0, 5.0), "s")
    assert fmt(2.0, "s") == "2.000" and fmt_difference(slower) == "+3.000 (×2.50)"
    assert verdict(slower) == "worse" and verdict(Row("latency", "x", (5.0, 2.0), "s")) == "better"
    assert verdict(Row("boots", "active", (5, 9), "", None)) == ""
    rate = Row("boots", "timeout rate", (0.5, 0.25), "%")
    assert fmt(0.25, "%") == "25.0%" and fmt_difference(rate) == "-25.0 pt"
    assert fmt(None) == "-" and fmt(12345) == "12,345"
    assert (
        Row("boots", "x", (0, 3)).ratio is None and Row("boots", "x", (None, 3)).difference is None
    )


def test_compare_cli_table_and_json(trace_json: Path, sim_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    res = cli("compare", str(trace_json), str(sim_json), "--json", str(out))
    assert res.exit_code == 0, res.output
    assert "trace.json (traced)" in res.output and "all-in-one (simulated)" in res.output
    assert "vif_wait p99" in res.output and "second − first" in res.output
    data = load(out)
    expected = comparison([load_input(str(trace_json)), load_input(str(sim_json))])
    assert data == json.loads(json_text(expected))  # the one writer adds schema_version
    assert [i["kind"] for i in data["inputs"]] == ["trace", "simulate"]
    # '-' writes only the JSON on stdout (the table goes to stderr)
    res = cli("compare", str(trace_json), "all-in-one", "--json", "-")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["summaries"][1] == load(sim_json)["summary"]


def test_compare_log_folder_with_scenario(synthetic_logs: Path) -> None:
    res = cli("compare", str(synthetic_logs), "all-in-one", "--json", "-")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["inputs"][0]["kind"] == "trace" and data["inputs"][1]["kind"] == "simulate"
    assert data["summaries"][0]["timeouts"] == 1 and data["summaries"][1]["boots"] == 40


def test_numbers_are_never_cut_at_80_columns(sim_json: Path, tmp_path: Path) -> None:
    from rich.console import Console

    runs = [load_input(str(sim_json)), load_input(str(sim_json))]
    runs[0].label = "a-very-long-scenario-name-before-the-change (simulated)"
    runs[1].label = "a-very-long-scenario-name-after-the-change (simulated)"
    rows = comparison_rows(runs)
    console = Console(width=80, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(comparison_table(runs, rows, width=80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("Comparison: A = a-very-long-scenario-name-before")
    for row in rows:
        cells = next(line for line in lines if line.startswith(f"│ {row.metric} "))
        for value in row.values:
            assert fmt(value, row.unit) in cells, (row.metric, cells)
    # a wide terminal keeps the labels as headers
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(comparison_table(runs, rows, width=200))
    assert "a-very-long-scenario-name-after-the-change (simulated)" in console.export_text()


def test_compare_prints_every_number_in_full_at_60_columns(sim_json: Path) -> None:
    """Through the CLI, at 60 columns: every value of every row printed whole (the table or its
    stacked fallback), none cut or split."""
    import re

    wide = cli("compare", str(sim_json), str(sim_json), env={"COLUMNS": "250"})
    narrow = cli("compare", str(sim_json), str(sim_json), env={"COLUMNS": "60"})
    assert wide.exit_code == narrow.exit_code == 0
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    numbers = re.compile(r"[-+]?\d[\d,]*\.\d+|[-+]?\d[\d,]{2,}")
    assert set(numbers.findall(wide.stdout)) <= set(numbers.findall(narrow.stdout))
    assert "…" not in narrow.stdout
