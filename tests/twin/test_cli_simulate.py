"""``stacktwin simulate`` end to end through the CLI."""

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from stacktwin.cli import app
from tests.scenarios import TINY

runner = CliRunner()


def test_simulate_builtin_prints_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    res = runner.invoke(app, ["simulate", "all-in-one", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "Boots" in res.output and "vif_wait" in res.output
    data = json.loads(out.read_text())
    assert data["kind"] == "simulate" and data["scenario"] == "all-in-one"
    assert data["summary"]["boots"] == len(data["boots"]) > 0
    assert set(data["timeseries"]) >= {"t", "neutron_rpc_queue", "boots_waiting_vif"}
    # same seed -> same summary; --seed changes it
    again = runner.invoke(app, ["simulate", "all-in-one", "--json", "-"])
    assert json.loads(again.stdout)["summary"] == data["summary"]
    other = runner.invoke(app, ["simulate", "all-in-one", "--seed", "5", "--json", "-"])
    assert json.loads(other.stdout)["summary"] != data["summary"]


def test_simulate_bad_scenario_names_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"name": "x", "neutron": {"database": {"max_pool_sise": 1}}}))
    res = runner.invoke(app, ["simulate", str(bad)])
    assert res.exit_code == 2
    assert "neutron.database.max_pool_sise: unknown field" in res.output
    assert "max_pool_size" in res.output
    res = runner.invoke(app, ["simulate", "no-such-scenario"])
    assert res.exit_code == 2 and "built-in" in res.output


def test_simulate_ablate_table_and_json(tmp_path: Path) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(yaml.safe_dump(TINY))
    out = tmp_path / "abl.json"
    res = runner.invoke(app, ["simulate", str(sc), "--ablate", "--jobs", "1", "--json", str(out)])
    assert res.exit_code == 0, res.output
    rows = json.loads(out.read_text())["rows"]
    assert [r["variant"] for r in rows] == [
        "base", "heal_600", "rpc_workers_20", "max_pool_size_60", "deferred_flow_deletion", "all",
    ]  # fmt: skip
    by = {r["variant"]: r for r in rows}
    assert by["base"]["timeouts"] > 0  # the blocking deletion starves boots on those hosts
    assert by["deferred_flow_deletion"]["timeouts"] == 0 and by["all"]["timeouts"] == 0
    assert by["max_pool_size_60"]["db_connections_opened"] < by["base"]["db_connections_opened"]
    assert by["heal_600"]["neutron_api_utilisation"] < by["base"]["neutron_api_utilisation"]
    assert "Ablation of tiny" in res.output
    # each change on the figures of the resources it acts through, paired against base
    assert "Through which resource each change acts" in res.output
    assert by["deferred_flow_deletion"]["acts_through"][0] == "agent_longest_iteration"
    deferred = by["deferred_flow_deletion"]["vs_base"]["agent_longest_iteration"]
    assert deferred["mean"] < -400  # the 500 s blocking stall is gone
    assert by["max_pool_size_60"]["vs_base"]["database.connects_per_s"]["mean"] <= 0
    assert "keystone.validations_per_s" in by["heal_600"]["acts_through"]


def test_simulate_overrides(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["simulate", "all-in-one", "--duration", "120", "--hosts", "2", "--json", "-"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["settings"]["cloud"]["hosts"] == 2 and data["settings"]["duration"] == 120


def test_simulate_with_real_config_files(tmp_path: Path) -> None:
    nova = tmp_path / "nova.conf"
    nova.write_text(
        "[DEFAULT]\nheal_instance_info_cache_interval = 120\nvif_plugging_timeout = 200\n"
    )
    neutron = tmp_path / "neutron.conf"
    neutron.write_text(
        "[DEFAULT]\nrpc_workers = 3\n[database]\nmax_pool_size = 7\n"
        "[agent]\nroot_helper_daemon = sudo neutron-rootwrap-daemon /etc/neutron/rootwrap.conf\n"
    )
    res = runner.invoke(
        app,
        ["simulate", "all-in-one", "--config", str(nova), "--config", str(neutron),
         "--duration", "120", "--json", "-"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    s = data["settings"]
    assert s["nova"]["DEFAULT"]["heal_instance_info_cache_interval"] == 120
    assert s["nova"]["DEFAULT"]["vif_plugging_timeout"] == 200
    assert s["neutron"]["DEFAULT"]["rpc_workers"] == 3
    assert s["neutron"]["database"]["max_pool_size"] == 7
    assert s["neutron"]["agent"]["root_helper_daemon"].startswith("sudo")
    assert data["components"]["neutron_workers"]["rpc_workers"] == 3
    assert data["components"]["compute"]["heal_interval"] == 120


def test_simulate_with_unusable_config(tmp_path: Path) -> None:
    junk = tmp_path / "nova.conf"
    junk.write_bytes(b"\x00\x01binary\xff")
    res = runner.invoke(app, ["simulate", "all-in-one", "--config", str(junk)])
    assert res.exit_code == 2
    assert "nova.conf" in res.output


def test_help_lists_every_builtin() -> None:
    from stacktwin.twin import builtin_names

    res = runner.invoke(app, ["simulate", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for name in builtin_names():
        assert name in res.output
