"""Property tests of the tracer's classification, on log sets generated from nova's templates.

Each generated boot has an accepted ``POST /servers`` and one of: a clean boot, a vif-plugging
timeout with the chain stopped at a random hop, a spawn failure after ``Preparing to wait``,
an ``Unexpected build failure``, a conductor scheduling failure, nova's cleanup after a failed
spawn, a user delete while waiting, or nothing more (still scheduling when the logs end).
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacktwin.boots import (
    STOP_POINTS,
    VIF_PLUGGING_TIMEOUT,
    Milestone,
    Outcome,
    stop_point,
)
from stacktwin.logs import trace

SCENARIOS = (
    "active",
    "timeout",
    "spawn_failed",
    "unexpected",
    "schedule_failed",
    "cleanup",
    "deleted",
    "pending",
)
DAY = "2024-05-01"


def _ts(seconds: float) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{DAY} {int(h):02d}:{int(m):02d}:{s:06.3f}"


def _uuid(prefix: int, n: int) -> str:
    return f"{prefix:08x}-0000-4000-8000-{n:012x}"


def _boot_lines(n: int, scenario: str, hop: int) -> dict[str, list[tuple[float, str]]]:
    """(time, line) per service file for boot ``n`` (its own minute of the day)."""
    t0 = 3600.0 + 60.0 * n
    inst, port, rid = _uuid(0xA, n), _uuid(0xB, n), f"req-{_uuid(0xC, n)}"
    ctx = f"[{rid} u p - default default]"
    out: dict[str, list[tuple[float, str]]] = {"api": [], "cond": [], "cpu": [], "net": []}

    def add(svc: str, dt: float, level: str, logger: str, msg: str, instance: bool = True) -> None:
        where = f"[instance: {inst}] " if instance else ""
        c = ctx if svc != "net" else "[-]"
        out[svc].append((t0 + dt, f"{_ts(t0 + dt)} 7 {level} {logger} {c} {where}{msg}"))

    api, mgr = "nova.osapi_compute.wsgi.server", "nova.compute.manager"
    post = '1.2.3.4 "POST /v2.1/servers HTTP/1.1" status: 202 len: 9 time: 0.5000000'
    add("api", 0.5, "INFO", api, post, instance=False)
    if scenario == "pending":
        return out
    if scenario == "schedule_failed":
        add(
            "cond",
            1,
            "ERROR",
            "nova.conductor.manager",
            "Failed to schedule instances: NoValidHost_Remote: No valid host was found.",
            instance=False,
        )
        add("cond", 1.1, "WARNING", "nova.scheduler.utils", "Setting instance to ERROR state.")
        return out
    add("cpu", 2, "DEBUG", mgr, "Starting instance... _do_build_and_run_instance")
    add("cpu", 2.1, "INFO", "nova.compute.claims", "Claim successful on node cmp1")
    if scenario == "unexpected":
        add(
            "cpu",
            2.5,
            "ERROR",
            mgr,
            "Unexpected build failure, not rescheduling build.: "
            "AttributeError: 'NoneType' object has no attribute 'x'",
        )
        return out
    put = f'1.2.3.4 "PUT /v2.0/ports/{port} HTTP/1.1" status: 200  len: 9 time: 0.3'
    add("net", 3.9, "INFO", "neutron.wsgi", put, instance=False)
    add("cpu", 4, "DEBUG", "nova.network.neutronv2.api", f"Successfully updated port: {port}")
    wait = f"Preparing to wait for external event network-vif-plugged-{port} prepare"
    add("cpu", 5, "DEBUG", mgr, wait)
    if scenario in ("spawn_failed", "cleanup"):
        add("cpu", 6, "ERROR", mgr, "Instance failed to spawn: libvirtError: internal error")
        add("cpu", 6.1, "INFO", mgr, "Terminating instance")
        if scenario == "spawn_failed":
            add(
                "cpu",
                7,
                "ERROR",
                mgr,
                f"Build of instance {inst} aborted: internal error",
                instance=False,
            )
        return out
    reached = 6 if scenario == "active" else hop
    net = [
        ("net", "neutron.plugins.ml2.rpc", f"Device {port} up at agent a"),
        ("net", "neutron.db.provisioning_blocks", f"Provisioning complete for port {port} x"),
        (
            "net",
            "neutron.notifiers.nova",
            "Sending events: [{'name': 'network-vif-plugged', "
            f"'tag': u'{port}', 'server_uuid': u'{inst}', 'status': 'completed'}}]",
        ),
        (
            "api",
            "nova.api.openstack.compute.server_external_events",
            f"Creating event network-vif-plugged:{port} for instance {inst} on cmp1",
        ),
        ("cpu", mgr, f"Received event network-vif-plugged-{port} external_instance_event"),
    ]
    for i, (svc, logger, msg) in enumerate(net[:reached]):
        add(svc, 8 + i, "DEBUG" if svc != "api" else "INFO", logger, msg, instance=svc == "cpu")
    if scenario == "active":
        add("cpu", 14, "INFO", "nova.virt.libvirt.driver", "Instance spawned successfully.")
        add("cpu", 15, "INFO", mgr, "Took 10.00 seconds to build instance.")
    elif scenario == "timeout":
        add(
            "cpu",
            40,
            "WARNING",
            "nova.virt.libvirt.driver",
            "Timeout waiting for "
            f"[('network-vif-plugged', u'{port}')] for instance with vm_state building and "
            "task_state spawning.: Timeout: 30 seconds",
        )
        add(
            "cpu",
            41,
            "ERROR",
            mgr,
            f"Build of instance {inst} aborted: Failed to allocate "
            "the network(s), not rescheduling.",
            instance=False,
        )
    elif scenario == "deleted":
        delete = f'1.2.3.4 "DELETE /v2.1/servers/{inst} HTTP/1.1" status: 204 len: 0 time: 0.1'
        add("api", 30, "INFO", api, delete, instance=False)
        add("cpu", 30.5, "INFO", mgr, "Terminating instance")
    return out


FILES = {
    "api": "nova-api.log",
    "cond": "nova-conductor.log",
    "cpu": "nova-compute.log",
    "net": "server.log",
}

boots_st = st.lists(
    st.tuples(st.sampled_from(SCENARIOS), st.integers(min_value=0, max_value=4)),
    min_size=1,
    max_size=6,
)


def _write(root: Path, boots: list[tuple[str, int]], split: list[bool]) -> tuple[Path, Path]:
    """Two folders A and B; line ``i`` of each service goes to B when ``split[i]``."""
    lines: dict[str, list[tuple[float, str]]] = {k: [] for k in FILES}
    for n, (scenario, hop) in enumerate(boots):
        for svc, items in _boot_lines(n, scenario, hop).items():
            lines[svc].extend(items)
    a, b = root / "A", root / "B"
    for folder in (a, b):
        folder.mkdir()
    k = 0
    for svc, items in lines.items():
        parts: dict[Path, list[str]] = {a: [], b: []}
        for _, text in sorted(items):
            parts[b if split[k % len(split)] else a].append(text + "\n")
            k += 1
        for folder, texts in parts.items():
            if texts:
                (folder / FILES[svc]).write_text("".join(texts))
    return a, b


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boots=boots_st, split=st.lists(st.booleans(), min_size=1, max_size=7))
def test_classification_properties(boots: list[tuple[str, int]], split: list[bool]) -> None:
    with TemporaryDirectory() as tmp:
        a, b = _write(Path(tmp), boots, split)
        forward = trace([a, b])
        backward = trace([b, a])
    # Tracing A+B equals tracing B+A.
    assert [x.to_dict() for x in forward.boots] == [x.to_dict() for x in backward.boots]
    # Every accepted POST yields exactly one boot.
    rids = [x.request_id for x in forward.boots]
    assert len(rids) == len(set(rids)) == len(boots)
    assert forward.summary()["input"]["requests"]["accepted"] == len(boots)
    by_n = {int(x.request_id[-12:], 16): x for x in forward.boots if x.request_id}
    for n, (scenario, hop) in enumerate(boots):
        boot = by_n[n]
        # Never "stopped at" for a failure that is not the vif chain's.
        if boot.reason not in (None, VIF_PLUGGING_TIMEOUT):
            assert boot.chain_stop() is None, (scenario, boot)
        expected = {
            "active": Outcome.ACTIVE,
            "timeout": Outcome.ERROR,
            "spawn_failed": Outcome.ERROR,
            "unexpected": Outcome.ERROR,
            "schedule_failed": Outcome.ERROR,
            "cleanup": Outcome.ERROR,
            "deleted": Outcome.DELETED,
            "pending": Outcome.UNKNOWN,
        }[scenario]
        assert boot.outcome is expected, (scenario, boot)
        if scenario == "timeout":
            assert boot.chain_stop() == STOP_POINTS[hop][1]
        if scenario in ("spawn_failed", "cleanup"):
            assert (
                boot.phase == "spawn"
                and boot.reason_key == "libvirtError: Instance failed to spawn"
            )
        if scenario == "schedule_failed":
            assert boot.phase == "schedule" and boot.host is None


milestone_names = st.sets(st.sampled_from([m.value for m in Milestone]))
reasons = st.one_of(
    st.none(),
    st.just(VIF_PLUGGING_TIMEOUT),
    st.text(min_size=1, max_size=20).filter(lambda r: r != VIF_PLUGGING_TIMEOUT),
)


@given(names=milestone_names, outcome=st.sampled_from(list(Outcome)), reason=reasons)
def test_stop_point_only_for_the_vif_chain(
    names: set[str], outcome: Outcome, reason: str | None
) -> None:
    milestones = {name: float(i) for i, name in enumerate(sorted(names))}
    for refused in (False, True):
        stop = stop_point(milestones, outcome, reason, refused=refused)
        if reason not in (None, VIF_PLUGGING_TIMEOUT) or outcome is Outcome.ACTIVE:
            assert stop is None
        if "wait_prepared" not in names or "running" in names:
            assert stop is None
        if stop is not None:
            # The stop is the hop right after the last chain milestone reached.
            chain = [m.value for m, _, _ in STOP_POINTS]
            reached = [i for i, m in enumerate(chain) if m in names]
            after = reached[-1] + 1 if reached else 0
            name = STOP_POINTS[after][1]
            assert stop == ("nova_api_refused" if refused and name == "nova_api" else name)
