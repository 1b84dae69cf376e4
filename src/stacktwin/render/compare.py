"""Runs side by side: one row per measure, one value per run, and the difference of two.

:func:`comparison_rows` is the single source of the numbers that ``stacktwin compare`` prints,
writes with ``--json`` and that ``stacktwin report`` puts in its summary table, so the three always
agree.  Rows come in sections:

- **boots**: boots, outcomes, vif-plugging timeouts and the timeout and error rates;
- **error reasons** and **chain stopped at**: every reason / stop point seen in any run;
- **latency**: p50/p95/p99/max of the vif wait, the whole boot, scheduling, spawn and build, and
  of each hop of the vif-plugged chain (:data:`stacktwin.boots.HOPS`), in seconds;
- **utilisation** (simulated runs; empty for a traced one): mean utilisation and peak queue of
  each component, the OVS agents' longest loop iteration, DB connections opened.

Each row knows whether a higher value is worse, so a renderer can colour a regression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text

from stacktwin.boots import HOPS, STOP_POINTS
from stacktwin.boots import STOP_MEANING as _STOP_MEANING
from stacktwin.render.runs import Run

Value = float | int | None

#: Spans and hops whose percentiles are compared, in the order shown.
LATENCY_ROWS: tuple[str, ...] = (
    "vif_wait", "boot", "schedule", "spawn", "build", *(h.name for h in HOPS),
)  # fmt: skip
LATENCY_STATS: tuple[str, ...] = ("p50", "p95", "p99", "max")

#: Components of a simulated run: key in ``components``, label.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("nova_api", "nova-api workers"),
    ("conductor", "nova-conductor workers"),
    ("neutron_api", "neutron API workers"),
    ("neutron_rpc", "neutron RPC workers"),
    ("neutron_reports", "neutron state-report workers"),
    ("neutron_cores", "neutron-server cores"),
    ("neutron_db_pools", "neutron DB pools"),
    ("dhcp_agents", "DHCP agent workers"),
)

#: What each stop name means (``boots.STOP_MEANING``; also used by the HTML report).
STOP_MEANING: dict[str, str] = dict(_STOP_MEANING)


@dataclass(frozen=True)
class Row:
    """One measure across runs.  ``unit``: "" (a count), "s", "%" (a fraction 0..1)."""

    section: str
    metric: str
    values: tuple[Value, ...]
    unit: str = ""
    worse_when_higher: bool | None = True

    @property
    def difference(self) -> Value:
        """Second run minus first (two runs, both known), else None."""
        if len(self.values) != 2 or self.values[0] is None or self.values[1] is None:
            return None
        return self.values[1] - self.values[0]

    @property
    def ratio(self) -> float | None:
        """Second run over first (two runs, first non-zero), else None."""
        if len(self.values) != 2 or not self.values[0] or self.values[1] is None:
            return None
        return float(self.values[1]) / float(self.values[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: section, metric, unit, values, difference, ratio."""
        return {
            "section": self.section,
            "metric": self.metric,
            "unit": self.unit,
            "values": list(self.values),
            "difference": self.difference,
            "ratio": self.ratio,
        }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def comparison_rows(runs: Sequence[Run]) -> list[Row]:
    """The rows comparing ``runs`` (any number; differences are defined for two)."""
    sums = [r.summary for r in runs]
    rows: list[Row] = [Row("boots", "boots", tuple(s["boots"] for s in sums), "", None)]
    for outcome in ("active", "error", "deleted", "unknown"):
        worse = None if outcome == "active" else True
        rows.append(
            Row("boots", outcome, tuple(s["outcomes"].get(outcome, 0) for s in sums), "", worse)
        )
    rows.append(Row("boots", "vif-plugging timeouts", tuple(s["timeouts"] for s in sums)))
    rows.append(
        Row("boots", "timeout rate", tuple(_rate(s["timeouts"], s["boots"]) for s in sums), "%")
    )
    rows.append(
        Row(
            "boots", "error rate",
            tuple(_rate(s["outcomes"].get("error", 0), s["boots"]) for s in sums), "%",
        )
    )  # fmt: skip
    for reason in sorted({k for s in sums for k in s["reasons"]}):
        rows.append(Row("error reasons", reason, tuple(s["reasons"].get(reason, 0) for s in sums)))
    stops = {k for s in sums for k in s["stopped_at"]}
    order = [name for _, name, _ in STOP_POINTS] + sorted(stops)
    for stop in dict.fromkeys(n for n in order if n in stops):
        counts = tuple(s["stopped_at"].get(stop, 0) for s in sums)
        rows.append(Row("chain stopped at", stop, counts))
    for name in LATENCY_ROWS:
        dists: list[Mapping[str, Any]] = [s["latency"].get(name) or {} for s in sums]
        if not any(d.get("count") for d in dists):
            continue
        for stat in LATENCY_STATS:
            rows.append(Row("latency", f"{name} {stat}", tuple(d.get(stat) for d in dists), "s"))
    if any(r.components for r in runs):
        rows += _utilisation_rows(runs)
    return rows


