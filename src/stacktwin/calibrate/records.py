"""What the fit says of each cost: its value, its 95% interval, whether it is identified, and
where it came from (the records of ``fit.json`` and the YAML's comments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stacktwin.calibrate.samples import Samples
from stacktwin.calibrate.targets import Band

NOT_MOVED = (
    "not identified: changed by 15%, it moved none of the matched hops (the twin's boots "
    "never waited on it at these costs); kept at its default"
)
UNIDENTIFIED = float(np.log(1e3))
"""A 95% log-cost interval wider than this (a factor 1000) means the cost is not identified."""
WEAK = float(np.log(1.25))
"""A 95% interval reaching beyond a factor 1.25 either side of the fitted value (assumption:
the issue's 10% recovery tolerance, with room for the interval's own 95%) says the cost is only
weakly identified: a prediction that turns on it is no better than that factor."""


def fill(
    records: list[dict[str, Any]],
    active: Sequence[tuple[str, str]],
    x_fit: np.ndarray,
    simulated: Samples,
    traced: Samples,
    bands: Sequence[Band | None],
    flat: Sequence[int],
    bounds: tuple[float, float],
) -> None:
    """Fill the records of the searched costs (``active``: cost and hop, in the order of the
    log-costs ``x_fit`` and their ``bands``): value, interval, error, provenance.  One its hops
    did not move with at the end (``flat``) has no interval; at its default it is said to have
    kept it; one within 0.01 of the log-cost ``bounds`` is said to be at the search bound."""
    for i, ((cost, hop), v, band) in enumerate(zip(active, x_fit, bands, strict=True)):
        rec = next(r for r in records if r["cost"] == cost)
        sim = simulated.get(hop, [])
        t50 = float(np.percentile(traced[hop], 50))
        err = (float(np.percentile(sim, 50)) - t50) / max(t50, 1e-3) if sim else None
        value = float(np.exp(v))
        if i in flat and np.isclose(value, rec["default"]):
            rec.update(status="default", reason=NOT_MOVED)
            continue
        rec["identified"] = identified(band, i in flat)
        shown = band is not None and 2 * band.half_width <= UNIDENTIFIED
        at_bound = v <= bounds[0] + 0.01 or v >= bounds[1] - 0.01
        rec.update(
            status="fitted",
            value=value,
            interval_95=[float(np.exp(v - band.half_width)), float(np.exp(v + band.half_width))]
            if band is not None and shown
            else None,
            quantile_error_p50=err,
            provenance=f"fitted from {rec['boots']} boots, hop {hop}, p50 error "
            f"{abs(err or 0) * 100:.1f}%" + (" (at the search bound)" if at_bound else ""),
        )
        if band is not None and shown:
            rec["uncertainty"] = {
                "sd_log_traced_boots": band.traced_boots,
                "sd_log_one_replay": band.one_replay,
                "replications": band.replications,
            }


def identified(band: Band | None, flat: bool) -> str:
    """Whether the fit pins a cost: its 95% interval within :data:`WEAK` of it, or not."""
    if flat or band is None or 2 * band.half_width > UNIDENTIFIED:
        return "no: the hop hardly moves with this cost (interval unbounded)"
    if band.half_width > WEAK:
        lo, hi = np.exp(-band.half_width), np.exp(band.half_width)
        what = "the twin's replays" if band.one_replay > band.traced_boots else "the traced boots"
        return (
            f"weakly: the 95% interval spans x{lo:.2f}-x{hi:.2f} of the value; the hops move "
            f"with this cost less than they vary between {what}"
        )
    return "yes"
