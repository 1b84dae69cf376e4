"""The cheapest setting that meets every objective with 95% confidence (Optuna's TPE search).

Each candidate setting (a value per knob) runs on the same seeds; it is *feasible* when every
objective holds over the whole 95% interval of its figure (:mod:`stacktwin.objectives`) and its
DB connections fit the database (:mod:`.knobs`).  Optuna's TPE sampler (seeded by the scenario's
seed) proposes settings in rounds of :data:`ROUND` (one executor batch per round, so the search
is the same whatever ``--jobs``), minimising the cost of feasible settings and, for infeasible
ones, a penalty above any cost that shrinks with the shortfall.  The search starts from the
scenario as it is and from the production site's four changes.  A setting proposed again is
not re-run.  The search stops when the budget of runs is spent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stacktwin.objectives import Objective
from stacktwin.twin import Scenario
from stacktwin.twin.batch.knobs import DEFAULT_DB_MAX_CONNECTIONS, Knob, cost
from stacktwin.twin.batch.stats import aggregate
from stacktwin.twin.batch.sweep import Vary, check_values, sweep_batch
from stacktwin.twin.overrides import apply_overrides, get_value

#: Settings proposed per round (one batch of runs).
ROUND = 4
#: Added to the objective value of an infeasible setting: above any cost.
PENALTY = 1e6
#: The production site's four changes (PRODUCT.md), tried first.
PRODUCTION = {
    "nova.DEFAULT.heal_instance_info_cache_interval": 600,
    "neutron.DEFAULT.rpc_workers": 20,
    "neutron.database.max_pool_size": 60,
    "model.flow_deletion": "deferred",
}

#: Knobs whose value costs CPU, RAM or DB connections (undone first when refining).
HARDWARE_KNOBS = frozenset({
    "neutron.DEFAULT.rpc_workers", "neutron.DEFAULT.rpc_state_report_workers",
    "neutron.DEFAULT.api_workers", "neutron.database.max_pool_size",
})  # fmt: skip
#: Share of the budget for the TPE search before refinement (more while nothing is feasible).
SEARCH_SHARE = 0.4

RunBatch = Callable[[list[Scenario]], list[dict[str, Any]]]


@dataclass
class Evaluation:
    """One setting, run on every seed."""

    point: dict[str, Any]
    changes: dict[str, tuple[Any, Any]]
    records: list[dict[str, Any]]
    aggregate: dict[str, dict[str, Any]]
    cost: dict[str, Any]
    met: dict[str, bool]
    shortfall: float

    @property
    def feasible(self) -> bool:
        return all(self.met.values()) and bool(self.cost["fits_db"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.point,
            "changes": {k: {"from": a, "to": b} for k, (a, b) in self.changes.items()},
            "feasible": self.feasible,
            "objectives_met": self.met,
            "shortfall": None if math.isinf(self.shortfall) else self.shortfall,
            "cost": self.cost,
            "figures": self.aggregate,
            "seeds": [r["seed"] for r in self.records],
        }


@dataclass
class Recommendation:
    """The search's outcome: the best feasible setting, or the closest, and every evaluation."""

    base: Evaluation
    best: Evaluation | None
    closest: Evaluation
    evaluations: list[Evaluation] = field(default_factory=list)
    runs: int = 0


def _key(point: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, repr(v)) for k, v in point.items()))


def _objective_value(ev: Evaluation) -> float:
    if ev.feasible:
        return float(ev.cost["core_equivalents"])
    short = min(ev.shortfall, 1e3)
    return PENALTY * (1 + short) + (0 if ev.cost["fits_db"] else PENALTY)


