"""What an operator types: -h, real metavars, did-you-mean, --fail-on for CI gates (issue 14)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stacktwin.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["simulate", "sweep", "recommend", "check", "compare", "report"]
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
