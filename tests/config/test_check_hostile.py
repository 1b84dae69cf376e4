"""``check`` on hostile and extreme input: clear errors, never a traceback, a hang or a wrong
figure (issue 13); and oslo.config's ``$option`` substitution."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.config import load_config
from stacktwin.config.ini import MAX_CONFIG_BYTES, read_ini

Conf = Callable[[str, str], str]
runner = CliRunner()


def _check(*args: str) -> tuple[int, dict[str, object] | None, str]:
    result = runner.invoke(app, ["check", *args, "--json", "-"])
    data = json.loads(result.stdout) if result.exit_code in (0, 1) else None
    return result.exit_code, data, result.stderr


def _figure(data: dict[str, object], name: str) -> object:
    figures = data["figures"]
    assert isinstance(figures, list)
    return next(f["value"] for f in figures if f["name"] == name)


def test_dollar_option_is_substituted_before_conversion(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[DEFAULT]\napi_workers = 8\nrpc_workers = $api_workers\n"
        "rpc_state_report_workers = ${DEFAULT.rpc_workers}\n",
    )
    loaded = load_config([path])
    assert loaded.setting("neutron", "DEFAULT", "rpc_workers").value == 8  # type: ignore[union-attr]
    reports = loaded.setting("neutron", "DEFAULT", "rpc_state_report_workers")
    assert reports is not None and reports.value == 8
    assert not [p for p in loaded.problems if p.severity == "critical"]


def test_dollar_reference_in_own_section_first_then_default(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[DEFAULT]\nsize = 3\n[database]\nsize = 9\nmax_pool_size = $size\nmax_overflow = $$5\n",
    )
    loaded = load_config([path])
    pool = loaded.setting("neutron", "database", "max_pool_size")
    assert pool is not None and pool.value == 9
    # $$ is a literal dollar: '$5' is not an integer, neutron would refuse to start
    assert any("'$$5'" in p.message and p.severity == "critical" for p in loaded.problems)


def test_unresolved_or_circular_reference_is_reported_with_its_line(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nrpc_workers = $nowhere\napi_workers = $api_workers\n")
    loaded = load_config([path])
    by_line = {p.location.line: p for p in loaded.problems}
    assert by_line[2].severity == "warning" and "$nowhere is not set" in by_line[2].message
    assert by_line[3].severity == "critical" and "circular" in by_line[3].message
    assert loaded.setting("neutron", "DEFAULT", "rpc_workers") is None  # audited as default


def test_report_interval_zero_disables_heartbeats_critical(conf: Conf) -> None:
    for value in ("0", "-5"):
        path = conf("neutron.conf", f"[agent]\nreport_interval = {value}\n")
        code, data, _ = _check(path)
        assert code == 1 and data is not None
        findings = data["findings"]
        assert isinstance(findings, list)
        crit = [f for f in findings if f["option"] == "neutron [agent] report_interval"]
        assert crit and crit[0]["severity"] == "critical"
        assert _figure(data, "agent state reports") == 0  # never a negative load


def test_non_finite_values_are_refused_at_the_door(conf: Conf) -> None:
    code, _, err = _check(
        conf("neutron.conf", "[agent]\nreport_interval = 30\n"), "--boots-per-minute", "inf"
    )
    assert code == 2 and "finite number" in err
    loaded = load_config([conf("neutron.conf", "[agent]\nreport_interval = nan\n")])
    assert loaded.setting("neutron", "agent", "report_interval") is None
    assert any("not a finite number" in p.message for p in loaded.problems)


@pytest.mark.parametrize("name", ["", " ", "nova", "2019.1"])
def test_release_that_is_not_one_is_refused(name: str, conf: Conf) -> None:
    code, _, err = _check(conf("nova.conf", "[DEFAULT]\n"), "--release", name)
    assert code == 2 and "unknown release" in err
    assert "2019.1" not in err.split("by date:")[-1]  # never advertises what it refuses


def test_devices_fifos_and_huge_files_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "neutron.conf"
    os.mkfifo(fifo)
    code, _, err = _check(f"neutron:{fifo}")  # would block forever if opened
    assert code == 2 and "not a regular file" in err
    code, _, err = _check("neutron:/dev/zero")  # would never end
    assert code == 2 and "not a regular file" in err
    huge = tmp_path / "huge.conf"
    with huge.open("wb") as fh:
        fh.truncate(MAX_CONFIG_BYTES + 1)  # sparse: no disk used
    ini = read_ini(huge)
    assert ini.unreadable and "larger than 16 MiB" in ini.problems[0].message


def test_markup_in_names_and_values_is_printed_as_text(tmp_path: Path) -> None:
    (tmp_path / "[red]cfg[").mkdir()
    path = tmp_path / "[red]cfg[" / "]"  # the path ends in '[red]cfg[/]': closing markup
    path.write_text("[DEFAULT]\nheal_instance_info_cache_interval = [/]\n")
    result = runner.invoke(app, ["check", f"nova:{path}"])
    assert result.exit_code == 1, result.output
    assert "[red]cfg[/]" in result.stdout.replace("\n", "")
    assert "'[/]'" in result.stdout
