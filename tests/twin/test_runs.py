"""Runs of the twin: outcomes, determinism, heal load, Little's law, failure mechanisms."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacktwin.boots import MILESTONE_ORDER, Outcome
from stacktwin.twin import parse_scenario, run_scenario
from stacktwin.twin.results import TwinResult


def small(**over: Any) -> dict[str, Any]:
    """A 40-host cloud with a steady boot rate and some deletions."""
    data: dict[str, Any] = {
        "name": "small",
        "release": "2023.1",
        "duration": 1200,
        "drain": 700,
        "cloud": {
            "hosts": 40, "instances": 400, "neutron_servers": 1, "neutron_server_cores": 8,
            "nova_api_nodes": 1, "nova_api_cores": 4, "dhcp_agents": 1,
        },
        "workload": {"boot_rate_per_minute": 20, "delete_rate_per_minute": 4},
        "nova": {"DEFAULT": {"heal_instance_info_cache_interval": 60}},
        "neutron": {"DEFAULT": {"rpc_workers": 2}},
    }  # fmt: skip
    return override(data, over)


def dead_agents(hosts: int = 50, **over: Any) -> dict[str, Any]:
    """:func:`small` with agents that look dead: a state report every 30 s, an agent down after
    1 s without one, so every binding sees a dead agent."""
    return small(**{
        "cloud.hosts": hosts, "cloud.instances": hosts, "duration": 300,
        "neutron.agent.report_interval": 30, "neutron.DEFAULT.agent_down_time": 1, **over,
    })  # fmt: skip


def override(data: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each dotted path of ``over`` (``"cloud.hosts"``) set, sections created."""
    for key, value in over.items():
        target = data
        *parents, last = key.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[last] = value
    return data


def run(data: dict[str, Any]) -> TwinResult:
    return run_scenario(parse_scenario(data))


def _record(result: TwinResult) -> str:
    d = result.to_dict()
    d.pop("engine")
    return json.dumps(d, sort_keys=True)


def test_every_boot_ends_in_exactly_one_outcome() -> None:
    result = run(small())
    boots = result.boots
    assert len(boots) > 300
    assert len({b.instance for b in boots}) == len(boots)
    s = result.summary
    assert sum(s["outcomes"].values()) == len(boots)
    assert s["outcomes"]["unknown"] == 0  # the drain lets every boot end
    for b in boots:
        assert b.outcome in (Outcome.ACTIVE, Outcome.ERROR)
        assert "finished" in b.milestones
        if b.outcome is Outcome.ACTIVE:
            times = [b.milestones[m.value] for m in MILESTONE_ORDER if m.value in b.milestones]
            assert times == sorted(times), b.instance
            assert b.hop_latencies()["vif_wait"] is not None


def test_same_seed_same_numbers_other_seed_differs() -> None:
    a = run(small(duration=600))
    b = run(small(duration=600))
    assert _record(a) == _record(b)
    c = run(small(duration=600, seed=2))
    assert _record(a) != _record(c)


def test_disabling_heal_removes_exactly_its_neutron_load() -> None:
    # a shared token cache: the middleware's lookups then hold no API process (a private
    # cache's scan would add one grant per request, see tests/twin/test_keystone.py)
    memcached = "neutron.keystone_authtoken.memcached_servers"
    on = run(small(**{"duration": 900, memcached: "mc:11211"}))
    off = run(
        small(
            **{
                "duration": 900,
                "nova.DEFAULT.heal_instance_info_cache_interval": -1,
                memcached: "mc:11211",
            }
        )
    )
    assert on.summary["outcomes"]["error"] == off.summary["outcomes"]["error"] == 0
    refreshes = on.load["nova.heal_refreshes"]
    # one refresh per host per interval over the run (1600 s incl. drain, 40 hosts, 60 s)
    assert refreshes == pytest.approx(40 * 1600 / 60, rel=0.03)
    # 8 GETs per refresh on >= Stein (the refreshes still running at the end issued fewer)
    assert 8 * (refreshes - 40) < on.load["neutron.api.heal"] <= 8 * refreshes
    assert "neutron.api.heal" not in off.load and "nova.heal_refreshes" not in off.load
    for key in set(on.load) | set(off.load):
        if key.startswith("neutron.api.") and key != "neutron.api.heal":
            assert on.load[key] == off.load[key], key
    granted_on = on.components["neutron_api"]["granted"]
    granted_off = off.components["neutron_api"]["granted"]
    assert granted_on - granted_off == on.load["neutron.api.heal"]


