"""keystone and keystonemiddleware in the twin: the c-server queue, the token caches, the tokens.

* keystone's servers fed Poisson validations with exponential service times are an M/M/c:
  the mean wait is Erlang C's;
* with a private cache per API worker a compute's token is validated about once per worker
  that sees it per ``token_cache_time`` — min(requests, W) per 300 s (capacity dossier §2.4) —
  with memcached about once per token per TTL;
* heal 60 -> 600 moves keystone's validations/s a lot without memcached and little with it;
* tokens are issued again ~120 s before they expire, and by a restarted nova-compute;
* a keystone that answers later than ``http_connect_timeout`` fails the requests (503).
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import pytest

from stacktwin.boots import Outcome
from stacktwin.twin import parse_scenario
from stacktwin.twin.context import Context
from stacktwin.twin.kernel import Event, Timeout
from stacktwin.twin.kernel.queueing import erlang_c_wait
from stacktwin.twin.keystone import Keystone
from stacktwin.twin.model import Twin
from stacktwin.twin.results import TwinResult
from tests.twin.test_runs import override, run

TTL = 300


def test_keystone_is_an_mmc_within_3_percent_of_erlang_c() -> None:
    sc = parse_scenario(
        {
            "name": "mmc",
            "cloud": {"keystone_nodes": 1, "keystone_processes": 2, "keystone_threads": 2},
            "model": {"costs": {"keystone_validate": 1.0}},
        }
    )
    ctx = Context(sc)
    env = ctx.env
    ks = Keystone(ctx)
    service = random.Random(5)
    ks._factor = lambda: service.expovariate(1.0)  # exponential service: the M/M/c case
    arrivals = random.Random(6)
    lam, horizon = 3.0, 100_000.0

    def client() -> Generator[Event | Timeout, Any, None]:
        ok = yield from ks.validate(None)
        assert ok

    def arrive(_: object) -> None:
        env.process(client())
        if env.now < horizon:
            env.schedule(arrivals.expovariate(lam), arrive)

    env.schedule(arrivals.expovariate(lam), arrive)
    env.run(until=horizon)
    stats = ks.workers.stats()
    assert ks.workers.capacity == 4  # nodes x processes x threads
    assert stats["utilisation"] == pytest.approx(lam / 4, rel=0.03)
    assert stats["mean_wait"] == pytest.approx(erlang_c_wait(lam, 1.0, 4), rel=0.03)


def _heal_only(**over: Any) -> dict[str, Any]:
    """Computes whose only Neutron traffic is heal: one token (the admin's) each."""
    data: dict[str, Any] = {
        "name": "heal-only",
        "release": "2023.1",  # 8 GETs per refresh
        "duration": 1800,
        "drain": 0,
        "cloud": {
            "hosts": 40, "instances": 400, "neutron_servers": 1, "neutron_server_cores": 16,
            "nova_api_nodes": 1, "nova_api_cores": 4, "dhcp_agents": 1,
            # tokens that outlive the run: no renewal adds validations here
            "keystone_token_expiration": 100_000,
        },
        "nova": {"DEFAULT": {"heal_instance_info_cache_interval": 60}},
        "neutron": {"DEFAULT": {"api_workers": 8, "rpc_workers": 2}},
    }  # fmt: skip
    return override(data, over)


def _per_compute_per_ttl(result: TwinResult) -> float:
    ks = result.components["keystone"]
    hosts = result.scenario.cloud.hosts
    return float(ks["validations"]) / hosts / (result.scenario.end_time() / TTL)


@pytest.mark.parametrize("workers", [8, 96])
def test_private_caches_validate_a_token_once_per_worker_per_ttl(workers: int) -> None:
    """Per worker, a token's entry lives ``TTL`` s, then waits for the token's next request
    on that worker.  Were the requests spread at random, with ``q`` per s per compute over
    ``W`` workers each worker would validate once per ``TTL + W / q`` s; a compute's sequential
    GETs go round robin, so they reach the workers more evenly and the wait after expiry is
    shorter.  Either way the count approaches min(requests per TTL, W) (dossier §2.4's bound)."""
    result = run(_heal_only(**{"neutron.DEFAULT.api_workers": workers}))
    requests = 5 * 8  # per compute per 300 s: 5 refreshes of 8 GETs
    q = requests / TTL
    at_random = workers * TTL / (TTL + workers / q)
    got = _per_compute_per_ttl(result)
    assert 0.95 * at_random <= got <= min(requests, workers), (got, at_random)
    assert result.components["keystone"]["cache"] == "per-worker"


def test_memcached_validates_a_token_about_once_per_ttl() -> None:
    memcached = {"neutron.keystone_authtoken.memcached_servers": "mc:11211"}
    result = run(_heal_only(**memcached, **{"neutron.DEFAULT.api_workers": 96}))
    assert 0.8 <= _per_compute_per_ttl(result) <= 1.02
    ks = result.components["keystone"]
    assert ks["cache"] == "memcached"
    assert ks["cache_hit_ratio"] > 0.95
    # two tokens per request with the service token: twice the validations
    both = run(
        _heal_only(
            **memcached,
            **{
                "neutron.DEFAULT.api_workers": 96,
                "nova.service_user.send_service_user_token": True,
            },
        )
    )
    assert both.components["keystone"]["validations"] == pytest.approx(
        2 * ks["validations"], rel=0.05
    )


def test_heal_60_to_600_moves_keystone_only_without_memcached() -> None:
    def rate(heal: int, memcached: str | None) -> float:
        over: dict[str, Any] = {
            "nova.DEFAULT.heal_instance_info_cache_interval": heal,
            "neutron.DEFAULT.api_workers": 48,
        }
        if memcached:
            over["neutron.keystone_authtoken.memcached_servers"] = memcached
        result = run(_heal_only(**over))
        ks = result.components["keystone"]
        return float(ks["validations_per_s"])

    private_60, private_600 = rate(60, None), rate(600, None)
    shared_60, shared_600 = rate(60, "mc:11211"), rate(600, "mc:11211")
    assert private_60 / private_600 > 4  # dossier §2.4: ~83 vs ~11 per s at 1,000 computes
    assert shared_60 / shared_600 < 2.5  # ~N/300 vs N/600
    assert private_60 > 10 * shared_60


def test_tokens_are_renewed_before_expiry() -> None:
    data = _heal_only(
        **{
            "duration": 3600,
            "cloud.keystone_token_expiration": 3600,
            "nova.service_user.send_service_user_token": True,
        }
    )
    hosts = data["cloud"]["hosts"]
    result = run(data)
    # each of the 2 tokens of each compute renewed once per 3600 - 120 s, at a random phase
    assert result.components["keystone"]["token_issues"] == pytest.approx(
        2 * hosts * 3600 / 3480, rel=0.08
    )


def test_a_restarted_compute_issues_new_tokens() -> None:
    data = _heal_only(**{"nova.service_user.send_service_user_token": True})
    calm = run(data).components["keystone"]["token_issues"]
    assert calm <= 5  # tokens of 100,000 s: a renewal only for a token near its end
    data["workload"] = {"compute_restarts": [{"at": 600, "hosts": 10}]}
    restarted = run(data)
    assert restarted.load["nova.compute_restarts"] == 10
    extra = restarted.components["keystone"]["token_issues"] - calm
    assert 18 <= extra <= 20  # a new process: admin + service token each


def _boots(**over: Any) -> dict[str, Any]:
    data = _heal_only(
        **{
            "duration": 600,
            "drain": 400,
            "workload": {"boot_rate_per_minute": 10},
            "neutron.keystone_authtoken.http_connect_timeout": 1,
            **over,
        }
    )
    return data


def test_a_keystone_slower_than_the_timeout_fails_requests_with_503() -> None:
    slow = run(_boots(**{"model": {"costs": {"keystone_validate": 5.0}}}))
    assert slow.load["neutron.keystone_unavailable"] > 0
    assert slow.components["keystone"]["validation_timeouts"] > 0
    outcomes = slow.summary["outcomes"]
    assert outcomes[Outcome.ERROR.value] > 0
    # nova reschedules a build whose port calls met a 503, unless deleting its ports fails too
    load = slow.load
    assert load.get("nova.reschedule_requests.neutron_api_error", 0) + load["nova.cleanup_failed"]
    reasons = slow.summary["reasons"]
    assert set(reasons) <= {
        "neutron_api_error", "could_not_clean_up_failed_build",
        "max_retries_exceeded: neutron_api_error",
    }  # fmt: skip
    fast = run(_boots())
    assert "neutron.keystone_unavailable" not in fast.load
    assert fast.summary["outcomes"][Outcome.ERROR.value] == 0


def test_token_cache_time_minus_one_validates_every_request() -> None:
    result = run(_heal_only(**{"neutron.keystone_authtoken.token_cache_time": -1}))
    assert result.components["keystone"]["validations"] == result.load["neutron.api.heal"]
    assert result.components["keystone"]["cache_hit_ratio"] == 0.0


def test_a_private_cache_lookup_walks_every_key_on_the_workers_cpu() -> None:
    sc = parse_scenario(
        _heal_only(**{"nova.DEFAULT.heal_instance_info_cache_interval": -1, "duration": 10})
    )
    twin = Twin(sc)
    proc = twin.cloud.neutron.api[0]
    cache = proc.auth.cache
    for k in range(10_000):
        cache.set(f"t{k}", 0.0)
    done: list[float] = []

    def request() -> Generator[Event | Timeout, Any, None]:
        ok = yield from proc.authenticate(("t1", "t2"))  # two hits, two walks of 10,000 keys
        assert ok
        done.append(twin.env.now)

    twin.env.process(request())
    twin.env.run(until=1.0)
    assert done == [pytest.approx(2 * 10_000 * sc.model.costs.auth_cache_scan_key)]
    assert proc.hub.stats()["granted"] == 1  # the walk held the process
    assert cache.hits == 2
