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
    """Search ``knobs`` for the cheapest feasible setting within ``budget`` runs.

    Two stages share the budget (:class:`_Search`): Optuna's TPE search over the knobs, then
    refinement around the cheapest feasible setting it found.
    """
    search = _Search(base, objectives, knobs, seeds, budget, run_batch, db_max_connections)
    search.explore()
    search.refine()
    order = search.order
    if not order:
        raise ValueError(f"a budget of {budget} runs is less than one setting ({len(seeds)} seeds)")
    best = _best(order)
    closest = best or min(order, key=lambda e: (_objective_value(e), e.cost["core_equivalents"]))
    return Recommendation(order[0], best, closest, order, search.runs)


class _Search:
    """One recommendation's search: the Optuna study over the knobs' choices, and every
    setting evaluated so far (``order``, the scenario as it is first)."""

    def __init__(
        self,
        base: Scenario,
        objectives: Sequence[Objective],
        knobs: Sequence[Knob],
        seeds: Sequence[int],
        budget: int,
        run_batch: RunBatch,
        db_max_connections: int,
    ) -> None:
        """Check the knobs' values and open the study, seeded by the scenario's seed; its
        first trials are the scenario as it is and the production site's changes."""
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        check_values(base, [Vary(k.path, k.values) for k in knobs])
        self.base = base
        self.objectives = objectives
        self.seeds = seeds
        self.budget = budget
        self.run_batch = run_batch
        self.db_max_connections = db_max_connections
        current = {k.path: get_value(base, k.path) for k in knobs}
        choices = {k.path: list(dict.fromkeys([current[k.path], *k.values])) for k in knobs}
        self.current = current
        self.choices = choices
        self.dists: dict[str, optuna.distributions.BaseDistribution] = {
            p: optuna.distributions.CategoricalDistribution(c) for p, c in choices.items()
        }
        sampler = optuna.samplers.TPESampler(seed=base.seed, n_startup_trials=ROUND * 2)
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        self.study.enqueue_trial(current)
        prod = {
            p: PRODUCTION[p] if PRODUCTION.get(p) in choices[p] else v for p, v in current.items()
        }
        if prod != current:
            self.study.enqueue_trial(prod)
        self.done: dict[tuple[Any, ...], Evaluation] = {}
        self.order: list[Evaluation] = []
        self.n = len(seeds)
        self.runs = 0
        self.asks = 0

    def evaluate(self, fresh: list[dict[str, Any]]) -> None:
        """Run the settings ``fresh`` on every seed, in one batch, and keep their evaluations."""
        scenarios = [apply_overrides(self.base, list(p.items())) for p in fresh]
        records = self.run_batch(sweep_batch(scenarios, self.seeds)) if fresh else []
        self.runs += len(records)
        n = self.n
        for i, point in enumerate(fresh):
            ev = self._evaluation(point, records[i * n : (i + 1) * n])
            self.done[_key(point)] = ev
            self.order.append(ev)

    def _evaluation(self, point: dict[str, Any], recs: list[dict[str, Any]]) -> Evaluation:
        """One setting's figures over its seeds, the objectives it meets and by how much it
        falls short, and its cost beside the scenario as it is (the first setting run)."""
        current = self.current
        base_record = self.order[0].records[0] if self.order else recs[0]
        changes = {p: (current[p], v) for p, v in point.items() if repr(v) != repr(current[p])}
        agg = aggregate(recs)
        met = {str(o): o.met(agg[o.figure]) for o in self.objectives}
        short = sum(o.shortfall(agg[o.figure]) for o in self.objectives)
        c = cost(recs[0], base_record, len(changes), self.db_max_connections)
        return Evaluation(point, changes, recs, agg, c, met, short)

    def explore(self) -> None:
        """The search: Optuna's TPE over the knobs, :data:`SEARCH_SHARE` of the budget (more
        until something is feasible), round after round while the study proposes settings."""
        n = self.n
        budget = self.budget
        while self.runs + n <= budget * SEARCH_SHARE or (
            self.runs + n <= budget and not any(e.feasible for e in self.order)
        ):
            if not self._round_of_trials():
                break

    def _round_of_trials(self) -> bool:
        """Ask up to ROUND settings, run the new ones, tell all; False when nothing ran."""
        trials, fresh = self._ask_round()
        self.evaluate(fresh)
        for trial, point in trials:
            self.study.tell(trial, _objective_value(self.done[_key(point)]))
        return bool(trials)

    def _ask_round(self) -> tuple[list[tuple[Any, dict[str, Any]]], list[dict[str, Any]]]:
        """The trials of one round, each with its setting, and the settings not run yet.

        Asks stop at :data:`ROUND` trials, when the new settings would overrun the budget,
        or after ten asks per run of the budget (a study that only proposes known settings).
        """
        trials: list[tuple[Any, dict[str, Any]]] = []
        fresh: list[dict[str, Any]] = []
        while len(trials) < ROUND and self.asks < self.budget * 10:
            if self.runs + self.n * (len(fresh) + 1) > self.budget:
                break
            self.asks += 1
            trial = self.study.ask(self.dists)
            point = {p: trial.params[p] for p in self.choices}
            trials.append((trial, point))
            if _key(point) not in self.done and all(_key(point) != _key(q) for q in fresh):
                fresh.append(point)
        return trials, fresh

    def refine(self) -> None:
        """Refinement around the boundary: from the cheapest feasible setting, try each
        change undone and each value one step cheaper, while that finds cheaper feasible
        settings; the cheaper ones found together are tried combined in the next round."""
        merged: list[dict[str, Any]] = []
        while self.runs + self.n <= self.budget:
            best = _best(self.order)
            if best is None:
                break
            near = self._untried_near(best, merged)
            if not near:
                break
            self.evaluate(near)
            merged = self._combined_better(best, near)
            for q in near:
                self.study.enqueue_trial(q)  # keeps the study's history whole
                trial = self.study.ask(self.dists)
                self.study.tell(trial, _objective_value(self.done[_key(q)]))

    def _untried_near(self, best: Evaluation, merged: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The settings to try next, not run yet and each once: the combined one, then the
        neighbours of ``best``; no more than a round, nor than the budget left allows."""
        near = [q for q in [*merged, *_neighbours(best.point, self.current, self.choices)]
                if _key(q) not in self.done]  # fmt: skip
        near = list({_key(q): q for q in near}.values())
        return near[: max(1, (self.budget - self.runs) // self.n)][:ROUND]

    def _combined_better(
        self, best: Evaluation, near: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Every neighbour that was cheaper and feasible, taken together, as one setting to
        lead the next round (none unless there are two or more of them)."""
        limit = best.cost["core_equivalents"]
        tried = [self.done[_key(q)] for q in near]
        better = [e for e in tried if e.feasible and e.cost["core_equivalents"] < limit]
        combined = dict(best.point)
        for ev in better:
            combined.update({p: v for p, v in ev.point.items() if repr(v) != repr(best.point[p])})
        return [combined] if len(better) > 1 else []


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
