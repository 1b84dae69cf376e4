"""Every real config under ../shared/data is read; its findings are pinned (hand-checked).

Scale: the defaults (1,000 hosts, 3 neutron servers × 16 CPUs, 100 boots/min); release: the one
each source states. Hand check of the figures behind the pins:
- heal default 60 s (≤ 2024.2): 1000 / 60 = 16.7 refreshes/s = 10× the 1000/600 reference
  (critical); × 5 GETs (Mitaka) = 83, × 7 (Rocky) = 117, × 8 (Stein+) = 133 GET/s;
- rpc_workers default 1 up to Rocky: 1000 / (3 × 1) = 333 agents per worker (critical); from
  Stein the default is 16 / 2 = 8 per server, 42 agents per worker (no finding);
- root_helper_daemon unset before Xena: warning; set by devstack (kherox, Mitaka): no finding;
- firewall_driver = openvswitch before Zed (kherox Stein, hotsos Ussuri): warning;
- kherox rpc_state_report_workers = 0: info (state reports ride on the RPC workers);
- devstack's [conductor] workers = 2 (kherox, Mitaka): 1000 / (2 × 3) = 167 hosts per conductor
  worker (info, over 50);
- kherox neutron.conf sets memcached_servers in [nova] (devstack's auth-token block): neutron
  reads it only in [keystone_authtoken] (warning, input);
- every set: no [neutron] timeout, so nova's Neutron calls have none (info).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stacktwin.config import Scale, audit, load_config

HEAL = "nova [DEFAULT] heal_instance_info_cache_interval"
RPC = "neutron [DEFAULT] rpc_workers"
DAEMON = "neutron [agent] root_helper_daemon"
FIREWALL = "neutron [securitygroup] firewall_driver"
REPORTS = "neutron [DEFAULT] rpc_state_report_workers"
CONDUCTOR = "nova [conductor] workers"

CASES: dict[str, tuple[str, list[str], list[tuple[str, str, str]]]] = {
    "cherish0221-rocky/controller": (
        "rocky",
        [
            "configs/cherish0221-rocky/controller/nova.conf",
            "configs/cherish0221-rocky/controller/neutron.conf",
            "configs/cherish0221-rocky/controller/ml2_conf.ini",
        ],
        [  # linuxbridge: the OVS agent rules do not apply (ml2_conf.ini:104 says why)
            ("info", "input", "configs/cherish0221-rocky/controller/ml2_conf.ini:104"),
            ("critical", HEAL, "default in force for Rocky"),
            ("critical", RPC, "default in force for Rocky"),
        ],
    ),
    "cherish0221-rocky/compute1": (
        "rocky",
        [
            "configs/cherish0221-rocky/compute1/nova.conf",
            "configs/cherish0221-rocky/compute1/neutron.conf",
        ],
        [
            ("critical", HEAL, "default in force for Rocky"),
            ("critical", RPC, "default in force for Rocky"),
            ("warning", DAEMON, "default in force for Rocky"),
        ],
    ),
    "kherox-devstack": (
        "stein",
        [
            "configs/kherox-devstack/nova.conf",
            "configs/kherox-devstack/nova-cpu.conf",
            "configs/kherox-devstack/neutron.conf",
            "configs/kherox-devstack/ml2_conf.ini",
        ],
        [
            ("critical", HEAL, "default in force for Stein"),
            ("warning", FIREWALL, "configs/kherox-devstack/ml2_conf.ini:307"),
            # devstack writes the authtoken options into neutron's [nova] too: not read there
            ("warning", "input", "configs/kherox-devstack/neutron.conf:950"),
            ("info", REPORTS, "configs/kherox-devstack/neutron.conf:3"),
            ("info", CONDUCTOR, "configs/kherox-devstack/nova-cpu.conf:72"),
        ],
    ),
    "ogalush-ussuri-centos8/controller": (
        "ussuri",
        [
            "configs/ogalush-ussuri-centos8/controller/nova.conf",
            "configs/ogalush-ussuri-centos8/controller/neutron/neutron.conf",
            "configs/ogalush-ussuri-centos8/controller/neutron/plugins/ml2/ml2_conf.ini",
        ],
        [  # linuxbridge
            (
                "info",
                "input",
                "configs/ogalush-ussuri-centos8/controller/neutron/plugins/ml2/ml2_conf.ini:155",
            ),
            ("critical", HEAL, "default in force for Ussuri"),
        ],
    ),
    "ogalush-ussuri-centos8/compute": (
        "ussuri",
        [
            "configs/ogalush-ussuri-centos8/compute/nova.conf",
            "configs/ogalush-ussuri-centos8/compute/neutron.conf",
        ],
        [
            ("critical", HEAL, "default in force for Ussuri"),
            ("warning", DAEMON, "default in force for Ussuri"),
        ],
    ),
    "tonychengtw-devstack-mitaka": (
        "mitaka",
        [
            "configs/tonychengtw-devstack-mitaka/nova/nova.conf",
            "configs/tonychengtw-devstack-mitaka/neutron/neutron.conf",
            "configs/tonychengtw-devstack-mitaka/neutron/plugins/ml2/ml2_conf.ini",
        ],
        [
            ("critical", HEAL, "default in force for Mitaka"),
            ("critical", RPC, "default in force for Mitaka"),
            ("info", CONDUCTOR, "configs/tonychengtw-devstack-mitaka/nova/nova.conf:84"),
        ],
    ),
    "hotsos-ussuri-sunbeam/openstack": (
        "ussuri",
        [
            "logs/hotsos-ussuri-sunbeam/openstack/etc/nova/nova.conf",
            "logs/hotsos-ussuri-sunbeam/openstack/etc/nova/nova-compute.conf",
            "logs/hotsos-ussuri-sunbeam/openstack/etc/neutron/neutron.conf",
            "logs/hotsos-ussuri-sunbeam/openstack/etc/neutron/plugins/ml2/ml2_conf.ini",
            "logs/hotsos-ussuri-sunbeam/openstack/etc/neutron/plugins/ml2/openvswitch_agent.ini",
        ],
        [
            ("critical", HEAL, "default in force for Ussuri"),
            ("warning", DAEMON, "default in force for Ussuri"),
            (
                "warning",
                FIREWALL,
                "logs/hotsos-ussuri-sunbeam/openstack/etc/neutron/plugins/ml2/"
                "openvswitch_agent.ini:21",
            ),
        ],
    ),
    "hotsos-ussuri-sunbeam/legacy-2021": (
        "ussuri",
        [
            "logs/hotsos-ussuri-sunbeam/legacy-2021/etc/nova/nova.conf",
            "logs/hotsos-ussuri-sunbeam/legacy-2021/etc/neutron/neutron.conf",
        ],
        [
            ("critical", HEAL, "default in force for Ussuri"),
            ("warning", DAEMON, "default in force for Ussuri"),
        ],
    ),
}

HEAL_GETS = {
    "rocky": "117 Neutron GET/s",
    "stein": "133 Neutron GET/s",
    "ussuri": "133 Neutron GET/s",
    "mitaka": "83 Neutron GET/s",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_config_findings_are_pinned(shared_data: Path, case: str) -> None:
    rel, files, expected = CASES[case]
    paths = [str(shared_data / f) for f in files]
    loaded = load_config(paths)
    assert [src.path for src, _ in loaded.files] == paths, "every file is read"
    # a database that takes every connection: the DB rule is pinned in its own test
    report = audit(loaded, Scale(release_name=rel, db_max_connections=10**6))
    got = [
        (f.severity, f.option, f.evidence[0].replace(f"{shared_data}/", ""))
        for f in report.findings
    ]
    timeout = (
        "info",
        "nova [neutron] timeout",
        f"default in force for {report.scale.release.name}",
    )
    assert sorted(got) == sorted([*expected, timeout])
    heal = next(f for f in report.findings if f.option == HEAL)
    assert HEAL_GETS[rel] in heal.message
    assert report.critical


def test_every_real_config_file_is_covered(shared_data: Path) -> None:
    covered = {f for _, files, _ in CASES.values() for f in files}
    on_disk = {
        str(p.relative_to(shared_data))
        for folder in ("configs", "logs/hotsos-ussuri-sunbeam")
        for p in (shared_data / folder).rglob("*")
        if p.suffix in (".conf", ".ini")
    }
    assert on_disk == covered


def test_real_values_keep_their_provenance(shared_data: Path) -> None:
    kherox = shared_data / "configs/kherox-devstack"
    loaded = load_config([str(kherox / "nova.conf"), str(kherox / "nova-cpu.conf")])
    workers = loaded.setting("nova", "conductor", "workers")
    assert workers is not None and workers.value == 2
    assert str(workers.location) == f"{kherox / 'nova-cpu.conf'}:72"
    assert [str(x) for x in workers.overridden] == [f"{kherox / 'nova.conf'}:74"]
    hotsos = shared_data / "logs/hotsos-ussuri-sunbeam/openstack/etc/neutron/neutron.conf"
    report = load_config([str(hotsos)]).setting("neutron", "agent", "report_interval")
    assert report is not None and (report.value, report.written_as) == (
        30.0,
        "[AGENT] report_interval",
    )


INFERRED = {  # hand-checked: the marker lines are in the files; the newest release they allow
    "cherish0221-rocky/controller": ("Rocky", "inferred"),  # [matchmaker_redis], zmq sections
    "cherish0221-rocky/compute1": ("Rocky", "inferred"),
    "kherox-devstack": ("Train", "inferred"),  # use_neutron, nova-network firewall_driver
    "hotsos-ussuri-sunbeam/openstack": ("Stein", "inferred"),  # [neutron] url carried over
    "tonychengtw-devstack-mitaka": ("Rocky", "inferred"),  # an upper bound: no lower marker
    "ogalush-ussuri-centos8/controller": ("2026.2", "assumed"),  # no marker at all
}


@pytest.mark.parametrize("case", sorted(INFERRED))
def test_release_is_inferred_from_markers_or_assumed_with_a_warning(
    shared_data: Path, case: str
) -> None:
    """Without --release the files' markers bound the release (a heuristic that errs with
    carried-over options, stated with its evidence); with no marker the current release is
    assumed and a finding says so."""
    from stacktwin.api import check

    expected, basis = INFERRED[case]
    _, files, _ = CASES[case]
    report = check([str(shared_data / f) for f in files])
    assert report.release.startswith(expected)
    assert basis in report.release_basis
    assumed = [f for f in report.findings if "release not given" in f.message]
    assert bool(assumed) == (basis == "assumed")
    assert bool(report.release_evidence) == (basis == "inferred")


def test_rocky_configs_without_release_raise_heal_and_rpc_workers(shared_data: Path) -> None:
    from typer.testing import CliRunner

    from stacktwin.cli import app

    _, files, _ = CASES["cherish0221-rocky/controller"]
    result = CliRunner().invoke(
        app, ["check", *[str(shared_data / f) for f in files], "--json", "-"]
    )
    data = __import__("json").loads(result.stdout)
    assert result.exit_code == 1
    assert data["release"].startswith("Rocky") and "inferred" in data["release_basis"]
    options = {f["option"] for f in data["findings"] if f["severity"] == "critical"}
    assert {HEAL, RPC} <= options


def test_db_connections_at_peak_against_max_connections(shared_data: Path, tmp_path: Path) -> None:
    """Rocky controller at 1,000 hosts: nova 3 nodes × (16 API + 16 conductor workers) = 96
    processes × (55 + 55) = 10,560; neutron 3 × (16 API + 1 RPC + 1 report) = 54 × 55 = 2,970;
    13,530 in all, over MySQL's 151 — and under a my.cnf that allows 20,000."""
    from stacktwin.api import check

    _, files, _ = CASES["cherish0221-rocky/controller"]
    paths = [str(shared_data / f) for f in files]
    report = check(paths, release="rocky")
    (db,) = [f for f in report.findings if f.option == "database max_connections"]
    assert "13,530 connections" in db.message and "151 (MySQL/MariaDB default)" in db.message
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\nmax_connections = 5\n[mysqld]\nmax-connections = 20000\n")
    roomy = check([*paths, str(cnf)], release="rocky")
    assert not [f for f in roomy.findings if f.option == "database max_connections"]
    assert roomy.scale.db_max_connections_source == f"{cnf}:4"
    tight = check([*paths, str(cnf)], release="rocky", db_max_connections=1000)
    assert [f.option for f in tight.findings].count("database max_connections") == 1
