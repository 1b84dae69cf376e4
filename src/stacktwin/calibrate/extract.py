"""The workload of a trace: hosts, boot arrivals and ports, and what the trace does not say.

Only boots with a ``requested`` milestone (nova-api's ``POST /servers``) are replayed: their
times, relative to the first, become ``workload.arrivals.boots``.  User deletions and
nova-compute restarts come from the same logs (:mod:`.events`) and are replayed at their times;
the hosts are those of the boots and of every nova-compute or OVS agent log, and a boot whose
host the trace names is replayed on it (``workload.arrivals.hosts``).  What the logs do
not say is listed in :attr:`TracedWorkload.notes` rather than invented (a restart whose host is
not named); the VMs running before the trace come from the base scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stacktwin.boots import Boot, Milestone
from stacktwin.calibrate.events import TracedEvents
from stacktwin.twin import Scenario, parse_scenario


class CalibrationError(ValueError):
    """Calibration cannot go on (no boots, a bad split); the message says why."""


@dataclass
class TracedWorkload:
    """The boots of a trace, in request order, and the workload they imply.

    A part of a trace (:func:`split`) is *measured* on its own boots but *replayed* with the
    whole trace: the boots of the other part still load the cloud while this part's are in
    flight (at high load the last fitted boots queue behind the first held-out ones).  Their
    request times are the workload, known from the trace; only this part's hop latencies
    are compared.
    """

    boots: list[Boot]
    """The measured boots (whose hops are compared)."""
    start: float
    """Epoch seconds of the first replayed boot request (time 0 of the replay)."""
    hosts: list[str]
    notes: list[str] = field(default_factory=list)
    replayed: list[Boot] = field(default_factory=list)
    """Every boot replayed, in request order (empty: :attr:`boots`)."""
    offset: int = 0
    """Index of the first measured boot among :attr:`replayed`."""
    deletes: list[float] = field(default_factory=list)
    """Epoch seconds of the user deletions replayed (from :attr:`start` on)."""
    restarts: list[tuple[float, int]] = field(default_factory=list)
    """(epoch seconds, host index in :attr:`hosts`) of the nova-compute restarts replayed."""
    release: str | None = None
    """The release replayed and how it was chosen (None: not decided yet)."""

    def summary(self) -> dict[str, Any]:
        """What is replayed, for ``fit.json``: counts, hosts, the release and its basis."""
        return {
            "boots_replayed": len(self.load),
            "boots_measured": len(self.boots),
            "deletes": len(self.deletes),
            "restarts": len(self.restarts),
            "hosts": self.hosts,
            "pinned_to_traced_hosts": sum(h is not None for h in self.pinned),
            "release": self.release,
        }

    @property
    def load(self) -> list[Boot]:
        """The boots replayed: :attr:`replayed`, or the measured ones."""
        return self.replayed or self.boots

    @property
    def window(self) -> tuple[int, int]:
        """The measured boots' indices among those replayed, as a slice ``(start, stop)``."""
        return self.offset, self.offset + len(self.boots)

    @property
    def arrivals(self) -> list[float]:
        """Seconds of each measured boot request from :attr:`start`."""
        return [b.milestones[Milestone.REQUESTED.value] - self.start for b in self.boots]

    @property
    def pinned(self) -> list[int | None]:
        """The traced host of each replayed boot, as its number in :attr:`hosts` (None: the
        trace does not name it, and the twin's scheduler places it)."""
        index = {h: i for i, h in enumerate(self.hosts)}
        return [index.get(b.host) if b.host else None for b in self.load]

    @property
    def ports(self) -> list[int]:
        """Ports of each replayed boot (a boot whose ports were not seen counts 1, said in
        the notes)."""
        return [min(16, max(1, len(b.ports))) for b in self.load]

    def scenario(self, base: Scenario, name: str) -> Scenario:
        """``base`` with this workload: hosts, no steady arrivals, the traced boots replayed.
        The VMs running before the trace are not in the logs: ``base``'s ``cloud.instances``
        (the operator's statement of the cloud) is kept."""
        data = base.model_dump()
        data["name"] = name
        data["cloud"]["hosts"] = max(1, len(self.hosts))
        arrivals = [b.milestones[Milestone.REQUESTED.value] - self.start for b in self.load]
        data["workload"] = {
            "arrivals": {
                "boots": arrivals,
                "ports": self.ports,
                "hosts": self.pinned if any(h is not None for h in self.pinned) else [],
                "deletes": [t - self.start for t in self.deletes],
                "restarts": [{"at": t - self.start, "host": h} for t, h in self.restarts],
            }
        }
        probe = parse_scenario({**data, "duration": 30 * 86_400.0}, name)
        assert probe.workload.arrivals is not None
        from stacktwin.twin.replay import replay_times

        times = replay_times(probe.workload.arrivals, probe.idle_limit())
        data["duration"] = max((t for ts in times.values() for t in ts), default=0.0) + 1.0
        return parse_scenario(data, name)


