"""``twin_settings``: the values in force, nested as the twin's scenario writes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotated_types import Ge
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from stacktwin.api import configure
from stacktwin.cli import app
from stacktwin.config import load_config, twin_settings
from stacktwin.config.catalogue import Derived, Option
from stacktwin.config.releases import CURRENT, RELEASES, release
from stacktwin.config.twin import twin_options
from stacktwin.twin import load_scenario, parse_scenario
from stacktwin.twin.settings import (
    NeutronSettings,
    NovaSettings,
    heal_interval_default,
    rpc_max_timeout,
)

Conf = Callable[[str, str], str]


def _scenario_fields() -> dict[str, dict[str, dict[str, FieldInfo]]]:
    """The twin's settings fields: project -> section -> option -> pydantic field."""
    out: dict[str, dict[str, dict[str, FieldInfo]]] = {}
    for project, model in (("nova", NovaSettings), ("neutron", NeutronSettings)):
        for section, field in model.model_fields.items():
            section_model = field.annotation
            assert isinstance(section_model, type) and issubclass(section_model, BaseModel)
            out.setdefault(project, {})[section] = dict(section_model.model_fields)
    return out


def test_twin_options_are_exactly_the_scenario_keys() -> None:
    got: dict[str, dict[str, set[str]]] = {}
    for opt in twin_options():
        got.setdefault(opt.project, {}).setdefault(opt.section, set()).add(opt.name)
    fields = {
        p: {s: set(opts) for s, opts in secs.items()} for p, secs in _scenario_fields().items()
    }
    assert got == fields
    assert "rpc_response_timeout" not in fields["nova"]["DEFAULT"]  # nova's path is casts only


def _bound(field: FieldInfo, kind: type) -> float | None:
    for meta in field.metadata:
        if isinstance(meta, kind):
            return float(getattr(meta, kind.__name__.lower()))
    return None


def test_scenario_defaults_and_bounds_are_the_catalogues() -> None:
    """One source: every twin default is the catalogue's (or None, resolved per release), the
    same on every release, and the twin accepts no value oslo.config would refuse."""
    fields = _scenario_fields()
    for opt in twin_options():
        field = fields[opt.project][opt.section][opt.name]
        per_release = {repr(opt.effective_default(rel)) for rel in RELEASES}
        current = opt.effective_default(CURRENT)
        if field.default is None and (len(per_release) > 1 or isinstance(current, Derived)):
            continue  # resolved from the scenario's release and machines
        assert len(per_release) == 1, f"{opt.name}: default differs by release, declare None"
        assert field.default == current, opt.name
        if opt.minimum is not None:
            low = _bound(field, Ge)
            assert low is not None and low >= opt.minimum, opt.name
        assert field.description == opt.help, opt.name


def test_every_release_dependent_default_resolves_per_release() -> None:
    queens = parse_scenario({"name": "q", "release": "queens"})
    current = parse_scenario({"name": "c"})
    assert heal_interval_default(queens.release) == 60
    assert heal_interval_default(current.release) == -1
    assert rpc_max_timeout("queens", queens.neutron.DEFAULT) == 600.0
    slow = parse_scenario(
        {"name": "q", "release": "queens", "neutron": {"DEFAULT": {"rpc_response_timeout": 90}}}
    )
    assert rpc_max_timeout("queens", slow.neutron.DEFAULT) == 900.0  # 10 x before Stein
    stein = parse_scenario({**slow.model_dump(exclude_unset=True), "release": "stein"})
    assert rpc_max_timeout("stein", stein.neutron.DEFAULT) == 600.0  # the option from Stein


def _value(opt: Option) -> str:
    """A legal value different from the default, as it would be written in the file."""
    if opt.type == "bool":
        return "False" if opt.effective_default(CURRENT) is True else "True"
    if opt.type == "str":
        return {
            "firewall_driver": "openvswitch",
            "root_helper_daemon": "sudo rootwrapd",
            "memcached_servers": "10.0.0.1:11211",
        }[opt.name]
    if opt.type == "float":
        return "17.5"
    return "17"


_FILES = {"nova": "nova.conf", "neutron": "neutron.conf"}


