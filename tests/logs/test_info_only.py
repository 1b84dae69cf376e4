"""INFO-only logs (LogHub style) and logs whose timestamps were stripped."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from stacktwin.boots import Outcome
from stacktwin.logs import trace
from tests.logs import loghub as lh


def _t(hms: str) -> float:
    h, m, s = hms.split(":")
    return calendar.timegm((2017, 5, 16, int(h), int(m), 0, 0, 0, 0)) + float(s)


def test_info_only_boot_gets_requested_and_its_spans(tmp_path: Path) -> None:
    result = trace([lh.write(tmp_path)])
    ok = next(b for b in result.boots if b.instance == lh.OK)
    assert ok.outcome is Outcome.ACTIVE and ok.request_id == lh.R_OK
    # The POST access line (00:00:01.500, 0.5 s) is linked through the claim's request id.
    assert ok.milestones["requested"] == _t("00:00:01.000")
    # No "Starting instance..." at INFO: the claim stands in for the build start.
    assert ok.milestones["build_started"] == _t("00:00:04.100")
    assert ok.sources["build_started"].endswith("nova-compute.log:3")
    hops = ok.hop_latencies()
    assert hops["schedule"] == pytest.approx(3.1)
    assert hops["boot"] == pytest.approx(23.5)
    assert (ok.spawn_seconds, ok.build_seconds) == (19.84, 20.58)


def test_info_only_scheduling_failure_is_a_boot_in_error(tmp_path: Path) -> None:
    result = trace([lh.write(tmp_path)])
    failed = next(b for b in result.boots if b.instance == lh.NOHOST)
    assert failed.outcome is Outcome.ERROR and failed.phase == "schedule"
    assert failed.reason_key == "NoValidHost: Failed to schedule instances"
    assert failed.host is None and failed.chain_stop() is None
    assert failed.milestones["requested"] == _t("00:05:00.000")
    assert result.summary()["input"]["requests"] == {"accepted": 2, "rejected": 0}


def test_scheduling_failure_without_the_nova_api_log(tmp_path: Path) -> None:
    root = lh.write(tmp_path)
    (root / "nova-api.log").unlink()
    failed = next(b for b in trace([root]).boots if b.instance == lh.NOHOST)
    # The conductor's two lines share the request id: still a boot, still its reason.
    assert failed.outcome is Outcome.ERROR and failed.phase == "schedule"
    assert failed.reason is not None and failed.reason.startswith("Failed to schedule instances")


def test_a_post_linked_to_no_instance_is_still_a_boot(tmp_path: Path) -> None:
    root = lh.write(tmp_path)
    (root / "nova-compute.log").unlink()
    (root / "nova-conductor.log").unlink()
    boots = trace([root]).boots
    assert [(b.instance, b.outcome, b.phase) for b in boots] == [
        (lh.R_OK, Outcome.UNKNOWN, "schedule"),
        (lh.R_NOHOST, Outcome.UNKNOWN, "schedule"),
    ]


def test_without_timestamps_the_text_still_says_outcome_spawn_reason(tmp_path: Path) -> None:
    result = trace([lh.write(tmp_path, strip_timestamps=True)])
    ok = next(b for b in result.boots if b.instance == lh.OK)
    assert ok.outcome is Outcome.ACTIVE
    assert (ok.spawn_seconds, ok.build_seconds) == (19.84, 20.58)  # nova prints them
    assert ok.milestones == {}  # but no time is known
    failed = next(b for b in result.boots if b.instance == lh.NOHOST)
    assert failed.outcome is Outcome.ERROR
    assert failed.reason_key == "NoValidHost: Failed to schedule instances"
    notes = result.summary()["input"]["notes"]
    assert sum("no timestamps" in n for n in notes) == 1
    assert result.summary()["input"]["streams_without_timestamps"] == 3


def test_without_timestamps_the_host_comes_from_the_claim(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    inst = "d0d0d0d0-0000-4000-8000-0000000000d0"
    log.write_text(
        "".join(
            f"2931 {level} nova.compute.claims [req-1 u p - - -] [instance: {inst}] {msg}\n"
            for level, msg in [
                ("INFO", "Claim successful on node cmp-7"),
                ("ERROR", "Instance failed to spawn: libvirtError: internal error: no"),
                ("INFO", "Terminating instance"),
                (
                    "ERROR",
                    f"Build of instance {inst} aborted: internal error: no: "
                    "BuildAbortException: Build of instance x aborted: internal error: no",
                ),
            ]
        )
    )
    (boot,) = trace([log]).boots
    assert boot.host == "cmp-7"
    assert boot.outcome is Outcome.ERROR and boot.phase == "spawn"
    assert boot.reason_key == "libvirtError: Instance failed to spawn"
    assert boot.chain_stop() is None