def _utilisation_rows(runs: Sequence[Run]) -> list[Row]:
    comps = [r.components or {} for r in runs]
    rows: list[Row] = []
    for key, label in COMPONENTS:
        stats = [c.get(key) or {} for c in comps]
        if not any(s.get("count") for s in stats):
            continue
        rows.append(Row("utilisation", f"{label}: utilisation",
                        tuple(s.get("utilisation") for s in stats), "%"))  # fmt: skip
        rows.append(Row("utilisation", f"{label}: peak queue",
                        tuple(s.get("peak_queue") for s in stats)))  # fmt: skip
    agents = [c.get("ovs_agents") or {} for c in comps]
    rows.append(Row("utilisation", "OVS agent longest loop iteration",
                    tuple(a.get("longest_iteration") for a in agents), "s"))  # fmt: skip
    pools = [c.get("neutron_db_pools") or {} for c in comps]
    rows.append(Row("utilisation", "neutron DB connections opened",
                    tuple(p.get("connections_opened") for p in pools)))  # fmt: skip
    return rows


def comparison(runs: Sequence[Run], objectives: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON of ``stacktwin compare --json``: inputs, rows, each run's summary, and the
    verdict the report leads with (:mod:`stacktwin.render.verdict`, for ``objectives``)."""
    from stacktwin.render.verdict import build_verdict

    return {
        "kind": "compare",
        "inputs": [r.describe() for r in runs],
        "rows": [row.to_dict() for row in comparison_rows(runs)],
        "summaries": [r.summary for r in runs],
        "verdict": build_verdict(runs, objectives).to_dict(),
    }


def fmt(value: Value, unit: str = "") -> str:
    """A value as the tables show it: counts as integers, seconds to 3 decimals, rates in %."""
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.1%}"
    if unit == "s":
        return f"{value:.3f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return f"{int(value):,}"


def fmt_difference(row: Row) -> str:
    """The difference of two runs, signed, with the ratio for non-zero bases."""
    diff = row.difference
    if diff is None:
        return ""
    if row.unit == "%":
        text = f"{diff * 100:+.1f} pt"
    elif row.unit == "s" or (isinstance(diff, float) and not diff.is_integer()):
        text = f"{diff:+.3f}"
    else:
        text = f"{int(diff):+,}"
    ratio = row.ratio
    if ratio is not None and row.unit != "%" and diff != 0:
        text += f" (×{ratio:.2f})"
    return text


def verdict(row: Row) -> str:
    """ "worse", "better" or "" for the second run against the first."""
    diff = row.difference
    if diff is None or diff == 0 or row.worse_when_higher is None:
        return ""
    return "worse" if (diff > 0) == row.worse_when_higher else "better"


def comparison_table(
    runs: Sequence[Run], rows: Sequence[Row] | None = None, width: int | None = None
) -> Table:
    """The rows as a Rich table: one column per run, and the difference for two runs.

    Numbers are never cut: each column is at least as wide as its longest value, measure names
    fold, and when the runs' labels would not fit in ``width`` columns (the terminal's) the
    columns are headed A, B, … and the title says which run each letter is.
    """
    rows = comparison_rows(runs) if rows is None else rows
    stops = [r.metric for r in rows if r.section == "chain stopped at"]
    widths = [
        max((len(fmt(r.values[i], r.unit)) for r in rows), default=1) for i in range(len(runs))
    ]
    diff_width = max((len(fmt_difference(r)) for r in rows), default=1) if len(runs) == 2 else 0
    natural = (
        max((len(r.metric) for r in rows), default=7)
        + sum(max(w, len(r.label)) for w, r in zip(widths, runs, strict=True))
        + max(diff_width, 14)
        + 3 * (len(runs) + 2)
    )
    letters = width is not None and natural > width
    heads = [chr(ord("A") + i) if letters else r.label for i, r in enumerate(runs)]
    title = "Comparison" if len(runs) == 2 else "Summary"
    if letters:
        title += ": " + "; ".join(f"{h} = {r.label}" for h, r in zip(heads, runs, strict=True))
    table = Table(
        title=Text(title), title_justify="left",
        caption=Text("; ".join(f"{s}: {STOP_MEANING.get(s, s)}" for s in stops)) if stops else None,
        caption_justify="left",
    )  # fmt: skip
    table.add_column("measure", overflow="fold", min_width=12)
    for head, w in zip(heads, widths, strict=True):
        table.add_column(Text(head), justify="right", overflow="fold", min_width=w)
    if len(runs) == 2:
        table.add_column(
            "B − A" if letters else "second − first", justify="right", overflow="fold",
            min_width=diff_width,
        )  # fmt: skip
    section = ""
    for row in rows:
        if row.section != section:
            section = row.section
            table.add_row(Text(section.upper(), style="bold"))
        # Text, never markup: reasons and labels come from logs and files.
        cells = [Text(row.metric)]
        cells += [Text(fmt(v, row.unit)) for v in row.values]
        if len(runs) == 2:
            style = {"worse": "red", "better": "green"}.get(verdict(row), "")
            cells.append(Text(fmt_difference(row), style=style))
        table.add_row(*cells)
    return table
