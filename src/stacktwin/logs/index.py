"""Sorted event lists: the window queries of boot resolution in O(log n), not O(n).

A port UUID may be reused by thousands of builds one after the other (a pre-created port),
and every build asks "the first event of this kind on this port within my window".  Scanning
the port's whole list for each build is quadratic; :class:`SortedEvents` keeps the list in
:func:`~stacktwin.logs.templates.order_key` order and answers by bisection, and
:class:`PortIndex` splits a port's events by the instance they name, so a build reads only its
own events and the ones naming no instance.

:class:`NextFree` is the matching tool for "the first value at or after X not taken yet", used
when pairing vif-plugged hops: a union-find over positions, near-constant time per query.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from stacktwin.logs.templates import Event, Kind, order_key


class SortedEvents:
    """Events in time order (untimed last, by file and line), with window queries."""

    __slots__ = ("events", "times")

    def __init__(self, events: Iterable[Event]) -> None:
        self.events = sorted(events, key=order_key)
        self.times = [math.inf if e.timestamp is None else e.timestamp for e in self.events]

    def first(self, lo: float | None, hi: float | None, skew: float) -> Event | None:
        """Same answer as :func:`first` over these events: the earliest
        timestamped event in ``[lo - skew, hi + skew]``, else the first untimed one."""
        times = self.times
        i = 0 if lo is None else bisect_left(times, lo - skew)
        if i < len(times) and times[i] != math.inf and (hi is None or times[i] <= hi + skew):
            return self.events[i]
        j = bisect_left(times, math.inf)
        return self.events[j] if j < len(times) else None


def earliest(*found: Event | None) -> Event | None:
    """The first of several :meth:`SortedEvents.first` answers (timed before untimed)."""
    present = [e for e in found if e is not None]
    return min(present, key=order_key) if present else None


def first(events: Iterable[Event], lo: float | None, hi: float | None, skew: float) -> Event | None:
    """Earliest timestamped event in ``[lo - skew, hi + skew]`` (open bounds when None); else
    the first untimed event (by file and line), if any."""
    best: Event | None = None
    untimed: Event | None = None
    for event in events:
        ts = event.timestamp
        if ts is None:
            if untimed is None or order_key(event) < order_key(untimed):
                untimed = event
            continue
        if lo is not None and ts < lo - skew:
            continue
        if hi is not None and ts > hi + skew:
            continue
        if best is None or order_key(event) < order_key(best):
            best = event
    return best if best is not None else untimed


_EMPTY = SortedEvents(())


class PortIndex:
    """One port's events by kind: all of them, and split by the instance they name."""

    __slots__ = ("all", "by_instance")

    def __init__(self, kinds: dict[Kind, list[Event]]) -> None:
        self.all: dict[Kind, SortedEvents] = {k: SortedEvents(v) for k, v in kinds.items()}
        self.by_instance: dict[Kind, dict[str | None, SortedEvents]] = {}
        for kind, events in kinds.items():
            split: dict[str | None, list[Event]] = {}
            for event in events:
                split.setdefault(event.instance, []).append(event)
            self.by_instance[kind] = {k: SortedEvents(v) for k, v in split.items()}

    def first_any(
        self, kind: Kind, lo: float | None, hi: float | None, skew: float
    ) -> Event | None:
        """The first event of ``kind`` in the window, whatever instance it names."""
        return self.all.get(kind, _EMPTY).first(lo, hi, skew)

    def first_for(
        self, kind: Kind, uuid: str, lo: float | None, hi: float | None, skew: float
    ) -> Event | None:
        """The first event of ``kind`` in the window naming ``uuid`` or no instance (events
        naming another instance are another build's: a reused port)."""
        split = self.by_instance.get(kind)
        if split is None:
            return None
        own = split.get(uuid, _EMPTY).first(lo, hi, skew)
        anonymous = split.get(None, _EMPTY).first(lo, hi, skew)
        return earliest(own, anonymous)


class NextFree:
    """Positions ``0..n-1`` of a sorted list; :meth:`take` hands out the first one not taken
    at or after a position (union-find with path halving: the greedy pairing in linear time)."""

    __slots__ = ("parent",)

    def __init__(self, n: int) -> None:
        self.parent = list(range(n + 1))  # n: "none left"

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def take(self, values: Sequence[float], after: float) -> float | None:
        """The first untaken value ``>= after``, now taken; None when there is none."""
        i = self.find(bisect_left(values, after))
        if i >= len(values):
            return None
        self.parent[i] = i + 1
        return values[i]

    def taken(self, i: int) -> bool:
        return self.find(i) != i
