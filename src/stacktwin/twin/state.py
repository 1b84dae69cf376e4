"""The state of one boot in flight and of its Neutron ports, shared by the components.

:class:`BuildState` wraps the :class:`~stacktwin.boots.Boot` record the run returns; the
components write milestones into it as the boot crosses them.  :class:`Port` is a Neutron port
of that boot with its provisioning blocks (dossier §2.1): it goes ACTIVE only when both the
DHCP and the L2 block are cleared.
"""

from __future__ import annotations

from collections import Counter

from stacktwin.boots import Boot, Milestone, Outcome
from stacktwin.twin.kernel import Event

DHCP_BLOCK = 1
L2_BLOCK = 2

PORT_BINDING_FAILED = "port_binding_failed"  # nova PortBindingFailed (dead agent at bind)
NEUTRON_API_ERROR = "neutron_api_error"  # a 5xx from Neutron while allocating the network


class BuildState:
    """A boot as the twin follows it."""

    __slots__ = ("attempts", "boot", "compute", "hosts", "outcomes", "pending", "ports", "wait")

    def __init__(self, boot: Boot, outcomes: Counter[str]) -> None:
        self.boot = boot
        self.attempts = 0  # build attempts so far (one per host it was sent to)
        self.hosts: list[int] = []  # the hosts tried, in order (nova's retry['hosts'])
        self.outcomes = outcomes  # the run's count of ended boots by outcome
        self.ports: list[Port] = []
        self.compute: object | None = None  # the Compute handling it, once scheduled
        self.wait: Event | None = None  # the vif wait, while nova-compute waits
        self.pending = 0  # vif-plugged events still awaited

    def mark(self, milestone: Milestone, now: float) -> None:
        """Record a milestone; for several ports the last port's time wins."""
        ms = self.boot.milestones
        key = milestone.value
        if key not in ms or ms[key] < now:
            ms[key] = now

    def new_attempt(self) -> None:
        """A reschedule: the failed attempt's milestones are forgotten but the request's, as the
        tracer reads a rescheduled boot from its last attempt; its ports are new ports (the
        failed attempt's were deleted)."""
        ms = self.boot.milestones
        requested = ms.get(Milestone.REQUESTED.value)
        ms.clear()
        if requested is not None:
            ms[Milestone.REQUESTED.value] = requested
        self.boot.reason = None
        self.ports = [
            Port(f"{p.id.rsplit('.', 1)[0]}.{self.attempts}", self, p.network, p.in_group)
            for p in self.ports
        ]
        self.boot.ports.extend(p.id for p in self.ports)
        self.wait = None
        self.pending = 0

    def finish(self, outcome: Outcome, now: float, reason: str | None = None) -> None:
        """Record how the boot ended (once)."""
        if self.boot.outcome is not Outcome.UNKNOWN:
            return
        self.boot.outcome = outcome
        self.boot.reason = reason
        self.boot.milestones[Milestone.FINISHED.value] = now
        self.outcomes[outcome.value] += 1


class Port:
    """A Neutron port and its provisioning state."""

    __slots__ = ("blocks", "bound", "host", "id", "in_group", "network", "state", "status")

    def __init__(
        self, port_id: str, state: BuildState, network: int = 0, in_group: bool = True
    ) -> None:
        self.id = port_id
        self.state = state
        self.network = network  # the index of its Neutron network (``cloud.networks``)
        #: its security group references the remote group (``cloud.remote_sg_share``)
        self.in_group = in_group
        self.host: int | None = None
        self.blocks = 0
        self.bound = False
        self.status = "DOWN"
