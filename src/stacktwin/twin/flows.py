"""What deleting OVS firewall flows costs the agent's loop, by neutron release.

Flow deletion mode (``model.flow_deletion``, None = the release's), read in the neutron wheels
(``neutron/agent/linux/openvswitch_firewall/firewall.py``, ``OVSFirewallDriver``):

* neutron 16.0.0 (Ussuri) and older: ``delete_flows_for_ip_addresses`` goes through
  ``_delete_flows``, deferred inside ``defer_apply`` (batched);
* neutron 17.0.0 (Victoria) to 20.0.0 (Yoga): ``delete_flow_for_ip`` calls
  ``_delete_flows(deferred=False, ...)`` — one ``ovs-ofctl del-flows`` exec per flow of each
  removed remote-group member (*blocking*, LP#1975674);
* neutron e09b128f41 (LP#1975674) drops ``deferred=False``: released in 21.0.0 (Zed) and
  backported to 20.2.0, 19.4.0 and 18.5.0 (20.2.0 already batches; 20.0.0 does not).

So the release default is *blocking* from Victoria to Yoga (their .0 releases) and *deferred*
otherwise; a scenario asking for a mode no point release of its series had gets a warning.

How each exec runs (``ovs_lib.BaseOVS.run_ofctl``): through ``neutron-rootwrap`` (or the
``root_helper_daemon``) up to neutron 18.0.0 (Wallaby); with ``privsep_exec=True`` from
19.0.0 (Xena), where ``[agent] root_helper_daemon`` no longer changes the cost.
"""

from __future__ import annotations

from stacktwin.twin.context import Context
from stacktwin.twin.settings import release_index

VICTORIA = release_index("victoria")
WALLABY = release_index("wallaby")
YOGA = release_index("yoga")


def release_flow_deletion(release: str) -> str:
    """The deletion mode of the series' first release (see the module docstring)."""
    return "blocking" if VICTORIA <= release_index(release) <= YOGA else "deferred"


def flow_deletion_mode(mode: str | None, release: str) -> tuple[str, str | None]:
    """The mode in force and, when the release never had it, a warning."""
    if mode is None:
        return release_flow_deletion(release), None
    index = release_index(release)
    had = {"deferred"} if index < VICTORIA or index > YOGA else {"blocking"}
    if WALLABY <= index <= YOGA:
        had.add("deferred")  # e09b128f41 backported to 18.5.0, 19.4.0, 20.2.0
    if mode in had:
        return mode, None
    return mode, (
        f"model.flow_deletion: {mode!r} on release {release}, whose neutron never had it "
        f"(blocking per-member deletion: 17.0.0 Victoria to 20.1.x Yoga; see docs/scenarios.md)"
    )


def ofctl_via_privsep(release: str) -> bool:
    """``run_ofctl`` with ``privsep_exec=True``: neutron 19.0.0 (Xena) on."""
    return release_index(release) > WALLABY


class FlowCosts:
    """Seconds the agent's loop spends deleting flows."""

    __slots__ = ("members", "per_member", "per_port", "warning")

    def __init__(self, ctx: Context) -> None:
        sc = ctx.scenario
        costs = ctx.costs
        ovs_fw = sc.neutron.securitygroup.firewall_driver == "openvswitch"
        #: ports of the remote security group (0 without the OVS firewall: no conjunctions)
        self.members = sc.cloud.remote_sg_members if ovs_fw else 0
        mode, self.warning = flow_deletion_mode(sc.model.flow_deletion, sc.release)
        if mode == "blocking":  # one ovs-ofctl exec per member flow
            per_member = costs.agent_flow_delete_exec
            if sc.neutron.agent.root_helper_daemon and not ofctl_via_privsep(sc.release):
                per_member = max(
                    0.0, per_member - costs.rootwrap_start + costs.rootwrap_daemon_call
                )
        else:
            per_member = costs.agent_flow_delete_deferred
        self.per_member = per_member
        #: the port's own flows (``delete_all_port_flows``): deferred in every release
        self.per_port = costs.agent_flow_delete_deferred if ovs_fw else 0.0

    def removal(self, managed: int, group_left: bool) -> float:
        """Removing ``managed`` firewall ports; ``group_left``: the group's last one went."""
        seconds = self.per_port * managed
        if group_left:
            seconds += self.per_member * self.members
        return seconds


def scenario_notes(release: str, mode: str | None) -> list[str]:
    """Warnings about a scenario's model choices (shown on stderr and in the result)."""
    warning = flow_deletion_mode(mode, release)[1]
    return [warning] if warning else []
