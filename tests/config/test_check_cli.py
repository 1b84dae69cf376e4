"""``stacktwin check`` on the command line: table, JSON, exit status, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from stacktwin.cli import app

Conf = Callable[[str, str], str]
runner = CliRunner()


def _files(fixtures: Path, which: str) -> list[str]:
    """The fixture's two files, on a database that takes every connection (the DB rule has its
    own tests)."""
    files = [str(fixtures / which / "nova.conf"), str(fixtures / which / "neutron.conf")]
    return [*files, "--db-max-connections", "1000000"]


def test_before_exits_1_and_prints_figures_and_findings(fixtures: Path) -> None:
    result = runner.invoke(
        app,
        ["check", *_files(fixtures, "production-before"), "--hosts", "1000", "--release", "2026.2"],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "heal refreshes │ 16.7 │ refresh/s" in out
    assert "16.7 refreshes/s = 133 Neutron GET/s" in out
    assert "neutron [DEFAULT] rpc_workers" in out
    assert "2 critical, 1 warning, 1 info" in out  # info: nova's Neutron calls, no timeout


def test_after_exits_0(fixtures: Path) -> None:
    result = runner.invoke(
        app,
        ["check", *_files(fixtures, "production-after"), "--hosts", "1000", "--release", "2026.2"],
    )
    assert result.exit_code == 0, result.output
    assert "0 critical, 0 warning, 1 info" in " ".join(result.output.split())


def test_json_to_stdout_is_the_report(fixtures: Path) -> None:
    result = runner.invoke(
        app,
        ["check", *_files(fixtures, "production-before"), "--json", "-", "--release", "yoga"],
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["critical"] is True
    assert data["release"] == "2022.1 Yoga"
    assert data["scale"]["hosts"] == 1000
    options = [f["option"] for f in data["findings"]]
    assert options == [
        "nova [DEFAULT] heal_instance_info_cache_interval",
        "neutron [DEFAULT] rpc_workers",
        "neutron [database] max_pool_size",
        "nova [neutron] timeout",
    ]
    assert data["not_audited"] == []
    heal = next(f for f in data["figures"] if f["name"] == "Neutron API calls from heal")
    assert round(heal["value"], 1) == 133.3


def test_json_to_file_and_table(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(
        app,
        ["check", *_files(fixtures, "production-after"), "--json", str(out), "--release", "2026.2"],
    )
    assert result.exit_code == 0
    assert "Load this configuration implies" in result.output
    findings = json.loads(out.read_text())["findings"]
    assert [(f["severity"], f["option"]) for f in findings] == [("info", "nova [neutron] timeout")]


def test_bad_input_no_traceback_rest_audited(conf: Conf) -> None:
    junk = conf("junk.conf", "just words\n")
    nova = conf("nova.conf", "[DEFAULT]\nheal_instance_info_cache_interval = sixty\ndebug = 1\n")
    result = runner.invoke(app, ["check", junk, nova, "--release", "ussuri", "--json", "-"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    data = json.loads(result.output)
    assert data["not_audited"] == [f"nova {nova}:3 [DEFAULT] debug"]
    findings = data["findings"]
    evidence = [(f["severity"], f["evidence"][0]) for f in findings]
    assert ("critical", f"{junk}:1") in evidence
    assert ("critical", f"{nova}:2") in evidence
    # the wrong value is not applied: the Ussuri default (60 s) is audited instead
    heal = next(f for f in findings if f["option"].endswith("heal_instance_info_cache_interval"))
    assert heal["evidence"] == ["default in force for Ussuri"]


def test_unknown_release_is_a_usage_error(fixtures: Path) -> None:
    result = runner.invoke(app, ["check", *_files(fixtures, "production-after"), "--release", "x"])
    assert result.exit_code == 2
    assert "unknown release" in result.output


def test_unwritable_json_file_is_a_clear_error(fixtures: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.json"
    result = runner.invoke(
        app, ["check", *_files(fixtures, "production-after"), "--json", str(target)]
    )
    assert result.exit_code == 2
    assert f"cannot write {target}" in result.output
