"""neutron's nova notifier: one batching sender per neutron-server process.

``neutron/notifiers/batch_notifier.py`` since Train (dossier §2.3): the first event queued
after idle is sent at once; while a POST is in flight or in the ``send_events_interval`` sleep
after it, new events pile up and go out together in the next POST.  So one process sends at
most one ``POST /os-server-external-events`` per (POST duration + ``send_events_interval``),
and a slow nova-api directly throttles that process's events.  A failed POST drops its events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stacktwin.boots import Milestone
from stacktwin.twin.engine import ProcessGenerator, Timeout

if TYPE_CHECKING:
    from stacktwin.twin.model import Twin
    from stacktwin.twin.state import Port

#: (event name, port) as queued by neutron.
NovaEvent = tuple[str, "Port"]

VIF_PLUGGED = "network-vif-plugged"
NETWORK_CHANGED = "network-changed"
VIF_DELETED = "network-vif-deleted"


class Notifier:
    """The ``BatchNotifier`` of one neutron-server process."""

    __slots__ = ("batches", "busy", "queue", "twin")

    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        self.queue: list[NovaEvent] = []
        self.busy = False
        self.batches = 0

    def queue_event(self, name: str, port: Port) -> None:
        """``Notifier.queue_event``: send now if idle, else in the next batch."""
        self.queue.append((name, port))
        if not self.busy:
            self.busy = True
            self.twin.env.process(self._send_loop())

    def _send_loop(self) -> ProcessGenerator:
        twin = self.twin
        interval = float(twin.scenario.neutron.DEFAULT.send_events_interval)
        setup = twin.costs.notifier_client_setup
        while self.queue:
            batch, self.queue = self.queue, []
            self.batches += 1
            now = twin.env.now
            for name, port in batch:
                if name == VIF_PLUGGED:
                    port.state.mark(Milestone.EVENT_SENT, now)
            if setup:
                yield Timeout(
                    twin.service(setup, "notifier")
                )  # novaclient + keystone session, then the POST
            yield twin.env.process(twin.nova_api.external_events(batch))
            yield Timeout(interval)
        self.busy = False
