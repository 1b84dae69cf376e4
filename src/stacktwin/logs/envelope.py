"""The oslo.log line envelope: timestamp, pid, level, logger, request ids, instance, message.

Every OpenStack service logs through oslo.log, whose context format is (dossier §8.1)::

    2018-06-26 06:22:15.348 16356 DEBUG nova.compute.manager [req-… user project - d d]
        [instance: e9f7c3e3-…] Received event network-vif-plugged-70454f4c-… <funcName> <path>

The variants met in real logs, all taken by :func:`parse_line`:

* ``AUDIT`` level and ``[req-UUID None]`` contexts (Kilo);
* ``[None req-… admin admin]`` (devstack), ``[req-GLOBAL req-LOCAL …]`` (oslo.log ≥ 4.8);
* ``[-]`` for records without a request context (neutron's notifier thread);
* container prefixes before the oslo line, e.g. Sunbeam's pebble
  ``2025-05-14T04:27:20.100Z [wsgi-nova-api] 2025-05-14 04:27:20.100583 <oslo line>``;
* ANSI colour codes (devstack's colourised journal);
* lines without any oslo timestamp (continuations of multi-line records, cut lines): the
  record is still returned with ``timestamp=None`` so that what it says is kept, while every
  latency that needs its time stays unknown.

Timestamps carry no zone in oslo.log; they are read as UTC so that arithmetic between hosts is
exact when hosts share a zone (the usual case).  A container prefix with a ``Z`` timestamp is
only used when no oslo timestamp follows it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

#: ``YYYY-MM-DD HH:MM:SS[.fff] PID LEVEL logger`` anywhere in the line (after any prefix).
_OSLO = re.compile(
    r"(?P<date>\d{4}-\d\d-\d\d) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,6}))?"
    r" +(?P<pid>\d+) +(?P<level>DEBUG|INFO|AUDIT|WARNING|WARN|ERROR|CRITICAL|TRACE)"
    r" +(?P<logger>\S+) ?"
)
#: The same envelope with the timestamp stripped (some collectors drop it):
#: ``[PID ]LEVEL logger [context] [instance: U] message`` at the start of the line.
_BARE = re.compile(
    r"^(?:\d+ +)?(?P<level>DEBUG|INFO|AUDIT|WARNING|WARN|ERROR|CRITICAL|TRACE)"
    r" +(?P<logger>[A-Za-z_][\w.]*) ?"
)
#: ISO-8601 container/journal prefix: ``2025-05-14T04:23:56.572Z``.
_ISO = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d)T(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d{1,9}))?Z?"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CONTEXT = re.compile(r"\[(?P<ctx>(?:None |-|req-)[^\]]*)\] ?")
_REQ = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INSTANCE = re.compile(
    r"\[instance: (?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\] ?"
)

_MIDNIGHT: dict[str, int] = {}


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One parsed log line."""

    timestamp: float | None  # epoch seconds (UTC reading), None when the line carries none
    level: str | None
    logger: str | None
    request_ids: tuple[str, ...]  # in order of appearance: global first when there are two
    instance: str | None  # from ``[instance: UUID]``
    message: str


def _epoch(date: str, h: str, m: str, s: str, frac: str | None) -> float | None:
    midnight = _MIDNIGHT.get(date)
    if midnight is None:
        try:
            y, mo, d = int(date[0:4]), int(date[5:7]), int(date[8:10])
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                return None
            midnight = calendar.timegm((y, mo, d, 0, 0, 0, 0, 0, 0))
        except ValueError:
            return None
        _MIDNIGHT[date] = midnight
    seconds = int(h) * 3600 + int(m) * 60 + int(s)
    value = float(midnight + seconds)
    if frac:
        value += int(frac) / 10 ** len(frac)
    return value


def parse_iso(text: str) -> float | None:
    """Epoch seconds of an ISO-8601 ``YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z]`` text read as UTC."""
    match = re.fullmatch(
        r"(\d{4}-\d\d-\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?Z?", text.strip()
    )
    if match is None:
        return None
    date, h, m, s, frac = match.groups()
    return _epoch(date, h or "00", m or "00", s or "00", frac)


def parse_line(line: str) -> LogRecord:
    """Parse one log line of any supported variant.

    Never raises: a line that matches no envelope comes back with ``timestamp=None`` and the
    whole (colour-stripped) text as its message.
    """
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    line = line.rstrip("\r\n")
    oslo = _OSLO.search(line)
    if oslo is None and (bare := _BARE.match(line)) is not None:
        return _record(line, None, bare["level"], bare["logger"], bare.end())
    if oslo is None:
        iso = _ISO.match(line)
        timestamp = None
        rest = line
        if iso is not None:
            timestamp = _epoch(iso["date"], iso["h"], iso["m"], iso["s"], (iso["frac"] or "")[:6])
            rest = line[iso.end() :]
        instance = _INSTANCE.search(rest)
        return LogRecord(
            timestamp=timestamp,
            level=None,
            logger=None,
            request_ids=tuple(_REQ.findall(rest)),
            instance=instance["uuid"] if instance else None,
            message=rest.strip(),
        )
    timestamp = _epoch(oslo["date"], oslo["h"], oslo["m"], oslo["s"], oslo["frac"])
    return _record(line, timestamp, oslo["level"], oslo["logger"], oslo.end())


def _record(line: str, timestamp: float | None, level: str, logger: str, pos: int) -> LogRecord:
    """The record of an oslo line whose envelope ends at ``pos`` (context and instance next)."""
    request_ids: tuple[str, ...] = ()
    ctx = _CONTEXT.match(line, pos)
    if ctx is not None:
        request_ids = tuple(_REQ.findall(ctx["ctx"]))
        pos = ctx.end()
    instance_uuid = None
    inst = _INSTANCE.match(line, pos)
    if inst is not None:
        instance_uuid = inst["uuid"]
        pos = inst.end()
    return LogRecord(
        timestamp=timestamp,
        level="WARNING" if level == "WARN" else level,
        logger=logger,
        request_ids=request_ids,
        instance=instance_uuid,
        message=line[pos:],
    )
