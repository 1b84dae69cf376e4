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


_API = "nova.osapi_compute.wsgi.server"
_MGR = "nova.compute.manager"


class _BootLog:
    """The lines of one synthetic boot ``n`` (its own minute of the day), per service file."""

    def __init__(self, n: int) -> None:
        self.t0 = 3600.0 + 60.0 * n
        self.inst, self.port = _uuid(0xA, n), _uuid(0xB, n)
        self.ctx = f"[req-{_uuid(0xC, n)} u p - default default]"
        self.out: dict[str, list[tuple[float, str]]] = {"api": [], "cond": [], "cpu": [], "net": []}

    def add(
        self, svc: str, dt: float, level: str, logger: str, msg: str, instance: bool = True
    ) -> None:
        """One oslo line ``dt`` seconds into the boot; nova's carry the request context (and
        the instance unless told not to), neutron's none."""
        where = f"[instance: {self.inst}] " if instance else ""
        c = self.ctx if svc != "net" else "[-]"
        t = self.t0 + dt
        self.out[svc].append((t, f"{_ts(t)} 7 {level} {logger} {c} {where}{msg}"))


def _boot_lines(n: int, scenario: str, hop: int) -> dict[str, list[tuple[float, str]]]:
    """(time, line) per service file for boot ``n`` (its own minute of the day).

    The request first, then the build as far as ``scenario`` takes it: each early exit ends
    the boot there, and the others reach ``hop`` steps of the vif chain before their end.
    """
    log = _BootLog(n)
    post = '1.2.3.4 "POST /v2.1/servers HTTP/1.1" status: 202 len: 9 time: 0.5000000'
    log.add("api", 0.5, "INFO", _API, post, instance=False)
    if scenario == "pending":
        return log.out
    if scenario == "schedule_failed":
        _schedule_failed(log)
        return log.out
    log.add("cpu", 2, "DEBUG", _MGR, "Starting instance... _do_build_and_run_instance")
    log.add("cpu", 2.1, "INFO", "nova.compute.claims", "Claim successful on node cmp1")
    if scenario == "unexpected":
        log.add(
            "cpu",
            2.5,
            "ERROR",
            _MGR,
            "Unexpected build failure, not rescheduling build.: "
            "AttributeError: 'NoneType' object has no attribute 'x'",
        )
        return log.out
    _bind_and_wait(log)
    if scenario in ("spawn_failed", "cleanup"):
        _spawn_failed(log, aborted=scenario == "spawn_failed")
        return log.out
    _vif_chain(log, 6 if scenario == "active" else hop)
    _ending(log, scenario)
    return log.out


def _schedule_failed(log: _BootLog) -> None:
    """The conductor finds no host and sets the instance to ERROR."""
    log.add(
        "cond",
        1,
        "ERROR",
        "nova.conductor.manager",
        "Failed to schedule instances: NoValidHost_Remote: No valid host was found.",
        instance=False,
    )
    log.add("cond", 1.1, "WARNING", "nova.scheduler.utils", "Setting instance to ERROR state.")


def _bind_and_wait(log: _BootLog) -> None:
    """The port's binding PUT (neutron, then nova) and nova preparing to wait for its event."""
    port = log.port
    put = f'1.2.3.4 "PUT /v2.0/ports/{port} HTTP/1.1" status: 200  len: 9 time: 0.3'
    log.add("net", 3.9, "INFO", "neutron.wsgi", put, instance=False)
    log.add("cpu", 4, "DEBUG", "nova.network.neutronv2.api", f"Successfully updated port: {port}")
    wait = f"Preparing to wait for external event network-vif-plugged-{port} prepare"
    log.add("cpu", 5, "DEBUG", _MGR, wait)


def _spawn_failed(log: _BootLog, aborted: bool) -> None:
    """The spawn fails and nova cleans up; ``aborted``: the build's abort line follows."""
    log.add("cpu", 6, "ERROR", _MGR, "Instance failed to spawn: libvirtError: internal error")
    log.add("cpu", 6.1, "INFO", _MGR, "Terminating instance")
    if aborted:
        log.add(
            "cpu",
            7,
            "ERROR",
            _MGR,
            f"Build of instance {log.inst} aborted: internal error",
            instance=False,
        )


def _vif_chain(log: _BootLog, reached: int) -> None:
    """The first ``reached`` hops of the vif chain, one second apart from 8 s on."""
    port, inst = log.port, log.inst
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
        ("cpu", _MGR, f"Received event network-vif-plugged-{port} external_instance_event"),
    ]
    for i, (svc, logger, msg) in enumerate(net[:reached]):
        log.add(svc, 8 + i, "DEBUG" if svc != "api" else "INFO", logger, msg, instance=svc == "cpu")


def _ending(log: _BootLog, scenario: str) -> None:
    """How a boot that reached the vif chain ends: active, timed out, deleted (else no line)."""
    port, inst = log.port, log.inst
    if scenario == "active":
        log.add("cpu", 14, "INFO", "nova.virt.libvirt.driver", "Instance spawned successfully.")
        log.add("cpu", 15, "INFO", _MGR, "Took 10.00 seconds to build instance.")
    elif scenario == "timeout":
        log.add(
            "cpu",
            40,
            "WARNING",
            "nova.virt.libvirt.driver",
            "Timeout waiting for "
            f"[('network-vif-plugged', u'{port}')] for instance with vm_state building and "
            "task_state spawning.: Timeout: 30 seconds",
        )
        log.add(
            "cpu",
            41,
            "ERROR",
            _MGR,
            f"Build of instance {inst} aborted: Failed to allocate "
            "the network(s), not rescheduling.",
            instance=False,
        )
    elif scenario == "deleted":
        delete = f'1.2.3.4 "DELETE /v2.1/servers/{inst} HTTP/1.1" status: 204 len: 0 time: 0.1'
        log.add("api", 30, "INFO", _API, delete, instance=False)
        log.add("cpu", 30.5, "INFO", _MGR, "Terminating instance")


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
