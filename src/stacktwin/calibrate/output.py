"""What calibration writes: the scenario YAML with every value's provenance, and ``fit.json``."""

from __future__ import annotations

from typing import Any

import yaml

from stacktwin.calibrate.extract import TracedWorkload
from stacktwin.calibrate.fit import FitResult
from stacktwin.calibrate.samples import Samples
from stacktwin.calibrate.targets import BOOTSTRAP, NOISE_RUNS
from stacktwin.calibrate.validate import compare_hops, headline
from stacktwin.twin import Scenario


def scenario_yaml(scenario: Scenario, fit: FitResult, work: TracedWorkload, source: str) -> str:
    """The fitted scenario as YAML, headed by a comment per parameter (fitted or default)."""
    lines = [
        f"# stacktwin calibrate: fitted from {len(work.boots)} traced boots of {source}",
        f"# costs: {fit.method}, {fit.replications} replications per evaluation, {fit.runs} runs",
    ]
    for rec in fit.parameters:
        if rec["status"] == "fitted":
            lines.append(f"# model.costs.{rec['cost']} = {rec['value']:.4g}: {rec['provenance']}")
        else:
            lines.append(
                f"# model.costs.{rec['cost']} = {rec['default']:.4g}: fell back to the default: "
                f"{rec['reason']}"
            )
    lines += [f"# workload: {note}" for note in work.notes]
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["name"] = scenario.name
    data.setdefault("model", {})["costs"] = {
        rec["cost"]: rec["value"] for rec in fit.parameters if rec["status"] == "fitted"
    } | data.get("model", {}).get("costs", {})
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    return "\n".join(lines) + "\n" + body


def fit_document(
    fit: FitResult,
    work: TracedWorkload,
    traced: Samples,
    source: str,
    validation: dict[str, Any] | None,
) -> dict[str, Any]:
    """The ``fit.json`` document (``kind: calibrate``)."""
    hops = compare_hops(traced, fit.simulated, fit.replays)
    return {
        "kind": "calibrate",
        "source": source,
        "boots": len(work.boots),
        "hosts": work.hosts,
        "method": fit.method,
        "replications": fit.replications,
        "runs": fit.runs,
        "wall_seconds": round(fit.wall_seconds, 3),
        "uncertainty": "95% interval of each fitted cost, through the pseudo-inverse of the "
        "fit's Jacobian: how much another period's statistics would differ (the larger of a "
        f"bootstrap over the traced boots, {BOOTSTRAP} resamples, and the spread of "
        f"{NOISE_RUNS} twin replays at the fitted costs on other seeds) plus the noise of the "
        f"fit's own {fit.replications} pooled replays; Student t",
        "parameters": fit.parameters,
        "fit": {"hops": hops, "headline": headline(hops)},
        "validation": validation,
        "workload": work.summary(),
        "notes": work.notes,
    }
