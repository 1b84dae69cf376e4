"""The public API: ``import stacktwin`` gives the commands as typed functions."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import stacktwin
from stacktwin import api
from stacktwin.cli import app
from stacktwin.optional import MissingDependency
from stacktwin.output import write_json
from stacktwin.render import export

ROOT = Path(__file__).resolve().parents[1]


def test_import_gives_the_commands_lazily() -> None:
    code = (
        "import sys, stacktwin; assert 'stacktwin.api' not in sys.modules; "
        "stacktwin.simulate; stacktwin.trace; stacktwin.check; stacktwin.compare; "
        "stacktwin.render; assert 'stacktwin.api' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        getattr(stacktwin, "simulat")  # noqa: B009


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no Python example"
    return "\n".join(blocks)


def test_readme_example_runs_as_a_doctest() -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_readme_example(), {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 10


def test_api_module_doctest() -> None:
    result = doctest.testmod(api, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 4


def test_simulate_overrides_and_the_run_it_returns() -> None:
    run = stacktwin.simulate("all-in-one", seed=5, duration=300, hosts=1)
    assert run.seeds == [5] and run.kind == "simulate"
    assert run.settings is not None and run.settings["duration"] == 300
    assert run.result is not None and run.result.scenario.seed == 5
    assert run.load is not None and run.load["neutron.api.boot"] > 0
    table = run.to_arrow()
    assert table.num_rows == len(run.boots)
    assert table.column("instance").to_pylist() == [b.instance for b in run.boots]


def test_check_takes_its_scale_from_a_scenario_like_the_cli(tmp_path: Path) -> None:
    conf = tmp_path / "neutron.conf"
    conf.write_text("[DEFAULT]\nrpc_workers = 1\n")
    audit = stacktwin.check([str(conf)], scenario="large-site-before")
    assert audit.scale.hosts == 1000 and audit.scale.boots_per_minute == 602
    cli = CliRunner().invoke(
        app, ["check", str(conf), "--scenario", "large-site-before", "--json", "-"]
    )
    data = json.loads(cli.stdout)
    assert data["kind"] == "check"
    assert [f["option"] for f in data["findings"]] == [f.option for f in audit.findings]


def test_check_refuses_an_unknown_release() -> None:
    with pytest.raises(ValueError, match="unknown release"):
        stacktwin.check([], release="nova")


def test_trace_returns_a_run_of_the_same_schema(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    log.write_text("not an oslo line\n")
    traced = stacktwin.trace(log)
    assert traced.kind == "trace" and traced.boots == []
    assert traced.summary["input"]["files_read"] == 1
    assert traced.to_arrow().num_rows == 0
    with pytest.raises(api.InputError, match="expected GLOB=VALUE"):
        stacktwin.trace(log, hosts=["no-equals-sign"])


def test_json_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_json(target, {"a": 1})
    with pytest.raises(ValueError):
        write_json(target, {"a": float("nan")})  # JSON has no NaN: refused, file untouched
    assert json.loads(target.read_text()) == {"a": 1}
    with pytest.raises(OSError):
        write_json(tmp_path / "missing" / "out.json", {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary left


def test_parquet_without_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingDependency, match=r"stacktwin\[parquet\]"):
        export.boots_table([])


def test_empty_json_path_is_an_error_not_a_silent_success() -> None:
    result = CliRunner().invoke(app, ["simulate", "all-in-one", "--duration", "60", "--json", ""])
    assert result.exit_code == 2 and "needs a file name" in result.stderr


def test_simulate_set_changes_one_setting_by_its_cli_path() -> None:
    run = stacktwin.simulate(
        "all-in-one", duration=300, set={"neutron.DEFAULT.rpc_workers": 3, "release": "2023.1"}
    )
    assert run.settings is not None
    assert run.settings["neutron"]["DEFAULT"]["rpc_workers"] == 3
    assert run.settings["release"] == "2023.1"
    with pytest.raises(api.ScenarioError, match="unknown field 'rpc_wrkers'"):
        stacktwin.simulate("all-in-one", set={"neutron.DEFAULT.rpc_wrkers": 3})


def test_cli_set_keeps_a_release_name_a_name() -> None:
    from stacktwin.twin.overrides import parse_assignment

    assert parse_assignment("release=2023.1") == ("release", "2023.1")
    assert parse_assignment("cloud.hosts=30") == ("cloud.hosts", 30)
