"""``twin_settings``: the values in force, nested as the twin's scenario writes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stacktwin.config import load_config, twin_settings
from stacktwin.config.releases import release
from stacktwin.config.twin import twin_options

Conf = Callable[[str, str], str]

TWIN_OPTIONS = {
    "nova": {
        "DEFAULT": {
            "heal_instance_info_cache_interval",
            "vif_plugging_timeout",
            "vif_plugging_is_fatal",
            "osapi_compute_workers",
            "max_concurrent_builds",
            "rpc_response_timeout",
            "executor_thread_pool_size",
        },
        "conductor": {"workers"},
    },
    "neutron": {
        "DEFAULT": {
            "api_workers",
            "rpc_workers",
            "rpc_state_report_workers",
            "send_events_interval",
            "notify_nova_on_port_status_changes",
            "rpc_response_timeout",
            "executor_thread_pool_size",
            "agent_down_time",
        },
        "database": {"max_pool_size", "max_overflow", "pool_timeout"},
        "agent": {"polling_interval", "report_interval", "root_helper_daemon"},
        "securitygroup": {"firewall_driver"},
    },
}


def test_twin_options_are_exactly_the_scenario_keys() -> None:
    got: dict[str, dict[str, set[str]]] = {}
    for opt in twin_options():
        got.setdefault(opt.project, {}).setdefault(opt.section, set()).add(opt.name)
    assert got == TWIN_OPTIONS


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


def test_nova_database_pool_is_not_a_twin_setting(conf: Conf) -> None:
    path = conf("nova.conf", "[database]\nmax_pool_size = 10\n")
    assert twin_settings(load_config([path])) == {"nova": {}, "neutron": {}}


def test_with_defaults_fills_release_defaults_but_not_machine_derived(conf: Conf) -> None:
    path = conf("nova.conf", "[DEFAULT]\nvif_plugging_timeout = 600\n")
    ussuri = twin_settings(load_config([path]), with_defaults=True, release=release("ussuri"))
    assert ussuri["nova"]["DEFAULT"]["vif_plugging_timeout"] == 600
    assert ussuri["nova"]["DEFAULT"]["heal_instance_info_cache_interval"] == 60
    assert ussuri["neutron"]["database"] == {"max_pool_size": 5, "max_overflow": 50}
    assert "rpc_workers" not in ussuri["neutron"]["DEFAULT"]
    assert "conductor" not in ussuri["nova"]
    rocky = twin_settings(load_config([path]), with_defaults=True, release=release("rocky"))
    assert rocky["neutron"]["DEFAULT"]["rpc_workers"] == 1
    current = twin_settings(load_config([path]), with_defaults=True)
    assert current["nova"]["DEFAULT"]["heal_instance_info_cache_interval"] == -1
    assert "osapi_compute_workers" not in current["nova"]["DEFAULT"]
