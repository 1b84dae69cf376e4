"""Milestone templates: which log messages mark which point of a boot, per release.

Each template is the message text OpenStack's own code writes
(``docs/domain/openstack-boot-path.md`` §8.2, checked against nova 17 / neutron 12 sources and the
real log sets of ``docs/README.md``).  The wording that changed between releases is listed side
by side, so one table reads Kilo to 2026.x logs.

Only a handful of literal *anchors* (:data:`ANCHORS`) can start a boot-relevant line.  The
scanner finds them in big byte chunks with an Aho-Corasick automaton (C/Rust speed) and only the
few lines holding one are decoded and matched here; every other line of a log is skipped in
bulk.  A template therefore must contain one of the anchors: :func:`match` is only ever called
on such lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from stacktwin.logs.envelope import UUID, LogRecord
from stacktwin.logs.failures import clean

#: A whole UUID in either case (events carry it lower-case).
_UUID = UUID


class Kind(StrEnum):
    """What a matched line says."""

    REQUESTED = "requested"  # nova-api access line of POST /servers (request id -> start time)
    SCHEDULED = "scheduled"  # scheduler claimed resources / conductor selected a host
    BUILD_STARTED = "build_started"  # nova-compute "Starting instance..."
    CLAIMED = "claimed"  # nova-compute "Claim successful on node X" (the host)
    PORT_BOUND = "port_bound"  # nova "Successfully updated port: X" (PUT with binding answered)
    PORT_PUT = "port_put"  # neutron-server access line of PUT /v2.0/ports/X answered 200
    BOUND = "bound"  # neutron-server ML2 "Bound port: X, host: H" (Kilo binds in the POST)
    WAIT_PREPARED = "wait_prepared"  # "Preparing to wait for external event network-vif-plugged-X"
    DEVICE_UP = "device_up"  # neutron-server "Device X up at agent A"
    PORT_ACTIVE = "port_active"  # neutron "New status is: ACTIVE" / "Provisioning complete"
    EVENT_SENT = "event_sent"  # neutron "Sending events: [...network-vif-plugged...]"
    EVENT_REQUEST = "event_request"  # nova-api access line of POST os-server-external-events
    EVENT_API = "event_api"  # nova-api "Creating event network-vif-plugged:X for instance U"
    EVENT_RECEIVED = "event_received"  # nova-compute "Received event network-vif-plugged-X"
    RUNNING = "running"  # "Instance spawned successfully."
    SPAWN_TOOK = "spawn_took"  # "Took N seconds to spawn the instance on the hypervisor."
    BUILD_TOOK = "build_took"  # "Took N seconds to build instance." (ACTIVE)
    TIMEOUT = "timeout"  # vif-plugging deadline expired
    NEUTRON_FAILED = "neutron_failed"  # "Neutron Reported failure on event …"
    SPAWN_FAILED = "spawn_failed"  # "Instance failed to spawn"
    ABORTED = "aborted"  # "Build of instance U aborted: reason"
    TERMINATING = "terminating"  # "Terminating instance" (delete, or cleanup after a failure)
    REJECTED = "rejected"  # nova-api access line of POST /servers answered with an error
    DELETE_REQUESTED = "delete_requested"  # nova-api access line of DELETE /servers/U accepted
    DELETING = "deleting"  # nova-compute handling a delete ("task_state deleting", …)
    BUILD_FAILED = "build_failed"  # "Unexpected build failure, not rescheduling build." & kin
    RESCHEDULED = "rescheduled"  # "Build of instance U was re-scheduled: reason"
    SET_ERROR = "set_error"  # "Setting instance to ERROR state." (conductor) and kin
    SCHEDULE_FAILED = "schedule_failed"  # conductor "Failed to schedule instances" (request id)
    EVENT_REFUSED = "event_refused"  # neutron: nova-api answered the event POST with an error


@dataclass(frozen=True, slots=True)
class Event:
    """One boot-relevant fact read from one line."""

    kind: Kind
    timestamp: float | None
    source: str  # "file:line"
    instance: str | None = None
    port: str | None = None
    request_ids: tuple[str, ...] = ()
    value: float | None = None  # seconds: *_TOOK, REQUESTED's and EVENT_REQUEST's wall time
    text: str | None = None  # host (CLAIMED, EVENT_API), status (EVENT_REQUEST), failure text
    host: str | None = None  # the host a syslog / journald prefix names


def order_key(event: Event) -> tuple[float, str, int]:
    """How events are ordered: time, then file and line (untimed events last)."""
    name, _, line = event.source.rpartition(":")
    ts = event.timestamp
    return (ts if ts is not None else math.inf, name, int(line) if line.isdigit() else 0)


#: Literal byte strings, one of which every relevant line contains.
ANCHORS: tuple[bytes, ...] = (
    b"network-vif-plugged",
    b"Starting instance",
    b"Claim successful",
    b"Successfully updated port",
    b"up at agent",
    b"New status is: ACTIVE",
    b"Provisioning complete for port",
    b"to spawn",
    b"to build instance",
    b"spawned successfully",
    b"Timeout waiting for",
    b"Build of instance",
    b"BuildAbortException: ",
    b'"PUT /v2.0/ports/',
    b"Bound port: ",
    b"Terminating instance",
    b"/servers HTTP",
    b'/servers" status',
    b"Attempting to claim resources",
    b"Selected host",
    b"Unexpected build failure",
    b"will not reschedule",
    b"ERROR state",
    b"Failed to schedule instances",
    b"_wait_for_boot' failed",
    b"task_state deleting",
    b'"DELETE /v2/',  # nova's compute API (neutron's is /v2.0/)
    b'"DELETE /v2.1/',
    b"/os-server-external-events HTTP",
    b'/os-server-external-events" status',
)

_RX_PORT_BOUND = re.compile(rf"Successfully updated port: ({_UUID})")
_RX_WAIT = re.compile(rf"Preparing to wait for external event network-vif-plugged-({_UUID})")
_RX_RECEIVED = re.compile(rf"Received event network-vif-plugged-({_UUID})")
_RX_EVENT_API = re.compile(
    rf"Creating event network-vif-plugged:({_UUID}) for instance ({_UUID})(?: on (\S+))?"
)
_RX_DEVICE_UP = re.compile(rf"Device ({_UUID}) up at agent")
_RX_NEW_ACTIVE = re.compile(rf"Current status of the port ({_UUID}) is: \w+; New status is: ACTIVE")
_RX_PROVISIONED = re.compile(rf"Provisioning complete for port ({_UUID})")
_RX_SENDING = re.compile(r"Sending events: (\[.*)")
_RX_EVENT_LIST = re.compile(r"(?:events?: |Nova event: )([\[{].*)")
_RX_EVENT_DICT = re.compile(r"\{[^{}]*\}")
_RX_EVENT_FIELD = re.compile(r"""['"](name|tag|server_uuid|status)['"]: u?['"]([^'"]*)['"]""")
#: Durations: at most 12 digits before the point, so that every value is a finite float.
_RX_TOOK_SPAWN = re.compile(r"Took (\d{1,12}(?:\.\d+)?) seconds to spawn the instance")
_RX_TOOK_BUILD = re.compile(r"Took (\d{1,12}(?:\.\d+)?) seconds to build instance")
_RX_CLAIM = re.compile(r"Claim successful(?: on node (\S+))?")
_RX_ABORTED = re.compile(rf"Build of instance ({_UUID}) aborted: (.*)")
_RX_ABORT_EXC = re.compile(r"(?:nova\.exception\.)?BuildAbortException: (.*)")
#: nova 16 and older: "…vif plugging callback…"; nova 17-24: "[('network-vif-plugged', 'P')]";
#: nova >= 25: "['network-vif-plugged-P']".
_RX_TIMEOUT = re.compile(
    r"Timeout waiting for (?:vif plugging callback|\[\('network-vif-plugged|\['network-vif-plugged)"
)
_RX_NEUTRON_FAILED = re.compile(rf"Neutron Reported failure on event network-vif-plugged-({_UUID})")
_RX_SPAWN_FAILED = re.compile(r"Instance failed to spawn\b")
_RX_ANY_UUID = re.compile(_UUID)
_RX_BOUND = re.compile(rf"^Bound port: ({_UUID}), host: ([^,\s]+)")
#: eventlet ``neutron.wsgi`` access lines: ``"PUT … HTTP/1.1" status: 200`` (Liberty+) or
#: Kilo's Apache-like ``"PUT /v2.0/ports/P.json HTTP/1.1" 200 …``.
_RX_PORT_PUT = re.compile(
    rf'"PUT /v2\.0/ports/({_UUID})(?:\.json)?(?: HTTP/1\.[01])?"(?: status:)? 200\b'
)
_RX_POST_SERVERS = re.compile(
    r"\"POST /v2(?:\.1)?/(?:[0-9a-fA-F]{32}/)?servers(?: HTTP/1\.[01])?\" status: (\d{3})"
    r"(?:.*time: (\d{1,12}(?:\.\d+)?)(?![\d.]))?"
)
#: nova-api's access line of neutron's event POST, any status (kilo ``/v2/``, the project in
#: the path or not; eventlet's, or under uWSGI nova's ``requestlog`` without ``HTTP/1.1``:
#: :mod:`stacktwin.logs.event_post`).  A ``time:`` that is no plain decimal (``nan``, ``-1``,
#: ``1e9``, cut short) matches nothing: the line is counted as a candidate, no milestone.
_RX_EVENTS_POST = re.compile(
    r"\"POST /v2(?:\.1)?/(?:[^/\s\"]+/)?os-server-external-events(?: HTTP/1\.[01])?\""
    r" status: (\d{3})\b.*? time: (\d{1,12}(?:\.\d+)?)(?![\w.+-])"
)
_RX_DELETE_SERVER = re.compile(
    rf"\"DELETE /v2(?:\.1)?/(?:[0-9a-fA-F]{{32}}/)?servers/({_UUID})(?: HTTP/1\.[01])?\""
    r" status: 20[24]"
)
_RX_RESCHEDULED = re.compile(rf"Build of instance ({_UUID}) was re-scheduled: (.*)")
_RX_SET_ERROR = re.compile(
    r"Setting instance to ERROR state\.|Instance failed to spawn correctly, setting to ERROR"
)
_RX_SCHEDULE_FAILED = re.compile(r"^Failed to schedule instances\b")
_RX_WAIT_FOR_BOOT = re.compile(r"looping call '[\w.]*\._wait_for_boot' failed")
_RX_REFUSED = re.compile(
    r"Failed to notify nova on events: |Nova returned NotFound for event: |"
    r"returned with failed status"
)
_RX_SCHEDULE_CLAIM = re.compile(
    rf"Attempting to claim resources in the placement API for instance ({_UUID})"
)
_RX_SELECTED = re.compile(r"Selected host: ")


def _sent_events(message: str, rx: re.Pattern[str]) -> list[tuple[str, str | None]]:
    """(port, instance) of each network-vif-plugged event in a ``Sending events: [...]`` line.

    The payload is a Python repr of a list of dicts (``u'…'`` strings on Python 2, keys in any
    order); it is read field by field rather than evaluated.
    """
    found = rx.search(message)
    if found is None:
        return []
    out: list[tuple[str, str | None]] = []
    for item in _RX_EVENT_DICT.findall(found.group(1)):
        fields = dict(_RX_EVENT_FIELD.findall(item))
        if fields.get("name") == "network-vif-plugged" and fields.get("tag"):
            out.append((fields["tag"], fields.get("server_uuid")))
    return out


def match(record: LogRecord, source: str) -> list[Event]:
    """The events one log record carries (usually zero or one)."""
    msg = record.message
    ts = record.timestamp
    inst = record.instance
    rids = record.request_ids

    def ev(
        kind: Kind,
        *,
        instance: str | None = inst,
        port: str | None = None,
        value: float | None = None,
        text: str | None = None,
    ) -> Event:
        return Event(
            kind,
            ts,
            source,
            instance.lower() if instance else instance,
            port.lower() if port else port,
            rids,
            value,
            text,
            record.host,
        )

    if "network-vif-plugged" in msg:
        return _match_vif_plugged(record, ev)
    if found := _match_progress(record, ev):
        return found
    if _may_be_failure(record) and (found := _match_failure(record, ev)):
        return found
    return _match_rest(record, ev)


#: Levels no failure exit is logged at (except the two named in :func:`_may_be_failure`).
_QUIET_LEVELS = frozenset({"DEBUG", "INFO", "AUDIT"})


class _Make(Protocol):
    def __call__(
        self,
        kind: Kind,
        *,
        instance: str | None = ...,
        port: str | None = ...,
        value: float | None = ...,
        text: str | None = ...,
    ) -> Event: ...


def _match_vif_plugged(record: LogRecord, ev: _Make) -> list[Event]:
    """The lines naming a ``network-vif-plugged`` event: its refusal by nova-api, nova-compute
    preparing to wait for it and receiving it, nova-api taking it, neutron sending it, and
    the failures and timeout of the wait.  The first template that fits decides."""
    msg = record.message
    inst = record.instance
    if _RX_REFUSED.search(msg):
        # neutron: nova-api answered the POST with an error (or 404): never delivered.
        return [
            ev(Kind.EVENT_REFUSED, instance=server, port=port)
            for port, server in _sent_events(msg, _RX_EVENT_LIST)
        ]
    if m := _RX_WAIT.search(msg):
        return [ev(Kind.WAIT_PREPARED, port=m.group(1))]
    if inst is not None and "pending at deletion" in msg:
        # nova-compute deleting an instance still waiting for its event.
        return [ev(Kind.DELETING)]
    if m := _RX_RECEIVED.search(msg):
        return [ev(Kind.EVENT_RECEIVED, port=m.group(1))]
    if m := _RX_EVENT_API.search(msg):
        return [ev(Kind.EVENT_API, instance=m.group(2), port=m.group(1), text=m.group(3))]
    if "Sending events" in msg:
        return [
            ev(Kind.EVENT_SENT, instance=server, port=port)
            for port, server in _sent_events(msg, _RX_SENDING)
        ]
    if m := _RX_NEUTRON_FAILED.search(msg):
        return [ev(Kind.NEUTRON_FAILED, port=m.group(1))]
    if _RX_TIMEOUT.search(msg):
        return [ev(Kind.TIMEOUT)]
    return []


def _match_progress(record: LogRecord, ev: _Make) -> list[Event]:
    """The milestones of a build on its way (not naming the vif event): the wait's timeout,
    the build's start, the port's device up, active and bound, and the spawn and build
    durations nova-compute logs."""
    msg = record.message
    inst = record.instance
    if _RX_TIMEOUT.search(msg):
        # Icehouse-Ocata name the instance in the text, not in "[instance: …]".
        named = _RX_ANY_UUID.search(msg) if inst is None else None
        return [ev(Kind.TIMEOUT, instance=named.group(0) if named else inst)]
    if msg.startswith("Starting instance"):
        return [ev(Kind.BUILD_STARTED)]
    if m := _RX_DEVICE_UP.search(msg):
        return [ev(Kind.DEVICE_UP, instance=None, port=m.group(1))]
    if m := _RX_NEW_ACTIVE.search(msg):
        return [ev(Kind.PORT_ACTIVE, instance=None, port=m.group(1))]
    if m := _RX_PROVISIONED.search(msg):
        return [ev(Kind.PORT_ACTIVE, instance=None, port=m.group(1))]
    if m := _RX_PORT_BOUND.search(msg):
        return [ev(Kind.PORT_BOUND, port=m.group(1))]
    if m := _RX_TOOK_SPAWN.search(msg):
        return [ev(Kind.SPAWN_TOOK, value=float(m.group(1)))]
    if m := _RX_TOOK_BUILD.search(msg):
        return [ev(Kind.BUILD_TOOK, value=float(m.group(1)))]
    return []


def _may_be_failure(record: LogRecord) -> bool:
    """Whether the line may be a failure exit, which saves trying those templates on the
    quiet lines.

    Failure exits are logged at WARNING and above, but for the re-schedule and
    _init_instance's "setting to ERROR state" (DEBUG) and "Terminating instance" (INFO); a
    line without envelope may be anything.
    """
    msg = record.message
    return (
        record.level not in _QUIET_LEVELS
        or "Build of instance" in msg
        or "reschedul" in msg
        or "ERROR state" in msg
        or msg.startswith("Terminating instance")
    )


def _match_failure(record: LogRecord, ev: _Make) -> list[Event]:
    """Failure exits of the build (nova-compute, conductor) and nova's own cleanup."""
    msg = record.message
    inst = record.instance
    if inst is not None and _RX_SET_ERROR.search(msg):
        return [ev(Kind.SET_ERROR, text=clean(msg))]
    if "Unexpected build failure" in msg or "will not reschedule" in msg:
        # The generic exit, and a re-schedulable failure without retry info (DEBUG).
        return [ev(Kind.BUILD_FAILED, text=clean(msg))]
    if _RX_SPAWN_FAILED.search(msg):
        return [ev(Kind.SPAWN_FAILED, text=clean(msg))]
    if _RX_WAIT_FOR_BOOT.search(msg):
        # oslo.service's loopingcall names the instance only in the exception text.
        named = _RX_ANY_UUID.search(msg) if inst is None else None
        return [ev(Kind.SPAWN_FAILED, instance=named.group(0) if named else inst, text=clean(msg))]
    if m := _RX_ABORTED.search(msg):
        return [ev(Kind.ABORTED, instance=m.group(1), text=clean(msg[m.start() :]))]
    if inst is not None and (m := _RX_ABORT_EXC.match(msg)):
        # The exception line closing the traceback; its text may be localised.
        return [ev(Kind.ABORTED, text=clean("BuildAbortException: " + m.group(1)))]
    if m := _RX_RESCHEDULED.search(msg):
        return [ev(Kind.RESCHEDULED, instance=m.group(1), text=clean(m.group(2)))]
    if _RX_SCHEDULE_FAILED.match(msg):
        return [ev(Kind.SCHEDULE_FAILED, instance=None, text=clean(msg))]
    if msg.startswith("Terminating instance"):
        return [ev(Kind.TERMINATING)]
    return []


def _match_rest(record: LogRecord, ev: _Make) -> list[Event]:
    """The remaining milestones, tried in this order: the build's own steps, nova-api's
    answers, then the scheduler's."""
    return _match_build_steps(record, ev) or _match_api(record, ev) or _match_scheduler(record, ev)


def _match_build_steps(record: LogRecord, ev: _Make) -> list[Event]:
    """nova-compute's spawn success and resource claim, and the port's binding and update."""
    msg = record.message
    if "spawned successfully" in msg:
        return [ev(Kind.RUNNING)]
    if m := _RX_CLAIM.search(msg):
        return [ev(Kind.CLAIMED, text=m.group(1))]
    if m := _RX_BOUND.match(msg):
        return [ev(Kind.BOUND, instance=None, port=m.group(1), text=m.group(2))]
    if m := _RX_PORT_PUT.search(msg):
        return [ev(Kind.PORT_PUT, instance=None, port=m.group(1))]
    return []


def _match_api(record: LogRecord, ev: _Make) -> list[Event]:
    """nova-api's answer to ``POST /servers`` (accepted with its duration, or rejected with
    its status), to neutron's ``POST os-server-external-events`` (its duration and status), its
    ``DELETE`` of a server, and an instance's task state turning to deleting."""
    msg = record.message
    if m := _RX_POST_SERVERS.search(msg):
        if m.group(1) == "202":
            return [ev(Kind.REQUESTED, instance=None, value=float(m.group(2) or 0.0))]
        return [ev(Kind.REJECTED, instance=None, text=m.group(1))]
    if m := _RX_EVENTS_POST.search(msg):
        return [ev(Kind.EVENT_REQUEST, instance=None, value=float(m.group(2)), text=m.group(1))]
    if m := _RX_DELETE_SERVER.search(msg):
        return [ev(Kind.DELETE_REQUESTED, instance=m.group(1))]
    if record.instance is not None and "task_state deleting" in msg:
        return [ev(Kind.DELETING)]
    return []


def _match_scheduler(record: LogRecord, ev: _Make) -> list[Event]:
    """The scheduler's placement claim for an instance, or its choice of a host."""
    msg = record.message
    if m := _RX_SCHEDULE_CLAIM.search(msg):
        return [ev(Kind.SCHEDULED, instance=m.group(1))]
    if record.instance is not None and _RX_SELECTED.search(msg):
        return [ev(Kind.SCHEDULED)]
    return []
