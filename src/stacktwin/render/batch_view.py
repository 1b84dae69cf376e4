"""Terminal tables of batches of runs: replications, the paired ablation, sweep points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from stacktwin.render.fit import FitTable
from stacktwin.twin.batch.figures import COMPONENTS
from stacktwin.twin.batch.stats import excludes_zero, fmt_interval

#: Rows of the replications table: (figure, words, digits, as a percentage).
_HEADLINE = (
    ("boots", "boots requested", 0, False),
    ("active", "active", 0, False),
    ("error", "error", 0, False),
    ("unknown", "unknown", 0, False),
    ("timeouts", "vif-plugging timeouts", 0, False),
    ("error_rate", "error rate", 1, True),
    *((f"{s}.{p}", f"{s} {p} (s)", 2, False) for s in ("vif_wait", "boot")
      for p in ("p50", "p95", "p99")),
)  # fmt: skip


def _minmax(iv: Mapping[str, Any], digits: int, pct: bool) -> str:
    if iv.get("min") is None:
        return "-"
    if pct:
        return f"{iv['min'] * 100:.{digits}f}% – {iv['max'] * 100:.{digits}f}%"
    return f"{iv['min']:,.{digits}f} – {iv['max']:,.{digits}f}"


def _ci(iv: Mapping[str, Any], digits: int, pct: bool) -> str:
    if iv.get("ci95_low") is None:
        return "-"
    k = 100 if pct else 1
    unit = "%" if pct else ""
    return f"{iv['ci95_low'] * k:,.{digits}f}{unit} – {iv['ci95_high'] * k:,.{digits}f}{unit}"


def _mean(iv: Mapping[str, Any], digits: int, pct: bool) -> str:
    if iv.get("mean") is None:
        return "-"
    return f"{iv['mean'] * 100:.{digits}f}%" if pct else f"{iv['mean']:,.{digits}f}"


def replications_table(agg: Mapping[str, Mapping[str, Any]], title: str) -> Table:
    """Headline figures across replications: mean, 95% t-interval, min–max, n."""
    table = FitTable(title=title, title_justify="left",
                  caption="95% CI: Student t-interval of the mean across replications",
                  caption_justify="left")  # fmt: skip
    table.add_column("figure")
    for col in ("mean", "95% CI", "min – max", "n"):
        table.add_column(col, justify="right")
    rows = [(*r,) for r in _HEADLINE]
    for key, words in COMPONENTS:
        rows.append((f"{key}.utilisation", f"{words}: utilisation", 1, True))
        rows.append((f"{key}.peak_queue", f"{words}: peak queue", 0, False))
    for name, words, digits, pct in rows:
        iv = agg.get(name)
        if not iv or iv["n"] == 0:
            continue
        table.add_row(
            words, _mean(iv, digits, pct), _ci(iv, digits, pct), _minmax(iv, digits, pct),
            str(iv["n"]),
        )  # fmt: skip
    return table


#: Ablation columns: (figure, header, digits, percentage).
_ABLATION_COLS = (
    ("error", "errors", 0, False),
    ("timeouts", "timeouts", 0, False),
    ("vif_wait.p50", "vif p50", 1, False),
    ("vif_wait.p99", "vif p99", 1, False),
    ("neutron_api.utilisation", "API util", 1, True),
    ("neutron_rpc.utilisation", "RPC util", 1, True),
    ("db_connections_opened", "DB conns", 0, False),
    ("agent_longest_iteration", "agent iter", 0, False),
)


def _delta(iv: Mapping[str, Any], digits: int, pct: bool) -> str:
    """``-11 ±7`` (the t-interval is symmetric), dimmed with ``~0`` when it includes zero."""
    if iv.get("mean") is None:
        return "-"
    k, unit = (100, " pt") if pct else (1, "")
    text = f"{iv['mean'] * k:+,.{digits}f}"
    if iv.get("ci95_low") is not None:
        text += f" ±{(iv['ci95_high'] - iv['mean']) * k:,.{digits}f}"
    text += unit
    if iv.get("ci95_low") is not None and not excludes_zero(iv):
        text = f"[dim]{escape(text)} ~0[/dim]"
    return text


def ablation_table(rows: Sequence[Mapping[str, Any]], title: str) -> Table:
    """Each variant's mean and, below base, its paired change against base with the interval."""
    table = FitTable(
        title=title,
        title_justify="left",
        caption=escape("; ".join(f"{r['variant']}: {r['change']}" for r in rows[1:]))
        + "\nvs base: mean ± 95% CI half-width of the per-seed differences (same seeds for every "
        "variant); ~0: the interval includes zero, no effect measurable at this scale",
        caption_justify="left",
    )
    table.add_column("variant", no_wrap=True)
    for _, header, _, _ in _ABLATION_COLS:
        table.add_column(header, justify="right")
    for r in rows:
        agg = r["aggregate"]
        table.add_row(r["variant"], *(_mean(agg[f], d, p) for f, _, d, p in _ABLATION_COLS))
        if r["variant"] != "base":
            diff = r["vs_base"]
            table.add_row("  vs base", *(_delta(diff[f], d, p) for f, _, d, p in _ABLATION_COLS))
    return table


