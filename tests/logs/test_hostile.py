"""Extreme input stays linear and bounded: the behaviour that makes it so, at small scale.

``benchmarks/trace_hostile.py`` measures the real sizes (40k empty files, 8k boots on one
port, 1 GB of one repeated line); these tests assert what keeps them linear, never a time.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stacktwin.logs import index as index_mod
from stacktwin.logs import trace
from stacktwin.logs.correlate import Correlator
from stacktwin.logs.index import NextFree
from stacktwin.logs.sources import MAX_PROBLEMS_KEPT, Problems
from stacktwin.logs.templates import Event, Kind
from tests.logs import hostile

PORT = hostile.PORT
INST = "aaaaaaaa-0000-4000-8000-000000000001"


def test_problems_are_counted_not_stored_beyond_a_cap(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    n = MAX_PROBLEMS_KEPT + 150
    for i in range(n):
        (folder / f"nova-compute.log.{i}").touch()
    result = trace([folder])
    assert len(result.problems.items) == MAX_PROBLEMS_KEPT
    assert result.problems.total == n
    assert result.problems.files_skipped == n
    summary = result.summary()["input"]
    assert summary["files_skipped"] == n
    assert summary["problems_not_listed"] == 150


def test_problem_counters_are_kept_as_problems_are_added() -> None:
    problems = Problems(limit=2)
    problems.add("a", "x", skipped=True)
    problems.add("b", "y", line=3)
    problems.add("c", "z", line=4, skipped=True)
    assert (problems.total, problems.files_skipped, problems.lines_with_problems) == (3, 2, 2)
    assert [p.source for p in problems.items] == ["a", "b"] and problems.not_kept == 1


def _reused_port_logs(root: Path, n: int) -> Path:
    return hostile.reused_port(root, n / 8000)[0]


def test_many_boots_on_one_port_use_one_index_per_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each build asks for its window of the port's events: the port's events are sorted
    and split by instance once, and every build reads them by bisection (no rescans)."""
    built: list[int] = []
    original = index_mod.PortIndex.__init__

    def counting(self: index_mod.PortIndex, kinds: dict[Kind, list[Event]]) -> None:
        built.append(sum(len(v) for v in kinds.values()))
        original(self, kinds)

    monkeypatch.setattr(index_mod.PortIndex, "__init__", counting)
    result = trace([_reused_port_logs(tmp_path, 200)])
    assert len(result.boots) == 200
    assert len(built) == 1  # one port, indexed once for all 200 builds
    assert all(b.ports == [PORT] for b in result.boots)
    assert all(b.outcome.value == "active" for b in result.boots)
    # Each build took its own chain, not the first build's.
    received = [
        b.milestones["event_received"] - b.milestones["build_started"] for b in result.boots
    ]
    assert received == [5.0] * 200
    assert [v.complete for v in result.vif_plugged] == [True] * 200


@given(
    st.lists(st.floats(0, 100, allow_nan=False), max_size=30),
    st.lists(st.floats(-5, 105, allow_nan=False), max_size=30),
)
def test_next_free_is_the_greedy_first_untaken_value(
    values: list[float], asks: list[float]
) -> None:
    values = sorted(values)
    free = NextFree(len(values))
    used: set[int] = set()
    for after in asks:
        expected = next((i for i, v in enumerate(values) if i not in used and v >= after), None)
        got = free.take(values, after)
        if expected is None:
            assert got is None
        else:
            used.add(expected)
            assert got == values[expected]
    assert [free.taken(i) for i in range(len(values))] == [i in used for i in range(len(values))]


def test_a_repeated_milestone_line_is_read_once(tmp_path: Path) -> None:
    line = (
        f"2024-03-01 10:00:00.000 100 DEBUG nova.compute.manager [req-0000000a-0000-4000-8000"
        f"-00000000000a u p - - -] [instance: {INST}] Received event network-vif-plugged-{PORT}"
        " external_instance_event\n"
    ).encode()
    log = tmp_path / "nova-compute.log.1.gz"
    log.write_bytes(gzip.compress(line * 3000))
    result = trace([log])
    assert [str(p) for p in result.problems.items] == [
        f"{log}:2: 2999 boot lines repeat an earlier line verbatim (same time, process and"
        " text), the first here: each read once"
    ]
    assert result.lines_read == 3000
    assert len(result.vif_plugged) == 1


def test_repeated_untimed_events_are_filed_once() -> None:
    correlator = Correlator()
    lines = list(range(1, 2001))
    random.Random(1).shuffle(lines)
    for n in lines:
        correlator.add(Event(Kind.RUNNING, None, f"nova-compute.log:{n}", instance=INST))
    kept = correlator.instance_events[INST][Kind.RUNNING]
    assert [e.source for e in kept] == ["nova-compute.log:1"]
