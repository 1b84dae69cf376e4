"""Fast scanning of one log stream for boot-relevant lines.

Most lines of a real OpenStack log say nothing about boots (periodic tasks, SQL, AMQP, heal
cache, agent loops).  :func:`scan` therefore reads big byte chunks, finds the few lines holding a
template anchor (:data:`stacktwin.logs.templates.ANCHORS`) with one Aho-Corasick pass over the
whole chunk (the ``ahocorasick_rs`` library, several GB/s), and decodes and parses only those
lines.  Line numbers are kept exact by counting newlines between candidates (``bytes.count``, C
speed), so every milestone cites ``file:line``.

Bad input is reported, never raised, and what can be read still is:

* a stream whose first bytes are not text (:func:`looks_binary`: the share of control bytes
  and of invalid UTF-8, not one stray byte) is binary, not a log: skipped and reported;
* a run of NUL bytes at the start (the hole ``copytruncate`` rotation leaves in a live log)
  is skipped and reported, and the text after it is traced;
* an empty stream is reported (nothing to trace);
* a timestamp that is no real date or time is reported with its line number, and the line
  read without a time (the first five per stream; the rest are counted);
* invalid UTF-8 is reported with its line number; the line is decoded with replacement
  characters and still traced;
* a line longer than :data:`MAX_LINE_BYTES` is reported and skipped (memory stays bounded);
* a truncated or corrupt compressed stream is reported with the line reached; everything before
  it is traced.
"""

from __future__ import annotations

import lzma
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from ahocorasick_rs import BytesAhoCorasick, MatchKind

from stacktwin.logs.envelope import parse_line
from stacktwin.logs.sources import Problems, Source, service_from_logger
from stacktwin.logs.templates import ANCHORS, Event, match

CHUNK_BYTES = 4 << 20
#: A "line" longer than this is no log record (a dumped blob, a file without newlines): it is
#: reported and skipped so that memory stays bounded.
MAX_LINE_BYTES = 16 << 20
_BINARY_PROBE = 8192
_MAX_UTF8_REPORTS = 5  # per stream; the rest are counted in one message
#: Candidate lines remembered per stream to collapse verbatim repeats (a looping writer, a log
#: concatenated with itself): memory is bounded by the boots, not by repeated lines.
_SEEN_LINES = 8192
_SEEN_LINE_BYTES = 4096

_AUTOMATON = BytesAhoCorasick(list(ANCHORS), matchkind=MatchKind.LeftmostFirst)
#: Ranges at least this long have their newlines counted by numpy (SIMD, ~3x ``bytes.count``).
_NUMPY_COUNT_BYTES = 4096


def _newlines(buf: bytes, arr: np.ndarray | None, lo: int, hi: int) -> int:
    """Newlines in ``buf[lo:hi]``; ``arr`` is ``buf`` seen as bytes by numpy (no copy)."""
    if arr is None or hi - lo < _NUMPY_COUNT_BYTES:
        return buf.count(b"\n", lo, hi)
    return int(np.count_nonzero(arr[lo:hi] == 10))


@dataclass(slots=True)
class ScanStats:
    """What one stream held."""

    bytes_read: int = 0
    lines: int = 0
    candidate_lines: int = 0
    timed_lines: int = 0  # candidate lines with a timestamp
    untimed_lines: int = 0  # candidate oslo lines (level and logger read) without a timestamp
    unenveloped_lines: int = 0  # candidate lines without any envelope (continuations)
    events: int = 0
    service: str | None = None


#: Bytes no text log holds (tab, newlines, form feed and ESC of colour codes excepted).
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 11, 12, 13, 27})) + b"\x7f"


def looks_binary(probe: bytes) -> bool:
    """True when the first bytes of a stream (after any leading NUL run) are not text: more
    than 5% control bytes, or more than 10% of them not UTF-8.  One stray NUL is not enough,
    and a latin-1 log still reads as text."""
    if not probe:
        return False
    controls = len(probe) - len(probe.translate(None, _CONTROL_BYTES))
    if controls * 20 > len(probe):
        return True
    if probe.isascii():
        return False
    replaced = probe.decode("utf-8", "replace").count("\ufffd")
    return replaced * 10 > len(probe)