def test_littles_law_on_the_twin_queues() -> None:
    twin_data = small(**{"workload.boot_rate_per_minute": 60, "neutron.DEFAULT.rpc_workers": 1})
    from stacktwin.twin.model import Twin

    twin = Twin(parse_scenario(twin_data))
    twin.run()
    horizon = twin.env.now
    checked = 0
    cloud = twin.cloud
    for res in [p.hub for p in (*cloud.neutron.api, *cloud.neutron.rpc)] + [cloud.nova_api.workers]:
        st = res.stats()
        if float(st["mean_queue"]) < 0.01:
            continue
        lam = float(st["arrivals"]) / horizon
        assert float(st["mean_queue"]) == pytest.approx(lam * float(st["mean_wait"]), rel=0.02)
        checked += 1
    assert checked >= 2


def test_blocking_flow_deletion_starves_boots_on_that_host() -> None:
    """One host, a 2000-member remote SG: its last VM deleted blocks the agent for ~500 s."""
    data = small(**{
        "release": "2022.1",
        "cloud.hosts": 1, "cloud.instances": 1, "cloud.remote_sg_members": 2000,
        "workload.boot_rate_per_minute": 0, "workload.delete_rate_per_minute": 0,
        "workload.boot_storms": [{"start": 120, "duration": 600, "rate_per_minute": 2}],
        "workload.delete_storms": [{"start": 10, "duration": 30, "rate_per_minute": 20}],
        "duration": 900, "model.flow_deletion": "blocking",
        "neutron.securitygroup.firewall_driver": "openvswitch",
    })  # fmt: skip
    before = run(data)
    assert before.summary["timeouts"] > 0
    assert before.components["ovs_agents"]["longest_iteration"] > 400
    assert set(before.summary["stopped_at"]) == {"agent"}
    data["model"]["flow_deletion"] = "deferred"
    after = run(data)
    assert after.summary["timeouts"] == 0
    assert after.components["ovs_agents"]["longest_iteration"] < 30


def test_non_fatal_timeout_boots_anyway() -> None:
    data = small(**{
        "release": "2022.1",
        "cloud.hosts": 1, "cloud.instances": 1, "cloud.remote_sg_members": 2000,
        "workload.boot_rate_per_minute": 0, "workload.delete_rate_per_minute": 0,
        "workload.boot_storms": [{"start": 120, "duration": 600, "rate_per_minute": 2}],
        "workload.delete_storms": [{"start": 10, "duration": 30, "rate_per_minute": 20}],
        "duration": 900, "model.flow_deletion": "blocking",
        "neutron.securitygroup.firewall_driver": "openvswitch",
        "nova.DEFAULT.vif_plugging_is_fatal": False,
    })  # fmt: skip
    result = run(data)
    s = result.summary
    assert s["timeouts"] > 0 and s["outcomes"]["error"] == 0
    assert all(b.outcome is Outcome.ACTIVE for b in result.boots if b.timed_out)


def test_compute_restart_errors_builds_in_flight_and_drops_events() -> None:
    data = small(**{
        "cloud.hosts": 4, "cloud.instances": 40, "duration": 600,
        "workload.boot_storms": [{"start": 100, "duration": 60, "rate_per_minute": 120}],
        "workload.compute_restarts": [{"at": 140, "hosts": 4}],
    })  # fmt: skip
    result = run(data)
    s = result.summary
    assert s["reasons"].get("compute_restarted", 0) > 0
    assert result.load["nova.compute_restarts"] == 4
    restarted = [b for b in result.boots if b.reason == "compute_restarted"]
    assert all(b.milestones["finished"] == pytest.approx(140.0) for b in restarted)


