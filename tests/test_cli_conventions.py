"""What an operator types: -h, real metavars, did-you-mean, --fail-on for CI gates (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stacktwin.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [
        "simulate",
        "sweep",
        "recommend",
        "check",
        "trace",
        "compare",
        "report",
        "schema",
        "calibrate",
        "validate",
    ],
)
def test_dash_h_is_help_and_no_python_types_are_shown(command: str) -> None:
    result = runner.invoke(app, [command, "-h"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Usage: stacktwin" in result.stdout
    options = result.stdout.split("Options")[-1]
    assert "<str>" not in options and "<int" not in options and "<list" not in options
    assert "<float" not in options


def test_metavars_say_what_to_type() -> None:
    text = runner.invoke(app, ["check", "-h"], env={"COLUMNS": "200"}).stdout
    assert "--release" in text and "RELEASE" in text and "--json" in text and "FILE|-" in text


def test_a_misspelt_scenario_gets_did_you_mean() -> None:
    result = runner.invoke(app, ["simulate", "large-site-befor"])
    assert result.exit_code == 2 and "did you mean 'large-site-before'?" in result.stderr


def test_fail_on_gates_a_run() -> None:
    args = ["simulate", "all-in-one", "--duration", "300"]
    ok = runner.invoke(app, [*args, "--fail-on", "errors>0"])
    assert ok.exit_code == 0, ok.output
    gated = runner.invoke(app, [*args, "--fail-on", "errors>0", "--fail-on", "vif_wait.p99>1"])
    assert gated.exit_code == 1 and "fail-on: vif_wait.p99 > 1 holds" in gated.stderr
    bad = runner.invoke(app, [*args, "--fail-on", "vif_wait.p99 >> 1"])
    assert bad.exit_code == 2 and "--fail-on" in bad.stderr
    ablate = runner.invoke(app, [*args, "--ablate", "--fail-on", "errors>0"])
    assert ablate.exit_code == 2


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("stacktwin ")


def _csv(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_simulate_formats_and_columns() -> None:
    import json

    import yaml

    args = ["simulate", "all-in-one", "--duration", "300"]
    as_json = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    figures = {r["figure"]: r["value"] for r in as_json}
    assert figures["boots"] == figures["active"] + figures["error"] + figures["unknown"]
    assert yaml.safe_load(runner.invoke(app, [*args, "-f", "yaml"]).stdout) == as_json
    rows = _csv(runner.invoke(app, [*args, "-f", "csv", "-c", "value", "-c", "figure"]).stdout)
    assert list(rows[0]) == ["value", "figure"] and len(rows) == len(as_json)
    value = runner.invoke(app, [*args, "-f", "value", "-c", "figure"]).stdout.split()
    assert value == [r["figure"] for r in as_json]
    table = runner.invoke(app, [*args, "-c", "figure"], env={"COLUMNS": "120"}).stdout
    assert "boots" in table and "Latency" not in table  # the primary rows only
    bad = runner.invoke(app, [*args, "-c", "nope"])
    assert bad.exit_code == 2 and "columns: figure, value" in bad.output
    assert runner.invoke(app, [*args, "-f", "xml"]).exit_code == 2


def test_simulate_replications_rows_carry_intervals() -> None:
    import json

    out = runner.invoke(
        app, ["simulate", "all-in-one", "--duration", "300", "--replications", "2", "--jobs", "1",
              "-f", "json"],
    ).stdout  # fmt: skip
    row = next(r for r in json.loads(out) if r["figure"] == "boots")
    assert {"mean", "ci95_low", "ci95_high", "min", "max", "n"} <= set(row) and row["n"] == 2


def test_check_findings_as_csv(tmp_path: Path) -> None:
    conf = tmp_path / "neutron.conf"
    conf.write_text("[DEFAULT]\nrpc_workers = 1\n")
    out = runner.invoke(
        app,
        ["check", str(conf), "--release", "2023.1", "-f", "csv", "-c", "severity", "-c", "option"],
    )
    rows = _csv(out.stdout)
    assert {"severity": "critical", "option": "neutron [DEFAULT] rpc_workers"} in rows


def test_trace_boots_as_csv_json_and_value(tmp_path: Path) -> None:
    import json

    from tests.logs import synthetic as syn

    logs = syn.write(tmp_path / "logs")
    rows = json.loads(runner.invoke(app, ["trace", str(logs), "-f", "json"]).stdout)
    assert rows and {"instance", "outcome", "stopped_at", "vif_wait_s"} <= set(rows[0])
    csv_rows = _csv(runner.invoke(app, ["trace", str(logs), "-f", "csv", "-c", "instance"]).stdout)
    assert [r["instance"] for r in csv_rows] == [r["instance"] for r in rows]
    values = runner.invoke(app, ["trace", str(logs), "-f", "value", "-c", "outcome"]).stdout
    assert values.split() == [r["outcome"] for r in rows]


def test_compare_rows_as_csv() -> None:
    out = runner.invoke(
        app, ["compare", "all-in-one", "all-in-one", "-f", "csv", "-c", "metric", "-c", "a",
              "-c", "b", "-c", "difference"],
    )  # fmt: skip
    rows = _csv(out.stdout)
    boots = next(r for r in rows if r["metric"] == "boots")
    assert boots["a"] == boots["b"] and boots["difference"] == "0"


def test_output_paths_are_checked_before_anything_runs(tmp_path: Path) -> None:
    for args in (
        ["report", "large-site-before", "-o", str(tmp_path / "no" / "r.html")],
        ["compare", "large-site-before", "large-site-after", "--json", str(tmp_path / "no" / "c")],
        ["simulate", "large-site-before", "--json", str(tmp_path)],
    ):
        result = runner.invoke(app, args)  # a large-site run would take tens of seconds
        assert result.exit_code == 2 and "simulating" not in result.stderr
        assert "no folder" in result.stderr or "a folder" in result.stderr


def test_hop_order_and_precision_are_the_same_in_trace_and_simulate(tmp_path: Path) -> None:
    import re

    from stacktwin.boots import LATENCY_ORDER
    from tests.logs import synthetic as syn

    def latency_rows(text: str) -> list[tuple[str, str]]:
        block = text.split("Latency (seconds)")[1]
        rows = []
        for line in block.splitlines():
            cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
            if cells and cells[0] in LATENCY_ORDER:
                rows.append((cells[0], cells[2]))
        return rows

    env = {"COLUMNS": "200"}
    traced = latency_rows(
        runner.invoke(app, ["trace", str(syn.write(tmp_path / "l"))], env=env).stdout
    )
    simulated = latency_rows(
        runner.invoke(app, ["simulate", "all-in-one", "--duration", "300"], env=env).stdout
    )
    for rows in (traced, simulated):
        names = [n for n, _ in rows]
        assert names == [n for n in LATENCY_ORDER if n in names] and len(names) >= 5
        assert all(re.fullmatch(r"-|\d+\.\d{3}", p50) for _, p50 in rows), rows
