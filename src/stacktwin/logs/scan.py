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

from stacktwin.logs.envelope import LogRecord, parse_line
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
    carry: bytes = b""  # the line cut by the previous block's end
    overlong: bool = False  # inside a line longer than MAX_LINE_BYTES
    skipped: bool = False  # the stream is no readable text log: no totals are reported


def _report_invalid_utf8(
    buf: bytes, lo: int, hi: int, name: str, state: _State, problems: Problems
) -> None:
    """Count the lines of ``buf[lo:hi]`` holding invalid UTF-8; report the first few.

    Pure-ASCII spans (nearly all of them) cost one ``isascii`` call.
    """
    if buf.isascii():
        return
    for offset in _invalid_utf8_lines(buf, lo, hi):
        state.utf8_bad += 1
        if state.utf8_reports < _MAX_UTF8_REPORTS:
            state.utf8_reports += 1
            problems.add(
                name,
                "invalid UTF-8 (decoded with replacement characters)",
                line=state.line_no + buf.count(b"\n", lo, offset),
            )


def _is_repeat(raw: bytes, line_no: int, state: _State) -> bool:
    """True when ``raw`` repeats a recent timed candidate line verbatim (then counted, and
    the first repeat's line number kept for the report): such a line is read once."""
    if raw not in state.seen:
        return False
    if not state.repeated:
        state.first_repeat = line_no
    state.repeated += 1
    return True


def _remember(raw: bytes, record: LogRecord, state: _State) -> None:
    """Keep a timed candidate line so that a verbatim repeat of it is skipped.

    Only timed lines: untimed ones (continuations, stripped logs) may repeat.  The memory is
    bounded: at :data:`_SEEN_LINES` lines it starts afresh; longer lines are not kept.
    """
    if record.timestamp is not None and len(raw) <= _SEEN_LINE_BYTES:
        seen = state.seen
        if len(seen) >= _SEEN_LINES:
            seen.clear()
        seen[raw] = None


def _count_line(
    record: LogRecord,
    line_no: int,
    name: str,
    state: _State,
    stats: ScanStats,
    problems: Problems,
) -> None:
    """Tally one candidate line in ``stats`` by its envelope (timed, untimed oslo line, or
    none), report an impossible timestamp, and learn the stream's service from the first
    logger read when the source did not name it."""
    stats.candidate_lines += 1
    if record.timestamp is not None:
        stats.timed_lines += 1
    elif record.logger is not None:
        stats.untimed_lines += 1
    else:
        stats.unenveloped_lines += 1
    if record.bad_time is not None:
        _report_bad_time(record.bad_time, line_no, name, state, problems)
    if stats.service is None and record.logger:
        stats.service = service_from_logger(record.logger)


