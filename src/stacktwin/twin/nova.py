"""nova-api, nova-conductor/scheduler and nova-compute.

* :class:`NovaApi`: WSGI workers serve ``POST /servers`` and ``POST os-server-external-events``;
  the latter answers Neutron and casts one ``external_instance_event`` per compute host
  (dossier §3.1).
* :class:`Conductor`: a service station doing ``schedule_and_build_instances`` (scheduler call,
  cell DB writes) and casting ``build_and_run_instance`` to the chosen host (§1.1).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from stacktwin.boots import Milestone
from stacktwin.twin.engine import ProcessGenerator, Timeout
from stacktwin.twin.notifier import VIF_PLUGGED, NovaEvent
from stacktwin.twin.resources import Resource
from stacktwin.twin.state import BuildState

if TYPE_CHECKING:
    from stacktwin.twin.model import Twin


class NovaApi:
    """All nova-api workers of the cloud behind one load balancer."""

    def __init__(self, twin: Twin) -> None:
        sc = twin.scenario
        per_node = sc.nova.DEFAULT.osapi_compute_workers or sc.cloud.nova_api_cores
        self.twin = twin
        self.workers = Resource(twin.env, per_node * sc.cloud.nova_api_nodes, name="nova-api")

    def create_server(self, state: BuildState) -> ProcessGenerator:
        """``POST /servers``: answered 202, then a cast to the conductor."""
        twin = self.twin
        state.mark(Milestone.REQUESTED, twin.env.now)
        req = self.workers.request()
        yield req
        yield Timeout(twin.service(twin.costs.nova_api_create_server, "nova-api"))
        self.workers.release(req)
        twin.env.schedule(twin.costs.rabbit_latency, twin.conductor.schedule_and_build, state)

    def delete_server(self) -> ProcessGenerator:
        """``DELETE /servers/<id>`` of a running VM: a ``terminate_instance`` cast."""
        twin = self.twin
        req = self.workers.request()
        yield req
        yield Timeout(twin.service(twin.costs.nova_api_external_events, "nova-api"))
        self.workers.release(req)
        host = twin.pick_host_with_instances()
        if host is not None:
            compute = twin.computes[host]
            twin.env.schedule(twin.costs.rabbit_latency, compute.terminate_instance, None)

    def external_events(self, batch: list[NovaEvent]) -> ProcessGenerator:
        """``POST /os-server-external-events`` from a neutron notifier."""
        twin = self.twin
        costs = twin.costs
        req = self.workers.request()
        yield req
        mean = costs.nova_api_external_events + costs.nova_api_external_event_each * (
            len(batch) - 1
        )
        yield Timeout(twin.service(mean, "nova-api"))
        self.workers.release(req)
        now = twin.env.now
        by_host: dict[int, list[NovaEvent]] = defaultdict(list)
        for name, port in batch:
            compute = port.state.compute
            if compute is None or port.host is None:
                twin.counters["nova.api.events_dropped"] += 1
                continue
            if name == VIF_PLUGGED:
                port.state.mark(Milestone.EVENT_API, now)
            by_host[port.host].append((name, port))
        twin.counters["nova.api.external_event_posts"] += 1
        for host, events in by_host.items():
            twin.counters["nova.rpc.external_instance_event"] += 1
            twin.env.schedule(
                costs.rabbit_latency, twin.computes[host].external_instance_event, events
            )


class Conductor:
    """nova-conductor with the scheduler: picks a host and casts the build to it."""

    def __init__(self, twin: Twin) -> None:
        sc = twin.scenario
        per_node = sc.nova.conductor.workers or sc.cloud.nova_api_cores
        self.twin = twin
        self.workers = Resource(twin.env, per_node * sc.cloud.nova_api_nodes, name="conductor")

    def schedule_and_build(self, state: BuildState) -> None:
        """The ``schedule_and_build_instances`` cast arrives."""
        self.twin.env.process(self._run(state))

    def _run(self, state: BuildState) -> ProcessGenerator:
        twin = self.twin
        req = self.workers.request()
        yield req
        yield Timeout(twin.service(twin.costs.conductor_schedule, "conductor"))
        self.workers.release(req)
        host = twin.rng("scheduler").randrange(twin.scenario.cloud.hosts)
        state.boot.host = twin.host_name(host)
        state.mark(Milestone.SCHEDULED, twin.env.now)
        compute = twin.computes[host]
        twin.env.schedule(twin.costs.rabbit_latency, compute.build_and_run_instance, state)
