"""Log sources: files, folders, rotated ``.gz``/``.bz2``/``.xz`` files and tar archives.

:func:`open_sources` walks what the operator named and yields one :class:`Source` per log
stream, already decompressed, never extracted to disk:

* a folder is walked recursively in sorted order (deterministic output);
* compression is recognised by its magic bytes, not only by the file name (``.gz``, ``.bz2``,
  ``.xz``); a compressed file inside a tar archive is decompressed as well;
* a tar archive (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``, sosreport style)
  is read as a stream (``tarfile`` mode ``r|*``): one member after the other;
* a member whose name escapes the archive (``../``, absolute path) is not read: it is reported.

Each source carries the service and host inferred from its path (``nova-compute.log``,
``…/var/log/neutron/server.log``, ``sosreport-<host>-…/``, ``<host>/var/log/…``), which the
operator can override with ``GLOB=VALUE`` rules.  Problems are reported to the caller's
:class:`Problems` with the file named, never raised.
"""

from __future__ import annotations

import bz2
import contextlib
import fnmatch
import gzip
import lzma
import os
import re
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

#: (pattern over the lower-cased path, service).  First match wins.
_SERVICE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"nova-api-metadata|nova_api_metadata"), "nova-api-metadata"),
    (re.compile(r"nova-api|nova_api|nova-osapi"), "nova-api"),
    (re.compile(r"nova-compute|nova_compute"), "nova-compute"),
    (re.compile(r"nova-conductor|nova_conductor"), "nova-conductor"),
    (re.compile(r"nova-scheduler|nova_scheduler"), "nova-scheduler"),
    (
        re.compile(r"openvswitch-agent|ovs-agent|ovs_neutron_agent|neutron_ovs_agent"),
        "neutron-openvswitch-agent",
    ),
    (re.compile(r"dhcp-agent|dhcp_agent"), "neutron-dhcp-agent"),
    (
        re.compile(r"neutron-server|neutron_server|neutron/server|neutron-rpc-server"),
        "neutron-server",
    ),
)

#: Which service writes a logger's records: the fallback when the path says nothing.
_LOGGER_RULES: tuple[tuple[str, str], ...] = (
    ("nova.api.", "nova-api"),
    ("nova.osapi_compute", "nova-api"),
    ("nova.compute.", "nova-compute"),
    ("nova.virt.", "nova-compute"),
    ("nova.network.", "nova-compute"),
    ("nova.conductor", "nova-conductor"),
    ("nova.scheduler", "nova-scheduler"),
    ("neutron.plugins.ml2.drivers.openvswitch.agent", "neutron-openvswitch-agent"),
    ("neutron.agent.dhcp", "neutron-dhcp-agent"),
    ("neutron.", "neutron-server"),
)

