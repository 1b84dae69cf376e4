"""A small multi-host log set written for the tests (Queens-era oslo.log wording).

Hosts: ``controller`` (nova-api, neutron-server) and ``compute1`` (nova-compute), laid out as
``<host>/var/log/<project>/<file>`` like a collected sosreport tree.  Three boots:

* ``A`` (two ports): active; neutron-server's clock runs 0.4 s behind compute1's, so its
  ``Device … up`` appears *before* nova's port-bound line; a reboot later re-sends the event;
* ``B``: the agent reports the port up, the port goes ACTIVE, but neutron-server never sends
  the event; the boot ends in the vif-plugging timeout (Pike wording) and the fatal path;
* ``C``: deleted by the user (``DELETE /servers/C``) while waiting for its event.
"""

from __future__ import annotations

from pathlib import Path

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"
PA1 = "a1a1a1a1-1111-4111-8111-111111111111"
PA2 = "a2a2a2a2-2222-4222-8222-222222222222"
PB = "b1b1b1b1-3333-4333-8333-333333333333"
PC = "c1c1c1c1-4444-4444-8444-444444444444"
RA = "req-0000000a-0000-4000-8000-00000000000a"
RB = "req-0000000b-0000-4000-8000-00000000000b"
RC = "req-0000000c-0000-4000-8000-00000000000c"
RDEL = "req-000000de-0000-4000-8000-0000000000de"
REV = "req-000000ee-0000-4000-8000-0000000000ee"
DAY = "2024-03-01"


def _l(t: str, level: str, logger: str, ctx: str, msg: str, inst: str | None = None) -> str:
    where = f"[instance: {inst}] " if inst else ""
    return f"{DAY} {t} 100 {level} {logger} [{ctx}] {where}{msg}\n"


def _ctx(req: str) -> str:
    return f"{req} u1 p1 - default default"


def _sent(port: str, inst: str) -> str:
    return (
        f"Sending events: [{{'status': 'completed', 'tag': u'{port}', "
        f"'name': 'network-vif-plugged', 'server_uuid': u'{inst}'}}] send_events"
    )


def nova_api() -> str:
    api = "nova.osapi_compute.wsgi.server"
    ev = "nova.api.openstack.compute.server_external_events"
    return "".join(
        [
            _l(
                "10:00:01.000",
                "INFO",
                api,
                _ctx(RA),
                '10.0.0.9 "POST /v2.1/servers HTTP/1.1" status: 202 len: 900 time: 1.0000000',
            ),
            _l("10:00:02.000", "DEBUG", "nova.api.openstack.wsgi", _ctx(RA), "noise GET /flavors"),
            _l(
                "10:00:21.500",
                "INFO",
                ev,
                _ctx(REV),
                f"Creating event network-vif-plugged:{PA1} for instance {A} on compute1",
            ),
            _l(
                "10:00:22.500",
                "INFO",
                ev,
                _ctx(REV),
                f"Creating event network-vif-plugged:{PA2} for instance {A} on compute1",
            ),
            _l(
                "10:01:00.000",
                "INFO",
                api,
                _ctx(RB),
                '10.0.0.9 "POST /v2.1/servers HTTP/1.1" status: 202 len: 900 time: 0.5000000',
            ),
            _l(
                "10:03:00.000",
                "INFO",
                api,
                _ctx(RC),
                '10.0.0.9 "POST /v2.1/servers HTTP/1.1" status: 202 len: 900 time: 0.2500000',
            ),
            _l(
                "10:03:59.000",
                "INFO",
                api,
                _ctx(RDEL),
                f'10.0.0.9 "DELETE /v2.1/servers/{C} HTTP/1.1" status: 204 len: 0 time: 0.1',
            ),
            _l(
                "10:30:05.000",
                "INFO",
                ev,
                _ctx(REV),
                f"Creating event network-vif-plugged:{PA1} for instance {A} on compute1",
            ),
        ]
    )


def neutron_server() -> str:
    rpc = "neutron.plugins.ml2.rpc"
    prov = "neutron.db.provisioning_blocks"
    notif = "neutron.notifiers.nova"
    return "".join(
        [
            # Clock 0.4 s behind compute1: device up "before" nova logged the bound port.
            _l("10:00:14.700", "DEBUG", rpc, "-", f"Device {PA1} up at agent ovs-agent-compute1"),
            _l(
                "10:00:14.800",
                "DEBUG",
                prov,
                "-",
                f"Provisioning complete for port {PA1} triggered by entity L2.",
            ),
            _l("10:00:20.000", "DEBUG", notif, "-", _sent(PA1, A)),
            _l("10:00:18.000", "DEBUG", rpc, "-", f"Device {PA2} up at agent ovs-agent-compute1"),
            _l(
                "10:00:18.200",
                "DEBUG",
                prov,
                "-",
                f"Provisioning complete for port {PA2} triggered by entity L2.",
            ),
            _l("10:00:21.000", "DEBUG", notif, "-", _sent(PA2, A)),
            _l("10:01:16.000", "DEBUG", rpc, "-", f"Device {PB} up at agent ovs-agent-compute1"),
            _l(
                "10:01:16.100",
                "DEBUG",
                prov,
                "-",
                f"Provisioning complete for port {PB} triggered by entity L2.",
            ),
            _l("10:30:04.000", "DEBUG", notif, "-", _sent(PA1, A)),
        ]
    )


