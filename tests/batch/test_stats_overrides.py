"""Intervals across replications, paired differences, and ``--set`` paths and values."""

import math
from typing import Any

import pytest

from stacktwin.twin import ScenarioError, load_scenario
from stacktwin.twin.batch.figures import FigureError, canonical, headline
from stacktwin.twin.batch.replications import default_replications, estimated_boots
from stacktwin.twin.batch.stats import excludes_zero, interval, paired_difference
from stacktwin.twin.overrides import apply_overrides, get_value, parse_assignment, parse_sets


def test_t_interval_against_a_known_sample() -> None:
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd 2.138; t(0.975, 7) = 2.364624
    iv = interval([2, 4, 4, 4, 5, 5, 7, 9])
    half = 2.364624 * 2.13808994 / math.sqrt(8)
    assert iv["n"] == 8 and iv["mean"] == 5 and iv["min"] == 2 and iv["max"] == 9
    assert iv["ci95_low"] == pytest.approx(5 - half, abs=1e-5)
    assert iv["ci95_high"] == pytest.approx(5 + half, abs=1e-5)
    # two samples: t(0.975, 1) = 12.706
    two = interval([1.0, 3.0])
    assert two["ci95_high"] - two["mean"] == pytest.approx(12.7062 * 1.41421 / 1.41421, rel=1e-4)


def test_interval_edge_cases() -> None:
    one = interval([3.0, None])
    assert one["n"] == 1 and one["mean"] == 3 and one["ci95_low"] is None
    assert interval([None])["mean"] is None
    same = interval([0, 0, 0])
    assert same["ci95_low"] == same["ci95_high"] == 0 and not excludes_zero(same)
    assert excludes_zero({"ci95_low": 0.1, "ci95_high": 2}) and not excludes_zero(
        {"ci95_low": -0.1, "ci95_high": 2}
    )


def _rec(seed: int, errors: int) -> dict[str, Any]:
    return {
        "seed": seed,
        "summary": {"boots": 10, "outcomes": {"active": 10 - errors, "error": errors,
                    "unknown": 0}, "timeouts": errors, "latency": {}},
        "components": {},
        "load": {},
    }  # fmt: skip


def test_paired_difference_is_per_seed_and_needs_the_same_seeds() -> None:
    base = [_rec(1, 10), _rec(2, 50), _rec(3, 0)]  # huge spread between seeds
    other = [_rec(1, 9), _rec(2, 49), _rec(3, -1 + 0)]  # one fewer on seeds 1 and 2, -0 on 3
    other[2]["summary"]["outcomes"]["error"] = -1
    diff = paired_difference(base, other)["error"]
    assert diff["mean"] == -1 and diff["ci95_low"] == diff["ci95_high"] == -1
    assert excludes_zero(diff)  # unpaired intervals would overlap wholly
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference(base, [_rec(4, 1), _rec(5, 1), _rec(6, 1)])


def test_headline_names_and_aliases() -> None:
    h = headline(_rec(1, 2))
    assert h["error"] == 2 and h["error_rate"] == 0.2 and h["vif_wait.p99"] is None
    assert canonical("errors") == "error" and canonical(" vif_wait.p99") == "vif_wait.p99"
    with pytest.raises(FigureError, match="known: boots"):
        canonical("vif_wait.p98")


def test_set_paths_values_and_errors() -> None:
    sc = load_scenario("all-in-one")
    new = apply_overrides(sc, parse_sets([
        "nova.DEFAULT.heal_instance_info_cache_interval=600",
        "neutron.database.max_pool_size=60", "cloud.hosts=3", "model.flow_deletion=blocking",
        "nova.DEFAULT.vif_plugging_is_fatal=false", "model.costs.neutron_get=0.2",
    ]))  # fmt: skip
    assert get_value(new, "nova.DEFAULT.heal_instance_info_cache_interval") == 600
    assert new.neutron.database.max_pool_size == 60 and new.cloud.hosts == 3
    assert new.nova.DEFAULT.vif_plugging_is_fatal is False and new.model.costs.neutron_get == 0.2
    assert sc.cloud.hosts == 1  # the original is untouched
    allowed = r"allowed: connection_recycle_time, max_overflow, max_pool"
    with pytest.raises(ScenarioError, match=r"neutron\.database.*" + allowed):
        parse_assignment("neutron.database.max_pool_sise=3")
    with pytest.raises(ScenarioError, match=r"section 'nuetron'.*allowed: cloud, drain"):
        parse_assignment("nuetron.DEFAULT.rpc_workers=3")
    with pytest.raises(ScenarioError, match="a section, not a setting"):
        parse_assignment("cloud=3")
    with pytest.raises(ScenarioError, match=r"expected SECTION\.OPTION=VALUE"):
        parse_assignment("cloud.hosts")
    with pytest.raises(ScenarioError, match=r"max_pool_size=-3.*allowed: int >= 0"):
        apply_overrides(sc, parse_sets(["neutron.database.max_pool_size=-3"]))
    with pytest.raises(ScenarioError, match="allowed: one of blocking, deferred"):
        apply_overrides(sc, parse_sets(["model.flow_deletion=sometimes"]))
    with pytest.raises(ScenarioError, match=r"cloud\.hosts=many.*int >= 1, <= 100000"):
        apply_overrides(sc, parse_sets(["cloud.hosts=many"]))


def test_default_replications_by_boots_simulated() -> None:
    aio = load_scenario("all-in-one")
    large = load_scenario("large-site-before")
    assert estimated_boots(aio) == 40 and default_replications(aio) == 1
    assert estimated_boots(large) == pytest.approx(2 * 60 + 600 * 15)
    assert default_replications(large) == 5


def test_a_figures_interval_stays_within_what_the_figure_can_take() -> None:
    from stacktwin.twin.batch.stats import figure_bounds, interval

    skewed = interval([0, 0, 0, 0, 150], figure_bounds("error"))
    assert skewed["ci95_low"] == 0.0 and skewed["ci95_high"] > 150 / 5
    share = interval([0.2, 0.9, 1.0], figure_bounds("neutron_rpc.utilisation"))
    assert share["ci95_high"] == 1.0
    raw = interval([0, 0, 0, 0, 150])
    assert raw["ci95_low"] < 0  # the bare t-interval, for differences
