"""Hostile lines: case and length of UUIDs, syslog/journald prefixes, impossible timestamps,
and property-based fuzzing of the envelope parser, the templates and the scanner.

The fuzz tests run hypothesis's default number of examples (a few seconds); for a longer run
by hand: ``pytest tests/logs/test_hostile_lines.py --hypothesis-profile=long``.
"""

from __future__ import annotations

import calendar
import io
import math
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from stacktwin.logs import trace
from stacktwin.logs.envelope import parse_line, parse_when
from stacktwin.logs.scan import ScanStats, scan
from stacktwin.logs.sources import Problems, Source
from stacktwin.logs.templates import ANCHORS, Kind, match
from tests.logs import synthetic as syn

_UUID_RX = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INST = "e9f7c3e3-9d2e-4a0f-9cd3-8642190c4364"
PORT = "70454f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"


def test_uppercase_uuids_are_read_lowercase(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    plain = trace([root])
    for log in root.rglob("*.log"):
        log.write_text(_UUID_RX.sub(lambda m: m.group(0).upper(), log.read_text()))
    upper = trace([root])
    assert [b.instance for b in upper.boots] == [syn.A, syn.B, syn.C]
    assert [b.milestones for b in upper.boots] == [b.milestones for b in plain.boots]
    assert [b.ports for b in upper.boots] == [b.ports for b in plain.boots]
    assert len(upper.vif_plugged) == len(plain.vif_plugged)
    assert trace([root], instance=syn.B.upper()).boots[0].instance == syn.B


def test_uuids_are_matched_whole() -> None:
    long_inst = "e" + INST  # 9 hex digits first: not a UUID
    rec = parse_line(
        f"2024-03-01 10:00:00.000 1 DEBUG nova.compute.manager [-] [instance: {long_inst}] "
        "Starting instance..."
    )
    assert rec.instance is None
    line = f"2024-03-01 10:00:00.000 1 DEBUG nova.compute.manager [-] [instance: {INST}] "
    assert match(parse_line(line + f"Received event network-vif-plugged-{PORT}0 x"), "f:1") == []
    [event] = match(parse_line(line + f"Received event network-vif-plugged-{PORT} x"), "f:1")
    assert (event.kind, event.port, event.instance) == (Kind.EVENT_RECEIVED, PORT, INST)
    upper = parse_line(
        f"2024-03-01 10:00:00.000 1 INFO nova.compute.manager [req-{INST.upper()} u p] "
        f"[instance: {INST.upper()}] Starting instance..."
    )
    assert (upper.instance, upper.request_ids) == (INST, (f"req-{INST}",))


_OSLO = (
    f"2024-05-01 10:00:00.123 1234 INFO nova.compute.manager [req-{INST} u p - - -] "
    f"[instance: {INST}] Starting instance..."
)


def test_journald_and_syslog_prefixes() -> None:
    expected = calendar.timegm((2024, 5, 1, 10, 0, 0, 0, 0, 0)) + 0.123
    for prefix in (
        "2024-05-01T10:00:00+0000 compute1 nova-compute[1234]: ",
        "2024-05-01T12:00:00.123456+02:00 compute1 nova-compute[1234]: ",
        "May  1 10:00:00 compute1 nova-compute[1234]: ",
        "May 11 10:00:00 compute1 nova-compute: ",
    ):
        rec = parse_line(prefix + _OSLO)
        assert rec.timestamp == expected, prefix
        assert (rec.level, rec.logger, rec.instance, rec.host) == (
            "INFO",
            "nova.compute.manager",
            INST,
            "compute1",
        )
        assert rec.message == "Starting instance..."
    # journald without oslo's own timestamp: the prefix's time, its offset honoured.
    bare = parse_line(
        "2024-05-01T12:00:00.250000+02:00 compute1 nova-compute[1234]: " + _OSLO.split(" ", 2)[2]
    )
    assert bare.timestamp == calendar.timegm((2024, 5, 1, 10, 0, 0, 0, 0, 0)) + 0.25
    assert bare.level == "INFO" and bare.instance == INST
    # Classic syslog has no year: without oslo's timestamp the line has no time.
    classic = parse_line("May  1 10:00:00 compute1 nova-compute[1234]: " + _OSLO.split(" ", 2)[2])
    assert classic.timestamp is None and classic.level == "INFO" and classic.host == "compute1"


def test_impossible_timestamps_are_refused_and_reported(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    good = _OSLO.replace("2024-05-01", "2018-02-28")
    log.write_text(
        f"{good}\n"
        + good.replace("2018-02-28 10:00:00.123", "2018-02-31 10:00:00.123")
        + "\n"
        + good.replace("10:00:00.123", "25:99:99.000")
        + "\n"
    )
    assert parse_line(good.replace("2018-02-28", "2018-02-31")).timestamp is None
    result = trace([log])
    assert [str(p) for p in result.problems.items] == [
        f"{log}:2: invalid timestamp '2018-02-31 10:00:00.123' (no such date or time): the line"
        " is read without a time",
        f"{log}:3: invalid timestamp '2018-02-28 25:99:99.000' (no such date or time): the line"
        " is read without a time",
    ]


def test_parse_when_is_strict_and_takes_offsets() -> None:
    assert parse_when("2024-05-01T12:00+02:00") == parse_when("2024-05-01T10:00")
    assert parse_when("2024-05-01T10:00:00Z") == parse_when("2024-05-01 10:00")
    for bad in ("2018-02-31", "2024-05-01T25:99:99", "yesterday", ""):
        try:
            parse_when(bad)
        except ValueError as exc:
            assert "not an ISO 8601 date or time" in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


# -- fuzzing -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "2024-03-01 10:00:00.000 ",
        "2018-02-31 25:99:99.9 ",
        "2024-05-01T10:00:00+0000 host nova-compute[1]: ",
        "May  1 10:00:00 h p[2]: ",
        "100 ",
        "INFO nova.compute.manager ",
        "[req-" + INST + " u p] ",
        "[instance: " + INST + "] ",
        "[instance: " + INST.upper() + "0] ",
        PORT,
        "\x1b[01;31m",
        "{'name': 'network-vif-plugged', 'tag': u'",
        "'}] ",
        "Took 1e999 seconds to build instance.",
        "Took " + "9" * 400 + " seconds to spawn the instance",
        '"POST /v2.1/servers HTTP/1.1" status: 202 len: 1 time: ' + "9" * 400,
        "\x00",
        "\ufffd",
        " ",
        *(a.decode() for a in ANCHORS),
    ]
)
_LINES = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=12).map("".join)


