"""Calibration: the workload of a trace, the fit of the costs, validation, and the CLI."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stacktwin.boots import Boot, Milestone
from stacktwin.calibrate import CalibrationError, extract_workload, split
from stacktwin.calibrate.fit import MATCHED, _records
from stacktwin.cli import app
from stacktwin.twin import load_scenario, parse_scenario
from stacktwin.twin.costs import Costs
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
        ["calibrate", str(logs), "--holdout", "0.3", "-o", str(out), "--json", str(fit)],
    )
    assert res.exit_code == 0, res.output
    assert "held-out" in res.output
    text = out.read_text()
    assert "# model.costs.compute_resume" in text
    # nova-api's access lines split the nova_api hop: both of its costs fitted, each to its part
    assert "notifier_client_setup = " in text and "hop event_post" in text
    assert "hop api_events" in text and "fell back to the default" not in text
    sc = parse_scenario(yaml.safe_load(text), str(out))
    assert sc.workload.arrivals is not None
    doc = yaml.safe_load(fit.read_text())  # JSON is YAML
    assert doc["kind"] == "calibrate"
    assert doc["validation"]["hops"]["vif_wait"]["traced"]["count"] >= 1
    assert {"p50", "p90", "p99"} <= set(doc["fit"]["hops"]["agent"]["simulated"])
    assert doc["workload"]["boots_replayed"] == 6 and doc["workload"]["deletes"] >= 1
    # no --release, no --config, no start line: the base's release, and why, stated
    assert "(the base scenario's): not given (--release)" in doc["workload"]["release"]
    res = runner.invoke(app, ["validate", str(out), str(logs), "--replications", "1"])
    assert res.exit_code == 0, res.output
    assert "vif_wait" in res.output
    res = runner.invoke(app, ["report", str(fit), "-o", str(tmp_path / "fit.html")])
    assert res.exit_code == 0, res.output
    # the report leads with the held-out headline (HTML-escaped, as all text in it)
    assert html.escape(doc["validation"]["headline"]) in (tmp_path / "fit.html").read_text()


def test_the_nova_api_hop_split_only_where_the_trace_has_nova_apis_access_lines() -> None:
    defaults = Costs()
    whole = {"nova_api": [0.9, 1.0, 1.1], "event_post": [], "api_events": []}
    records, active = _records(defaults, whole)
    by_cost = {r["cost"]: r for r in records}
    setup = by_cost["notifier_client_setup"]
    assert setup["status"] == "default" and "nova-api's access line" in setup["reason"]
    assert by_cost["nova_api_external_events"]["hop"] == "nova_api"
    assert "notifier_client_setup" not in {p.cost for p in active}
    split_hop = {**whole, "event_post": [0.9, 1.0, 0.8], "api_events": [0.5, 0.6, 0.55]}
    records, active = _records(defaults, split_hop)
    hops = {p.cost: p.hop for p in active}
    assert hops["notifier_client_setup"] == "event_post"
    assert hops["nova_api_external_events"] == "api_events"
    assert {"event_post", "api_events", "nova_api"} <= set(MATCHED)


def test_calibrate_says_why_it_cannot(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["calibrate", str(tmp_path), "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output


_API = (
    "2018-06-26 06:{m}:11.682 16794 INFO nova.osapi_compute.wsgi.server [req-c7735c7d-7d18-46e0-"
    '8f71-6825925b370e aa9 1a3 - default default] 10.0.20.24 "DELETE /v2.1/1a35e3b0e18c4eff8ec68'
    'ce1f34b28b0/{what}/{uuid} HTTP/1.1" status: {status} len: 407 time: 0.5869639\n'
)
_START = (
    "2018-06-26 06:{m}:00.933 29022 INFO nova.service [-] Starting compute node (version 17.0.5)\n"
)


def test_deletions_restarts_and_hosts_come_from_the_logs(tmp_path: Path) -> None:
    uuid = "e9f7c3e3-9d2e-4a0f-9cd3-8642190c4364"
    (tmp_path / "nova-api.log").write_text(
        _API.format(m="10", what="servers", uuid=uuid, status=204)  # before the first boot
        + _API.format(m="30", what="servers", uuid=uuid, status=204)
        + _API.format(m="31", what="servers", uuid=uuid, status=404)  # refused: no deletion
        + _API.format(m="32", what="os-keypairs", uuid=uuid, status=202)  # not a server
    )
    logs = tmp_path / "cmp-2" / "var" / "log" / "nova"
    logs.mkdir(parents=True)
    (logs / "nova-compute.log").write_text(_START.format(m="05") + _START.format(m="40"))
    from stacktwin.calibrate.events import traced_events

    events = traced_events([tmp_path])
    assert [u for _, u in events.deletes] == [uuid, uuid]
    assert events.release() == ("nova17", "nova-compute start lines: version 17.0.5")
    t0 = events.deletes[0][0] + 600.0  # the first boot: 06:20:11.682
    boots = [_boot(1, t0), _boot(2, t0 + 60.0)]
    work = extract_workload(boots, events)
    assert events.hosts == {"cmp-2"}
    host = "cmp-2"
    assert work.hosts == sorted({"cmp-1", host})  # the compute log's host, with no boot on it
    assert work.deletes == [events.deletes[1][0]]
    assert work.restarts == [(events.restarts[1][0], work.hosts.index(host))]
    assert any("1 before the first boot request not replayed" in n for n in work.notes)
    assert any("2 of 2 replayed boots requested on their traced hosts" in n for n in work.notes)
    sc = work.scenario(load_scenario("all-in-one"), "replay")
    assert sc.workload.arrivals is not None
    assert sc.workload.arrivals.hosts == [work.hosts.index("cmp-1")] * 2
    assert sc.workload.arrivals.deletes == [600.0]
    assert [r.host for r in sc.workload.arrivals.restarts] == [work.hosts.index(host)]
    assert sc.cloud.hosts == 2


def test_release_given_then_config_then_log_start_lines() -> None:
    from stacktwin.cli.calibrate import _release

    hint = ("nova17", "nova-compute start lines: version 17.0.5")
    assert _release(hint, "2023.1", None) == ("2023.1", "given (--release)")
    assert _release(hint, None, None) == ("nova17", f"from the logs: {hint[1]}")
    name, why = _release((None, "no start line"), None, None)
    assert name is None and why.endswith("no start line")


def test_json_output_follows_the_cli_conventions(tmp_path: Path) -> None:
    """``--json`` as on the other commands: the path is checked before any run, and ``-``
    leaves stdout to the JSON alone (the summary goes to stderr)."""
    import json

    logs = SHARED_LOGS / "dessertlab-queens-aio" / "Nova" / "Test_2" / "logs" / "round_2"
    if not logs.is_dir():
        pytest.skip(f"real data not present at {logs}")
    runner = CliRunner()
    out = tmp_path / "x.yaml"
    bad = str(tmp_path / "no" / "fit.json")
    res = runner.invoke(app, ["calibrate", str(logs), "-o", str(out), "--json", bad])
    assert res.exit_code == 2 and "no folder" in res.stderr and not out.exists()
    res = runner.invoke(app, ["validate", "all-in-one", str(logs), "--json", "-"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["kind"] == "validate" and "all-in-one on 1 traced boots" in res.stderr
