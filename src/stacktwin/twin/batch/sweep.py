"""Sweeps: the twin over a grid of settings, every point on the same replications.

``--vary neutron.DEFAULT.rpc_workers=1,2,4,8,20`` names a settable path (:mod:`..overrides`) and
its values; several ``--vary`` make the full grid (their product), or ``samples`` points of it
drawn at random (without replacement, seeded by the scenario's seed, so the same command draws
the same points).  Every point runs on the same seeds (common random numbers), and the result is
one row per (point, seed): the point's settings and every figure of :mod:`.figures`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stacktwin.twin import Scenario, ScenarioError
from stacktwin.twin.batch.executor import with_seed
from stacktwin.twin.batch.figures import FIGURES, headline
from stacktwin.twin.batch.stats import aggregate
from stacktwin.twin.overrides import apply_overrides, check_path, parse_value

#: Figures of the per-point table.
POINT_FIGURES = ("error", "timeouts", "vif_wait.p50", "vif_wait.p99", "boot.p99",
                 "neutron_rpc.utilisation")  # fmt: skip


@dataclass(frozen=True)
class Vary:
    """One knob of a sweep and its values."""

    path: str
    values: tuple[Any, ...]


def parse_vary(text: str) -> Vary:
    """``PATH=V1,V2,…`` -> :class:`Vary`; :class:`ScenarioError` naming a bad path."""
    if "=" not in text:
        raise ScenarioError(
            f"--vary {text}: expected PATH=V1,V2,… (e.g. neutron.DEFAULT.rpc_workers=1,2,4)"
        )
    path, _, raw = text.partition("=")
    path = check_path(path.strip())
    values = tuple(parse_value(v.strip()) for v in raw.split(",") if v.strip())
    if not values:
        raise ScenarioError(f"--vary {path}: no values")
    if len(set(map(repr, values))) != len(values):
        raise ScenarioError(f"--vary {path}: a value is repeated")
    return Vary(path, values)


def grid(varies: Sequence[Vary]) -> list[dict[str, Any]]:
    """Every combination of the knobs' values, first knob slowest."""
    paths = [v.path for v in varies]
    if len(set(paths)) != len(paths):
        raise ScenarioError(f"--vary: a path is given twice ({', '.join(paths)})")
    return [
        dict(zip(paths, combo, strict=True))
        for combo in itertools.product(*(v.values for v in varies))
    ]


def sample_points(
    points: list[dict[str, Any]], samples: int | None, seed: int
) -> list[dict[str, Any]]:
    """``samples`` distinct points of the grid at random (all of it when ``None`` or larger)."""
    if samples is None or samples >= len(points):
        return points
    chosen = sorted(random.Random(seed).sample(range(len(points)), samples))
    return [points[i] for i in chosen]


def check_values(base: Scenario, varies: Sequence[Vary]) -> None:
    """Every value of every knob, validated alone on ``base`` (before any point is drawn)."""
    for v in varies:
        for value in v.values:
            try:
                apply_overrides(base, [(v.path, value)])
            except ScenarioError as exc:
                raise ScenarioError(str(exc).replace("--set ", "--vary ", 1)) from None


def point_scenarios(base: Scenario, points: Sequence[dict[str, Any]]) -> list[Scenario]:
    """Each point as a scenario (validated now: a bad value fails before anything runs)."""
    return [apply_overrides(base, list(p.items())) for p in points]


def sweep_batch(scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[Scenario]:
    """Every point on every seed, point-major."""
    return [with_seed(sc, s) for sc in scenarios for s in seeds]


def sweep_rows(
    points: Sequence[dict[str, Any]], seeds: Sequence[int], records: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per (point, seed): ``point``, ``seed``, the settings, then every figure."""
    rows = []
    n = len(seeds)
    for i, point in enumerate(points):
        for j, seed in enumerate(seeds):
            record = records[i * n + j]
            rows.append({"point": i, "seed": seed, **point, **headline(record)})
    return rows


def point_summaries(
    points: Sequence[dict[str, Any]], seeds: Sequence[int], records: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per point: its settings and every figure's interval across the seeds."""
    n = len(seeds)
    return [
        {"point": i, "settings": dict(p), "aggregate": aggregate(records[i * n : (i + 1) * n])}
        for i, p in enumerate(points)
    ]


def sweep_document(
    base: Scenario,
    varies: Sequence[Vary],
    points: Sequence[dict[str, Any]],
    seeds: Sequence[int],
    records: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The sweep's JSON: knobs, seeds, one row per run, and per point the aggregate."""
    return {
        "kind": "sweep",
        "scenario": base.name,
        "knobs": {v.path: list(v.values) for v in varies},
        "seeds": list(seeds),
        "figures": list(FIGURES),
        "vif_plugging_timeout": base.nova.DEFAULT.vif_plugging_timeout,
        "interval": "Student t-interval of the mean, 95%, across the seeds",
        "rows": sweep_rows(points, seeds, records),
        "points": point_summaries(points, seeds, records),
    }