def _digits(figure: str) -> tuple[int, bool]:
    """Decimals and whether a figure is a share (shown in percent)."""
    if figure.endswith(("utilisation", "ratio")):
        return 2, True
    if figure.endswith("_per_s"):
        return 2, False
    if figure.endswith((".p50", ".p99", "iteration")):
        return 1, False
    return 0, False


def channels_table(rows: Sequence[Mapping[str, Any]], title: str) -> Table:
    """Each change against base on the figures of the resources it acts through."""
    table = FitTable(
        title=title,
        title_justify="left",
        caption="mean over the seeds; change: mean ± 95% CI half-width of the per-seed "
        "differences; ~0: the interval includes zero",
        caption_justify="left",
    )
    for header in ("change", "acts through", "base", "with the change", "change vs base"):
        table.add_column(
            header, justify="left" if header in ("change", "acts through") else "right"
        )
    base = rows[0]["aggregate"]
    for r in rows[1:]:
        for i, figure in enumerate(r.get("acts_through", ())):
            if r["variant"] == "all":
                continue
            digits, pct = _digits(figure)
            table.add_row(
                r["variant"] if i == 0 else "", figure, _mean(base[figure], digits, pct),
                _mean(r["aggregate"][figure], digits, pct),
                _delta(r["vs_base"][figure], digits, pct),
            )  # fmt: skip
    return table


def _num(x: float) -> str:
    return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.3g}"


def effect_summary(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per change: the figures whose paired interval excludes zero."""
    lines = []
    for r in rows[1:]:
        shown = dict.fromkeys((*(c[0] for c in _ABLATION_COLS), *r.get("acts_through", ())))
        moved = [f for f in shown if r["vs_base"][f].get("excludes_zero")]
        n = len(r["seeds"])
        if n < 2:
            lines.append(f"{r['variant']}: one replication, no interval (use --replications)")
        elif moved:
            parts = [f"{f} {_num(r['vs_base'][f]['mean'])}" for f in moved]
            lines.append(f"{r['variant']}: effect beyond noise on {', '.join(parts)}")
        else:
            lines.append(f"{r['variant']}: no effect measurable at this scale ({n} seeds)")
    return lines


def points_table(
    points: Sequence[Mapping[str, Any]], knobs: Sequence[str], figures: Sequence[str], title: str
) -> Table:
    """One row per sweep point: its settings, then each figure's mean [95% CI]."""
    table = FitTable(title=title, title_justify="left",
                  caption="mean [95% CI across replications]", caption_justify="left")  # fmt: skip
    for k in knobs:
        table.add_column(k.split(".")[-1], justify="right")
    for f in figures:
        table.add_column(f, justify="right")
    for p in points:
        cells = [str(p["settings"][k]) for k in knobs]
        for f in figures:
            pct = f.endswith("utilisation") or f.endswith("_rate")
            cells.append(fmt_interval(p["aggregate"][f], 1, pct))
        table.add_row(*cells)
    return table
