"""neutron's nova notifier: one batching sender per neutron-server process.

``neutron/notifiers/batch_notifier.py`` since Train (dossier §2.3): the first event queued
after idle is sent at once; while a POST is in flight or in the ``send_events_interval`` sleep
after it, new events pile up and go out together in the next POST.  So one process sends at
most one ``POST /os-server-external-events`` per (POST duration + ``send_events_interval``),
and a slow nova-api directly throttles that process's events.  A failed POST (nova-api answers
500: its database refused a connection or its pool timed out) drops its events, as
``neutron/notifiers/nova.py`` ``send_events`` does (22.0.0, lines 278-293: logged, not
retried); the boots that waited for them wait out their ``vif_plugging_timeout``.

The notifier knows nova-api only as the ``post`` it is given (nova's endpoint in the keystone
catalogue): a generator function that serves one POST of a batch.
"""

from __future__ import annotations

from collections.abc import Callable

from stacktwin.boots import Milestone
from stacktwin.twin.context import Context
from stacktwin.twin.kernel import ProcessGenerator, Timeout
from stacktwin.twin.state import Port

#: (event name, port) as queued by neutron.
NovaEvent = tuple[str, Port]
#: ``POST /os-server-external-events`` on nova-api, served as a process: True if answered,
#: False for an error response.
PostEvents = Callable[[list[NovaEvent]], ProcessGenerator]

VIF_PLUGGED = "network-vif-plugged"
NETWORK_CHANGED = "network-changed"
VIF_DELETED = "network-vif-deleted"


class Notifier:
    """The ``BatchNotifier`` of one neutron-server process."""

    __slots__ = ("batches", "busy", "ctx", "post", "queue")

    def __init__(self, ctx: Context, post: PostEvents) -> None:
        self.ctx = ctx
        self.post = post
        self.queue: list[NovaEvent] = []
        self.busy = False
        self.batches = 0

    def queue_event(self, name: str, port: Port) -> None:
        """``Notifier.queue_event``: send now if idle, else in the next batch."""
        self.queue.append((name, port))
        if not self.busy:
            self.busy = True
            self.ctx.env.process(self._send_loop())

    def _send_loop(self) -> ProcessGenerator:
        ctx = self.ctx
        env = ctx.env
        interval = float(ctx.scenario.neutron.DEFAULT.send_events_interval)
        setup = ctx.costs.notifier_client_setup
        while self.queue:
            batch, self.queue = self.queue, []
            self.batches += 1
            now = env.now
            for name, port in batch:
                if name == VIF_PLUGGED:
                    port.state.mark(Milestone.EVENT_SENT, now)
            if setup:  # novaclient + keystone session, then the POST
                yield Timeout(ctx.service(setup, "notifier"))
            ok = yield env.process(self.post(batch))
            if not ok:  # send_events: "Failed to notify nova on events": the batch is dropped
                ctx.counters["neutron.notifier.failed_posts"] += 1
                ctx.counters["neutron.notifier.events_dropped"] += len(batch)
            yield Timeout(interval)
        self.busy = False
