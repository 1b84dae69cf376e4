"""``check`` reads ``[ml2] mechanism_drivers``: the OVS agent rules only where OVS agents run."""

from __future__ import annotations

from collections.abc import Callable

from stacktwin.api import check

Conf = Callable[[str, str], str]

OVS_RULES = {
    "neutron [agent] root_helper_daemon",
    "neutron [securitygroup] firewall_driver",
    "neutron [agent] polling_interval",
}
AGENT_RULES = {"neutron [DEFAULT] rpc_workers", "neutron [DEFAULT] rpc_state_report_workers"}

# On Train every OVS rule fires: no rootwrap daemon, the OVS firewall before the deferred
# deletion fix, a slow polling loop; one RPC worker for 1,000 agents, no report workers.
NEUTRON = (
    "[DEFAULT]\nrpc_workers = 1\nrpc_state_report_workers = 0\n"
    "[agent]\npolling_interval = 10\n[securitygroup]\nfirewall_driver = openvswitch\n"
)


def _options(conf: Conf, drivers: str) -> tuple[set[str], list[str]]:
    files = [
        conf("neutron.conf", NEUTRON),
        conf("ml2_conf.ini", f"[ml2]\nmechanism_drivers = {drivers}\n"),
    ]
    report = check(files, release="train", hosts=1000)
    inputs = [f.message for f in report.findings if f.option == "input"]
    return {f.option for f in report.findings}, inputs


def test_openvswitch_gets_every_ovs_rule(conf: Conf) -> None:
    options, inputs = _options(conf, "openvswitch,l2population")
    assert options >= OVS_RULES | AGENT_RULES
    assert not [m for m in inputs if "mechanism drivers" in m]


def test_ovn_gets_no_ovs_or_agent_rule_and_says_so(conf: Conf) -> None:
    options, inputs = _options(conf, "ovn")
    assert not options & (OVS_RULES | AGENT_RULES)
    (note,) = [m for m in inputs if "mechanism drivers" in m]
    assert "ovn" in note and "do not apply" in note and "not implemented yet" in note


def test_linuxbridge_keeps_the_l2_agent_rules_not_the_ovs_ones(conf: Conf) -> None:
    options, _inputs = _options(conf, "linuxbridge,l2population")
    assert not options & OVS_RULES
    assert options >= AGENT_RULES
    report = check(
        [
            conf("neutron.conf", NEUTRON),
            conf("ml2_conf.ini", "[ml2]\nmechanism_drivers = linuxbridge\n"),
        ],
        release="train",
    )
    rpc = next(f for f in report.findings if f.option == "neutron [DEFAULT] rpc_workers")
    assert "linuxbridge agents" in rpc.message and "OVS" not in rpc.message


def test_no_ml2_file_means_ovs_as_before(conf: Conf) -> None:
    report = check([conf("neutron.conf", NEUTRON)], release="train")
    assert {f.option for f in report.findings} >= OVS_RULES