def test_dead_agent_refuses_binding() -> None:
    """State reports that cannot be served make agents look dead: ports fail to bind, and with
    ``max_attempts = 1`` nova does not reschedule ("Retry info not present")."""
    data = dead_agents(**{"nova.scheduler.max_attempts": 1})
    result = run(data)
    assert result.summary["reasons"].get("port_binding_failed", 0) > 0
    assert result.load["neutron.binding_failed_dead_agent"] > 0
    assert result.load.get("nova.reschedules", 0) == 0


def test_bit_identical_across_processes(tmp_path: Path) -> None:
    """Hash randomisation (PYTHONHASHSEED) must not change a run: no set-order dependence."""
    data = small(**{
        "cloud.hosts": 6, "cloud.instances": 60, "duration": 400,
        "workload.boot_storms": [{"start": 50, "duration": 100, "rate_per_minute": 120}],
        "workload.compute_restarts": [{"at": 120, "hosts": 2}],
        "neutron.DEFAULT.rpc_response_timeout": 1,
    })  # fmt: skip
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data))
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", "from stacktwin.cli import main; main()",
             "simulate", str(scenario), "--json", str(out)],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        record = json.loads(out.read_text())
        record.pop("engine")
        outputs.append(json.dumps(record, sort_keys=True))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["load"].get("agent.rpc_timeouts", 0) > 0  # resyncs exercised


def test_progress_tally_counts_outcomes_as_they_end() -> None:
    from stacktwin.twin.model import Twin

    twin = Twin(parse_scenario(small(duration=300)))
    seen: list[dict[str, int]] = []
    result = twin.run(progress=lambda _t, _end, tally: seen.append(tally), step=100.0)
    s = result.summary
    assert seen[-1] == {
        "requested": s["boots"], "active": s["outcomes"]["active"], "error": s["outcomes"]["error"],
    }  # fmt: skip
    assert seen[0]["requested"] > 0 and seen[0]["active"] < seen[-1]["active"]


def test_report_state_times_out_after_report_interval_not_rpc_response_timeout() -> None:
    data = small(**{
        "cloud.hosts": 4, "cloud.instances": 4, "duration": 300,
        "neutron.DEFAULT.rpc_response_timeout": 1, "model.costs.rpc_report_state": 3.0,
    })  # fmt: skip
    result = run(data)
    assert result.load["neutron.rpc.report_state"] > 0
    assert result.load.get("agent.report_state_timeouts", 0) == 0


def test_a_revived_agent_resyncs_every_port() -> None:
    data = dead_agents(hosts=3)
    result = run(data)
    assert result.load["agent.revived_resyncs"] > 0
    assert result.components["ovs_agents"]["resyncs"] == 0  # no RPC timeout: only revivals
    assert result.components["ovs_agents"]["iterations"] >= result.load["agent.revived_resyncs"]


def test_first_heal_after_a_restart_comes_at_max_of_interval_and_fuzzy_delay() -> None:
    """oslo.service: the task is due one spacing after the service starts; the timer starts
    after a random delay up to periodic_fuzzy_delay: the first run is at the later of the two.
    Restart at 100 s, interval 600 s, fuzzy delay 60 s: the first run is at exactly 700 s (the sum
    would put it anywhere in 700-760 s)."""

    def heals(seed: int, end: float) -> int:
        data = small(**{
            "seed": seed, "cloud.hosts": 1, "cloud.instances": 5, "duration": end, "drain": 0,
            "workload.boot_rate_per_minute": 0, "workload.delete_rate_per_minute": 0,
            "workload.compute_restarts": [{"at": 100, "hosts": 1}],
            "nova.DEFAULT.heal_instance_info_cache_interval": 600,
            "nova.DEFAULT.periodic_fuzzy_delay": 60,
        })  # fmt: skip
        return int(run(data).load.get("nova.heal_refreshes", 0))

    for seed in range(1, 6):
        assert heals(seed, 705) - heals(seed, 699) == 1, seed
