"""A traced workload (``workload.arrivals``) replayed exactly, with long idle gaps compressed."""

from __future__ import annotations

import pytest

from stacktwin.boots import Milestone
from stacktwin.twin import ScenarioError, parse_scenario, run_scenario
from stacktwin.twin.workload import compress, replay_times


def _scenario(arrivals: dict[str, object], duration: float = 4000.0) -> dict[str, object]:
    return {
        "name": "replay",
        "duration": duration,
        "drain": 400.0,
        "cloud": {"hosts": 2, "instances": 2, "neutron_servers": 1, "dhcp_agents": 1},
        "workload": {"arrivals": arrivals},
    }


def test_compress_cuts_long_gaps_only() -> None:
    assert compress([0.0, 10.0, 10.0, 5000.0, 5030.0], 900.0) == [0.0, 10.0, 10.0, 910.0, 940.0]
    assert compress([2000.0], 900.0) == [900.0]


def test_replay_reproduces_the_arrival_times() -> None:
    boots = [5.0, 17.5, 40.0, 41.0, 300.0]
    sc = parse_scenario(_scenario({"boots": boots, "ports": [1, 2, 1, 1, 3]}))
    result = run_scenario(sc)
    requested = sorted(b.milestones[Milestone.REQUESTED.value] for b in result.boots)
    assert requested == pytest.approx(boots, abs=1e-9)
    assert sorted(len(b.ports) for b in result.boots) == [1, 1, 1, 2, 3]


def test_replay_compresses_idle_gaps_and_keeps_the_instances() -> None:
    day = 86_400.0
    data = _scenario(
        {"boots": [10.0, 20.0, day, day + 5.0], "deletes": [2 * day], "max_idle": 600.0}
    )
    sc = parse_scenario(data)
    assert sc.workload.arrivals is not None
    times = replay_times(sc.workload.arrivals, sc.idle_limit())
    assert times["boots"] == [10.0, 20.0, 620.0, 625.0]
    assert times["deletes"] == [1225.0]
    result = run_scenario(sc)
    requested = sorted(b.milestones[Milestone.REQUESTED.value] for b in result.boots)
    assert requested == pytest.approx(times["boots"])
    assert result.load.get("workload.delete_requests") == 1


def test_replay_is_checked() -> None:
    with pytest.raises(ScenarioError, match="ascending"):
        parse_scenario(_scenario({"boots": [5.0, 1.0]}))
    with pytest.raises(ScenarioError, match="2 values for 1 boots"):
        parse_scenario(_scenario({"boots": [5.0], "ports": [1, 1]}))
    with pytest.raises(ScenarioError, match="after duration"):
        parse_scenario(_scenario({"boots": [5000.0]}, duration=100.0))
    with pytest.raises(ScenarioError, match="host 7"):
        parse_scenario(_scenario({"restarts": [{"at": 1.0, "host": 7}]}))
