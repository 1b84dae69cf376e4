"""Hand-checked values from real OpenStack logs (``../shared/data/logs``).

Each pinned value was read off the log lines by hand, e.g. for Nova/Test_2 round_2 (port
70454f4c): nova ``Successfully updated port`` 06:22:10.727, neutron ``Device … up`` 13.216,
``Provisioning complete … L2`` 13.457, ``Sending events`` 13.741, nova-api ``Creating event``
15.290, nova-compute ``Received event`` 15.348, ``Instance spawned successfully`` 15.384; the
``POST /servers`` access line at 06:21:58.491 took 3.5909181 s.
"""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from stacktwin.boots import Outcome
from stacktwin.logs import trace

DESSERT = "dessertlab-queens-aio"


def _t(day: str, hms: str) -> float:
    y, mo, d = (int(x) for x in day.split("-"))
    h, m, s = hms.split(":")
    return calendar.timegm((y, mo, d, int(h), int(m), 0, 0, 0, 0)) + float(s)


def test_every_dessertlab_boot_is_found_with_its_outcome(real_logs: Path) -> None:
    result = trace([real_logs / DESSERT])
    found = {b.instance: (b.outcome.value, b.reason, b.chain_stop()) for b in result.boots}
    assert found == {
        "e6528272-3de8-431c-be2e-c8ce4980310b": ("active", None, None),  # Nova/Test_2 r1
        "e9f7c3e3-9d2e-4a0f-9cd3-8642190c4364": ("active", None, None),  # Nova/Test_2 r2
        "e5f28f72-d03c-4b1f-a695-2ad3a8553f6a": ("error", "vif_plugging_timeout", "resume"),
        "486434d5-b9e4-420d-9915-ddb4abb0173c": ("active", None, None),  # Nova/Test_57 r2
        "de43cee1-e1a4-4191-82bf-9c2a5fde4b5d": ("active", None, None),  # Neutron/Test_19 r1
        "2da94e00-f684-45e2-998e-64d8e7a13a5a": ("active", None, None),  # Neutron/Test_19 r2
    }
    assert result.problems.lines_with_problems == 0
    # Only the workload's empty stderr captures are skipped, each named.
    assert all("empty file" in str(p) for p in result.problems.items)
    # Normal rounds give every hop latency.
    for boot in result.boots:
        if boot.instance.startswith("e5f28f72"):
            continue
        hops = boot.hop_latencies()
        assert all(v is not None for v in hops.values()), (boot.instance, hops)


def test_normal_round_every_hop_to_the_millisecond(real_logs: Path) -> None:
    result = trace([real_logs / DESSERT / "Nova" / "Test_2" / "logs" / "round_2"])
    (boot,) = result.boots
    assert boot.instance == "e9f7c3e3-9d2e-4a0f-9cd3-8642190c4364"
    assert boot.ports == ["70454f4c-e119-4b22-a804-90bc4b5ecf76"]
    assert boot.host == "localhost.localdomain"
    day = "2018-06-26"
    assert boot.milestones["requested"] == pytest.approx(_t(day, "06:21:58.491") - 3.5909181)
    assert boot.milestones["event_received"] == _t(day, "06:22:15.348")
    hops = {k: round(v, 3) for k, v in boot.hop_latencies().items() if v is not None}
    assert hops == {
        "agent": 2.489,
        "provision": 0.241,
        "notifier": 0.284,
        "nova_api": 1.549,
        "compute_rpc": 0.058,
        "resume": 0.036,
        "vif_wait": 3.717,
        "schedule": 6.518,
        "boot": 20.915,
    }
    assert (boot.spawn_seconds, boot.build_seconds) == (10.69, 14.13)
    assert boot.sources["event_received"].endswith("round_2/nova/nova-compute.log.bzip2.out:312")
    assert boot.sources["event_sent"].endswith("round_2/neutron/server.log.bzip2.out:629")


def test_nova_test_57_stops_after_compute_received_and_times_out(real_logs: Path) -> None:
    # round_1 holds the boot; the same nova-compute process logs the timeout in round_2.
    result = trace([real_logs / DESSERT / "Nova" / "Test_57"])
    boot = next(b for b in result.boots if b.instance == "e5f28f72-d03c-4b1f-a695-2ad3a8553f6a")
    assert boot.outcome is Outcome.ERROR
    assert boot.reason == "vif_plugging_timeout"
    assert boot.chain_stop() == "resume"
    day = "2018-06-28"
    assert boot.milestones["event_received"] == _t(day, "00:21:42.807")
    # The abort is localised ("La build dell'istanza … è stata interrotta"); its
    # BuildAbortException line closes the build.
    assert boot.milestones["finished"] == _t(day, "00:26:39.796")
    assert boot.sources["finished"].endswith("round_2/nova/nova-compute.log.bzip2.out:164")
    assert "running" not in boot.milestones
    assert boot.hop_latencies()["nova_api"] == pytest.approx(3.327, abs=5e-4)


