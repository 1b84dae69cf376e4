"""The calibration report: ``stacktwin report fit.json`` (HTML) and ``stacktwin calibration``
(text/JSON) show fit.json's numbers, the held-out error first."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from stacktwin.calibrate import extract_workload, fit_costs, split, validate_scenario
from stacktwin.calibrate.output import fit_document
from stacktwin.calibrate.samples import boot_samples
from stacktwin.cli import app
from stacktwin.output import write_json
from stacktwin.render.calibrate_view import HOP_COLUMNS, PARAMETER_COLUMNS, hop_rows
from stacktwin.schema import published
from stacktwin.twin import load_scenario, parse_scenario, run_scenario
from stacktwin.twin.batch.executor import Executor


class _Cells(HTMLParser):
    """Every table of the page: its class, header and rows of (text, data-value)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.lead = ""
        self._cell: list[str] | None = None
        self._value: str | None = None
        self._in_lead = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"class": a.get("class"), "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell, self._value = [], a.get("data-value")
        elif tag == "p" and a.get("id") == "lead":
            self._in_lead = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            table = self.tables[-1]
            if tag == "th":
                table["head"].append(text)
                table["rows"].pop() if table["rows"] == [[]] else None
            else:
                table["rows"][-1].append((text, self._value))
            self._cell = None
        elif tag == "p":
            self._in_lead = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_lead:
            self.lead += data


@pytest.fixture(scope="module")
def fit_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real calibration: 12 boots of the twin, 8 fitted and 4 held out."""
    data = load_scenario("all-in-one").model_dump()
    data["workload"] = {"arrivals": {"boots": [i * 30.0 for i in range(12)]}}
    data["duration"] = 400.0
    truth = run_scenario(parse_scenario(data, "truth"))
    work = extract_workload(truth.boots)
    work.release = "2023.1: given (--release)"
    part, held = split(work, holdout=0.34)
    replay = part.scenario(load_scenario("all-in-one"), "replay")
    traced = boot_samples(part.boots)
    executor = Executor(jobs=1)
    fit = fit_costs(replay, traced, executor, replications=1, max_iterations=2, window=part.window)
    fitted = replay.model_copy(deep=True)
    fitted.model.costs = fit.costs
    validation = validate_scenario(fitted, held, executor, replications=1)
    doc = fit_document(fit, part, traced, "twin", validation)
    path = tmp_path_factory.mktemp("fit") / "fit.json"
    write_json(path, doc)
    return path


def test_html_report_shows_the_numbers_of_fit_json(fit_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "fit.html"
    res = CliRunner().invoke(app, ["report", str(fit_json), "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(fit_json.read_text())
    jsonschema.validate(doc, published("calibrate"))
    page = _Cells()
    page.feed(out.read_text())
    assert page.lead.startswith(f"On {doc['validation']['boots']} held-out boots")
    assert doc["validation"]["headline"] in page.lead
    classes = [t["class"] for t in page.tables]
    assert classes == ["hops held-out", "hops fit", "parameters"]  # held-out first
    expected = hop_rows(doc)
    for table in page.tables[:2]:
        part = table["class"].split()[1]
        mine = [r for r in expected if r["part"] == part]
        cols = [c for c in HOP_COLUMNS if c != "part"]
        assert table["head"] == [c.replace("_", " ") for c in cols]
        assert len(table["rows"]) == len(mine) == len(doc["fit"]["hops"])
        for row, want in zip(table["rows"], mine, strict=True):
            for (shown, value), col in zip(row, cols, strict=True):
                if col in ("hop", "note"):
                    assert shown == (want[col] or "")
                elif want[col] is None:
                    assert value is None and shown == "–"
                else:
                    assert json.loads(value or "null") == want[col], (part, want["hop"], col)
    params = page.tables[2]
    assert params["head"] == [c.replace("_", " ") for c in PARAMETER_COLUMNS]
    for row, rec in zip(params["rows"], doc["parameters"], strict=True):
        cells = dict(zip(PARAMETER_COLUMNS, row, strict=True))
        assert cells["cost"][0] == rec["cost"]
        want = rec["value"] if rec["status"] == "fitted" else rec["default"]
        assert json.loads(cells["value"][1] or "null") == want
        if rec["status"] == "default":
            assert cells["provenance"][0].startswith("fell back to the default: ")


def test_calibration_command_prints_rows_as_json_and_held_out_first(fit_json: Path) -> None:
    res = CliRunner().invoke(app, ["calibration", str(fit_json), "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    doc = json.loads(fit_json.read_text())
    assert rows == json.loads(json.dumps(hop_rows(doc)))
    assert rows[0]["part"] == "held-out"
    res = CliRunner().invoke(app, ["calibration", str(fit_json)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"On {doc['validation']['boots']} held-out boots")
    res = CliRunner().invoke(app, ["calibration", str(fit_json), "-f", "csv", "-c", "hop"])
    assert res.stdout.splitlines()[0] == "hop"


def test_calibration_refuses_what_is_not_a_fit(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"kind": "sweep"}')
    res = CliRunner().invoke(app, ["calibration", str(other)])
    assert res.exit_code == 2 and "kind: calibrate" in res.output
