"""The operator's paths -> log streams: files, folders, ``-`` (stdin), archives.

* a folder is walked recursively in sorted order (deterministic output); symbolic links to
  folders are followed, each real folder read once (a link back up is no loop);
* the same file reached twice (a folder given twice, a link, a hard link) is read once, and
  said so: counting its boots twice would be a wrong answer;
* only regular files are opened: a FIFO, socket or device is reported, never opened (opening
  a FIFO blocks until a writer comes);
* whatever cannot be listed, searched or opened (permissions, dangling links, missing paths)
  is reported with its path, and the rest is traced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from stacktwin.logs.archives import Opener, peekable
from stacktwin.logs.sources import (
    Override,
    Problems,
    Source,
    host_from_path,
    service_from_path,
)

#: The name stdin's lines are cited under (``<stdin>:12``).
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    size: int


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


class SourceWalker:
    """Turns the operator's paths into :class:`Source` streams."""

    def __init__(
        self,
        paths: Sequence[Path],
        problems: Problems,
        service_overrides: Sequence[Override] = (),
        host_overrides: Sequence[Override] = (),
        stdin: IO[bytes] | None = None,
    ) -> None:
        self.paths = list(paths)
        self.problems = problems
        self.service_overrides = list(service_overrides)
        self.host_overrides = list(host_overrides)
        self.stdin = stdin

    def total_bytes(self) -> int:
        """On-disk size of every file to read (for a progress bar)."""
        return sum(f.size for f in _Walk(self.paths, Problems()) if f is not None)

    def _source(self, name: str, stream: IO[bytes], raw: IO[bytes] | None) -> Source:
        service = service_from_path(name)
        for rule in self.service_overrides:
            if rule.applies(name):
                service = rule.value
        host = host_from_path(name)
        for rule in self.host_overrides:
            if rule.applies(name):
                host = rule.value
        return Source(name, service, host, stream, raw)

    def __iter__(self) -> Iterator[Source]:
        opener = Opener(self.problems, self._source)
        for file in _Walk(self.paths, self.problems):
            if file is None:
                stdin = self.stdin if self.stdin is not None else sys.stdin.buffer
                yield from opener.sources(STDIN_NAME, peekable(stdin), None)
                continue
            try:
                raw = open(file.path, "rb")  # noqa: SIM115 - closed by the `with raw` below
            except OSError as exc:
                self.problems.add(file.path, f"cannot open: {_why(exc)}", skipped=True)
                continue
            with raw:
                yield from opener.sources(file.path, raw, raw)


class _Walk:
    """One walk over the paths: each regular file once (None stands for stdin)."""

    def __init__(self, paths: Sequence[Path], problems: Problems) -> None:
        self.paths = paths
        self.problems = problems
        self.files: dict[tuple[int, int], str] = {}  # (device, inode) -> first path
        self.folders: dict[tuple[int, int], str] = {}
        self.stdin = False

    def __iter__(self) -> Iterator[_File | None]:
        for path in self.paths:
            name = str(path)
            if name == "-":
                if self.stdin:
                    self.problems.add(STDIN_NAME, "'-' given more than once: stdin read once")
                else:
                    self.stdin = True
                    yield None
                continue
            try:
                st = os.stat(name)
            except FileNotFoundError as exc:
                if os.path.lexists(name):
                    message = f"cannot open: {_why(exc)} (a dangling symbolic link)"
                else:
                    message = "no such file or folder"
                self.problems.add(name, message, skipped=True)
                continue
            except OSError as exc:
                self.problems.add(name, f"cannot open: {_why(exc)}", skipped=True)
                continue
            yield from self._entry(name, st)

    def _entry(self, name: str, st: os.stat_result) -> Iterator[_File]:
        if stat.S_ISDIR(st.st_mode):
            yield from self._folder(name, st)
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            first = self.files.get(key)
            if first is not None:
                self.problems.add(name, f"same file as {first}, already read: read once")
                return
            self.files[key] = name
            yield _File(name, st.st_size)
        else:
            self.problems.add(
                name, f"{_kind(st.st_mode)}, not a log file: not opened", skipped=True
            )

    def _folder(self, name: str, st: os.stat_result) -> Iterator[_File]:
        key = (st.st_dev, st.st_ino)
        first = self.folders.get(key)
        if first is not None:
            self.problems.add(name, f"same folder as {first}, already read: read once")
            return
        self.folders[key] = name
        try:
            with os.scandir(name) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.problems.add(name, f"cannot list folder: {_why(exc)}", skipped=True)
            return
        for entry in entries:
            try:
                entry_st = entry.stat()  # follows symbolic links
            except OSError as exc:
                dangling = False
                with contextlib.suppress(OSError):
                    dangling = entry.is_symlink() and not os.path.exists(entry.path)
                why = "a dangling symbolic link" if dangling else _why(exc)
                self.problems.add(entry.path, f"cannot open: {why}", skipped=True)
                continue
            yield from self._entry(entry.path, entry_st)
