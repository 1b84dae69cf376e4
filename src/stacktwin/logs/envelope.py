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
* syslog and journald prefixes before the oslo line: ``journalctl -o short-iso``'s
  ``2024-05-01T10:00:00+0000 host nova-compute[1234]: <oslo line>`` and classic syslog's
  ``May  1 10:00:00 host nova-compute[1234]: <oslo line>``; the prefix's host is kept, and its
  time is used when the oslo line carries none (short-iso only: classic syslog has no year);
* ANSI colour codes (devstack's colourised journal);
* lines without any oslo timestamp (continuations of multi-line records, cut lines): the
  record is still returned with ``timestamp=None`` so that what it says is kept, while every
  latency that needs its time stays unknown.

Timestamps carry no zone in oslo.log; they are read as UTC so that arithmetic between hosts is
exact when hosts share a zone (the usual case).  A container prefix with a ``Z`` timestamp is
only used when no oslo timestamp follows it.  A timestamp that is no real date or time
(``2018-02-31``, ``25:99:99``) is never normalised: the line is read without a time and
:attr:`LogRecord.bad_time` names what was wrong, for the scanner to report.

UUIDs (instance, request id) are matched whole -- 36 characters between non-hex characters,
so a 37-digit run is no UUID -- in either case, and returned lower-case.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

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
_HEX = "0-9A-Fa-f"
#: A UUID, whole: not inside a longer run of hex digits.
UUID = (
    rf"(?<![{_HEX}])[{_HEX}]{{8}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{12}}"
    rf"(?![{_HEX}])"
)
_REQ = re.compile(
    rf"req-[{_HEX}]{{8}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{4}}-[{_HEX}]{{12}}(?![{_HEX}])"
)
_INSTANCE = re.compile(rf"\[instance: (?P<uuid>{UUID})\] ?")
#: syslog / journald prefix: ``<short-iso or "Mon dd hh:mm:ss"> host program[pid]: ``.
_SYSLOG = re.compile(
    r"(?:(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?)"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d)"
    r" (?P<host>[A-Za-z0-9][\w.-]*) [^\s\[\]:]+(?:\[\d+\])?: "
)

_MIDNIGHT: dict[str, int | None] = {}  # None: no such date


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One parsed log line."""

    timestamp: float | None  # epoch seconds (UTC reading), None when the line carries none
    level: str | None
    logger: str | None
    request_ids: tuple[str, ...]  # in order of appearance: global first when there are two
    instance: str | None  # from ``[instance: UUID]``
    message: str
    host: str | None = None  # from a syslog / journald prefix
    bad_time: str | None = None  # a timestamp that is no real date or time, as written


def _epoch(date: str, h: str, m: str, s: str, frac: str | None) -> float | None:
    """Epoch seconds of a UTC reading; None when it is no real date or time."""
    if date in _MIDNIGHT:
        midnight = _MIDNIGHT[date]
    else:
        try:
            y, mo, d = int(date[0:4]), int(date[5:7]), int(date[8:10])
            valid = 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]
            midnight = calendar.timegm((y, mo, d, 0, 0, 0, 0, 0, 0)) if valid else None
        except ValueError:
            midnight = None
        if len(_MIDNIGHT) > 100_000:
            _MIDNIGHT.clear()
        _MIDNIGHT[date] = midnight
    hours, minutes, seconds = int(h), int(m), int(s)
    if midnight is None or hours > 23 or minutes > 59 or seconds > 60:  # 60: a leap second
        return None
    value = float(midnight + hours * 3600 + minutes * 60 + seconds)
    if frac:
        value += int(frac) / 10 ** len(frac)
    return value


def parse_when(text: str) -> float:
    """Epoch seconds of an ISO 8601 date or time (``2024-05-01``, ``2024-05-01T10:00``,
    ``…:00.5Z``, ``…+02:00``); without an offset it is read as UTC.  Raises ValueError with
    the reason when the text is no real date or time (``2018-02-31``, ``T25:99:99``)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
        raise ValueError(f"not an ISO 8601 date or time{reason}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def parse_iso(text: str) -> float | None:
    """:func:`parse_when`, or None for a text that is no date or time."""
    try:
        return parse_when(text)
    except ValueError:
        return None


def _prefix_time(iso: str) -> float | None:
    """A syslog short-iso prefix time (offset honoured)."""
    try:
        return datetime.fromisoformat(iso.replace(",", ".")).timestamp()
    except ValueError:
        return None


def parse_line(line: str) -> LogRecord:
    """Parse one log line of any supported variant.

    Never raises: a line that matches no envelope comes back with ``timestamp=None`` and the
    whole (colour-stripped) text as its message.
    """
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    line = line.rstrip("\r\n")
    syslog = _SYSLOG.match(line) if line[:1].isalnum() else None
    if syslog is None:
        return _parse(line, None)
    record = _parse(line[syslog.end() :], syslog["host"])
    if record.timestamp is None and record.bad_time is None and syslog["iso"]:
        when = _prefix_time(syslog["iso"])
        if when is not None:
            return _replace_time(record, when)
    return record


def _replace_time(record: LogRecord, when: float) -> LogRecord:
    return LogRecord(
        when,
        record.level,
        record.logger,
        record.request_ids,
        record.instance,
        record.message,
        record.host,
    )


def _parse(line: str, host: str | None) -> LogRecord:
    oslo = _OSLO.search(line)
    if oslo is None and (bare := _BARE.match(line)) is not None:
        return _record(line, None, bare["level"], bare["logger"], bare.end(), host, None)
    if oslo is None:
        iso = _ISO.match(line)
        timestamp = None
        bad = None
        rest = line
        if iso is not None:
            timestamp = _epoch(iso["date"], iso["h"], iso["m"], iso["s"], (iso["frac"] or "")[:6])
            bad = iso.group(0) if timestamp is None else None
            rest = line[iso.end() :]
        instance = _INSTANCE.search(rest)
        return LogRecord(
            timestamp=timestamp,
            level=None,
            logger=None,
            request_ids=tuple(r.lower() for r in _REQ.findall(rest)),
            instance=instance["uuid"].lower() if instance else None,
            message=rest.strip(),
            host=host,
            bad_time=bad,
        )
    timestamp = _epoch(oslo["date"], oslo["h"], oslo["m"], oslo["s"], oslo["frac"])
    bad = None
    if timestamp is None:
        bad = line[oslo.start("date") : oslo.end("frac") if oslo["frac"] else oslo.end("s")]
    return _record(line, timestamp, oslo["level"], oslo["logger"], oslo.end(), host, bad)


def _record(
    line: str,
    timestamp: float | None,
    level: str,
    logger: str,
    pos: int,
    host: str | None,
    bad_time: str | None,
) -> LogRecord:
    """The record of an oslo line whose envelope ends at ``pos`` (context and instance next)."""
    request_ids: tuple[str, ...] = ()
    ctx = _CONTEXT.match(line, pos)
    if ctx is not None:
        request_ids = tuple(r.lower() for r in _REQ.findall(ctx["ctx"]))
        pos = ctx.end()
    instance_uuid = None
    inst = _INSTANCE.match(line, pos)
    if inst is not None:
        instance_uuid = inst["uuid"].lower()
        pos = inst.end()
    return LogRecord(
        timestamp=timestamp,
        level="WARNING" if level == "WARN" else level,
        logger=logger,
        request_ids=request_ids,
        instance=instance_uuid,
        message=line[pos:],
        host=host,
        bad_time=bad_time,
    )