_HOST_PATTERNS = (
    re.compile(r"sosreport-(?P<host>[A-Za-z0-9.-]+?)-(?:\d|[0-9a-f]{6,}|[A-Za-z]+-\d)"),
    re.compile(r"(?:^|/)(?P<host>[^/]+)/var/log/"),
)

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the input that could not be read (fully): named, counted, reported."""

    source: str
    line: int | None
    message: str
    skipped_file: bool = False  # the whole file (or archive member) was skipped

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


#: Problems kept one by one; beyond this they are only counted (memory stays bounded).
MAX_PROBLEMS_KEPT = 1000


@dataclass(slots=True)
class Problems:
    """Problems met while reading, in the order met: the first :data:`MAX_PROBLEMS_KEPT`
    kept, all counted (files skipped, lines with problems) as they are added."""

    items: list[Problem] = field(default_factory=list)
    total: int = 0
    files_skipped: int = 0
    lines_with_problems: int = 0
    limit: int = MAX_PROBLEMS_KEPT

    def add(
        self, source: str, message: str, line: int | None = None, skipped: bool = False
    ) -> None:
        self.total += 1
        self.files_skipped += skipped
        self.lines_with_problems += line is not None
        if len(self.items) < self.limit:
            self.items.append(Problem(source, line, message, skipped))

    @property
    def not_kept(self) -> int:
        """Problems counted but not kept one by one."""
        return self.total - len(self.items)


@dataclass(frozen=True, slots=True)
class Override:
    """``GLOB=VALUE``: files whose path matches GLOB get VALUE as service (or host)."""

    pattern: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Override:
        if "=" not in text:
            raise ValueError(f"expected GLOB=VALUE, got {text!r}")
        pattern, value = text.split("=", 1)
        if not pattern or not value:
            raise ValueError(f"expected GLOB=VALUE, got {text!r}")
        return cls(pattern, value)

    def applies(self, name: str) -> bool:
        return fnmatch.fnmatch(name, self.pattern) or fnmatch.fnmatch(
            os.path.basename(name.split("!")[-1]), self.pattern
        )


@dataclass(frozen=True, slots=True)
class Source:
    """One log stream: where it came from and what wrote it."""

    name: str  # path, or "archive.tar.gz!member/path"
    service: str | None
    host: str | None
    stream: IO[bytes]
    raw: IO[bytes] | None = None  # the on-disk file under the stream (progress: raw.tell())


def service_from_path(name: str) -> str | None:
    """The service that wrote a log file, read from its path (None when the path says nothing)."""
    low = name.lower().replace("\\", "/")
    base = low.rsplit("/", 1)[-1]
    for rx, service in _SERVICE_RULES:
        if rx.search(base):
            return service
    for rx, service in _SERVICE_RULES:
        if rx.search(low):
            return service
    if re.search(r"(^|/)neutron/[^/]*server[^/]*$", low):
        return "neutron-server"
    return None


def service_from_logger(logger: str) -> str | None:
    """The service whose code owns a logger name (``nova.compute.manager`` -> nova-compute)."""
    for prefix, service in _LOGGER_RULES:
        if logger.startswith(prefix):
            return service
    return None


def host_from_path(name: str) -> str | None:
    """The host a log was collected on, from a sosreport or ``<host>/var/log/`` path."""
    norm = name.replace("\\", "/")
    for rx in _HOST_PATTERNS:
        if m := rx.search(norm):
            return m.group("host")
    return None


def _decompressed(raw: IO[bytes], name: str) -> IO[bytes]:
    """Wrap a stream in the decompressor its magic bytes call for (``raw`` must peek)."""
    peek = getattr(raw, "peek", None)
    head = peek(6)[:6] if peek is not None else b""
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(raw, mode="rb")
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def _is_tar_name(name: str) -> bool:
    low = name.lower()
    return low.endswith(_TAR_SUFFIXES)


def _unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or bool(re.match(r"^[A-Za-z]:", name))


class SourceWalker:
    """Turns the operator's paths into :class:`Source` streams."""

    def __init__(
        self,
        paths: Sequence[Path],
        problems: Problems,
        service_overrides: Sequence[Override] = (),
        host_overrides: Sequence[Override] = (),
    ) -> None:
        self.paths = list(paths)
        self.problems = problems
        self.service_overrides = list(service_overrides)
        self.host_overrides = list(host_overrides)

    def total_bytes(self) -> int:
        """On-disk size of every file to read (for a progress bar)."""
        total = 0
        for path in self.paths:
            for file in self._files(path, report=False):
                with contextlib.suppress(OSError):
                    total += file.stat().st_size
        return total

    def _files(self, path: Path, report: bool = True) -> Iterator[Path]:
        if path.is_dir():
            try:
                entries = sorted(path.rglob("*"))
            except OSError as exc:
                if report:
                    self.problems.add(
                        str(path), f"cannot list folder: {exc.strerror or exc}", skipped=True
                    )
                return
            for entry in entries:
                if entry.is_file():
                    yield entry
        elif path.exists() or path.is_symlink():
            yield path
        elif report:
            self.problems.add(str(path), "no such file or folder", skipped=True)

    def _source(self, name: str, stream: IO[bytes], raw: IO[bytes]) -> Source:
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
        for path in self.paths:
            for file in self._files(path):
                yield from self._open_file(file)

    def _open_file(self, file: Path) -> Iterator[Source]:
        name = str(file)
        try:
            raw = open(file, "rb")  # noqa: SIM115 - closed by the `with raw` below
        except OSError as exc:
            self.problems.add(name, f"cannot open: {exc.strerror or exc}", skipped=True)
            return
        with raw:
            if _is_tar_name(name):
                yield from self._tar_members(name, raw)
                return
            try:
                stream = _decompressed(raw, name)
            except OSError as exc:
                self.problems.add(name, f"cannot read: {exc}", skipped=True)
                return
            yield self._source(name, stream, raw)

    def _tar_members(self, name: str, raw: IO[bytes]) -> Iterator[Source]:
        try:
            archive = tarfile.open(fileobj=raw, mode="r|*")  # noqa: SIM115 - closed below
        except (tarfile.TarError, OSError, EOFError) as exc:
            self.problems.add(name, f"not a readable tar archive: {exc}", skipped=True)
            return
        try:
            for member in archive:
                if not member.isfile():
                    continue
                member_name = f"{name}!{member.name}"
                if _unsafe_member(member.name):
                    self.problems.add(
                        member_name,
                        "archive member name escapes the archive (../ or absolute): not read",
                        skipped=True,
                    )
                    continue
                extracted = archive.extractfile(member)
                if extracted is None:
                    continue
                try:
                    stream = _decompressed(extracted, member_name)
                except OSError as exc:
                    self.problems.add(member_name, f"cannot read: {exc}", skipped=True)
                    continue
                yield self._source(member_name, stream, raw)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            self.problems.add(name, f"tar archive is damaged or truncated: {exc}", skipped=True)
        finally:
            archive.close()
