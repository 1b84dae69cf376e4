"""Numbers are never truncated or split, at any width (issue 14): tables fall back to stacked
rows when they cannot fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.render.fit import FitTable

runner = CliRunner()
FIGURES = ["2,040 ± 68", "288.48", "[13.4–14.4]", "114,013", "16.0%"]


def _render(width: int) -> str:
    table = FitTable(title="t")
    for name in ("variant", "errors", "vif p99", "interval", "DB conns", "API util"):
        table.add_column(name, justify="right")
    table.add_row("deferred_flow_deletion", *FIGURES)
    console = Console(width=width, color_system=None)
    with console.capture() as cap:
        console.print(table)
    return cap.get()


@pytest.mark.parametrize("width", [200, 80, 60, 30])
def test_every_figure_is_printed_whole_at_any_width(width: int) -> None:
    out = _render(width)
    assert all(f in out for f in FIGURES), out
    assert max(len(line) for line in out.splitlines()) <= width
    assert "…" not in out


def test_it_is_a_table_when_it_fits_and_stacked_when_not() -> None:
    assert "variant:" not in _render(200)
    assert "variant: deferred_flow_deletion" in _render(60)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*\.\d+|\d[\d,]{3,}", text))


TINY = {
    "name": "tiny", "release": "2023.1", "duration": 300, "drain": 400,
    "cloud": {"hosts": 3, "instances": 30, "neutron_servers": 1, "neutron_server_cores": 4,
              "nova_api_nodes": 1, "nova_api_cores": 2, "dhcp_agents": 1,
              "remote_sg_members": 2000},
    "workload": {"boot_rate_per_minute": 6,
                 "delete_storms": [{"start": 30, "duration": 20, "rate_per_minute": 6}]},
    "neutron": {"DEFAULT": {"rpc_workers": 1}, "securitygroup": {"firewall_driver": "openvswitch"}},
    "model": {"flow_deletion": "blocking"},
}  # fmt: skip


@pytest.mark.parametrize("args", [[], ["--ablate", "--jobs", "1"]])
def test_simulate_prints_every_number_in_full_at_80_and_60_columns(
    tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    wide = runner.invoke(app, ["simulate", str(path), *args], env={"COLUMNS": "250"})
    assert wide.exit_code == 0, wide.output
    for width in ("80", "60"):
        narrow = runner.invoke(app, ["simulate", str(path), *args], env={"COLUMNS": width})
        assert narrow.exit_code == 0
        assert _numbers(wide.stdout) <= _numbers(narrow.stdout), width
        assert "…" not in narrow.stdout


def test_check_prints_every_number_in_full_at_60_columns(tmp_path: Path) -> None:
    conf = tmp_path / "neutron.conf"
    conf.write_text("[DEFAULT]\nrpc_workers = 1\n[database]\nmax_pool_size = 1\n")
    args = ["check", str(conf), "--release", "2023.1", "--hosts", "12345"]
    wide = runner.invoke(app, args, env={"COLUMNS": "250"})
    narrow = runner.invoke(app, args, env={"COLUMNS": "60"})
    assert _numbers(wide.stdout) <= _numbers(narrow.stdout)
