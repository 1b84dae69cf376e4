"""Figures across replications: mean, 95% confidence interval, min and max.

The interval is Student's t-interval of the mean, ``mean ± t(0.975, n-1) · s / √n`` with ``s``
the sample standard deviation (``scipy.stats.t`` for the quantile): replications are independent
runs with different seeds, and the t-interval is the textbook interval for a mean of a few
independent samples.  With one replication there is no interval (``None``).  Differences between
two variants run on the same seeds are *paired*: the interval is the t-interval of the per-seed
differences (common random numbers), far narrower than two separate intervals.

A figure's interval is cut to the values the figure can take (:func:`figure_bounds`): a count or
a latency is never below 0, a utilisation or a rate never above 100%; a t-interval of a few
skewed samples (errors 0, 0, 0, 0, 150) would otherwise reach below zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scipy import stats as _scipy_stats

from stacktwin.twin.batch.figures import FIGURES, headline

#: Confidence level of every interval.
CONFIDENCE = 0.95


def t_quantile(n: int) -> float:
    """t(0.975, n - 1): the two-sided 95% quantile for ``n`` samples."""
    return float(_scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


def figure_bounds(name: str) -> tuple[float | None, float | None]:
    """The values figure ``name`` can take: every headline figure is >= 0; shares are <= 1."""
    share = name.endswith(("utilisation", "ratio")) or name == "error_rate"
    return 0.0, 1.0 if share else None


def interval(
    values: Iterable[float | None], bounds: tuple[float | None, float | None] = (None, None)
) -> dict[str, Any]:
    """``{mean, ci95_low, ci95_high, min, max, n}`` of the values that are not ``None``, the
    interval cut to ``bounds`` (the values the figure can take)."""
    xs = [float(v) for v in values if v is not None]
    n = len(xs)
    if n == 0:
        return {"mean": None, "ci95_low": None, "ci95_high": None, "min": None, "max": None, "n": 0}
    mean = math.fsum(xs) / n
    low = high = None
    if n >= 2:
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
        half = t_quantile(n) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
        if bounds[0] is not None:
            low = max(low, bounds[0])
        if bounds[1] is not None:
            high = min(high, bounds[1])
    return {
        "mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "min": min(xs),
        "max": max(xs),
        "n": n,
    }


def aggregate(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per figure, its interval across the run records (replications of one setting)."""
    rows = [headline(r) for r in records]
    return {name: interval((row[name] for row in rows), figure_bounds(name)) for name in FIGURES}


def paired_difference(
    base: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per figure, the interval of ``other - base`` seed by seed (both lists in seed order).

    Raises ValueError if the two lists were not run on the same seeds: a paired difference of
    unpaired runs would be wrong.
    """
    seeds_a = [r["seed"] for r in base]
    seeds_b = [r["seed"] for r in other]
    if seeds_a != seeds_b:
        raise ValueError(f"paired runs need the same seeds: {seeds_a} vs {seeds_b}")
    ha = [headline(r) for r in base]
    hb = [headline(r) for r in other]
    out = {}
    for name in FIGURES:
        diffs = [
            b[name] - a[name]  # type: ignore[operator]
            for a, b in zip(ha, hb, strict=True)
            if a[name] is not None and b[name] is not None
        ]
        out[name] = interval(diffs)
    return out


def excludes_zero(iv: Mapping[str, Any]) -> bool:
    """True if the interval lies wholly above or below zero (an effect measurable at this n)."""
    low, high = iv.get("ci95_low"), iv.get("ci95_high")
    if low is None or high is None:
        return False
    return bool(low > 0 or high < 0)


def fmt_interval(iv: Mapping[str, Any], digits: int = 1, pct: bool = False) -> str:
    """``mean [low, high]`` for tables (``-`` when nothing was measured)."""
    if iv.get("mean") is None:
        return "-"

    def f(x: float) -> str:
        return f"{x * 100:.{digits}f}%" if pct else f"{x:,.{digits}f}"

    if iv.get("ci95_low") is None:
        return f(iv["mean"])
    return f"{f(iv['mean'])} [{f(iv['ci95_low'])}, {f(iv['ci95_high'])}]"
