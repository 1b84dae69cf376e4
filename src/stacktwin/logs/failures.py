"""Failure reasons as nova states them, and the stable keys that group them.

A failure line carries nova's own message and, when logged while an exception was active, the
exception oslo.log appends (``: <ExceptionClass>: <its message>``, dossier §8.1)::

    Unexpected build failure, not rescheduling build.: AttributeError: 'NoneType' object …
    Instance failed to spawn: libvirtError: operation failed: domain 'instance-4' already …
    Setting instance to ERROR state.: NoValidHost_Remote: No valid host was found. …

:func:`reason_key` reduces such a text to *exception class + nova's template*: instance and
other UUIDs become ``<id>``, the exception's own message (which names objects, hosts, domains)
is dropped, ``_Remote`` suffixes of exceptions re-raised over RPC are removed, and text that is
localised (non-ASCII, ``\\xNN`` escapes of Python 2 reprs) is left out so that the same error
in two languages still falls into one group by its exception class.
"""

from __future__ import annotations

import re

from stacktwin.boots import VIF_PLUGGING_TIMEOUT
from stacktwin.logs.envelope import UUID

_UUID = re.compile(UUID)
#: `` <funcName> <path>.py:<line>`` that oslo.log appends to DEBUG records.
_DEBUG_SUFFIX = re.compile(r" \w+ \S+\.py:\d+$")
#: ``: ExceptionClass`` followed by ``: `` or the end: the appended error summary.
_EXC = re.compile(
    r"(?:^|: )(?P<exc>(?:[a-z_]\w*\.)*(?:[A-Z]\w*|[a-z]\w*(?:Error|Exception|Fault)))(?=: |$)"
)
_ESCAPE = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

#: nova's failure templates, English source strings -> the phase they mark (None: no hint).
#: ``nova/compute/manager.py`` ``_do_build_and_run_instance`` / ``_build_and_run_instance`` /
#: ``_build_resources`` (nova 17 and 27), ``nova/conductor/manager.py``,
#: ``nova/scheduler/utils.py``, libvirt ``_wait_for_boot`` through oslo.service's loopingcall.
PHASE_HINTS: tuple[tuple[str, str], ...] = (
    ("Failed to schedule instances", "schedule"),
    ("No valid host was found", "schedule"),
    ("Exceeded maximum number of retries", "schedule"),
    ("Failed to allocate network", "network"),
    ("Failed to allocate the network", "network"),
    ("No more network or fixed IP to be allocated", "network"),
    ("Failure prepping block device", "block_device"),
    ("Instance failed to spawn", "spawn"),
    ("_wait_for_boot' failed", "spawn"),
    ("Could not clean up failed build", "spawn"),
    ("Failure retrieving placement allocations", "build"),
)


def clean(text: str) -> str:
    """One line of failure text: DEBUG suffix and runs of blanks removed."""
    text = _DEBUG_SUFFIX.sub("", text.strip())
    return _SPACES.sub(" ", text).strip()


def split(text: str) -> tuple[str, str | None, str | None]:
    """(nova's message, exception class, exception message) of a failure text.

    The exception is the *first* ``: Class`` whose name starts upper case (or is a dotted path
    ending in one) and is followed by ``: `` or the end; ``aborted: Failed to allocate …`` is
    nova's message, not an exception (``Failed`` is followed by a blank).
    """
    found = _EXC.search(text)
    if found is None:
        return text.strip(), None, None
    head = text[: found.start()].strip()
    exc = found["exc"].rsplit(".", 1)[-1].removesuffix("_Remote")
    rest = text[found.end() :].removeprefix(": ").strip()
    return head, exc, rest or None


def _localised(text: str) -> bool:
    return not text.isascii() or _ESCAPE.search(text) is not None


def template(head: str) -> str:
    """nova's message with UUIDs as ``<id>`` (empty when it is localised)."""
    if _localised(head):
        return ""
    return _SPACES.sub(" ", _UUID.sub("<id>", head)).strip().rstrip(":").strip()


def reason_key(reason: str | None) -> str | None:
    """The stable grouping key of a failure reason: ``Exception: nova's template``."""
    if reason is None or reason == VIF_PLUGGING_TIMEOUT:
        return reason
    head, exc, _rest = split(reason)
    tmpl = template(head)
    if exc and tmpl:
        return f"{exc}: {tmpl}"
    return exc or tmpl or "unknown failure"


def phase_hint(text: str | None) -> str | None:
    """The build phase nova's failure text names, if it names one."""
    if not text:
        return None
    for needle, phase in PHASE_HINTS:
        if needle in text:
            return phase
    return None
