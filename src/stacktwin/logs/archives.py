"""Compressed files and tar archives, opened as streams (never extracted to disk).

* compression is recognised by its magic bytes, not only by the file name (``.gz``, ``.bz2``,
  ``.xz``); a compressed file inside a tar archive is decompressed as well;
* a tar archive (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``, sosreport style,
  or any stream whose header says ``ustar``) is read as a stream (``tarfile`` mode ``r|*``):
  one member after the other; a tar inside a tar is read the same way, up to
  :data:`MAX_TAR_DEPTH` levels;
* a member whose name escapes the archive (``../``, absolute path) is not read: it is
  reported; so are symbolic links (never followed), devices and FIFOs (not logs), and hard
  links (their target, read earlier in the archive, is the same content: read once).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO

from stacktwin.logs.sources import Problems, Source

#: How deep tar archives may nest inside each other (a tar of tars of …) before one is not read.
MAX_TAR_DEPTH = 3

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError)

#: Makes the :class:`Source` of a stream: (name, decompressed stream, on-disk stream).
MakeSource = Callable[[str, IO[bytes], IO[bytes] | None], Source]


def peekable(stream: IO[bytes]) -> IO[bytes]:
    """The stream itself when it can peek, else a buffered reader over it (stdin in tests)."""
    if hasattr(stream, "peek"):
        return stream
    return io.BufferedReader(stream)  # type: ignore[type-var]


def _peek(stream: IO[bytes], size: int) -> bytes:
    peek = getattr(stream, "peek", None)
    return bytes(peek(size)[:size]) if peek is not None else b""


def decompressed(raw: IO[bytes]) -> IO[bytes]:
    """Wrap a stream in the decompressor its magic bytes call for (``raw`` must peek)."""
    head = _peek(raw, 6)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(raw, mode="rb")
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def is_tar_name(name: str) -> bool:
    return name.lower().endswith(_TAR_SUFFIXES)


def _is_tar_stream(stream: IO[bytes]) -> bool:
    """True when the stream starts with a POSIX/GNU tar header (``ustar`` at offset 257)."""
    try:
        head = _peek(stream, 512)
    except _ARCHIVE_ERRORS:
        return False  # a damaged compressed stream: the scanner reports it
    return head[257:262] == b"ustar"


def unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or bool(re.match(r"^[A-Za-z]:", name))


class Opener:
    """Opens one file, archive member or stdin as its log sources."""

    def __init__(self, problems: Problems, make: MakeSource) -> None:
        self.problems = problems
        self.make = make

    def sources(
        self, name: str, stream: IO[bytes], raw: IO[bytes] | None, depth: int = 0
    ) -> Iterator[Source]:
        """The sources of one stream: itself decompressed, or the members of its archive."""
        if is_tar_name(name):
            yield from self._members(name, stream, raw, "r|*", depth)
            return
        try:
            plain = decompressed(stream)
        except _ARCHIVE_ERRORS as exc:
            self.problems.add(name, f"cannot read: {exc}", skipped=True)
            return
        if _is_tar_stream(plain):
            yield from self._members(name, plain, raw, "r|", depth)
            return
        yield self.make(name, plain, raw)

    def _members(
        self, name: str, stream: IO[bytes], raw: IO[bytes] | None, mode: str, depth: int
    ) -> Iterator[Source]:
        if depth >= MAX_TAR_DEPTH:
            self.problems.add(
                name, f"tar archive nested more than {MAX_TAR_DEPTH} deep: not read", skipped=True
            )
            return
        try:
            # Closed in the `finally` below.
            if mode == "r|*":
                archive = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115
            else:
                archive = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115
        except _ARCHIVE_ERRORS as exc:
            self.problems.add(name, f"not a readable tar archive: {exc}", skipped=True)
            return
        read: set[str] = set()
        try:
            for member in archive:
                if member.isdir():
                    continue
                member_name = f"{name}!{member.name}"
                why = self._not_read(member, name, read)
                if why is not None:
                    self.problems.add(member_name, why, skipped=True)
                    continue
                extracted = archive.extractfile(member)
                if extracted is None:
                    self.problems.add(member_name, "archive member has no data: not read")
                    continue
                read.add(member.name)
                with extracted:
                    yield from self.sources(member_name, extracted, raw, depth + 1)
        except _ARCHIVE_ERRORS as exc:
            self.problems.add(name, f"tar archive is damaged or truncated: {exc}", skipped=True)
        finally:
            archive.close()

    @staticmethod
    def _not_read(member: tarfile.TarInfo, name: str, read: set[str]) -> str | None:
        """Why a member is not read (None: read it)."""
        if unsafe_member(member.name):
            return "archive member name escapes the archive (../ or absolute): not read"
        if member.issym():
            return f"symbolic link to {member.linkname} in the archive: not followed"
        if member.islnk():
            if member.linkname in read:
                return f"hard link to {name}!{member.linkname}, already read: read once"
            return f"hard link to {name}!{member.linkname}, which was not read: not read"
        if member.ischr() or member.isblk():
            return "device file in the archive: not a log, not read"
        if member.isfifo():
            return "FIFO in the archive: not a log, not read"
        if not member.isfile():
            return f"archive member of type {member.type!r}: not a log, not read"
        return None
