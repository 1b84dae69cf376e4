"""Replayed boots go to the hosts their trace saw (``workload.arrivals.hosts``).

The replay requests each boot whose traced host is known on that host (nova's requested
destination); the conductor sends it there (``Conductor.select_host``) instead of drawing one.
A boot with no traced host is placed by the twin's scheduler as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from stacktwin.boots import Boot, Milestone
from stacktwin.calibrate import extract_workload
from stacktwin.twin import load_scenario, parse_scenario, run_scenario
from stacktwin.twin.compute import host_name
from stacktwin.twin.scenario import ScenarioError


def _replay(hosts: Sequence[int | None], cloud_hosts: int = 4) -> dict[str, Any]:
    data = load_scenario("all-in-one").model_dump()
    data["cloud"]["hosts"] = cloud_hosts
    boots = [20.0 * i for i in range(len(hosts))]
    data["workload"] = {"arrivals": {"boots": boots, "hosts": list(hosts)}}
    data["duration"] = boots[-1] + 1.0
    return data


def test_replayed_boots_run_on_their_traced_hosts() -> None:
    pins = [3, 3, 0, 2, 3, 1, 0, 3]
    run = run_scenario(parse_scenario(_replay(pins), "pinned"))
    assert [b.host for b in run.boots] == [host_name(h) for h in pins]
    assert all(b.at(Milestone.RUNNING) is not None for b in run.boots)


def test_a_boot_with_no_traced_host_is_scheduled() -> None:
    """The unpinned boots land where the scheduler draws them: over 40 boots on 4 hosts they
    reach more than the one host every pinned boot asks for."""
    pins: list[int | None] = [None if i % 2 else 2 for i in range(40)]
    run = run_scenario(parse_scenario(_replay(pins), "half"))
    pinned = [b.host for b, h in zip(run.boots, pins, strict=True) if h is not None]
    free = {b.host for b, h in zip(run.boots, pins, strict=True) if h is None}
    assert pinned == [host_name(2)] * 20
    assert len(free) > 1


def test_hosts_are_checked() -> None:
    with pytest.raises(ScenarioError, match="2 values for 3 boots"):
        parse_scenario(
            {**_replay([0, 1, 2]), "workload": {"arrivals": {"boots": [0, 1, 2], "hosts": [0, 1]}}},
            "short",
        )
    with pytest.raises(ScenarioError, match="start at 0"):
        parse_scenario(_replay([0, -1]), "negative")
    # beyond the cloud: refused when the scenario is read, naming the boot, not when it runs
    with pytest.raises(ScenarioError, match=r"arrivals.hosts\[1\]: host 4 of a 4-host cloud"):
        parse_scenario(_replay([0, 4]), "beyond")


def test_calibration_replays_the_traced_hosts() -> None:
    """The workload of a trace pins the boots whose host it names and says how many."""
    boots = []
    for i, host in enumerate(["cmp-b", None, "cmp-a", "cmp-b"]):
        b = Boot(instance=f"vm-{i}", host=host)
        b.milestones[Milestone.REQUESTED.value] = 100.0 + 30.0 * i
        boots.append(b)
    work = extract_workload(boots)
    assert work.hosts == ["cmp-a", "cmp-b"]
    assert work.pinned == [1, None, 0, 1]
    assert work.summary()["pinned_to_traced_hosts"] == 3
    assert any("3 of 4 replayed boots requested on their traced hosts" in n for n in work.notes)
    assert any("1 with no traced host placed by the twin's scheduler" in n for n in work.notes)
    sc = work.scenario(load_scenario("all-in-one"), "replay")
    assert sc.workload.arrivals is not None and sc.workload.arrivals.hosts == [1, None, 0, 1]
    run = run_scenario(sc)
    assert [run.boots[i].host for i in (0, 2, 3)] == [host_name(1), host_name(0), host_name(1)]
