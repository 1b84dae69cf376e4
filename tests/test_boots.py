import pytest

from stacktwin.boots import HOPS, Boot, Milestone, Outcome, slow_boots, stop_point, summarize
from stacktwin.logs.failures import reason_key


def _boot(**ms: float) -> Boot:
    return Boot(instance="i-1", outcome=Outcome.ACTIVE, milestones=dict(ms))


def test_hop_latency_and_missing() -> None:
    b = _boot(port_bound=10.0, device_up=12.5)
    agent = next(h for h in HOPS if h.name == "agent")
    assert b.latency(agent) == 2.5
    provision = next(h for h in HOPS if h.name == "provision")
    assert b.latency(provision) is None


def test_chain_stop_after_the_last_milestone_reached() -> None:
    b = Boot(
        instance="i-2",
        outcome=Outcome.ERROR,
        reason="vif_plugging_timeout",
        milestones={"wait_prepared": 1.0, "device_up": 2.0, "port_active": 2.1, "event_sent": 3.0},
    )
    assert b.chain_stop() == "nova_api"
    assert b.timed_out
    ok = _boot(wait_prepared=1.0, running=5.0)
    assert ok.chain_stop() is None


def test_roundtrip_and_summary() -> None:
    boots = [
        _boot(wait_prepared=0.0, event_received=float(i), requested=0.0, finished=float(i) + 1)
        for i in range(1, 101)
    ]
    boots.append(
        Boot(
            instance="x",
            outcome=Outcome.ERROR,
            reason="vif_plugging_timeout",
            milestones={Milestone.WAIT_PREPARED.value: 0.0},
        )
    )
    again = [Boot.from_dict(b.to_dict()) for b in boots]
    assert [b.to_dict() for b in again] == [b.to_dict() for b in boots]
    s = summarize(again)
    assert s["boots"] == 101
    assert s["outcomes"]["active"] == 100 and s["outcomes"]["error"] == 1
    assert s["timeouts"] == 1
    assert s["stopped_at"] == {"agent": 1}
    vw = s["latency"]["vif_wait"]
    assert vw["count"] == 100 and vw["max"] == 100.0
    assert vw["p50"] == pytest.approx(50.5, abs=1e-9)


def test_stop_is_the_hop_after_the_last_reached_and_only_for_the_vif_chain() -> None:
    # device_up seen, port_active missing (its DEBUG line not logged), event_sent seen: the
    # chain went past the server; it stopped at nova-api.
    ms = {"wait_prepared": 1.0, "device_up": 2.0, "event_sent": 3.0}
    assert stop_point(ms, Outcome.ERROR, "vif_plugging_timeout") == "nova_api"
    assert stop_point(ms, Outcome.ERROR, "vif_plugging_timeout", refused=True) == (
        "nova_api_refused"
    )
    assert stop_point(ms, Outcome.UNKNOWN, None) == "nova_api"  # still waiting
    # A libvirt error after "Preparing to wait" is no chain stop.
    assert stop_point(ms, Outcome.ERROR, "Instance failed to spawn: libvirtError: x") is None
    assert stop_point({"wait_prepared": 1.0, "device_up": 2.0}, Outcome.ERROR, None) == (
        "provision"
    )
    assert stop_point({"device_up": 2.0}, Outcome.UNKNOWN, None) is None  # never waited
    twin = Boot(instance="t", outcome=Outcome.ERROR, reason="port binding failed", milestones=ms)
    assert twin.chain_stop() is None and twin.failed


def test_reasons_group_by_exception_and_template() -> None:
    texts = [
        f"Build of instance {i:08x}-0000-4000-8000-000000000000 aborted: Failed to allocate the "
        f"network(s), not rescheduling.: nova.exception.BuildAbortException: Build of instance "
        f"{i:08x}-0000-4000-8000-000000000000 aborted: port {i}"
        for i in range(11)
    ]
    boots = [
        Boot(instance=str(i), outcome=Outcome.ERROR, reason=t, reason_key=reason_key(t))
        for i, t in enumerate(texts)
    ]
    s = summarize(boots)
    assert s["reasons"] == {
        "BuildAbortException: Build of instance <id> aborted: Failed to allocate the "
        "network(s), not rescheduling.": 11
    }
    assert len(s["failed"]) == 11
    # Localised text and py2 escapes are left out: the exception class still groups them.
    it = "La build dell'istanza 1b2c3d4e-0000-4000-8000-000000000000 \\xe8 stata interrotta:"
    assert reason_key(f"BuildAbortException: {it}") == "BuildAbortException"
    assert reason_key("Setting instance to ERROR state.: NoValidHost_Remote: No valid host") == (
        "NoValidHost: Setting instance to ERROR state."
    )
    assert reason_key("Instance failed to spawn: libvirtError: internal error") == (
        "libvirtError: Instance failed to spawn"
    )


def test_a_hop_much_slower_than_its_peers_is_pointed_out() -> None:
    boots = [_boot(port_bound=0.0, device_up=2.0 + i / 10) for i in range(9)]
    boots.append(_boot(port_bound=0.0, device_up=190.0))
    (row,) = slow_boots(boots)
    assert row["hop"] == "agent" and row["seconds"] == 190.0
    assert abs(row["peers_median"] - 2.4) < 1e-9
    # Two boots: the slow one still stands out against its only peer.
    assert [r["seconds"] for r in slow_boots([boots[0], boots[-1]])] == [190.0]
    # Spread but no outlier: nothing.
    assert slow_boots([_boot(port_bound=0.0, device_up=float(v)) for v in (2, 3, 5, 8)]) == []
