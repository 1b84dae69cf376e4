"""The workload of a trace: hosts, boot arrivals and ports, and what the trace does not say.

Only boots with a ``requested`` milestone (nova-api's ``POST /servers``) are replayed: their
times, relative to the first, become ``workload.arrivals.boots``.  What the tracer does not
expose is listed in :attr:`TracedWorkload.notes` rather than invented: the times of user
deletions (the tracer marks a boot *deleted* on a ``DELETE /servers`` line but keeps no time),
nova-compute restarts, and the instances already running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from stacktwin.boots import Boot, Milestone, Outcome
from stacktwin.twin import Scenario, parse_scenario


class CalibrationError(ValueError):
    """Calibration cannot go on (no boots, a bad split); the message says why."""


@dataclass
class TracedWorkload:
    """The boots of a trace, in request order, and the workload they imply."""

    boots: list[Boot]
    start: float
    """Epoch seconds of the first boot request (time 0 of the replay)."""
    hosts: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def arrivals(self) -> list[float]:
        """Seconds of each boot request from :attr:`start`."""
        return [b.milestones[Milestone.REQUESTED.value] - self.start for b in self.boots]

    @property
    def ports(self) -> list[int]:
        """Ports of each boot (a boot whose ports were not seen counts 1, said in the notes)."""
        return [min(16, max(1, len(b.ports))) for b in self.boots]

    def scenario(self, base: Scenario, name: str) -> Scenario:
        """``base`` with this workload: hosts, no steady arrivals, the traced boots replayed."""
        data = base.model_dump()
        data["name"] = name
        data["cloud"]["hosts"] = max(1, len(self.hosts))
        data["cloud"]["instances"] = 0
        arrivals = self.arrivals
        data["workload"] = {"arrivals": {"boots": arrivals, "ports": self.ports}}
        probe = parse_scenario({**data, "duration": 30 * 86_400.0}, name)
        assert probe.workload.arrivals is not None
        from stacktwin.twin.replay import replay_times

        times = replay_times(probe.workload.arrivals, probe.idle_limit())["boots"]
        data["duration"] = max(times, default=0.0) + 1.0
        return parse_scenario(data, name)


def extract_workload(boots: Sequence[Boot]) -> TracedWorkload:
    """The workload of traced ``boots``; raises :class:`CalibrationError` with none usable."""
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
    hosts = sorted({b.host for b in usable if b.host})
    if not hosts:
        notes.append("no compute host named in the trace: 1 host assumed")
    portless = sum(1 for b in usable if not b.ports)
    if portless:
        notes.append(f"{portless} boots with no port seen are replayed with 1 port")
    deleted = sum(1 for b in boots if b.outcome is Outcome.DELETED)
    if deleted:
        notes.append(
            f"{deleted} boots were deleted by their user, but the tracer keeps no time for a "
            "DELETE /servers: deletions are not replayed"
        )
    notes.append("nova-compute restarts: the tracer does not report them; none replayed")
    notes.append("instances running before the trace: not in the logs; the replay starts with 0")
    start = usable[0].milestones[Milestone.REQUESTED.value]
    return TracedWorkload(boots=usable, start=start, hosts=hosts, notes=notes)


def split(
    work: TracedWorkload, holdout: float | None = None, at: float | None = None
) -> tuple[TracedWorkload, TracedWorkload]:
    """The boots requested before and after a point: the last ``holdout`` fraction, or the
    epoch second ``at``.  Raises :class:`CalibrationError` when either part is empty."""
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
    for chunk in (work.boots[:cut], work.boots[cut:]):
        part = extract_workload(chunk)
        part.notes = work.notes
        part.hosts = work.hosts
        parts.append(part)
    return parts[0], parts[1]