def nova_compute() -> str:
    mgr = "nova.compute.manager"
    drv = "nova.virt.libvirt.driver"
    net = "nova.network.neutronv2.api"
    return "".join(
        [
            _l("10:00:05.000", "DEBUG", mgr, _ctx(RA), "Starting instance... _do_build", A),
            _l(
                "10:00:05.200",
                "INFO",
                "nova.compute.claims",
                _ctx(RA),
                "Claim successful on node compute1",
                A,
            ),
            _l("10:00:15.000", "DEBUG", net, _ctx(RA), f"Successfully updated port: {PA1}", A),
            _l("10:00:15.500", "DEBUG", net, _ctx(RA), f"Successfully updated port: {PA2}", A),
            _l(
                "10:00:16.000",
                "DEBUG",
                mgr,
                _ctx(RA),
                f"Preparing to wait for external event network-vif-plugged-{PA1} prepare",
                A,
            ),
            _l(
                "10:00:16.001",
                "DEBUG",
                mgr,
                _ctx(RA),
                f"Preparing to wait for external event network-vif-plugged-{PA2} prepare",
                A,
            ),
            _l(
                "10:00:21.600",
                "DEBUG",
                mgr,
                _ctx(REV),
                f"Received event network-vif-plugged-{PA1} external_instance_event",
                A,
            ),
            _l(
                "10:00:22.700",
                "DEBUG",
                mgr,
                _ctx(REV),
                f"Received event network-vif-plugged-{PA2} external_instance_event",
                A,
            ),
            _l("10:00:22.800", "INFO", drv, _ctx(REV), "Instance spawned successfully.", A),
            _l(
                "10:00:22.801",
                "INFO",
                mgr,
                _ctx(REV),
                "Took 7.80 seconds to spawn the instance on the hypervisor.",
                A,
            ),
            _l("10:00:23.000", "INFO", mgr, _ctx(REV), "Took 18.00 seconds to build instance.", A),
            # B: the agent reports up, neutron-server never sends; fatal timeout.
            _l("10:01:05.000", "DEBUG", mgr, _ctx(RB), "Starting instance... _do_build", B),
            _l("10:01:15.000", "DEBUG", net, _ctx(RB), f"Successfully updated port: {PB}", B),
            _l(
                "10:01:15.500",
                "DEBUG",
                mgr,
                _ctx(RB),
                f"Preparing to wait for external event network-vif-plugged-{PB} prepare",
                B,
            ),
            _l(
                "10:06:16.000",
                "WARNING",
                drv,
                _ctx(RB),
                "Timeout waiting for vif plugging callback for instance with vm_state building "
                "and task_state spawning.: Timeout: 300 seconds",
                B,
            ),
            _l(
                "10:06:17.000",
                "ERROR",
                mgr,
                _ctx(RB),
                "Instance failed to spawn: VirtualInterfaceCreateException: failed",
                B,
            ),
            _l("10:06:17.000", "ERROR", mgr, _ctx(RB), "Traceback (most recent call last):", B),
            '  File "nova/compute/manager.py", line 1, in _build_resources\n',
            _l("10:06:18.000", "INFO", mgr, _ctx(RB), "Terminating instance", B),
            _l(
                "10:06:19.000",
                "ERROR",
                mgr,
                _ctx(RB),
                f"Build of instance {B} aborted: Failed to allocate the network(s), not "
                "rescheduling.",
            ),
            # C: deleted while waiting.
            _l("10:03:05.000", "DEBUG", mgr, _ctx(RC), "Starting instance... _do_build", C),
            _l("10:03:15.000", "DEBUG", net, _ctx(RC), f"Successfully updated port: {PC}", C),
            _l(
                "10:03:16.000",
                "DEBUG",
                mgr,
                _ctx(RC),
                f"Preparing to wait for external event network-vif-plugged-{PC} prepare",
                C,
            ),
            _l("10:04:00.000", "INFO", mgr, _ctx(RC), "Terminating instance", C),
            # A reboot half an hour later: a second vif-plugged that is not the boot's.
            _l(
                "10:30:05.100",
                "DEBUG",
                mgr,
                _ctx(REV),
                f"Received event network-vif-plugged-{PA1} external_instance_event",
                A,
            ),
        ]
    )


def write(root: Path) -> Path:
    """Write the log set under ``root`` and return it."""
    files = {
        "controller/var/log/nova/nova-api.log": nova_api(),
        "controller/var/log/neutron/server.log": neutron_server(),
        "compute1/var/log/nova/nova-compute.log": nova_compute(),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
