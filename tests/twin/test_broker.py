"""The RabbitMQ broker of the twin against queueing theory, and the senders' connection pool.

* one queue fed Poisson messages is an M/G/1 FIFO: its mean time in the broker is the
  Pollaczek–Khinchine mean for the lognormal per-message cost the twin draws;
* two queues on a one-core broker are one M/G/1 at the summed rate (the core is shared);
* Little's law: the depth sampled on a time grid equals arrival rate × mean time inside;
* with the RPC workers saturated the broker queue stays near empty and the backlog waits in the
  consumers' executors (messages acked on receipt, prefetch 0);
* ``rpc_conn_pool_size = 1`` with concurrent repliers blocks and counts, 30 does not.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Generator
from itertools import pairwise
from typing import Any

import pytest

from stacktwin.twin import parse_scenario
from stacktwin.twin.kernel import Environment, Event, Timeout
from stacktwin.twin.model import Twin
from stacktwin.twin.rabbit import LIMIT_EXCEEDED, Broker, BrokerQueue, RpcServer, Topic, call
from stacktwin.twin.variates import lognormal_factors

CV = 0.5  # the lognormal cost's coefficient of variation


def _pk_sojourn(lam: float, mean: float, cv: float) -> float:
    """Pollaczek–Khinchine: mean time in an M/G/1 system (wait + service)."""
    rho = lam * mean
    second = (1.0 + cv * cv) * mean * mean
    return mean + lam * second / (2.0 * (1.0 - rho))


def _feed(
    env: Environment, broker: Broker, queues: list[tuple[BrokerQueue, float]], until: float
) -> None:
    """Poisson messages into each queue at its rate, by callbacks (no process per message)."""
    for k, (queue, lam) in enumerate(queues):
        _poisson(env, broker, queue, lam, random.Random(100 + k), until)


def _poisson(
    env: Environment,
    broker: Broker,
    queue: BrokerQueue,
    lam: float,
    rng: random.Random,
    until: float,
) -> None:
    def arrive(_: object) -> None:
        broker.route(queue)
        if env.now < until:
            env.schedule(rng.expovariate(lam), arrive)

    env.schedule(rng.expovariate(lam), arrive)


def _broker(env: Environment, cores: int, mean: float) -> Broker:
    return Broker(env, cores, mean, 0.0, lognormal_factors(7, CV), Counter())


def test_one_queue_is_an_mg1_within_3_percent_and_obeys_littles_law() -> None:
    env = Environment()
    mean, lam, horizon = 1.0, 0.7, 200_000.0
    broker = _broker(env, cores=4, mean=mean)
    queue = broker.queue("q-plugin")
    _feed(env, broker, [(queue, lam)], horizon)
    depths: list[int] = []

    def sample(_: object) -> None:
        depths.append(queue.depth(env.now))
        if env.now < horizon:
            env.schedule(0.5, sample)

    env.schedule(0.5, sample)
    env.run(until=horizon)
    # drop the messages still inside at the end from the comparison: run on, nothing new
    measured = queue.sojourn / queue.messages
    assert measured == pytest.approx(_pk_sojourn(lam, mean, CV), rel=0.03)
    assert queue.busy / horizon == pytest.approx(lam * mean, rel=0.03)
    # Little: time-average depth (sampled) = arrival rate x mean time inside
    little = queue.messages / horizon * measured
    assert sum(depths) / len(depths) == pytest.approx(little, rel=0.03)
    assert queue.peak >= max(depths)


def test_two_queues_on_one_core_share_it_as_one_mg1() -> None:
    env = Environment()
    mean, horizon = 1.0, 200_000.0
    broker = _broker(env, cores=1, mean=mean)
    a, b = broker.queue("q-plugin"), broker.queue("q-reports-plugin")
    _feed(env, broker, [(a, 0.3), (b, 0.4)], horizon)
    env.run(until=horizon)
    both = (a.sojourn + b.sojourn) / (a.messages + b.messages)
    assert both == pytest.approx(_pk_sojourn(0.7, mean, CV), rel=0.03)
    # with a core each they would not wait for each other: much shorter
    env2 = Environment()
    broker2 = _broker(env2, cores=2, mean=mean)
    a2, b2 = broker2.queue("q-plugin"), broker2.queue("q-reports-plugin")
    _feed(env2, broker2, [(a2, 0.3), (b2, 0.4)], horizon)
    env2.run(until=horizon)
    assert a2.sojourn / a2.messages == pytest.approx(_pk_sojourn(0.3, mean, CV), rel=0.03)
    assert b2.sojourn / b2.messages == pytest.approx(_pk_sojourn(0.4, mean, CV), rel=0.03)


def test_with_rpc_workers_saturated_the_backlog_is_in_the_executor_not_the_broker() -> None:
    """oslo.messaging acks on receipt with prefetch 0: the broker pushes every message at once."""
    data: dict[str, Any] = {
        "name": "saturated",
        "release": "2023.1",
        "duration": 900,
        "drain": 60,
        "sample_interval": 5,
        "cloud": {
            "hosts": 40, "instances": 400, "neutron_servers": 1, "neutron_server_cores": 8,
            "nova_api_nodes": 1, "nova_api_cores": 4, "dhcp_agents": 1,
        },
        "workload": {"boot_rate_per_minute": 60},
        "nova": {"DEFAULT": {"heal_instance_info_cache_interval": -1}},
        "neutron": {"DEFAULT": {"rpc_workers": 1, "rpc_state_report_workers": 1}},
        # update_device_list slower than the boots' rate: the one RPC worker cannot keep up
        "model": {"costs": {"rpc_update_device_up": 1.5}},
    }  # fmt: skip
    twin = Twin(parse_scenario(data))
    result = twin.run()
    series = result.timeseries
    rpc = result.components["neutron_rpc"]
    assert rpc["utilisation"] > 0.9  # saturated
    backlog = max(series["neutron_rpc_queue"])
    assert backlog > 20  # messages waiting in the process (executor + hub)
    assert max(series["broker_queue"]) <= 2  # and none on the broker
    q_plugin = result.components["rabbit"]["queues"]["q-plugin"]
    assert q_plugin["peak_queue"] <= 3
    assert q_plugin["mean_queue"] < 0.01


def _concurrent_replies(pool_size: int, senders: int) -> tuple[Counter[str], list[float]]:
    """``senders`` calls answered at the same instant by one RPC server's threads."""
    env = Environment()
    counters: Counter[str] = Counter()
    broker = Broker(env, 8, 0.0001, 0.001, lognormal_factors(3, 0.0), counters)
    topic = Topic(broker, "q-plugin", pool_size, send=0.01)
    topic.consumers.append(RpcServer(env, "rpc0", 64, 0.001))
    answered: list[float] = []

    def handler(_: object) -> Generator[Timeout, Any, int]:
        yield Timeout(0.5)
        return 1

    def caller() -> Generator[Event, Any, None]:
        yield from call(env, topic, handler, 60.0)
        answered.append(env.now)

    for _ in range(senders):
        env.process(caller())
    env.run()
    return counters, answered


def test_a_pool_of_one_connection_blocks_concurrent_repliers_and_counts_them() -> None:
    counters, answered = _concurrent_replies(pool_size=1, senders=20)
    assert counters[LIMIT_EXCEEDED] == 19  # every sender but the first waited
    assert len(answered) == 20
    gaps = [b - a for a, b in pairwise(answered)]
    assert min(gaps) == pytest.approx(0.01, abs=1e-3)  # one send at a time
    counters30, answered30 = _concurrent_replies(pool_size=30, senders=20)
    assert counters30[LIMIT_EXCEEDED] == 0
    assert max(answered30) - min(answered30) < 0.005  # all sent at once
    assert max(answered) - max(answered30) == pytest.approx(19 * 0.01, rel=0.05)
