"""Calibration: the workload of a trace, the fit of the costs, validation, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stacktwin.boots import Boot, Milestone
from stacktwin.calibrate import CalibrationError, extract_workload, split
from stacktwin.cli import app
from stacktwin.twin import load_scenario, parse_scenario
from tests.logs.conftest import SHARED_LOGS


def _boot(i: int, t: float, ports: int = 1) -> Boot:
    b = Boot(instance=f"vm-{i}", host="cmp-1", ports=[f"p{i}-{k}" for k in range(ports)])
    b.milestones[Milestone.REQUESTED.value] = t
    return b


def test_workload_of_a_trace_is_replayable() -> None:
    boots = [_boot(2, 1000.0 + 86_400.0, 2), _boot(1, 1000.0), Boot(instance="no-time")]
    work = extract_workload(boots)
    assert work.arrivals == [0.0, 86_400.0]
    assert work.ports == [1, 2]
    assert any("no POST /servers time" in n for n in work.notes)
    sc = work.scenario(load_scenario("all-in-one"), "replay")
    assert sc.cloud.hosts == 1
    assert sc.duration < 86_400.0  # the day-long idle gap is compressed


def test_split_refuses_an_empty_part() -> None:
    work = extract_workload([_boot(1, 0.0), _boot(2, 10.0)])
    first, rest = split(work, holdout=0.5)
    assert (len(first.boots), len(rest.boots)) == (1, 1)
    with pytest.raises(CalibrationError, match="each part"):
        split(work, at=-5.0)
    with pytest.raises(CalibrationError, match="has a POST"):
        extract_workload([Boot(instance="x")])


@pytest.mark.slow
def test_calibrate_and_validate_the_real_logs(tmp_path: Path) -> None:
    logs = SHARED_LOGS / "dessertlab-queens-aio"
    if not logs.is_dir():
        pytest.skip(f"real data not present at {logs}")
    out, fit = tmp_path / "aio.yaml", tmp_path / "fit.json"
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["calibrate", str(logs), "--holdout", "0.34", "-o", str(out), "--json", str(fit)],
    )
    assert res.exit_code == 0, res.output
    assert "held-out" in res.output
    text = out.read_text()
    assert "# model.costs.compute_resume" in text and "fell back to the default" in text
    sc = parse_scenario(yaml.safe_load(text), str(out))
    assert sc.workload.arrivals is not None
    doc = yaml.safe_load(fit.read_text())  # JSON is YAML
    assert doc["kind"] == "calibrate"
    assert doc["validation"]["hops"]["vif_wait"]["traced"]["count"] >= 1
    assert {"p50", "p90", "p99"} <= set(doc["fit"]["hops"]["agent"]["simulated"])
    res = runner.invoke(app, ["validate", str(out), str(logs), "--replications", "1"])
    assert res.exit_code == 0, res.output
    assert "vif_wait" in res.output


def test_calibrate_says_why_it_cannot(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["calibrate", str(tmp_path), "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
