"""Fast scanning of one log stream for boot-relevant lines.

Most lines of a real OpenStack log say nothing about boots (periodic tasks, SQL, AMQP, heal
cache, agent loops).  :func:`scan` therefore reads big byte chunks, finds the few lines holding a
template anchor (:data:`stacktwin.logs.templates.ANCHORS`) with one Aho-Corasick pass over the
whole chunk (the ``ahocorasick_rs`` library, several GB/s), and decodes and parses only those
lines.  Line numbers are kept exact by counting newlines between candidates (``bytes.count``, C
speed), so every milestone cites ``file:line``.

Bad input is reported, never raised, and what can be read still is:

* a stream whose first bytes hold NUL bytes is binary, not a log: skipped and reported;
* an empty stream is reported (nothing to trace);
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
from dataclasses import dataclass
from typing import IO

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

_AUTOMATON = BytesAhoCorasick(list(ANCHORS), matchkind=MatchKind.LeftmostFirst)


@dataclass(slots=True)
class ScanStats:
    """What one stream held."""

    bytes_read: int = 0
    lines: int = 0
    candidate_lines: int = 0
    timed_lines: int = 0  # candidate lines with a timestamp
    untimed_lines: int = 0  # candidate oslo lines (level and logger read) without a timestamp
    events: int = 0
    service: str | None = None


def _invalid_utf8_lines(chunk: bytes, limit: int) -> Iterator[int]:
    """Offsets of the starts of the lines holding invalid UTF-8 in ``chunk[:limit]``."""
    pos = 0
    while pos < limit:
        try:
            chunk[pos:limit].decode("utf-8")
            return
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
            line_start = chunk.rfind(b"\n", 0, bad) + 1
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


def scan(
    source: Source,
    problems: Problems,
    stats: ScanStats | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event]:
    """Yield the events of one stream, in file order; ``stats`` is filled as it goes."""
    if stats is None:
        stats = ScanStats()
    stats.service = source.service
    name = source.name
    stream = source.stream
    carry = b""
    line_no = 1  # line number of the first line in `buf`
    first = True
    utf8_reports = 0
    utf8_bad = 0
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
                first = False
                if b"\x00" in block[:_BINARY_PROBE]:
                    problems.add(name, "binary data, not a text log: skipped", skipped=True)
                    return
        buf = carry + block
        carry = b""
        if overlong:  # drop the rest of a line already reported as too long
            newline = buf.find(b"\n")
            if newline == -1:
                buf = b""
            else:
                buf = buf[newline + 1 :]
                line_no += 1
                overlong = False
        # Only buf[:limit] (whole lines) is scanned now; the tail waits for the next block.
        # Bounds instead of slices: no copy of the block.
        if end:
            if buf and not buf.endswith(b"\n"):
                buf += b"\n"
            limit = len(buf)
        else:
            limit = buf.rfind(b"\n") + 1
            carry = buf[limit:]
            if len(carry) > MAX_LINE_BYTES:
                problems.add(
                    name,
                    f"line longer than {MAX_LINE_BYTES >> 20} MiB: skipped",
                    line=line_no + buf.count(b"\n", 0, limit),
                )
                carry = b""
                overlong = True
        if not buf.isascii():
            for offset in _invalid_utf8_lines(buf, limit):
                utf8_bad += 1
                if utf8_reports < _MAX_UTF8_REPORTS:
                    utf8_reports += 1
                    problems.add(
                        name,
                        "invalid UTF-8 (decoded with replacement characters)",
                        line=line_no + buf.count(b"\n", 0, offset),
                    )
        pos = 0  # buf offset whose line number is `line_no`
        last_end = -1
        view = buf if limit == len(buf) else memoryview(buf)[:limit]
        for _, start, _end in _AUTOMATON.find_matches_as_indexes(view):
            if start < last_end:
                continue  # another anchor on a line already taken
            line_start = buf.rfind(b"\n", 0, start) + 1
            line_end = buf.find(b"\n", start, limit)
            line_no += buf.count(b"\n", pos, line_start)
            pos = line_start
            last_end = line_end + 1
            text = buf[line_start:line_end].decode("utf-8", "replace")
            record = parse_line(text)
            stats.candidate_lines += 1
            if record.timestamp is not None:
                stats.timed_lines += 1
            elif record.logger is not None:
                stats.untimed_lines += 1
            if stats.service is None and record.logger:
                stats.service = service_from_logger(record.logger)
            for event in match(record, f"{name}:{line_no}"):
                stats.events += 1
                yield event
        line_no += buf.count(b"\n", pos, limit)
        if error is not None:
            problems.add(
                name,
                f"compressed stream is truncated or corrupt after this line"
                f" ({error or type(error).__name__}); the lines before it were traced",
                line=max(line_no - 1, 1),
            )
        if end:
            break
    stats.lines = line_no - 1
    if utf8_bad > utf8_reports:
        problems.add(name, f"{utf8_bad - utf8_reports} more lines with invalid UTF-8")
    if stats.bytes_read == 0:
        problems.add(name, "empty file: nothing to trace", skipped=True)
