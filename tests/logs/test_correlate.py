"""Correlation across files and hosts on a synthetic log set with known answers."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from stacktwin.boots import Outcome
from stacktwin.logs import trace
from tests.logs import synthetic as syn


def _t(hms: str) -> float:
    h, m, s = hms.split(":")
    return calendar.timegm((2024, 3, 1, int(h), int(m), 0, 0, 0, 0)) + float(s)


@pytest.fixture
def traced(tmp_path: Path):  # type: ignore[no-untyped-def]
    return trace([syn.write(tmp_path)], skew=1.0)


def test_three_boots_found_in_order(traced) -> None:  # type: ignore[no-untyped-def]
    assert [b.instance for b in traced.boots] == [syn.A, syn.B, syn.C]
    assert traced.problems.items == []
    assert traced.files_read == 3


def test_two_port_boot_uses_last_port_and_tolerates_skew(traced) -> None:  # type: ignore[no-untyped-def]
    a = traced.boots[0]
    assert a.outcome is Outcome.ACTIVE and a.reason is None and a.chain_stop() is None
    assert a.host == "compute1"
    assert a.ports == [syn.PA1, syn.PA2]
    ms = a.milestones
    assert ms["requested"] == _t("10:00:00.000")  # access line minus its 1 s wall time
    assert ms["build_started"] == _t("10:00:05.000")
    assert ms["port_bound"] == _t("10:00:15.500")  # last port
    assert ms["wait_prepared"] == _t("10:00:16.001")
    # PA1's device-up (14.700) is 0.3 s "before" its bound line (15.000) on compute1's clock:
    # within the 1 s skew, so it is taken; the boot's device_up is the last port's (18.000).
    assert ms["device_up"] == _t("10:00:18.000")
    assert ms["port_active"] == _t("10:00:18.200")
    assert ms["event_sent"] == _t("10:00:21.000")
    assert ms["event_api"] == _t("10:00:22.500")
    # The reboot's second vif-plugged (10:30) is after the build ended: not this boot's.
    assert ms["event_received"] == _t("10:00:22.700")
    assert ms["running"] == _t("10:00:22.800")
    assert ms["finished"] == _t("10:00:23.000")
    assert a.spawn_seconds == 7.8 and a.build_seconds == 18.0
    assert a.sources["event_api"].endswith("controller/var/log/nova/nova-api.log:4")
    assert a.sources["event_received"].endswith("compute1/var/log/nova/nova-compute.log:8")
    hops = a.hop_latencies()
    assert hops["compute_rpc"] == pytest.approx(0.2)
    assert hops["boot"] == pytest.approx(23.0)


def test_without_skew_tolerance_the_early_device_up_is_not_taken(tmp_path: Path) -> None:
    result = trace([syn.write(tmp_path)], skew=0.0)
    a = result.boots[0]
    # PA1's only device-up line is stamped before its bound line: unknown with no tolerance.
    assert "device_up" not in a.milestones
    assert a.outcome is Outcome.ACTIVE


def test_timeout_boot_stops_at_server(traced) -> None:  # type: ignore[no-untyped-def]
    b = traced.boots[1]
    assert b.outcome is Outcome.ERROR
    assert b.reason == "vif_plugging_timeout"
    assert b.timed_out
    assert b.chain_stop() == "server"
    assert b.milestones["device_up"] == _t("10:01:16.000")
    assert "event_sent" not in b.milestones
    # The build ends with the abort that follows "Instance failed to spawn".
    assert b.milestones["finished"] == _t("10:06:19.000")
    assert b.milestones["requested"] == _t("10:00:59.500")


def test_deleted_while_waiting(traced) -> None:  # type: ignore[no-untyped-def]
    c = traced.boots[2]
    assert c.outcome is Outcome.DELETED
    assert c.chain_stop() == "agent"
    assert "finished" not in c.milestones


def test_summary_counts(traced) -> None:  # type: ignore[no-untyped-def]
    s = traced.summary()
    assert s["outcomes"] == {"active": 1, "error": 1, "deleted": 1, "unknown": 0}
    assert s["timeouts"] == 1
    assert s["stopped_at"] == {"agent": 1, "server": 1}
    assert s["vif_plugged"] == {"sequences": 3, "complete": 3}


def test_instance_and_window_filters(tmp_path: Path) -> None:
    root = syn.write(tmp_path)
    only = trace([root], instance=syn.B)
    assert [b.instance for b in only.boots] == [syn.B]
    window = trace([root], since=_t("10:00:30"), until=_t("10:02:00"))
    assert [b.instance for b in window.boots] == [syn.B]


def test_file_order_does_not_matter(tmp_path: Path) -> None:
    root = syn.write(tmp_path)
    forward = trace([root / "controller", root / "compute1"])
    backward = trace([root / "compute1", root / "controller"])
    assert [b.to_dict() for b in forward.boots] == [b.to_dict() for b in backward.boots]


def test_stop_at_a_hop_without_its_service_log_is_unknown(tmp_path: Path) -> None:
    root = syn.write(tmp_path)
    (root / "controller/var/log/neutron/server.log").unlink()
    result = trace([root])
    stops = {b.instance: b.chain_stop() for b in result.boots}
    # Without neutron-server's log, "agent never reported up" cannot be claimed.
    assert stops == {syn.A: None, syn.B: "unknown", syn.C: "unknown"}
    assert result.summary()["stopped_at"] == {"unknown": 2}


def test_lines_without_timestamps_still_give_the_boot(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    stripped = [
        line[len("2024-03-01 10:00:05.000 100 ") :] for line in syn.nova_compute().splitlines()
    ]
    log.write_text("\n".join(stripped) + "\n")
    result = trace([log])
    a = next(b for b in result.boots if b.instance == syn.A)
    assert a.outcome is Outcome.ACTIVE  # "Took … to build instance." still read
    assert a.milestones == {}  # but no time is known: every latency is unknown
    assert all(v is None for v in a.hop_latencies().values())
    b = next(b for b in result.boots if b.instance == syn.B)
    assert b.outcome is Outcome.ERROR and b.reason == "vif_plugging_timeout"


def test_a_port_reused_by_a_later_instance_belongs_to_both_builds(tmp_path: Path) -> None:
    root = syn.write(tmp_path)
    d = "dddddddd-0000-4000-8000-000000000004"
    rd = "req-0000000d-0000-4000-8000-00000000000d"
    later = "".join(
        syn._l(t, "DEBUG", "nova.compute.manager", syn._ctx(rd), msg, d)
        for t, msg in [
            ("11:00:00.000", "Starting instance... _do_build"),
            (
                "11:00:05.000",
                f"Preparing to wait for external event network-vif-plugged-{syn.PC} x",
            ),
            (
                "11:00:07.000",
                f"Received event network-vif-plugged-{syn.PC} external_instance_event",
            ),
            ("11:00:07.100", "Instance spawned successfully."),
            ("11:00:08.000", "Took 8.00 seconds to build instance."),
        ]
    )
    (root / "compute2/var/log/nova").mkdir(parents=True)
    (root / "compute2/var/log/nova/nova-compute.log").write_text(later)
    result = trace([root])
    c = next(b for b in result.boots if b.instance == syn.C)
    reuse = next(b for b in result.boots if b.instance == d)
    assert c.ports == reuse.ports == [syn.PC]
    assert reuse.milestones["event_received"] == _t("11:00:07.000")
    # D's events name D: C (deleted while waiting) does not take them.
    assert "event_received" not in c.milestones
    assert c.outcome is Outcome.DELETED and c.chain_stop() == "agent"
