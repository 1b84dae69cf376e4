"""Twin runs with the database: conservation, max_pool_size through churn and max_connections,
TLS through the worker's CPU (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest

from stacktwin.boots import Outcome
from stacktwin.config.dbsite import MYSQL_MAX_CONNECTIONS
from stacktwin.twin import parse_scenario
from stacktwin.twin.model import Twin
from stacktwin.twin.results import TwinResult
from tests.twin.test_runs import run, small


def _storm(pool: int, seed: int, max_connections: int) -> dict[str, Any]:
    return small(**{
        "seed": seed, "duration": 600, "drain": 400,
        "cloud.db_max_connections": max_connections,
        "workload": {"boot_rate_per_minute": 20,
                     "boot_storms": [{"start": 100, "duration": 200, "rate_per_minute": 60}]},
        "neutron.database.max_pool_size": pool,
    })  # fmt: skip


def _failed(result: TwinResult) -> int:
    """Boot network allocations that met a Neutron 500: rescheduled or not (their cleanup)."""
    load = result.load
    return int(result.summary["reasons"].get("neutron_api_error", 0)) + int(
        load.get("nova.reschedule_requests.neutron_api_error", 0)
        + load.get("nova.cleanup_failed", 0)
    )


def test_every_connection_opened_is_closed_or_still_held() -> None:
    """Stopped mid-storm: opened - closed = open on the server = idle + checked out, all pools."""
    twin = Twin(parse_scenario(_storm(1, 1, 10_000)))
    twin.env.run(until=250.0)  # the storm is on: calls hold connections
    cloud = twin.cloud
    server = cloud.db.server
    n = cloud.neutron
    pools = [p.db for p in (*n.api, *n.rpc, *n.reports)] + cloud.conductor.pools
    pools += cloud.nova_api.pools
    held = sum(p.checked_out for p in pools)
    assert held > 0
    assert server.connects - server.closes == server.connections
    assert server.connections == held + sum(p.open_idle() for p in pools)
    # every record the pools opened is open, was closed, or was recycled (closed and reopened)
    assert sum(p.created for p in pools) + cloud.ctx.counters["db.recycled"] == server.connects
    assert sum(p.closes for p in pools) + cloud.ctx.counters["db.recycled"] == server.closes


def test_max_pool_size_acts_through_churn_and_max_connections() -> None:
    """60 kept per process piles up idle connections past max_connections: 1040s, failed API
    requests (not retried; nova reschedules those builds); 1 keeps at most one idle per process
    but opens far more.  The limit is MariaDB's own default."""
    limit = MYSQL_MAX_CONNECTIONS
    for seed in (1, 2):
        one = run(_storm(1, seed, limit))
        sixty = run(_storm(60, seed, limit))
        db1, db60 = one.components["database"], sixty.components["database"]
        assert db60["refused_1040"] > 0 and _failed(sixty) > 0
        assert db60["refused_1040"] > db1["refused_1040"]
        assert _failed(sixty) > _failed(one)
        assert db60["peak_connections"] == limit  # the limit, reached
        assert db1["connects_per_s"] > 5 * db60["connects_per_s"]
        # the API requests that failed are the 1040s the neutron pools met (one each)
        assert one.load.get("neutron.db_1040", 0) >= _failed(one)
        assert sixty.load["neutron.db_1040"] >= _failed(sixty)


def _heal_load(tls: bool) -> TwinResult:
    """200 hosts healing every 5 s against short (lab-like, 20 ms) GETs, pool 1, no noise."""
    return run(small(**{
        "duration": 300, "drain": 0, "cloud.hosts": 200, "cloud.instances": 1000,
        "cloud.db_tls": tls, "nova.DEFAULT.heal_instance_info_cache_interval": 5,
        "model.costs.neutron_get": 0.02, "model.costs.neutron_create_port": 0.1,
        "model.costs.neutron_update_port_binding": 0.15, "model.costs.service_cv": 0.0,
        "neutron.database.max_pool_size": 1,
    }))  # fmt: skip


def test_tls_costs_worker_cpu_per_connect_and_latency_at_load() -> None:
    plain, tls = _heal_load(False), _heal_load(True)
    costs = parse_scenario(small()).model.costs
    span = 300.0
    busy = {}
    for name, r in (("plain", plain), ("tls", tls)):
        c = r.components["neutron_api"]
        busy[name] = c["utilisation"] * c["count"] * span  # hub-seconds of the API workers
    # the API workers' extra CPU is the handshakes' client side, as many as each run opened
    # (with no service-time noise both runs make the same calls with the same CPU)
    opened = {k: r.components["database"]["connects"] for k, r in (("plain", plain), ("tls", tls))}
    assert opened["tls"] > 5_000  # pool 1 under random load: about every second checkout
    expected = (
        opened["tls"] * costs.db_connect_client_cpu_tls
        - opened["plain"] * costs.db_connect_client_cpu
    )
    assert busy["tls"] - busy["plain"] == pytest.approx(expected, rel=0.1)
    # ... and the queue at the workers grows with it (positive feedback of dossier §1.5 (b))
    assert (
        tls.components["neutron_api"]["mean_queue"]
        > 1.1 * plain.components["neutron_api"]["mean_queue"]
    )
    assert tls.components["database"]["cpu_seconds"] > plain.components["database"]["cpu_seconds"]


def test_a_nova_api_database_error_drops_the_notifiers_events() -> None:
    """nova-api reads the instances from its database; when its pool cannot give a connection
    the POST is a 500, the notifier drops the batch ("Failed to notify nova on events") and
    the boots wait out vif_plugging_timeout, stopped at nova_api.  The same boots with nova-api's
    pools free go ACTIVE."""
    data = small(**{
        "duration": 300, "drain": 400, "workload": {"boot_rate_per_minute": 6},
        "nova.database.max_pool_size": 1, "nova.database.max_overflow": 0,
        "nova.database.pool_timeout": 2, "nova.DEFAULT.vif_plugging_timeout": 120,
    })  # fmt: skip
    free = run(data)
    assert free.summary["boots"] > 10
    assert free.summary["outcomes"]["active"] == free.summary["boots"]
    assert free.load.get("neutron.notifier.failed_posts", 0) == 0

    twin = Twin(parse_scenario(data))
    for pool in twin.cloud.nova_api.pools:  # every nova-api connection held by someone else
        assert pool.checkout().__class__ is float
    held = twin.run()
    load = held.load
    assert load["nova.db_pool_timeouts"] == load["nova.api.external_event_errors"] > 0
    assert load["neutron.notifier.failed_posts"] == load["nova.api.external_event_errors"]
    assert load["neutron.notifier.events_dropped"] >= load["neutron.notifier.failed_posts"]
    failed = [b for b in held.boots if b.outcome is not Outcome.ACTIVE]
    assert len(failed) == held.summary["boots"]
    for boot in failed:
        assert boot.reason == "vif_plugging_timeout", boot.reason
        assert boot.chain_stop() == "nova_api"
        assert "event_sent" in boot.milestones and "event_api" not in boot.milestones