def test_neutron_test_19_round_1_stops_at_the_agent(real_logs: Path) -> None:
    round_1 = trace([real_logs / DESSERT / "Neutron" / "Test_19" / "logs" / "round_1"])
    (boot,) = round_1.boots
    assert boot.instance == "de43cee1-e1a4-4191-82bf-9c2a5fde4b5d"
    assert boot.outcome is Outcome.UNKNOWN  # still waiting when round_1's logs end
    assert boot.chain_stop() == "agent"
    assert boot.milestones["wait_prepared"] == _t("2018-09-13", "18:57:09.294")
    assert "device_up" not in boot.milestones
    # With round_2's logs the agent finally reports the port up, 142 s after binding.
    both = trace([real_logs / DESSERT / "Neutron" / "Test_19"])
    late = next(b for b in both.boots if b.instance == boot.instance)
    assert late.outcome is Outcome.ACTIVE
    assert late.milestones["device_up"] == _t("2018-09-13", "18:59:30.598")
    assert late.hop_latencies()["agent"] == pytest.approx(142.131, abs=5e-4)
    assert late.spawn_seconds == 151.58


def test_os_log_merger_kilo_read_without_errors(real_logs: Path) -> None:
    result = trace([real_logs / "os-log-merger-kilo"])
    assert result.problems.items == []
    migration = [v for v in result.vif_plugged if v.port == "2e6d0f35-cb87-4175-9d6f-c76ba1c75cc8"]
    assert len(migration) == 3 and all(v.complete for v in migration)
    first = migration[0]
    assert first.instance == "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"
    day = "2015-10-29"
    assert (first.sent, first.api, first.received) == (
        _t(day, "10:52:12.687"),
        _t(day, "10:52:22.085"),
        _t(day, "10:52:22.209"),
    )
    # Rotated .gz neutron-server logs of the router/VM creation: their vif-plugged events.
    creation = trace([real_logs / "os-log-merger-kilo" / "debug-router-net-vm-creation"])
    assert sum(1 for v in creation.vif_plugged if v.sent is not None) >= 60
    # Kilo logs no "Took … to build": a boot that spawned is active all the same.
    kilo = next(b for b in creation.boots if b.instance == "f730a1bc-5972-48ab-9ca2-e9f178ca97f0")
    assert kilo.outcome is Outcome.ACTIVE
    assert kilo.host == "controller1"
    assert kilo.milestones["running"] == _t("2015-11-12", "13:16:39.398")
    assert kilo.hop_latencies()["nova_api"] == pytest.approx(0.161, abs=5e-4)
    # Kilo binds the port in the POST that creates it: ML2's "Bound port" 13:14:56.134 stands
    # in for the bound milestone; the agent reports up 13:16:37.074 (after ~100 s of image).
    assert kilo.hop_latencies()["agent"] == pytest.approx(100.94, abs=5e-4)
    assert creation.services["neutron-server"] == 4
    # Ten accepted POST /servers (nova-api.log-20151113.gz:105, 115, 138, 148, 183 among them);
    # five of them are never seen again on any line naming an instance (their request ids
    # appear only on nova-api's AMQP connection lines and, for req-22a1feae, one scheduler
    # host_manager warning): each is a boot named by its request id, never seen past the
    # scheduler, rather than silently dropped.
    unlinked = [b for b in creation.boots if b.instance.startswith("req-")]
    assert [b.instance[:12] for b in unlinked] == [
        "req-9448ed35",
        "req-500d9595",
        "req-4ac67340",
        "req-dfd13c74",
        "req-22a1feae",
    ]
    assert {(b.outcome, b.phase) for b in unlinked} == {(Outcome.UNKNOWN, "schedule")}
    assert creation.summary()["input"]["requests"] == {"accepted": 10, "rejected": 0}


def test_hotsos_ussuri_and_sunbeam_read_without_errors(real_logs: Path) -> None:
    result = trace([real_logs / "hotsos-ussuri-sunbeam"])
    assert result.problems.items == []
    boot = next(b for b in result.boots if b.instance == "d2666e01-73c8-4a97-9c22-0c175659e6db")
    # Two ports: each chain milestone is the last port's.
    assert boot.ports == [
        "f6f5e6c5-2fdd-4719-9489-ca385d7fa7a7",
        "1824336a-4bc3-46bb-9c08-bc86b1d24226",
    ]
    assert boot.milestones["wait_prepared"] == _t("2021-01-27", "16:11:59.019")
    assert boot.milestones["event_received"] == _t("2021-01-27", "16:12:04.861")
    assert boot.hop_latencies()["vif_wait"] == pytest.approx(5.842, abs=5e-4)
    # The Sunbeam pod logs (pebble prefixes) are read and attributed to their services.
    sunbeam = trace([real_logs / "hotsos-ussuri-sunbeam" / "sunbeam-podlogs"])
    assert sunbeam.services == {
        "neutron-server": 1,
        "nova-api": 1,
        "nova-conductor": 1,
        "nova-scheduler": 1,
    }
    assert sunbeam.lines_read == 8313 + 13852 + 6751 + 15115