def extract_workload(boots: Sequence[Boot], events: TracedEvents | None = None) -> TracedWorkload:
    """The workload of traced ``boots`` and ``events`` (None: the logs were not scanned for
    them); raises :class:`CalibrationError` with no boot usable."""
    usable = [b for b in boots if b.at(Milestone.REQUESTED) is not None]
    if not usable:
        raise CalibrationError(
            f"none of the {len(boots)} traced boots has a POST /servers time (nova-api log): "
            "nothing to replay"
        )
    usable.sort(key=lambda b: b.milestones[Milestone.REQUESTED.value])
    notes: list[str] = []
    if len(usable) < len(boots):
        notes.append(
            f"{len(boots) - len(usable)} of {len(boots)} boots have no POST /servers time "
            "(no nova-api log line) and are not replayed"
        )
    start = usable[0].milestones[Milestone.REQUESTED.value]
    seen = {b.host for b in usable if b.host} | (events.hosts if events else set())
    hosts = sorted(seen)
    if not hosts:
        notes.append("no compute host named in the trace: 1 host assumed")
    elif events is not None and len(hosts) > len({b.host for b in usable if b.host}):
        notes.append(
            f"{len(hosts)} compute hosts: those of the boots and of every nova-compute or OVS "
            "agent log"
        )
    portless = sum(1 for b in usable if not b.ports)
    if portless:
        notes.append(f"{portless} boots with no port seen are replayed with 1 port")
    work = TracedWorkload(boots=usable, start=start, hosts=hosts, notes=notes)
    if events is None:
        notes.append("user deletions and nova-compute restarts: not scanned; none replayed")
    else:
        _events(work, events)
    pinned = sum(1 for b in usable if b.host)
    notes.append(
        f"{pinned} of {len(usable)} replayed boots requested on their traced hosts (nova's "
        "requested host); "
        + (
            f"{len(usable) - pinned} with no traced host placed by the twin's scheduler"
            if pinned < len(usable)
            else "none left to the twin's scheduler"
        )
    )
    return work


def _events(work: TracedWorkload, events: TracedEvents) -> None:
    """Add the deletions and restarts from :attr:`start` on to ``work``, saying what is not."""
    notes = work.notes
    work.deletes = [t for t, _ in events.deletes if t >= work.start]
    early = len(events.deletes) - len(work.deletes)
    notes.append(
        f"{len(work.deletes)} user DELETE /servers replayed"
        + (f" ({early} before the first boot request: not replayed)" if early else "")
    )
    index = {h: i for i, h in enumerate(work.hosts)}
    unnamed = before = 0
    for t, host in events.restarts:
        if t < work.start:
            before += 1
        elif host in index:
            work.restarts.append((t, index[host]))
        elif host is None and len(work.hosts) <= 1:
            work.restarts.append((t, 0))
        else:
            unnamed += 1
    said = f"{len(work.restarts)} nova-compute restarts replayed ('Starting compute node')"
    if before:
        said += f"; {before} before the first boot request not replayed (the replay starts fresh)"
    if unnamed:
        said += f"; {unnamed} on a host not named in their log not replayed"
    notes.append(said)


def split(
    work: TracedWorkload, holdout: float | None = None, at: float | None = None
) -> tuple[TracedWorkload, TracedWorkload]:
    """The boots requested before and after a point: the last ``holdout`` fraction, or the
    epoch second ``at``.  Both parts replay every boot of ``work`` and measure their own
    (:class:`TracedWorkload`).  Raises :class:`CalibrationError` when either part is empty."""
    n = len(work.boots)
    if holdout is not None:
        if not 0 < holdout < 1:
            raise CalibrationError(f"--holdout {holdout:g}: a fraction between 0 and 1")
        cut = n - max(1, round(n * holdout))
        what = f"--holdout {holdout:g}"
    elif at is not None:
        cut = sum(1 for t in work.arrivals if work.start + t < at)
        what = f"--split {at:.3f}"
    else:
        raise CalibrationError("split: give a holdout fraction or a time")
    if cut < 1 or cut >= n:
        raise CalibrationError(
            f"{what}: leaves {cut} boots to fit and {n - cut} to validate, of {n}; each part "
            "needs at least one boot"
        )
    parts = []
    for lo, hi in ((0, cut), (cut, n)):
        parts.append(
            TracedWorkload(
                boots=work.boots[lo:hi],
                start=work.start,
                hosts=work.hosts,
                notes=work.notes,
                replayed=work.boots,
                offset=lo,
                deletes=work.deletes,
                restarts=work.restarts,
                release=work.release,
            )
        )
    return parts[0], parts[1]