def test_every_twin_option_reaches_the_scenario_through_simulate_config(conf: Conf) -> None:
    """Each catalogued twin option, written in a real file, lands in the scenario that
    ``simulate --config`` runs, with its oslo.config type."""
    for opt in twin_options():
        path = conf(_FILES[opt.project], f"[{opt.section}]\n{opt.name} = {_value(opt)}\n")
        configured = configure(load_scenario("all-in-one"), [f"{opt.project}:{path}"])
        section = getattr(getattr(configured.scenario, opt.project), opt.section)
        expected = {"bool": _value(opt) == "True", "str": _value(opt)}.get(opt.type)
        if expected is None:
            expected = float(_value(opt)) if opt.type == "float" else int(_value(opt))
        assert getattr(section, opt.name) == expected, opt.name
        assert f"{opt.project} [{opt.section}] {opt.name}" not in configured.not_modelled


def test_simulate_config_lists_what_it_read_but_does_not_model(conf: Conf) -> None:
    path = conf(
        "nova.conf",
        "[DEFAULT]\ntransport_url = rabbit://x\nrpc_response_timeout = 30\n"
        "[database]\nmax_pool_size = 10\n",
    )
    configured = configure(load_scenario("all-in-one"), [path])
    assert configured.not_modelled == [
        "nova [DEFAULT] rpc_response_timeout",
        "nova [DEFAULT] transport_url",
    ]  # nova [database] max_pool_size is modelled: the conductors' pools
    result = CliRunner().invoke(
        app, ["simulate", "all-in-one", "--duration", "60", "--config", path, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    assert "read but not modelled by the twin (2): nova [DEFAULT] rpc_response_timeout" in (
        result.stderr
    )


def test_only_explicit_values_typed_and_nested(fixtures: Path, conf: Conf) -> None:
    extra = conf(
        "neutron-extra.conf",
        "[AGENT]\nreport_interval = 15\n[securitygroup]\nfirewall_driver = openvswitch\n"
        "[DEFAULT]\nnotify_nova_on_port_status_changes = True\ndebug = True\n",
    )
    before = fixtures / "production-before"
    loaded = load_config([str(before / "nova.conf"), str(before / "neutron.conf"), extra])
    assert twin_settings(loaded) == {
        "nova": {"DEFAULT": {"heal_instance_info_cache_interval": 60}},
        "neutron": {
            "DEFAULT": {"rpc_workers": 1, "notify_nova_on_port_status_changes": True},
            "database": {"max_pool_size": 1},
            "agent": {"report_interval": 15.0},
            "securitygroup": {"firewall_driver": "openvswitch"},
        },
    }


def test_nova_database_pool_is_the_conductors(conf: Conf) -> None:
    """nova's ``[database]`` pool is each conductor process's (twin/nova.py)."""
    path = conf("nova.conf", "[database]\nmax_pool_size = 10\n")
    assert twin_settings(load_config([path])) == {
        "nova": {"database": {"max_pool_size": 10}},
        "neutron": {},
    }


def test_with_defaults_fills_release_defaults_but_not_machine_derived(conf: Conf) -> None:
    path = conf("nova.conf", "[DEFAULT]\nvif_plugging_timeout = 600\n")
    ussuri = twin_settings(load_config([path]), with_defaults=True, release=release("ussuri"))
    assert ussuri["nova"]["DEFAULT"]["vif_plugging_timeout"] == 600
    assert ussuri["nova"]["DEFAULT"]["heal_instance_info_cache_interval"] == 60
    assert ussuri["neutron"]["database"] == {
        "max_pool_size": 5,
        "max_overflow": 50,
        "connection_recycle_time": 3600,
    }
    assert "rpc_workers" not in ussuri["neutron"]["DEFAULT"]
    assert "conductor" not in ussuri["nova"]
    rocky = twin_settings(load_config([path]), with_defaults=True, release=release("rocky"))
    assert rocky["neutron"]["DEFAULT"]["rpc_workers"] == 1
    current = twin_settings(load_config([path]), with_defaults=True)
    assert current["nova"]["DEFAULT"]["heal_instance_info_cache_interval"] == -1
    assert "osapi_compute_workers" not in current["nova"]["DEFAULT"]
