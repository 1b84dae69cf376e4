"""Scenarios that would run away or mean something else are refused before running (issue 13):
the error names the field and the limit; nothing runs, nothing crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.twin import ScenarioError, parse_scenario
from stacktwin.twin.scenario import MAX_BOOTS, MAX_HOSTS, MAX_SAMPLES

runner = CliRunner()


def _tiny(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "tiny",
        "duration": 60,
        "drain": 60,
        "cloud": {"hosts": 1, "instances": 1, "neutron_servers": 1, "nova_api_nodes": 1},
        "workload": {"boot_rate_per_minute": 2},
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("over", "where", "why"),
    [
        ({"duration": float("inf")}, "duration", "finite number"),
        ({"duration": 1e308}, "duration", "less than or equal to 2592000"),
        ({"drain": float("inf")}, "drain", "finite number"),
        ({"sample_interval": 1e-9}, "sample_interval", "greater than or equal to 0.01"),
        ({"duration": 2_000_000, "sample_interval": 1}, "sample_interval", f"{MAX_SAMPLES:,}"),
        (
            {"workload": {"boot_storms": [{"start": 0, "duration": 60, "rate_per_minute": 1e12}]}},
            "workload.boot_storms.0.rate_per_minute",
            "less than or equal to 100000",
        ),
        (
            {
                "workload": {
                    "boot_storms": [{"start": 0, "duration": 60, "rate_per_minute": float("inf")}]
                }
            },
            "workload.boot_storms.0.rate_per_minute",
            "finite number",
        ),
        (
            {"duration": 2_000_000, "workload": {"boot_rate_per_minute": 60}},
            "workload",
            f"over the limit of {MAX_BOOTS:,}",
        ),
        ({"cloud": {"hosts": True}}, "cloud.hosts", "valid integer"),
        ({"cloud": {"hosts": "10"}}, "cloud.hosts", "valid integer"),
        ({"release": 2023.1}, "release", "valid string"),
    ],
)
def test_refused_with_the_field_and_the_limit(over: dict[str, Any], where: str, why: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_tiny(**over), "s.yaml")
    message = str(err.value)
    assert f"s.yaml: {where}" in message and why in message


def test_yaml_infinity_is_refused_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_tiny()).replace("duration: 60", "duration: .inf"))
    result = runner.invoke(app, ["simulate", str(path)])
    assert result.exit_code == 2 and "duration" in result.stderr and "finite" in result.stderr


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (
            ["--hosts", str(MAX_HOSTS + 1)],
            f"cloud.hosts: Input should be less than or equal to {MAX_HOSTS}",
        ),
        (["--duration", "inf"], "duration: Input should be a finite number"),
        (["--duration", "1e308"], "duration: Input should be less than or equal to"),
    ],
)
def test_command_line_overrides_are_usage_errors(args: list[str], why: str) -> None:
    result = runner.invoke(app, ["simulate", "all-in-one", *args])
    assert result.exit_code == 2, result.output
    assert why in result.stderr and "Traceback" not in result.output


def test_a_scenario_named_like_markup_runs_and_writes_its_json(tmp_path: Path) -> None:
    path, out = tmp_path / "s.yaml", tmp_path / "run.json"
    path.write_text(yaml.safe_dump(_tiny(name="[/]", release="[red]2023.1".removeprefix("[red]"))))
    result = runner.invoke(app, ["simulate", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["scenario"] == "[/]"
    assert "[/]" in result.stdout
