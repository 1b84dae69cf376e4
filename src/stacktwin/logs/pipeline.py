"""``stacktwin trace`` end to end: sources -> scanned events -> correlated boots.

:func:`trace` is what the CLI calls.  Memory stays flat whatever the input size: streams are
read in fixed chunks, irrelevant lines are never decoded, and only boot-relevant events (a few
per port and per instance) are kept for correlation.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from stacktwin.boots import Boot, Summary, summarize
from stacktwin.logs.correlate import Correlator, VifPlugged
from stacktwin.logs.scan import ScanStats, scan
from stacktwin.logs.sources import Override, Problems
from stacktwin.logs.walk import SourceWalker


@dataclass(slots=True)
class TraceResult:
    """Boots found, vif-plugged sequences, and what was read or skipped."""

    boots: list[Boot]
    vif_plugged: list[VifPlugged]
    problems: Problems
    files_read: int = 0
    bytes_read: int = 0
    lines_read: int = 0
    candidate_lines: int = 0
    unenveloped_lines: int = 0  # boot-relevant lines without an envelope (continuations)
    services: dict[str, int] = field(default_factory=dict)  # service -> streams
    streams_without_timestamps: int = 0  # streams none of whose boot lines has a timestamp
    streams_with_boot_lines: int = 0
    requests_accepted: int = 0  # POST /servers answered 202
    requests_rejected: int = 0  # POST /servers answered with an error (no boot)
    fragments: list[str] = field(default_factory=list)  # builds whose start was not given

    def notes(self) -> list[str]:
        """What the reader of the summary must know about the input, said once."""
        out = []
        untimed, streams = self.streams_without_timestamps, self.streams_with_boot_lines
        if untimed and untimed == streams:
            out.append(
                "the logs carry no timestamps: no hop latency can be computed (outcomes,"
                " reasons, hosts and nova's own 'Took N seconds' are read from the text)"
            )
        elif untimed:
            out.append(
                f"{untimed} of {streams} log streams carry no timestamps: their lines give"
                " outcomes, reasons and hosts but no hop latency"
            )
        if self.fragments:
            out.append(
                f"{len(self.fragments)} builds end in these logs but start in logs not given"
                " (the previous file or folder): not counted as boots; trace both together"
            )
        return out

    @property
    def usable(self) -> bool:
        """False when nothing at all could be read (the command then exits non-zero)."""
        return self.files_read > 0

    def summary(self) -> Summary:
        """The shared boot summary plus what the tracer read and skipped."""
        out = summarize(self.boots)
        out["vif_plugged"] = {
            "sequences": len(self.vif_plugged),
            "complete": sum(1 for v in self.vif_plugged if v.complete),
        }
        out["input"] = {
            "files_read": self.files_read,
            "bytes_read": self.bytes_read,
            "lines_read": self.lines_read,
            "candidate_lines": self.candidate_lines,
            "candidate_lines_without_envelope": self.unenveloped_lines,
            "services": dict(sorted(self.services.items())),
            "files_skipped": self.problems.files_skipped,
            "lines_with_problems": self.problems.lines_with_problems,
            "problems": [str(p) for p in self.problems.items],
            "problems_not_listed": self.problems.not_kept,
            "streams_without_timestamps": self.streams_without_timestamps,
            "fragments": list(self.fragments),
            "requests": {"accepted": self.requests_accepted, "rejected": self.requests_rejected},
            "notes": self.notes(),
        }
        return out


def trace(
    paths: Sequence[Path],
    *,
    instance: str | None = None,
    since: float | None = None,
    until: float | None = None,
    service_overrides: Sequence[Override] = (),
    host_overrides: Sequence[Override] = (),
    skew: float = 1.0,
    on_progress: Callable[[int], None] | None = None,
    on_status: Callable[[int, int], None] | None = None,
    stdin: IO[bytes] | None = None,
) -> TraceResult:
    """Trace every boot in the given files, folders and archives.

    ``instance`` keeps one boot; ``since``/``until`` (epoch seconds) keep boots whose first
    milestone falls in the window.  ``on_progress`` is called with the number of on-disk
    (compressed) bytes consumed since its last call, ``on_status`` after each stream with the
    streams read and the instances seen so far.  ``-`` among the paths reads ``stdin``
    (default: the process's standard input).  Problems with the input are collected in the
    result, never raised.
    """
    problems = Problems()
    walker = SourceWalker(paths, problems, service_overrides, host_overrides, stdin=stdin)
    correlator = Correlator(skew=skew)
    result = TraceResult(boots=[], vif_plugged=[], problems=problems)
    services: Counter[str] = Counter()
    meter = _ProgressMeter(on_progress)
    for source in walker:
        stats = ScanStats()
        before = problems.files_skipped
        try:
            for event in scan(source, problems, stats, partial(_block_read, meter, source.raw)):
                correlator.add(event, source.host or event.host)
        finally:
            meter.update(source.raw)
            source.stream.close()
        if problems.files_skipped == before:
            result.files_read += 1
            services[stats.service or "unknown"] += 1
        if stats.timed_lines or stats.untimed_lines:
            result.streams_with_boot_lines += 1
            if not stats.timed_lines:
                result.streams_without_timestamps += 1
        result.bytes_read += stats.bytes_read
        result.lines_read += stats.lines
        result.candidate_lines += stats.candidate_lines
        result.unenveloped_lines += stats.unenveloped_lines
        if on_status is not None:
            on_status(result.files_read, len(correlator.instance_events))
    meter.close()
    result.services = dict(services)
    boots = correlator.boots(services_read=services.keys())
    result.requests_accepted = len(correlator.requests)
    result.requests_rejected = correlator.rejected
    result.fragments = correlator.fragments()
    if instance is not None:
        instance = instance.strip().lower()
        boots = [b for b in boots if b.instance == instance]
    if since is not None or until is not None:
        boots = [b for b in boots if _in_window(b, since, until)]
    result.boots = boots
    vifs = correlator.vif_plugged()
    if instance is not None:
        vifs = [v for v in vifs if v.instance == instance]
    result.vif_plugged = vifs
    return result


class _ProgressMeter:
    """Turns positions in the on-disk files into "bytes consumed" increments.

    Several sources may share one on-disk file (members of a tar archive); a new file starts
    at 0, and what is left of the previous file (trailing padding, unread tail) is reported
    when the next one starts or at :meth:`close`.
    """

    def __init__(self, report: Callable[[int], None] | None) -> None:
        self.report = report
        self.raw: IO[bytes] | None = None
        self.pos = 0
        self.size = 0

    def update(self, raw: IO[bytes] | None) -> None:
        if self.report is None or raw is None:
            return
        if raw is not self.raw:
            self.close()
            self.raw, self.pos = raw, 0
            try:
                self.size = os.fstat(raw.fileno()).st_size
            except (OSError, ValueError):
                self.size = 0
        with contextlib.suppress(OSError, ValueError):
            pos = raw.tell()
            if pos > self.pos:
                self.report(pos - self.pos)
                self.pos = pos

    def close(self) -> None:
        if self.report is not None and self.raw is not None and self.size > self.pos:
            self.report(self.size - self.pos)
            self.pos = self.size


def _block_read(meter: _ProgressMeter, raw: IO[bytes] | None, _size: int) -> None:
    meter.update(raw)


def _in_window(boot: Boot, since: float | None, until: float | None) -> bool:
    if not boot.milestones:
        return False
    first = min(boot.milestones.values())
    return (since is None or first >= since) and (until is None or first <= until)