def _invalid_utf8_lines(chunk: bytes, start: int, limit: int) -> Iterator[int]:
    """Offsets of the starts of the lines holding invalid UTF-8 in ``chunk[start:limit]``."""
    pos = start
    while pos < limit:
        try:
            chunk[pos:limit].decode("utf-8")
            return
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
            line_start = chunk.rfind(b"\n", start, bad) + 1 or start
            yield line_start
            nxt = chunk.find(b"\n", bad, limit)
            if nxt == -1:
                return
            pos = nxt + 1


_READ_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError)


def _read_block(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """About :data:`CHUNK_BYTES` of the stream, and the error that stopped it early if any.

    ``read1`` hands back what each decompressor step produced, so a truncated ``.gz`` still
    yields every byte before the damage (a plain ``read(n)`` would drop the whole last call).
    """
    parts: list[bytes] = []
    size = 0
    read1 = getattr(stream, "read1", None)
    while size < CHUNK_BYTES:
        try:
            piece = (
                read1(CHUNK_BYTES - size) if read1 is not None else stream.read(CHUNK_BYTES - size)
            )
        except _READ_ERRORS as exc:
            return b"".join(parts), exc
        if not piece:
            break
        parts.append(piece)
        size += len(piece)
    return b"".join(parts), None


@dataclass(slots=True)
class _State:
    """Where a stream's scan stands: the line number reached and the UTF-8 reports made."""

    line_no: int = 1
    utf8_reports: int = 0
    utf8_bad: int = 0
    bad_times: int = 0  # lines whose timestamp is no real date or time
    seen: dict[bytes, None] = field(default_factory=dict)  # recent timed candidate lines
    repeated: int = 0  # timed candidate lines identical to a recent one: read once
    first_repeat: int = 0  # the line number of the first of them


def _scan_span(
    buf: bytes,
    lo: int,
    hi: int,
    name: str,
    state: _State,
    stats: ScanStats,
    problems: Problems,
) -> Iterator[Event]:
    """The events of the whole lines ``buf[lo:hi]`` (``hi`` just after a newline).

    Bounds instead of slices: the block is never copied.  ``state.line_no`` is the number of
    the line starting at ``lo`` on entry, of the line starting at ``hi`` on exit.
    """
    if not buf.isascii():
        for offset in _invalid_utf8_lines(buf, lo, hi):
            state.utf8_bad += 1
            if state.utf8_reports < _MAX_UTF8_REPORTS:
                state.utf8_reports += 1
                problems.add(
                    name,
                    "invalid UTF-8 (decoded with replacement characters)",
                    line=state.line_no + buf.count(b"\n", lo, offset),
                )
    pos = lo  # buf offset whose line number is `line_no`
    line_no = state.line_no
    arr = np.frombuffer(buf, dtype=np.uint8) if hi - lo >= _NUMPY_COUNT_BYTES else None
    last_end = -1
    view = buf if (lo, hi) == (0, len(buf)) else memoryview(buf)[lo:hi]
    for _, rel, _end in _AUTOMATON.find_matches_as_indexes(view):
        start = lo + rel
        if start < last_end:
            continue  # another anchor on a line already taken
        line_start = buf.rfind(b"\n", lo, start) + 1 or lo
        line_end = buf.find(b"\n", start, hi)
        line_no += _newlines(buf, arr, pos, line_start)
        pos = line_start
        last_end = line_end + 1
        raw = buf[line_start:line_end]
        seen = state.seen
        if raw in seen:
            if not state.repeated:
                state.first_repeat = line_no
            state.repeated += 1
            continue
        record = parse_line(raw.decode("utf-8", "replace"))
        if record.timestamp is not None and len(raw) <= _SEEN_LINE_BYTES:
            # Only timed lines: untimed ones (continuations, stripped logs) may repeat.
            if len(seen) >= _SEEN_LINES:
                seen.clear()
            seen[raw] = None
        stats.candidate_lines += 1
        if record.timestamp is not None:
            stats.timed_lines += 1
        elif record.logger is not None:
            stats.untimed_lines += 1
        else:
            stats.unenveloped_lines += 1
        if record.bad_time is not None:
            state.bad_times += 1
            if state.bad_times <= _MAX_UTF8_REPORTS:
                problems.add(
                    name,
                    f"invalid timestamp {record.bad_time!r} (no such date or time):"
                    " the line is read without a time",
                    line=line_no,
                )
        if stats.service is None and record.logger:
            stats.service = service_from_logger(record.logger)
        for event in match(record, f"{name}:{line_no}"):
            stats.events += 1
            yield event
    state.line_no = line_no + _newlines(buf, arr, pos, hi)


def scan(
    source: Source,
    problems: Problems,
    stats: ScanStats | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event]:
    """Yield the events of one stream, in file order; ``stats`` is filled as it goes.

    A block is scanned in place; only the line cut by the previous block's end (``carry``)
    is joined with the start of the next one, so no block is copied.
    """
    if stats is None:
        stats = ScanStats()
    stats.service = source.service
    name = source.name
    stream = source.stream
    carry = b""
    state = _State()
    first = True
    hole = 0  # NUL bytes at the start of the stream
    overlong = False  # inside a line longer than MAX_LINE_BYTES
    while True:
        block, error = _read_block(stream)
        if error is not None and stats.bytes_read == 0 and not block:
            problems.add(name, f"cannot decompress ({error}): skipped", skipped=True)
            return
        end = error is not None or not block
        if block:
            if on_bytes is not None:
                on_bytes(len(block))
            stats.bytes_read += len(block)
        if first:
            if block[:1] == b"\x00":
                stripped = block.lstrip(b"\x00")
                hole += len(block) - len(stripped)
                block = stripped
            if not block and not end:
                continue  # the NUL run goes on in the next block
            first = False
            if hole and not block:
                problems.add(
                    name, f"only NUL bytes ({hole}): not a text log: skipped", skipped=True
                )
                return
            if looks_binary(block[:_BINARY_PROBE]):
                problems.add(name, "binary data, not a text log: skipped", skipped=True)
                return
            if hole:
                problems.add(
                    name,
                    f"{hole} NUL bytes before the first line (the hole a copytruncate rotation"
                    " leaves in a live log): skipped",
                    line=1,
                )
        lo = 0
        if overlong:  # drop the rest of a line already reported as too long
            newline = block.find(b"\n")
            if newline == -1:
                lo = len(block)
            else:
                lo = newline + 1
                state.line_no += 1
                overlong = False
        elif carry:
            # The cut line: the carry and the block's first line, as one small buffer.
            newline = block.find(b"\n")
            if newline == -1 and not end:
                carry += block
                lo = len(block)
            else:
                head = carry + (block if newline == -1 else block[: newline + 1])
                if not head.endswith(b"\n"):
                    head += b"\n"
                carry = b""
                lo = len(block) if newline == -1 else newline + 1
                yield from _scan_span(head, 0, len(head), name, state, stats, problems)
        if end:
            hi = len(block)
            if lo < hi and not block.endswith(b"\n"):
                block += b"\n"  # the stream's last line, without its newline
                hi += 1
        else:
            hi = max(block.rfind(b"\n", lo) + 1, lo)
            if not carry:
                carry = block[hi:]
            if len(carry) > MAX_LINE_BYTES:
                problems.add(
                    name,
                    f"line longer than {MAX_LINE_BYTES >> 20} MiB: skipped",
                    line=state.line_no + block.count(b"\n", lo, hi),
                )
                carry = b""
                overlong = True
        yield from _scan_span(block, lo, hi, name, state, stats, problems)
        if error is not None:
            problems.add(
                name,
                f"compressed stream is truncated or corrupt after this line"
                f" ({error or type(error).__name__}); the lines before it were traced",
                line=max(state.line_no - 1, 1),
            )
        if end:
            break
    stats.lines = state.line_no - 1
    if state.repeated:
        problems.add(
            name,
            f"{state.repeated} boot lines repeat an earlier line verbatim (same time, process"
            " and text), the first here: each read once",
            line=state.first_repeat,
        )
    if state.utf8_bad > state.utf8_reports:
        problems.add(name, f"{state.utf8_bad - state.utf8_reports} more lines with invalid UTF-8")
    if state.bad_times > _MAX_UTF8_REPORTS:
        more = state.bad_times - _MAX_UTF8_REPORTS
        problems.add(name, f"{more} more lines with an invalid timestamp")
    if stats.bytes_read == 0:
        problems.add(name, "empty file: nothing to trace", skipped=True)
