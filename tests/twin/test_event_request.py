"""The twin's ``event_request``: nova-api's worker begins serving the notifier's POST.

It splits the ``nova_api`` hop in two, each moved by one cost alone: ``event_post`` (event sent
-> request served: the notifier's client setup, and the wait for a nova-api worker) and
``api_events`` (request served -> event created: nova-api's own work, its database reads).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stacktwin.calibrate.samples import API_EVENTS, EVENT_POST, boot_samples
from stacktwin.twin.results import TwinResult
from tests.twin.test_runs import run, small

COSTS = {"service_cv": 0.0}


def _quiet(**costs: float) -> dict[str, Any]:
    """:func:`small` at 4 boots a minute: nova-api's workers are idle when a POST comes."""
    return small(
        **{"workload.boot_rate_per_minute": 4, "workload.delete_rate_per_minute": 0},
        **{f"model.costs.{k}": v for k, v in {**COSTS, **costs}.items()},
    )


def _means(result: TwinResult) -> tuple[float, float]:
    samples = boot_samples(result.boots)
    return float(np.mean(samples[EVENT_POST.name])), float(np.mean(samples[API_EVENTS.name]))


def test_event_request_lies_between_sent_and_created() -> None:
    result = run(_quiet())
    cost = result.scenario.model.costs.nova_api_external_events
    created = [b for b in result.boots if "event_api" in b.milestones]
    assert len(created) > 50
    for boot in created:
        ms = boot.milestones
        assert ms["event_sent"] <= ms["event_request"] <= ms["event_api"], boot.instance
        # the whole of nova-api's cost (CPU and database reads) is inside api_events
        assert ms["event_api"] - ms["event_request"] >= cost - 1e-9, boot.instance
    # a boot without nova-api's event has no request start either (the tracer's view)
    assert all("event_request" in b.milestones for b in created)
    assert not [b for b in result.boots if "event_request" in b.milestones and b not in created]


def test_each_cost_moves_its_own_part_of_the_nova_api_hop() -> None:
    post, api = _means(run(_quiet()))
    slower_api = _means(run(_quiet(nova_api_external_events=1.1)))  # default 0.6
    slower_setup = _means(run(_quiet(notifier_client_setup=1.4)))  # default 0.9
    assert slower_api[1] - api == pytest.approx(0.5, abs=0.02)
    assert abs(slower_api[0] - post) < 0.01
    assert slower_setup[0] - post == pytest.approx(0.5, abs=0.02)
    assert abs(slower_setup[1] - api) < 0.01


def test_the_wait_for_a_nova_api_worker_is_before_the_request() -> None:
    """One nova-api worker, shared with ``POST /servers``: event POSTs wait for it.  The wait
    is in ``event_post`` (as a connection's wait in the listen backlog is before eventlet's
    clock); ``api_events`` stays nova-api's own work."""
    data = _quiet()
    data["workload"]["boot_rate_per_minute"] = 12
    data["cloud"]["nova_api_cores"] = 1
    result = run(data)
    costs = result.scenario.model.costs
    samples = boot_samples(result.boots)
    waited = [v - costs.notifier_client_setup for v in samples[EVENT_POST.name]]
    assert max(waited) > 1.0, max(waited)
    assert max(samples[API_EVENTS.name]) < costs.nova_api_external_events + 0.2