@given(_LINES)
def test_envelope_and_templates_never_raise(line: str) -> None:
    record = parse_line(line)
    assert record.timestamp is None or math.isfinite(record.timestamp)
    assert record.instance is None or _UUID_RX.fullmatch(record.instance)
    for event in match(record, "f:1"):
        assert event.source == "f:1"
        assert event.instance is None or event.instance == event.instance.lower()
        assert event.port is None or event.port == event.port.lower()
        assert event.value is None or math.isfinite(event.value)


def _scan_bytes(data: bytes) -> tuple[ScanStats, Problems]:
    problems = Problems()
    stats = ScanStats()
    source = Source("fuzz.log", None, None, io.BufferedReader(io.BytesIO(data)))
    for _ in scan(source, problems, stats):
        pass
    return stats, problems


def _check(data: bytes, stats: ScanStats, problems: Problems) -> None:
    skipped = problems.files_skipped > 0
    lines = data.lstrip(b"\x00").count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    for p in problems.items:
        assert p.source == "fuzz.log"
        if p.line is not None:
            assert 1 <= p.line <= max(lines, 1), (p, lines)
    if not skipped and data.lstrip(b"\x00"):
        assert stats.lines == lines


@given(st.binary(max_size=3000))
def test_scan_of_arbitrary_bytes_never_raises(data: bytes) -> None:
    stats, problems = _scan_bytes(data)
    _check(data, stats, problems)


@given(st.lists(_LINES, max_size=20), st.sampled_from(["\n", "\r\n"]))
def test_scan_reports_every_impossible_timestamp_with_its_line(
    lines: list[str], newline: str
) -> None:
    data = newline.join(lines).encode()
    stats, problems = _scan_bytes(data)
    _check(data, stats, problems)
    if problems.files_skipped:
        return
    bad = [
        i + 1
        for i, line in enumerate(data.lstrip(b"\x00").split(b"\n"))
        if any(a in line for a in ANCHORS) and parse_line(line.decode(errors="replace")).bad_time
    ]
    reported = [p.line for p in problems.items if "invalid timestamp" in p.message]
    more = [p for p in problems.items if "more lines with an invalid timestamp" in p.message]
    assert reported == bad[:5]
    assert (len(bad) - 5 if len(bad) > 5 else 0) == sum(int(p.message.split()[0]) for p in more)
