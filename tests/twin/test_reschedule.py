"""Reschedules: a port binding failure or a Neutron 5xx while allocating the network sends the
build to another host, up to ``[scheduler] max_attempts``; a vif-plugging timeout does not."""

from stacktwin.boots import Outcome
from tests.twin.test_runs import dead_agents, run, small


def test_every_agent_dead_exhausts_the_attempts() -> None:
    """All agents look dead: each boot tries ``max_attempts`` hosts, then MaxRetriesExceeded."""
    data = dead_agents(**{"nova.scheduler.max_attempts": 3})
    result = run(data)
    failed = [b for b in result.boots if b.reason and b.reason.startswith("max_retries_exceeded")]
    assert failed
    assert all(b.reason == "max_retries_exceeded: port_binding_failed" for b in failed)
    # three attempts, each with a new port (the failed attempt's port was deleted)
    assert all(len(b.ports) == 3 for b in failed)
    assert result.load["nova.max_retries_exceeded"] == len(failed)
    # every reschedule is one more attempt with one more port
    assert result.load["nova.reschedules"] == sum(len(b.ports) - 1 for b in result.boots)
    assert result.summary["reasons"].get("port_binding_failed", 0) == 0


def test_more_attempts_more_neutron_load() -> None:
    """Each attempt creates, binds and deletes its ports: Neutron sees the retries."""
    one = run(dead_agents(**{"nova.scheduler.max_attempts": 1}))
    five = run(dead_agents(**{"nova.scheduler.max_attempts": 5}))
    assert five.load["neutron.api.boot"] > 3 * one.load["neutron.api.boot"]
    assert five.load["neutron.api.delete"] > 3 * one.load["neutron.api.delete"]


def test_a_reschedule_to_a_live_agent_succeeds() -> None:
    """Agents that look dead a third of the time (reports every 30 s, down after 20 s): a build
    refused on one host is sent to another, and most of those become ACTIVE there."""
    data = small(**{
        "cloud.hosts": 50, "cloud.instances": 50, "duration": 600,
        "neutron.agent.report_interval": 30, "neutron.DEFAULT.agent_down_time": 20,
    })  # fmt: skip
    result = run(data)
    rescheduled = [b for b in result.boots if len(b.ports) > 1]
    assert rescheduled
    active = [b for b in rescheduled if b.outcome is Outcome.ACTIVE]
    assert len(active) > len(rescheduled) / 2
    for b in active:  # the last attempt's milestones, on the host it ran on
        assert b.milestones["requested"] < b.milestones["scheduled"] < b.milestones["running"]
        assert b.reason is None


def test_api_errors_reschedule_but_a_failed_cleanup_does_not() -> None:
    """A pool with no overflow and a 1 s timeout under a burst gives 500s (``QueuePool limit``):
    nova reschedules those builds, unless deleting their ports fails too ("Could not clean up
    failed build, not rescheduling")."""
    data = small(**{
        "cloud.hosts": 40, "cloud.instances": 40, "duration": 300,
        "workload.boot_storms": [{"start": 30, "duration": 60, "rate_per_minute": 120}],
        "neutron.DEFAULT.api_workers": 1,
        "neutron.database.max_pool_size": 1, "neutron.database.max_overflow": 0,
        "neutron.database.pool_timeout": 1,
    })  # fmt: skip
    result = run(data)
    assert result.load["neutron.db_pool_timeouts"] > 0
    assert result.load["nova.reschedule_requests.neutron_api_error"] > 0
    assert result.summary["reasons"].get("could_not_clean_up_failed_build", 0) > 0
    assert result.load["nova.reschedules"] == sum(len(b.ports) - 1 for b in result.boots)


def test_vif_timeout_is_not_rescheduled() -> None:
    """``vif_plugging_is_fatal``: a timeout ends the boot in ERROR on its host."""
    data = small(**{
        "cloud.hosts": 4, "cloud.instances": 40, "duration": 400,
        "nova.DEFAULT.vif_plugging_timeout": 1,
    })  # fmt: skip
    result = run(data)
    timed_out = [b for b in result.boots if b.reason == "vif_plugging_timeout"]
    assert timed_out and all(b.outcome is Outcome.ERROR for b in timed_out)
    assert result.load.get("nova.reschedules", 0) == 0