def recommend(
    base: Scenario,
    objectives: Sequence[Objective],
    knobs: Sequence[Knob],
    seeds: Sequence[int],
    budget: int,
    run_batch: RunBatch,
    db_max_connections: int = DEFAULT_DB_MAX_CONNECTIONS,
) -> Recommendation:
    """Search ``knobs`` for the cheapest feasible setting within ``budget`` runs."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    check_values(base, [Vary(k.path, k.values) for k in knobs])
    current = {k.path: get_value(base, k.path) for k in knobs}
    choices = {k.path: list(dict.fromkeys([current[k.path], *k.values])) for k in knobs}
    dists: dict[str, optuna.distributions.BaseDistribution] = {
        p: optuna.distributions.CategoricalDistribution(c) for p, c in choices.items()
    }
    sampler = optuna.samplers.TPESampler(seed=base.seed, n_startup_trials=ROUND * 2)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial(current)
    prod = {p: PRODUCTION[p] if PRODUCTION.get(p) in choices[p] else v for p, v in current.items()}
    if prod != current:
        study.enqueue_trial(prod)
    done: dict[tuple[Any, ...], Evaluation] = {}
    order: list[Evaluation] = []
    n = len(seeds)
    state = {"runs": 0, "asks": 0}

    def evaluate(fresh: list[dict[str, Any]]) -> None:
        scenarios = [apply_overrides(base, list(p.items())) for p in fresh]
        records = run_batch(sweep_batch(scenarios, seeds)) if fresh else []
        state["runs"] += len(records)
        for i, point in enumerate(fresh):
            recs = records[i * n : (i + 1) * n]
            base_record = order[0].records[0] if order else recs[0]  # the first is the base
            changes = {p: (current[p], v) for p, v in point.items() if repr(v) != repr(current[p])}
            agg = aggregate(recs)
            met = {str(o): o.met(agg[o.figure]) for o in objectives}
            short = sum(o.shortfall(agg[o.figure]) for o in objectives)
            c = cost(recs[0], base_record, len(changes), db_max_connections)
            ev = Evaluation(point, changes, recs, agg, c, met, short)
            done[_key(point)] = ev
            order.append(ev)

    def round_of_trials() -> bool:
        """Ask up to ROUND settings, run the new ones, tell all; False when nothing ran."""
        trials: list[tuple[Any, dict[str, Any]]] = []
        fresh: list[dict[str, Any]] = []
        while len(trials) < ROUND and state["asks"] < budget * 10:
            if state["runs"] + n * (len(fresh) + 1) > budget:
                break
            state["asks"] += 1
            trial = study.ask(dists)
            point = {p: trial.params[p] for p in choices}
            trials.append((trial, point))
            if _key(point) not in done and all(_key(point) != _key(q) for q in fresh):
                fresh.append(point)
        evaluate(fresh)
        for trial, point in trials:
            study.tell(trial, _objective_value(done[_key(point)]))
        return bool(trials)

    # 1. the search: Optuna's TPE over the knobs, SEARCH_SHARE of the budget (more until
    #    something is feasible)
    while state["runs"] + n <= budget * SEARCH_SHARE or (
        state["runs"] + n <= budget and not any(e.feasible for e in order)
    ):
        if not round_of_trials():
            break
    # 2. refinement around the boundary: from the cheapest feasible setting, try each change
    #    undone and each value one step cheaper, while that finds cheaper feasible settings
    merged: list[dict[str, Any]] = []
    while state["runs"] + n <= budget:
        best = _best(order)
        if best is None:
            break
        near = [q for q in [*merged, *_neighbours(best.point, current, choices)]
                if _key(q) not in done]  # fmt: skip
        near = list({_key(q): q for q in near}.values())
        near = near[: max(1, (budget - state["runs"]) // n)][:ROUND]
        if not near:
            break
        evaluate(near)
        # every neighbour that was cheaper and feasible, taken together, leads the next round
        limit = best.cost["core_equivalents"]
        tried = [done[_key(q)] for q in near]
        better = [e for e in tried if e.feasible and e.cost["core_equivalents"] < limit]
        combined = dict(best.point)
        for ev in better:
            combined.update({p: v for p, v in ev.point.items() if repr(v) != repr(best.point[p])})
        merged = [combined] if len(better) > 1 else []
        for q in near:
            study.enqueue_trial(q)  # keeps the study's history whole
            trial = study.ask(dists)
            study.tell(trial, _objective_value(done[_key(q)]))
    if not order:
        raise ValueError(f"a budget of {budget} runs is less than one setting ({n} seeds)")
    best = _best(order)
    closest = best or min(order, key=lambda e: (_objective_value(e), e.cost["core_equivalents"]))
    return Recommendation(order[0], best, closest, order, state["runs"])


def _best(order: Sequence[Evaluation]) -> Evaluation | None:
    feasible = [e for e in order if e.feasible]
    if not feasible:
        return None
    return min(feasible, key=lambda e: (e.cost["core_equivalents"], len(e.changes)))


def _neighbours(
    point: dict[str, Any], current: dict[str, Any], choices: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """Each change undone (those that cost hardware first), then each numeric value one step
    toward the scenario's value."""
    out = []
    changed = [p for p, v in point.items() if repr(v) != repr(current[p])]
    for p in sorted(changed, key=lambda p: (p not in HARDWARE_KNOBS, changed.index(p))):
        out.append({**point, p: current[p]})
    for p, v in point.items():
        values = choices[p]
        if repr(v) == repr(current[p]) or not all(isinstance(x, int) for x in values):
            continue
        ordered = sorted(values)
        i = ordered.index(v)
        j = i - 1 if v > current[p] else i + 1
        if 0 <= j < len(ordered) and repr(ordered[j]) != repr(current[p]):
            out.append({**point, p: ordered[j]})
    return out


def knob_from_text(text: str, base: Scenario) -> Knob:
    """``PATH=V1,V2,…`` or ``PATH=LO..HI`` (integers; at most 12, spaced evenly on a log scale)."""
    from stacktwin.twin.batch.knobs import knob_words
    from stacktwin.twin.batch.sweep import parse_vary

    path, _, raw = text.partition("=")
    if ".." in raw and "," not in raw:
        lo_text, _, hi_text = raw.partition("..")
        try:
            lo, hi = int(lo_text), int(hi_text)
        except ValueError:
            from stacktwin.twin import ScenarioError

            raise ScenarioError(f"--knob {text}: LO..HI takes integers") from None
        if hi - lo < 12:
            values: list[int] = list(range(lo, hi + 1))
        else:
            span = max(lo, 1)
            values = sorted({lo, hi, *(round(span * (hi / span) ** (i / 11)) for i in range(12))})
        raw = ",".join(str(v) for v in values if lo <= v <= hi)
    vary = parse_vary(f"{path}={raw}")
    check_values(base, [vary])
    return Knob(vary.path, knob_words(vary.path), vary.values)
