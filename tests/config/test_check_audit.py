"""The audit: load figures and findings at a stated scale, incl. the production before/after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stacktwin.config import Report, Scale, audit, load_config
from stacktwin.config.calls import neutron_calls
from stacktwin.config.releases import release

Conf = Callable[[str, str], str]


UNLIMITED_DB = 10**6
"""A database that takes every connection: tests of other rules keep the DB rule quiet."""


def _run(paths: list[str], **scale: object) -> Report:
    return audit(
        load_config(paths), Scale.model_validate({"db_max_connections": UNLIMITED_DB, **scale})
    )


def _figure(report: Report, name: str) -> float | None:
    return next(f.value for f in report.figures if f.name == name)


def _by_option(report: Report) -> dict[str, str]:
    return {f.option: f.severity for f in report.findings}


def _production(fixtures: Path, which: str) -> list[str]:
    return [str(fixtures / which / "nova.conf"), str(fixtures / which / "neutron.conf")]


@pytest.mark.parametrize("rel", ["yoga", "2026.2"])
def test_production_before_is_flagged_on_each_setting_with_figures(
    fixtures: Path, rel: str
) -> None:
    report = _run(_production(fixtures, "production-before"), hosts=1000, release_name=rel)
    found = {f.option: f for f in report.findings}
    heal = found["nova [DEFAULT] heal_instance_info_cache_interval"]
    assert heal.severity == "critical"
    assert "16.7 refreshes/s = 133 Neutron GET/s" in heal.message
    assert heal.evidence == [f"{fixtures / 'production-before' / 'nova.conf'}:3"]
    assert heal.set_to is not None and "≥ 600" in heal.set_to
    rpc = found["neutron [DEFAULT] rpc_workers"]
    assert rpc.severity == "critical"
    assert "333 agents per RPC worker process" in rpc.message
    assert rpc.evidence == [f"{fixtures / 'production-before' / 'neutron.conf'}:3"]
    assert rpc.set_to == "8 per server"  # max(ceil(1000 / (50 × 3)), 16 CPUs / 2)
    pool = found["neutron [database] max_pool_size"]
    assert pool.severity == "warning"
    assert pool.evidence == [f"{fixtures / 'production-before' / 'neutron.conf'}:6"]
    assert report.critical
    assert _figure(report, "heal refreshes") == pytest.approx(1000 / 60)
    assert _figure(report, "Neutron API calls from heal") == pytest.approx(8000 / 60)
    assert _figure(report, "OVS agents per RPC worker process") == pytest.approx(1000 / 3)


@pytest.mark.parametrize("rel", ["yoga", "2026.2"])
def test_production_after_is_not_flagged(fixtures: Path, rel: str) -> None:
    report = _run(_production(fixtures, "production-after"), hosts=1000, release_name=rel)
    # the one note left: nova's Neutron calls have no HTTP timeout (keystoneauth's default)
    assert _by_option(report) == {"nova [neutron] timeout": "info"}
    assert not report.critical
    assert _figure(report, "Neutron API calls from heal") == pytest.approx(8000 / 600)
    assert _figure(report, "OVS agents per RPC worker process") == pytest.approx(1000 / 60)
    assert _figure(report, "neutron DB connections kept open") == 60 * 3 * (16 + 20 + 1)


def test_after_config_at_ten_thousand_hosts_is_flagged_again(fixtures: Path) -> None:
    report = _run(_production(fixtures, "production-after"), hosts=10_000)
    sev = _by_option(report)
    assert sev["nova [DEFAULT] heal_instance_info_cache_interval"] == "critical"
    assert sev["neutron [DEFAULT] rpc_workers"] == "critical"
    rpc = next(f for f in report.findings if f.option.endswith("rpc_workers"))
    assert rpc.set_to == "67 per server (more than its 16 CPUs: add servers, ≈ 13)"


@pytest.mark.parametrize(
    ("interval", "severity"),
    [("600", None), ("599", "warning"), ("121", "warning"), ("119", "critical"), ("0", None)],
)
def test_heal_thresholds_at_1000_hosts(conf: Conf, interval: str, severity: str | None) -> None:
    path = conf("nova.conf", f"[DEFAULT]\nheal_instance_info_cache_interval = {interval}\n")
    got = _by_option(_run([path], hosts=1000)).get(
        "nova [DEFAULT] heal_instance_info_cache_interval"
    )
    assert got == severity


def test_heal_default_depends_on_release(conf: Conf) -> None:
    path = conf("nova.conf", "[DEFAULT]\ndebug = True\n")
    label = "nova [DEFAULT] heal_instance_info_cache_interval"
    old = _run([path], release_name="2024.2")
    assert _by_option(old)[label] == "critical"
    heal = next(f for f in old.findings if f.option == label)
    assert heal.evidence == ["default in force for 2024.2 Dalmatian"]
    assert label not in _by_option(_run([path], release_name="2025.1"))


def test_requests_per_refresh_and_per_boot_by_release() -> None:
    assert [
        neutron_calls(release(r)).heal_refresh() for r in ("queens", "rocky", "stein", "2026.2")
    ] == [
        5,
        7,
        8,
        8,
    ]
    assert [neutron_calls(release(r)).boot() for r in ("queens", "rocky")] == [8, 10]


def test_rpc_workers_default_is_one_up_to_rocky(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\ndebug = True\n")
    rocky = {f.option: f for f in _run([path], release_name="rocky").findings}
    assert rocky["neutron [DEFAULT] rpc_workers"].evidence == ["default in force for Rocky"]
    assert "neutron [DEFAULT] rpc_workers" not in _by_option(_run([path], release_name="stein"))


def test_rpc_workers_zero_is_critical_from_stein(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nrpc_workers = 0\n")
    assert _by_option(_run([path], hosts=10))["neutron [DEFAULT] rpc_workers"] == "critical"


def test_state_reports_and_agent_down_time(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[DEFAULT]\nagent_down_time = 50\nrpc_state_report_workers = 0\n"
        "[agent]\nreport_interval = 30\n",
    )
    report = _run([path], hosts=600)
    sev = _by_option(report)
    assert sev["neutron [DEFAULT] agent_down_time"] == "warning"
    assert sev["neutron [DEFAULT] rpc_state_report_workers"] == "info"
    assert _figure(report, "agent state reports") == pytest.approx(20.0)
    per_worker = _figure(report, "RPC calls per RPC worker process")
    assert per_worker == pytest.approx((20.0 + 1.0 * 2) / (3 * 8))


def test_notify_off_is_critical_and_exit_flag_set(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nnotify_nova_on_port_status_changes = false\n")
    report = _run([path], hosts=10)
    assert _by_option(report) == {
        "neutron [DEFAULT] notify_nova_on_port_status_changes": "critical"
    }
    assert report.critical


def test_pool_below_executor_threads_when_lowered(conf: Conf) -> None:
    path = conf("neutron.conf", "[database]\nmax_pool_size = 10\nmax_overflow = 20\n")
    sev = _by_option(_run([path], hosts=10))
    assert sev == {"neutron [database] max_overflow": "warning"}


def test_removed_options_have_no_effect(conf: Conf) -> None:
    nova = conf("nova.conf", "[DEFAULT]\nosapi_compute_workers = 8\n")
    neutron = conf("neutron.conf", "[DEFAULT]\napi_workers = 8\n")
    sev = _by_option(_run([nova, neutron], hosts=10, release_name="2026.2"))
    assert sev["nova [DEFAULT] osapi_compute_workers"] == "warning"
    assert sev["neutron [DEFAULT] api_workers"] == "warning"
    removed = {f.option: f.set_to for f in _run([nova, neutron], hosts=10).findings}
    assert removed["neutron [DEFAULT] api_workers"] == "the uWSGI `processes` of the neutron API"
    older = _by_option(_run([nova, neutron], hosts=10, release_name="2025.1"))
    assert "nova [DEFAULT] osapi_compute_workers" not in older
    assert "neutron [DEFAULT] api_workers" not in older


def test_vif_settings(conf: Conf) -> None:
    path = conf("nova.conf", "[DEFAULT]\nvif_plugging_timeout = 0\nvif_plugging_is_fatal = no\n")
    sev = _by_option(_run([path], hosts=10))
    assert sev == {
        "nova [DEFAULT] vif_plugging_timeout": "warning",
        "nova [DEFAULT] vif_plugging_is_fatal": "info",
        "nova [neutron] timeout": "info",
    }


def test_bad_input_is_reported_and_the_rest_still_audited(conf: Conf) -> None:
    nova = conf(
        "nova.conf",
        "heal_instance_info_cache_interval = 600\n[DEFAULT]\n"
        "heal_instance_info_cache_interval = 60\n",
    )
    neutron = conf("neutron.conf", "[DEFAULT]\nrpc_workers = many\n[database]\nmax_pool_size = 1\n")
    junk = conf("notes.conf", "this is not a config file\n")
    empty = conf("nova-empty.conf", "")
    report = _run([nova, neutron, junk, empty], hosts=1000, release_name="yoga")
    inputs = [(f.severity, f.evidence[0]) for f in report.findings if f.option == "input"]
    assert ("critical", f"{nova}:1") in inputs
    assert ("critical", f"{neutron}:2") in inputs
    assert ("critical", f"{junk}:1") in inputs
    assert ("warning", f"{empty}:1") in inputs
    sev = _by_option(report)
    assert sev["nova [DEFAULT] heal_instance_info_cache_interval"] == "critical"
    assert sev["neutron [database] max_pool_size"] == "warning"
    # rpc_workers = many is not applied: the Yoga default (8 on 16 CPUs) is audited instead
    assert "neutron [DEFAULT] rpc_workers" not in sev
    assert [f.option for f in report.findings][: len(inputs)] == ["input"] * len(inputs)
