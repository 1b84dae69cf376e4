"""``stacktwin check --scenario``: the scale comes from a twin scenario."""

import json
from pathlib import Path

from typer.testing import CliRunner

from stacktwin.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_scale_from_builtin_scenario_and_override() -> None:
    before = [str(p) for p in sorted((FIXTURES / "production-before").glob("*.conf"))]
    res = runner.invoke(app, ["check", *before, "--scenario", "large-site-before", "--json", "-"])
    assert res.exit_code == 1  # critical findings
    scale = json.loads(res.stdout)["scale"]
    assert scale["hosts"] == 1000 and scale["instances"] == 20000
    assert scale["boots_per_minute"] == 602  # steady 2/min + the 600/min storm
    assert scale["neutron_server_cores"] == 32
    res = runner.invoke(
        app, ["check", *before, "--scenario", "large-site-before", "--hosts", "50", "--json", "-"]
    )
    assert json.loads(res.stdout)["scale"]["hosts"] == 50


def test_unknown_scenario_is_a_clear_error() -> None:
    conf = str(FIXTURES / "production-after" / "nova.conf")
    res = runner.invoke(app, ["check", conf, "--scenario", "nope"])
    assert res.exit_code == 2 and "built-in" in res.output
