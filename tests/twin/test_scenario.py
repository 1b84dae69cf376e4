"""Scenario files: validation messages name the path and the allowed values."""

from pathlib import Path

import pytest

from stacktwin.twin import ScenarioError, builtin_names, load_scenario, parse_scenario
from stacktwin.twin.model import Twin
from stacktwin.twin.settings import (
    heal_interval_default,
    neutron_calls_of,
    neutron_rpc_workers_default,
    release_index,
)


def test_builtins_load() -> None:
    assert {"all-in-one", "large-site-before", "large-site-after"} <= set(builtin_names())
    for name in builtin_names():
        assert load_scenario(name).name == name


def test_unknown_field_names_path_and_allowed() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(
            {"name": "x", "nova": {"DEFAULT": {"heal_instance_info_cache_intervall": 60}}}, "f.yaml"
        )
    msg = str(exc.value)
    assert "f.yaml: nova.DEFAULT.heal_instance_info_cache_intervall: unknown field" in msg
    assert "heal_instance_info_cache_interval" in msg.split("allowed:")[1]


def test_wrong_type_and_value() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"name": "x", "cloud": {"hosts": "many"}})
    assert "cloud.hosts" in str(exc.value)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"name": "x", "neutron": {"database": {"max_pool_size": -3}}})
    assert "neutron.database.max_pool_size" in str(exc.value)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"name": "x", "neutron": {"securitygroup": {"firewall_driver": "nft"}}})
    msg = str(exc.value)
    assert "neutron.securitygroup.firewall_driver" in msg and "'iptables_hybrid'" in msg
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(
            {
                "name": "x",
                "workload": {"boot_storms": [{"start": 1, "duration": 0, "rate_per_minute": 5}]},
            }
        )
    assert "workload.boot_storms.0.duration" in str(exc.value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("cloud.remote_sg_share", 1.5), ("cloud.remote_sg_share", float("nan")),
        ("cloud.networks", 0), ("cloud.db_cores", 0), ("cloud.db_max_connections", "many"),
        ("cloud.db_tls", "yes"), ("cloud.db_deadlock_probability", 2.0),
        ("cloud.keystone_processes", 0), ("cloud.keystone_token_expiration", float("inf")),
        ("cloud.rabbit_cores", 0), ("nova.scheduler.max_attempts", 0),
        ("nova.database.max_overflow", -2), ("neutron.keystone_authtoken.token_cache_time", "x"),
        ("neutron.database.connection_recycle_time", "soon"),
    ],
)  # fmt: skip
def test_the_new_site_facts_and_options_refuse_bad_values(path: str, value: object) -> None:
    """Each field issue 10 added names its path when given a wrong type or value."""
    from tests.twin.test_runs import override

    with pytest.raises(ScenarioError) as exc:
        parse_scenario(override({"name": "x"}, {path: value}))
    assert path in str(exc.value)


def test_unknown_release_lists_allowed() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"name": "x", "release": "zebra"})
    assert "release" in str(exc.value) and "2025.1" in str(exc.value)


def test_bad_files(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: x\ncloud: {hosts: 3\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_scenario(str(bad_yaml))
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n")
    with pytest.raises(ScenarioError, match="empty file"):
        load_scenario(str(empty))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x00\xff\xfe\x80garbage")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(str(binary))
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ScenarioError, match="a scenario is a mapping"):
        load_scenario(str(listy))
    with pytest.raises(ScenarioError, match="no such file or built-in scenario"):
        load_scenario(str(tmp_path / "missing.yaml"))


def test_release_defaults() -> None:
    assert heal_interval_default("2024.2") == 60
    assert heal_interval_default("epoxy") == -1
    assert neutron_calls_of("queens").heal_refresh() == 5
    assert neutron_calls_of("rocky").heal_refresh() == 7
    assert neutron_calls_of("stein").heal_refresh() == 8
    assert neutron_rpc_workers_default("rocky", 32, 128) == 1
    assert neutron_rpc_workers_default("2023.1", 32, 128) == 16
    assert neutron_rpc_workers_default("2023.1", 32, 16) == 4  # RAM-bound: 16 GiB / 2 / 2
    assert release_index("Caracal") == release_index("2024.1")


def test_twin_resolves_release_defaults() -> None:
    sc = parse_scenario({"name": "x", "release": "2025.1", "cloud": {"hosts": 2, "instances": 2}})
    cloud = Twin(sc).cloud
    assert cloud.heal_interval == -1
    assert cloud.neutron.rpc_workers == 16
    old = parse_scenario({"name": "y", "release": "rocky", "cloud": {"hosts": 2, "instances": 2}})
    assert Twin(old).cloud.heal_interval == 60 and Twin(old).cloud.neutron.rpc_workers == 1


def test_every_parameter_is_documented_with_a_source() -> None:
    from pathlib import Path

    from stacktwin.twin.costs import Costs
    from stacktwin.twin.settings import NeutronSettings, NovaSettings

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    for name, field in Costs.model_fields.items():
        assert f"| `{name}` | {field.default} | {field.description} |" in doc, name
    for settings in (NovaSettings, NeutronSettings):
        for section, sfield in settings.model_fields.items():
            for option in sfield.annotation.model_fields:  # type: ignore[union-attr]
                assert f"[{section}] {option}`" in doc, option
