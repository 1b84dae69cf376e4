"""What the boot tracer does not keep but a replay needs: user deletions, nova-compute restarts,
and the compute hosts seen in any line.

One pass over the same paths (:class:`~stacktwin.logs.walk.SourceWalker`: folders, archives,
rotated files), keeping three kinds of line:

- a user's ``DELETE /v2.1/[project/]servers/<uuid>`` answered 2xx in a nova-api access line
  (``nova.osapi_compute.wsgi.server``: eventlet's ``"METHOD PATH HTTP/1.1" status: N``).  nova's
  own cleanup of a failed build never goes through its API, so it is
  not counted; neutron's ``DELETE /v2.0/ports`` are nova's, not the user's, and are not matched;
- ``Starting compute node (version …)``: nova-compute starting (nova 27.1.0
  nova/service.py:156, ``Service.start``: ``Starting %(topic)s node``), on the host of its
  log (path, or syslog prefix);
- any line of a nova-compute or OVS agent log: its host is a compute host of the cloud, boots
  or not (the replay must have as many hosts as the cloud had).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stacktwin.logs.envelope import parse_line
from stacktwin.logs.sources import Problems
from stacktwin.logs.walk import SourceWalker

_DELETE = re.compile(
    r'"DELETE /v2(?:\.1)?/(?:[0-9a-f]{32}/)?servers/([0-9a-f-]{36}) HTTP/[0-9.]+" status: 2\d\d'
)
_START = re.compile(r"Starting compute node \(version ([^)\s]+)\)")
_COMPUTE_SERVICES = ("nova-compute", "neutron-openvswitch-agent")


@dataclass
class TracedEvents:
    """User deletions and nova-compute restarts (epoch seconds), and the compute hosts seen."""

    deletes: list[tuple[float, str]] = field(default_factory=list)
    """(time, instance) of every user DELETE /servers answered 2xx, in time order."""
    restarts: list[tuple[float, str | None]] = field(default_factory=list)
    """(time, host) of every nova-compute start, in time order (host None: not named)."""
    hosts: set[str] = field(default_factory=set)
    """Hosts of nova-compute and OVS agent logs."""
    versions: set[str] = field(default_factory=set)
    """nova versions of the start lines (``17.0.5``, ``2015.1.2-4.el7ost``)."""

    def release(self) -> tuple[str | None, str]:
        """The release the start lines' nova version names, or None, and why."""
        majors = set()
        for version in sorted(self.versions):
            head = version.split(".")[0]
            if not head.isdigit():
                continue
            major = int(head)
            if version.startswith("2015.1"):  # date-style versions: 2015.1 is Kilo (nova 11)
                major = 11
            if major < 100:
                majors.add(major)
        if not majors:
            return None, "no 'Starting compute node (version …)' line names a nova version"
        newest = max(majors)
        what = ", ".join(sorted(self.versions))
        return f"nova{newest}", f"nova-compute start lines: version {what}"


def traced_events(paths: Sequence[str | Path]) -> TracedEvents:
    """The deletions, restarts and compute hosts in ``paths`` (unreadable files are skipped:
    the boot tracer has already said so)."""
    out = TracedEvents()
    walker = SourceWalker([Path(p) for p in paths], Problems())
    for source in walker:
        compute = source.service in _COMPUTE_SERVICES
        if compute and source.host:
            out.hosts.add(source.host)
        for raw in source.stream:
            if b"DELETE /v2" not in raw and b"Starting compute node" not in raw:
                continue
            line = raw.decode("utf-8", "replace")
            record = parse_line(line.rstrip("\n"))
            if record.timestamp is None:
                continue
            host = source.host or record.host
            if (m := _DELETE.search(record.message)) is not None:
                out.deletes.append((record.timestamp, m.group(1)))
            elif (s := _START.search(record.message)) is not None:
                out.restarts.append((record.timestamp, host))
                out.versions.add(s.group(1))
    out.deletes.sort()
    out.restarts.sort(key=lambda r: r[0])
    return out
