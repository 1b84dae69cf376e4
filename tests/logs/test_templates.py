"""Milestone templates: each release's wording maps to the right event."""

from __future__ import annotations

from stacktwin.logs.envelope import parse_line
from stacktwin.logs.templates import ANCHORS, Event, Kind, match

INST = "e5f28f72-d03c-4b1f-a695-2ad3a8553f6a"
P = "b6bc7c97-e164-43b0-b288-8e59e846cc5a"
P2 = "1824336a-4bc3-46bb-9c08-bc86b1d24226"
HEAD = "2018-06-28 00:21:42.807 3029 {level} {logger} [-] {inst}"


def _events(
    message: str, level: str = "DEBUG", logger: str = "x", instance: bool = True
) -> list[Event]:
    inst = f"[instance: {INST}] " if instance else ""
    line = HEAD.format(level=level, logger=logger, inst=inst) + message
    # Every template must hold an anchor, or the scanner would never look at its line.
    assert any(a.decode() in line for a in ANCHORS), message
    return match(parse_line(line), "f:1")


def test_compute_chain_templates() -> None:
    (wait,) = _events(f"Preparing to wait for external event network-vif-plugged-{P} prepare")
    assert (wait.kind, wait.port, wait.instance) == (Kind.WAIT_PREPARED, P, INST)
    (recv,) = _events(f"Received event network-vif-plugged-{P} external_instance_event")
    assert (recv.kind, recv.port) == (Kind.EVENT_RECEIVED, P)
    (bound,) = _events(f"Successfully updated port: {P} _update_port")
    assert (bound.kind, bound.port, bound.instance) == (Kind.PORT_BOUND, P, INST)
    assert _events("Starting instance... _do_build")[0].kind is Kind.BUILD_STARTED
    assert _events("Instance spawned successfully.")[0].kind is Kind.RUNNING
    claim = _events("Claim successful on node compute-7.example")[0]
    assert (claim.kind, claim.text) == (Kind.CLAIMED, "compute-7.example")


def test_durations() -> None:
    spawn = _events("Took 10.69 seconds to spawn the instance on the hypervisor.")[0]
    assert (spawn.kind, spawn.value) == (Kind.SPAWN_TOOK, 10.69)
    build = _events("Took 14.13 seconds to build instance.")[0]
    assert (build.kind, build.value) == (Kind.BUILD_TOOK, 14.13)
    # Other "Took" lines are not durations of the boot.
    destroy = HEAD.format(level="INFO", logger="x", inst="") + "Took 2.92 seconds to destroy"
    assert match(parse_line(destroy + " the instance on the hypervisor."), "f:1") == []


def test_timeout_wordings_of_each_release() -> None:
    pike = "Timeout waiting for vif plugging callback for instance with vm_state building and "
    pike += "task_state spawning.: Timeout: 300 seconds"
    rocky = f"Timeout waiting for [('network-vif-plugged', u'{P}')] for instance with vm_state "
    rocky += "building and task_state spawning.: Timeout: 300 seconds"
    yoga = f"Timeout waiting for ['network-vif-plugged-{P}'] for instance with vm_state building"
    yoga += f" and task_state spawning. Event states are: network-vif-plugged-{P}: timed out"
    for text in (pike, rocky, yoga):
        (ev,) = _events(text, level="WARNING")
        assert ev.kind is Kind.TIMEOUT and ev.instance == INST
    # Icehouse-Ocata: the instance is named in the text only.
    old = f"Timeout waiting for vif plugging callback for instance {INST}"
    (ev,) = _events(old, level="WARNING", instance=False)
    assert (ev.kind, ev.instance) == (Kind.TIMEOUT, INST)


def test_failure_templates() -> None:
    failed = _events("Instance failed to spawn: VirtualInterfaceCreateException: x", "ERROR")[0]
    assert failed.kind is Kind.SPAWN_FAILED
    assert failed.text == "Instance failed to spawn: VirtualInterfaceCreateException: x"
    msg = f"Build of instance {INST} aborted: Failed to allocate the network(s), not rescheduling."
    aborted = _events(msg, "ERROR", instance=False)[0]
    assert (aborted.kind, aborted.instance, aborted.text) == (Kind.ABORTED, INST, msg)
    localised = _events(
        f"BuildAbortException: La build dell'istanza {INST} \\xe8 stata interrotta: x", "ERROR"
    )
    assert (localised[0].kind, localised[0].instance) == (Kind.ABORTED, INST)
    # nova 17 _do_build_and_run_instance: the generic exit, with oslo.log's error summary.
    unexpected = _events(
        "Unexpected build failure, not rescheduling build.: AttributeError: 'NoneType' object "
        "has no attribute 'to_dict'",
        "ERROR",
    )[0]
    assert unexpected.kind is Kind.BUILD_FAILED and unexpected.instance == INST
    no_retry = _events("Retry info not present, will not reschedule _do_build /x.py:1", "DEBUG")
    assert (no_retry[0].kind, no_retry[0].text) == (
        Kind.BUILD_FAILED,
        "Retry info not present, will not reschedule",
    )
    resched = _events(
        f"Build of instance {INST} was re-scheduled: operation failed _do_build_and_run_instance "
        "/usr/lib/python2.7/site-packages/nova/compute/manager.py:1884",
        "DEBUG",
    )[0]
    assert (resched.kind, resched.text) == (Kind.RESCHEDULED, "operation failed")
    # nova.scheduler.utils set_vm_state_and_notify, logged by the conductor.
    err = _events("Setting instance to ERROR state.: NoValidHost_Remote: No valid host", "WARNING")
    assert err[0].kind is Kind.SET_ERROR
    sched = _events("Failed to schedule instances: AttributeError: x", "ERROR", instance=False)
    assert (sched[0].kind, sched[0].instance) == (Kind.SCHEDULE_FAILED, None)
    # oslo.service's loopingcall names the instance only in the exception text.
    loop = _events(
        "Fixed interval looping call 'nova.virt.libvirt.driver._wait_for_boot' failed: "
        f"InstanceNotFound: Instance {INST} could not be found.",
        "ERROR",
        instance=False,
    )
    assert (loop[0].kind, loop[0].instance) == (Kind.SPAWN_FAILED, INST)
    nf = _events(f"Neutron Reported failure on event network-vif-plugged-{P} for instance {INST}")
    assert (nf[0].kind, nf[0].port) == (Kind.NEUTRON_FAILED, P)
    assert _events("Terminating instance", "INFO")[0].kind is Kind.TERMINATING


