from stacktwin.boots import HOPS, Boot, Milestone, Outcome, summarize


def _boot(**ms: float) -> Boot:
    return Boot(instance="i-1", outcome=Outcome.ACTIVE, milestones=dict(ms))


def test_hop_latency_and_missing() -> None:
    b = _boot(port_bound=10.0, device_up=12.5)
    agent = next(h for h in HOPS if h.name == "agent")
    assert b.latency(agent) == 2.5
    provision = next(h for h in HOPS if h.name == "provision")
    assert b.latency(provision) is None


def test_chain_stop_first_missing_after_wait() -> None:
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
    assert abs(vw["p50"] - 50.5) < 1e-9
