"""Log sources: what one log stream is, where it came from, what wrote it, what went wrong.

:class:`~stacktwin.logs.walk.SourceWalker` turns the operator's paths (files, folders, ``-``
for stdin) into :class:`Source` streams, and :mod:`stacktwin.logs.archives` opens rotated
``.gz``/``.bz2``/``.xz`` files and tar archives as streams, never extracted to disk.

Each source carries the service and host inferred from its path (``nova-compute.log``,
``…/var/log/neutron/server.log``, ``sosreport-<host>-…/``, ``<host>/var/log/…``), which the
operator can override with ``GLOB=VALUE`` rules.  Problems are reported to the caller's
:class:`Problems` with the file named, never raised.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
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