def test_neutron_server_templates() -> None:
    up = _events(f"Device {P} up at agent ovs-agent-host update_device_up", instance=False)[0]
    assert (up.kind, up.port, up.instance) == (Kind.DEVICE_UP, P, None)
    prov = _events(f"Provisioning complete for port {P} triggered by entity L2.", instance=False)
    assert (prov[0].kind, prov[0].port) == (Kind.PORT_ACTIVE, P)
    new = _events(f"Current status of the port {P} is: DOWN; New status is: ACTIVE", instance=False)
    assert (new[0].kind, new[0].port) == (Kind.PORT_ACTIVE, P)


def test_neutron_binding_templates() -> None:
    liberty = _events(
        f'10.0.20.24 "PUT /v2.0/ports/{P} HTTP/1.1" status: 200  len: 1119 time: 2.7961688',
        "INFO",
        instance=False,
    )
    assert (liberty[0].kind, liberty[0].port) == (Kind.PORT_PUT, P)
    kilo = _events(
        f'10.211.55.142 - - [12/Nov/2015 13:14:56] "PUT /v2.0/ports/{P}.json HTTP/1.1" 200 612 0.2',
        "INFO",
        instance=False,
    )
    assert (kilo[0].kind, kilo[0].port) == (Kind.PORT_PUT, P)
    refused = f'1.2.3.4 "PUT /v2.0/ports/{P} HTTP/1.1" status: 409  len: 1 time: 0.1'
    assert _events(refused, "INFO", instance=False) == []
    bound = _events(f"Bound port: {P}, host: compute-3, vif_type: ovs", instance=False)
    assert (bound[0].kind, bound[0].port, bound[0].text) == (Kind.BOUND, P, "compute-3")


def test_sending_events_py2_repr_several_events_any_key_order() -> None:
    msg = (
        f"Sending events: [{{'status': 'completed', 'tag': u'{P}', 'name': 'network-vif-plugged',"
        f" 'server_uuid': u'{INST}'}}, {{'name': 'network-changed', 'server_uuid': u'{INST}', "
        f"'tag': u'{P}'}}, {{'server_uuid': '{INST}', 'name': 'network-vif-plugged', 'status': "
        f"'completed', 'tag': '{P2}'}}] send_events /usr/lib/neutron/notifiers/nova.py:242"
    )
    events = _events(msg, instance=False)
    assert [(e.kind, e.port, e.instance) for e in events] == [
        (Kind.EVENT_SENT, P, INST),
        (Kind.EVENT_SENT, P2, INST),
    ]


def test_nova_api_templates() -> None:
    api = _events(
        f"Creating event network-vif-plugged:{P} for instance {INST} on localhost.localdomain",
        "INFO",
        instance=False,
    )[0]
    assert (api.kind, api.port, api.instance, api.text) == (
        Kind.EVENT_API,
        P,
        INST,
        "localhost.localdomain",
    )
    kilo = _events(
        f"Creating event network-vif-plugged:{P} for instance {INST}", "AUDIT", instance=False
    )
    assert kilo[0].text is None and kilo[0].instance == INST
    post = _events(
        '10.0.20.24 "POST /v2.1/9a90b932d0ea407eb95f92b93006d4df/servers HTTP/1.1" status: 202 '
        "len: 989 time: 3.5909181",
        "INFO",
        instance=False,
    )[0]
    assert (post.kind, post.value) == (Kind.REQUESTED, 3.5909181)
    uwsgi = _events(
        '10.0.0.1 "POST /v2.1/servers" status: 202 len: 1 microversion: 2.79 time: 0.812000',
        "INFO",
        instance=False,
    )
    assert (uwsgi[0].kind, uwsgi[0].value) == (Kind.REQUESTED, 0.812)
    # A failed POST is no accepted request (it is counted, not a boot).
    rejected = _events('1.2.3.4 "POST /v2.1/servers" status: 400 len: 1 time: 0.1', instance=False)
    assert [e.kind for e in rejected] == [Kind.REJECTED]
    delete = _events(
        f'10.0.20.21 "DELETE /v2.1/f4a570c942f04ee3b556f3e6756b5a50/servers/{INST} HTTP/1.1" '
        "status: 204 len: 351 time: 0.1155441",
        "INFO",
        instance=False,
    )
    assert (delete[0].kind, delete[0].instance) == (Kind.DELETE_REQUESTED, INST)


def test_scheduler_claim() -> None:
    ev = _events(
        f"Attempting to claim resources in the placement API for instance {INST}", instance=False
    )
    assert (ev[0].kind, ev[0].instance) == (Kind.SCHEDULED, INST)
