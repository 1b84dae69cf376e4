"""The option catalogue and the release table: coverage, defaults by release, name parsing."""

from __future__ import annotations

import pytest

from stacktwin.config.catalogue import CATALOGUE, Derived, option
from stacktwin.config.releases import RELEASES, release

ISSUE_MINIMUM = [
    ("nova", "DEFAULT", "heal_instance_info_cache_interval"),
    ("nova", "DEFAULT", "vif_plugging_timeout"),
    ("nova", "DEFAULT", "vif_plugging_is_fatal"),
    ("nova", "DEFAULT", "osapi_compute_workers"),
    ("nova", "conductor", "workers"),
    ("nova", "DEFAULT", "rpc_response_timeout"),
    ("nova", "DEFAULT", "executor_thread_pool_size"),
    ("nova", "database", "max_pool_size"),
    ("nova", "api_database", "max_pool_size"),
    ("nova", "api_database", "max_overflow"),
    ("nova", "api_database", "pool_timeout"),
    ("neutron", "DEFAULT", "api_workers"),
    ("neutron", "DEFAULT", "rpc_workers"),
    ("neutron", "DEFAULT", "rpc_state_report_workers"),
    ("neutron", "database", "max_pool_size"),
    ("neutron", "database", "max_overflow"),
    ("neutron", "database", "pool_timeout"),
    ("neutron", "DEFAULT", "send_events_interval"),
    ("neutron", "DEFAULT", "notify_nova_on_port_status_changes"),
    ("neutron", "agent", "report_interval"),
    ("neutron", "DEFAULT", "agent_down_time"),
    ("neutron", "agent", "polling_interval"),
    ("neutron", "agent", "root_helper_daemon"),
    ("neutron", "securitygroup", "firewall_driver"),
]


@pytest.mark.parametrize("key", ISSUE_MINIMUM, ids=" ".join)
def test_issue_options_are_catalogued_with_reference(key: tuple[str, str, str]) -> None:
    opt = option(*key)
    assert opt.reference and opt.drives and opt.help


def test_every_default_range_set_covers_every_release_once() -> None:
    for opt in CATALOGUE:
        for rel in RELEASES:
            assert sum(r.covers(rel) for r in opt.defaults) == 1, (opt.name, rel.name)


@pytest.mark.parametrize(
    ("name", "rel", "default"),
    [
        ("heal_instance_info_cache_interval", "kilo", 60),
        ("heal_instance_info_cache_interval", "2024.2", 60),
        ("heal_instance_info_cache_interval", "epoxy", -1),
        ("vif_plugging_timeout", "2026.2", 300),
    ],
)
def test_nova_defaults_by_release(name: str, rel: str, default: object) -> None:
    assert option("nova", "DEFAULT", name).default_for(release(rel)) == default


def test_rpc_workers_default_changes_at_stein() -> None:
    rpc = option("neutron", "DEFAULT", "rpc_workers")
    assert rpc.default_for(release("rocky")) == 1
    assert rpc.default_for(release("stein")) is Derived.HALF_NEUTRON_WORKERS


def test_removed_options() -> None:
    assert option("nova", "DEFAULT", "osapi_compute_workers").read_by(release("2025.1"))
    assert not option("nova", "DEFAULT", "osapi_compute_workers").read_by(release("2025.2"))
    assert not option("neutron", "DEFAULT", "api_workers").read_by(release("2026.2"))


@pytest.mark.parametrize(
    ("text", "nova"),
    [("Ussuri", 21), ("2025.1", 31), ("epoxy", 31), ("nova31", 31), ("34", 34), ("2018.1", 17)],
)
def test_release_names_years_and_versions(text: str, nova: int) -> None:
    assert release(text).nova == nova


def test_unknown_release_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="known releases: Kilo, Liberty"):
        release("folsom")


def test_releases_are_ordered_by_nova_version() -> None:
    assert [r.nova for r in RELEASES] == list(range(11, 35))
    assert release("rocky") < release("stein") < release("2026.2")