def _report_bad_time(
    bad_time: str, line_no: int, name: str, state: _State, problems: Problems
) -> None:
    """Count a timestamp that is no real date or time; report the first few per stream."""
    state.bad_times += 1
    if state.bad_times <= _MAX_UTF8_REPORTS:
        problems.add(
            name,
            f"invalid timestamp {bad_time!r} (no such date or time):"
            " the line is read without a time",
            line=line_no,
        )


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
    the line starting at ``lo`` on entry, of the line starting at ``hi`` on exit.  Only the
    lines holding an anchor are decoded; the newlines between them are counted, not split.
    """
    _report_invalid_utf8(buf, lo, hi, name, state, problems)
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
        if _is_repeat(raw, line_no, state):
            continue
        record = parse_line(raw.decode("utf-8", "replace"))
        _remember(raw, record, state)
        _count_line(record, line_no, name, state, stats, problems)
        for event in match(record, f"{name}:{line_no}"):
            stats.events += 1
            yield event
    state.line_no = line_no + _newlines(buf, arr, pos, hi)


def _read_blocks(
    stream: IO[bytes],
    name: str,
    state: _State,
    stats: ScanStats,
    problems: Problems,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[tuple[bytes, BaseException | None, bool]]:
    """``(block, error, end)`` for each block read, ``end`` true for the last one.

    Every byte read is counted in ``stats`` and handed to ``on_bytes`` (a progress bar).  A
    compressed stream that fails before its first byte is reported and skipped.
    """
    while True:
        block, error = _read_block(stream)
        if error is not None and stats.bytes_read == 0 and not block:
            problems.add(name, f"cannot decompress ({error}): skipped", skipped=True)
            state.skipped = True
            return
        end = error is not None or not block
        if block:
            if on_bytes is not None:
                on_bytes(len(block))
            stats.bytes_read += len(block)
        yield block, error, end
        if end:
            return


def _text_blocks(
    blocks: Iterator[tuple[bytes, BaseException | None, bool]],
    name: str,
    state: _State,
    problems: Problems,
) -> Iterator[tuple[bytes, BaseException | None, bool]]:
    """The blocks of a text log: a leading NUL run is cut off (over as many blocks as it
    lasts), and a stream that is only NULs, or whose first bytes are binary, is skipped.
    Only the first block with text is checked; the rest pass through untouched."""
    hole = 0  # NUL bytes at the start of the stream
    for block, error, end in blocks:
        if block[:1] == b"\x00":
            stripped = block.lstrip(b"\x00")
            hole += len(block) - len(stripped)
            block = stripped
        if not block and not end:
            continue  # the NUL run goes on in the next block
        if not _is_text_start(block, hole, name, problems):
            state.skipped = True
            return
        yield block, error, end
        yield from blocks
        return


def _is_text_start(block: bytes, hole: int, name: str, problems: Problems) -> bool:
    """Whether the stream's first text (after a NUL run of ``hole`` bytes) is a text log;
    a skipped stream, or the NUL run before a readable one, is reported."""
    if hole and not block:
        problems.add(name, f"only NUL bytes ({hole}): not a text log: skipped", skipped=True)
        return False
    if looks_binary(block[:_BINARY_PROBE]):
        problems.add(name, "binary data, not a text log: skipped", skipped=True)
        return False
    if hole:
        problems.add(
            name,
            f"{hole} NUL bytes before the first line (the hole a copytruncate rotation"
            " leaves in a live log): skipped",
            line=1,
        )
    return True


def _skip_overlong(block: bytes, state: _State) -> int:
    """Where the block's text resumes after the rest of a line already reported as too long
    (``len(block)`` while that line goes on)."""
    newline = block.find(b"\n")
    if newline == -1:
        return len(block)
    state.line_no += 1
    state.overlong = False
    return newline + 1


def _join_carry(block: bytes, end: bool, state: _State) -> tuple[int, bytes]:
    """Join the line cut by the previous block's end with this block's first line.

    Returns where the block's own whole lines start, and the joined line as one small buffer
    ending in a newline (empty while the cut line goes on past this block, or when there is
    none).  Only that line is copied, never the block.
    """
    if not state.carry:
        return 0, b""
    newline = block.find(b"\n")
    if newline == -1 and not end:
        state.carry += block
        return len(block), b""
    head = state.carry + (block if newline == -1 else block[: newline + 1])
    if not head.endswith(b"\n"):
        head += b"\n"
    state.carry = b""
    return (len(block) if newline == -1 else newline + 1), head


def _last_lines(block: bytes, lo: int) -> tuple[bytes, int]:
    """The stream's last block and the end of its lines: a last line without its newline
    is given one, so that it is scanned like the others."""
    hi = len(block)
    if lo < hi and not block.endswith(b"\n"):
        return block + b"\n", hi + 1
    return block, hi


def _cut_lines(block: bytes, lo: int, name: str, state: _State, problems: Problems) -> int:
    """The end of the block's whole lines; the line cut by the block's end becomes the carry
    (if none is pending), or is reported and dropped when longer than
    :data:`MAX_LINE_BYTES` (the rest of it is then skipped, block after block)."""
    hi = max(block.rfind(b"\n", lo) + 1, lo)
    if not state.carry:
        state.carry = block[hi:]
    if len(state.carry) > MAX_LINE_BYTES:
        problems.add(
            name,
            f"line longer than {MAX_LINE_BYTES >> 20} MiB: skipped",
            line=state.line_no + block.count(b"\n", lo, hi),
        )
        state.carry = b""
        state.overlong = True
    return hi


def _scan_blocks(
    blocks: Iterator[tuple[bytes, BaseException | None, bool]],
    name: str,
    state: _State,
    stats: ScanStats,
    problems: Problems,
) -> Iterator[Event]:
    """The events of a text stream's blocks, each scanned in place between whole lines.

    A block's lines run from just after the line cut by the previous block (scanned first,
    joined with its end) to its last newline; the line it cuts waits for the next block.
    """
    for block, error, end in blocks:
        if state.overlong:
            lo = _skip_overlong(block, state)
        else:
            lo, head = _join_carry(block, end, state)
            if head:
                yield from _scan_span(head, 0, len(head), name, state, stats, problems)
        if end:
            block, hi = _last_lines(block, lo)
        else:
            hi = _cut_lines(block, lo, name, state, problems)
        yield from _scan_span(block, lo, hi, name, state, stats, problems)
        if error is not None:
            problems.add(
                name,
                f"compressed stream is truncated or corrupt after this line"
                f" ({error or type(error).__name__}); the lines before it were traced",
                line=max(state.line_no - 1, 1),
            )


def _report_totals(name: str, state: _State, stats: ScanStats, problems: Problems) -> None:
    """Close a stream's scan: its line count, and one message each for the repeated lines
    and for the invalid UTF-8 and timestamps beyond those reported one by one."""
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


def scan(
    source: Source,
    problems: Problems,
    stats: ScanStats | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event]:
    """Yield the events of one stream, in file order; ``stats`` is filled as it goes.

    Three stages, each a generator: the blocks read (:func:`_read_blocks`), those of a text
    log (:func:`_text_blocks`), and the events of their lines (:func:`_scan_blocks`).  A block
    is scanned in place; only the line cut by the previous block's end (the carry) is joined
    with the start of the next one, so no block is copied.
    """
    if stats is None:
        stats = ScanStats()
    stats.service = source.service
    name = source.name
    state = _State()
    blocks = _read_blocks(source.stream, name, state, stats, problems, on_bytes)
    yield from _scan_blocks(
        _text_blocks(blocks, name, state, problems), name, state, stats, problems
    )
    if not state.skipped:
        _report_totals(name, state, stats, problems)
