"""The report's Plotly figures, built from :class:`~stacktwin.render.runs.Run` objects (those
over time, each boot's vif wait and a simulated run's queues, are in
:mod:`stacktwin.render.timeline`).

Every figure is small whatever the run's size, because what it draws is reduced first, never cut:

- hop-latency distributions are empirical CDFs drawn through at most :data:`ECDF_POINTS`
  quantiles (min and max included), so 90,000 boots cost as much as 200;
- time series are reduced to the min and the max of each of :data:`MAX_SERIES_POINTS` / 2 time
  buckets (every peak and trough survives; see :func:`envelope`);
- per-boot points (vif wait over time) become, beyond :data:`MAX_SCATTER_POINTS` boots, the
  median and max of each time bucket.

Text that came from logs or scenarios (instance names, hosts, reasons, file names) is passed
through :func:`plot_text` before Plotly sees it: Plotly reads a small HTML subset (``<a href>``,
``<b>``, ``<br>``…) in labels, and entity-escaping makes it show the characters instead.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from stacktwin.boots import HOPS, MILESTONE_ORDER, SPANS, Boot
from stacktwin.render.runs import Run
from stacktwin.render.text import cap

ECDF_POINTS = 200
MAX_SERIES_POINTS = 2000
MAX_SCATTER_POINTS = 2000

#: Colours of runs (first, second, …) and of milestones in the waterfall.
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
MILESTONE_COLOURS = dict(
    zip(
        (m.value for m in MILESTONE_ORDER),
        ("#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#c5b0d5", "#1f77b4",
         "#aec7e8", "#ff7f0e", "#f7b6d2", "#ffbb78", "#2ca02c", "#98df8a", "#8c564b"),
        strict=True,
    )
)  # fmt: skip

#: Hops and spans drawn as distributions, in panel order.
DISTRIBUTION_PANELS: tuple[str, ...] = ("vif_wait", "boot", *(h.name for h in HOPS))
_HELP = {h.name: h.help for h in (*HOPS, *SPANS)}

_LAYOUT = {"template": "plotly_white", "font": {"size": 12}, "margin": {"t": 60, "b": 40}}


def plot_text(text: object) -> str:
    """Untrusted text made safe for Plotly labels and hover text (shown as typed)."""
    return html.escape(str(text), quote=False)


def log_ticks(low: float, high: float, unit: str = "s") -> dict[str, Any]:
    """Ticks for a log axis from ``low`` to ``high``: 1-3-10 steps, written with their unit."""
    vals: list[float] = []
    exp = math.floor(math.log10(max(low, 1e-3)))
    while True:
        for m in (1, 3):
            v = m * 10.0**exp
            if v > high * 3:
                return {"tickvals": vals, "ticktext": [f"{v:g} {unit}" for v in vals]}
            if v >= low / 3:
                vals.append(v)
        exp += 1


def colour(i: int) -> str:
    """The colour of the i-th run."""
    return RUN_COLOURS[i % len(RUN_COLOURS)]


def ecdf(values: Sequence[float]) -> tuple[list[float], list[float]]:
    """An empirical CDF through at most :data:`ECDF_POINTS` quantiles (min and max kept)."""
    arr = np.sort(np.asarray(values, dtype=float))
    arr = arr[np.isfinite(arr)]
    n = arr.size
    if n == 0:
        return [], []
    if n <= ECDF_POINTS:
        return arr.tolist(), (np.arange(1, n + 1) / n).tolist()
    probs = np.linspace(0.0, 1.0, ECDF_POINTS)
    return np.quantile(arr, probs).tolist(), probs.tolist()


def envelope(
    t: Sequence[float], y: Sequence[float], max_points: int = MAX_SERIES_POINTS
) -> tuple[list[float], list[float]]:
    """Downsample a series to at most ``max_points`` points, keeping every extreme.

    The series is cut into ``(max_points - 2) // 2`` buckets of consecutive samples; each bucket
    contributes its minimum and its maximum, in time order, and the first and last samples are
    kept so the plotted time range is the run's.  A queue spike of one sample
    therefore stays visible at its height, which averaging or striding would lose.
    """
    n = len(t)
    if n <= max_points:
        return [float(v) for v in t], [float(v) for v in y]
    ta = np.asarray(t, dtype=float)
    ya = np.asarray(y, dtype=float)
    edges = np.linspace(0, n, (max_points - 2) // 2 + 1).astype(int)
    out_t: list[float] = []
    out_y: list[float] = []
    for lo, hi in itertools.pairwise(edges.tolist()):
        if hi <= lo:
            continue
        seg = ya[lo:hi]
        keep = {lo + int(seg.argmin()), lo + int(seg.argmax())}
        if lo == 0 or hi == n:
            keep.add(0 if lo == 0 else n - 1)  # the series' first and last samples
        for i in sorted(keep):
            out_t.append(float(ta[i]))
            out_y.append(float(ya[i]))
    return out_t, out_y


def hop_distributions(runs: Sequence[Run], timeout: float | None) -> go.Figure:
    """One panel per hop/span: the cumulative share of boots by latency, one curve per run."""
    cols = 4
    rows = math.ceil(len(DISTRIBUTION_PANELS) / cols)
    titles = [f"<b>{name}</b><br>{_HELP[name]}" for name in DISTRIBUTION_PANELS]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.2, horizontal_spacing=0.06
    )
    fig.update_annotations(font_size=11)
    for p, name in enumerate(DISTRIBUTION_PANELS):
        hop = next(h for h in (*HOPS, *SPANS) if h.name == name)
        row, col = p // cols + 1, p % cols + 1
        for i, run in enumerate(runs):
            vals = [v for b in run.boots if (v := b.latency(hop)) is not None]
            x, y = ecdf(vals)
            fig.add_trace(
                go.Scatter(
                    x=x, y=y, mode="lines", line={"color": colour(i), "shape": "hv"},
                    name=plot_text(run.label), legendgroup=str(i), showlegend=p == 0,
                    hovertemplate=f"{plot_text(run.label)}<br>%{{y:.0%}} of {len(vals)} boots "
                    "≤ %{x:.3f} s<extra></extra>",
                ),
                row=row, col=col,
            )  # fmt: skip
        fig.update_xaxes(title_text="latency (s)", row=row, col=col)
        if name == "vif_wait":
            # log scale: the waits (seconds) and the timeout (minutes) both stay readable
            waits = [v for r in runs for b in r.boots if (v := b.latency(hop)) is not None]
            top = max([*waits, timeout or 1.0])
            low = max(min(waits, default=1.0), 0.01)
            fig.update_xaxes(type="log", title_text="latency (s, log scale)",
                             **log_ticks(low, top), row=row, col=col)  # fmt: skip
        if name == "vif_wait" and timeout is not None:
            # a line trace, not a shape: shapes on log axes are placed in log units
            fig.add_trace(
                go.Scatter(
                    x=[timeout, timeout], y=[0, 1], mode="lines+text", showlegend=False,
                    line={"color": "#d62728", "dash": "dash"},
                    text=["", f"vif_plugging_timeout {timeout:g} s"],
                    textposition="bottom left", name="vif_plugging_timeout",
                    hovertemplate=f"vif_plugging_timeout {timeout:g} s<extra></extra>",
                ),
                row=row, col=col,
            )  # fmt: skip
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], title_text="boots (%)", col=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_layout(
        **_LAYOUT, height=330 * rows,
        title="Hop latency distributions (share of boots at or below a latency)",
    )  # fmt: skip
    return fig


def boot_span(boot: Boot) -> float:
    """Seconds from the boot's first to its last known milestone (0 when fewer than two)."""
    times = list(boot.milestones.values())
    return max(times) - min(times) if len(times) > 1 else 0.0


def waterfall(run: Run, boots: Sequence[Boot]) -> go.Figure:
    """Each boot a row; each segment the time from one milestone to the next one reached.

    Bars are coloured by the milestone they lead to, hover shows the seconds and, for a traced
    boot, the ``file:line`` the milestone was read from.  A boot that did not get running is
    marked with ✕ at its last milestone and where its chain stopped.
    """
    labels = [plot_text(cap(f"{b.instance} · {b.host or '?'}", 120)) for b in boots]
    segments: dict[str, dict[str, list[Any]]] = {}
    stops: dict[str, list[Any]] = {"x": [], "y": [], "text": [], "hover": []}
    for boot, label in zip(boots, labels, strict=True):
        ordered = sorted(boot.milestones.items(), key=lambda kv: kv[1])
        if not ordered:
            continue
        t0 = ordered[0][1]
        for (_, start), (name, end) in itertools.pairwise(ordered):
            seg = segments.setdefault(name, {"x": [], "base": [], "y": [], "customdata": []})
            seg["x"].append(end - start)
            seg["base"].append(start - t0)
            seg["y"].append(label)
            seg["customdata"].append([plot_text(boot.sources.get(name, "simulated"))])
        stop = boot.chain_stop()
        if stop is not None or boot.outcome.value == "error":
            # the label on the plot is short (it must fit right of the bar); hover has the reason
            short = f"stopped at {stop}" if stop else "error"
            why = short + (f" ({cap(boot.reason, 300)})" if boot.reason else "")
            stops["x"].append(ordered[-1][1] - t0)
            stops["y"].append(label)
            stops["text"].append(short)
            stops["hover"].append(plot_text(why))
    fig = go.Figure()
    for m in MILESTONE_ORDER:
        bars = segments.get(m.value)
        if bars is None:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h", x=bars["x"], base=bars["base"], y=bars["y"], name=f"→ {m.value}",
                marker={"color": MILESTONE_COLOURS[m.value]}, customdata=bars["customdata"],
                hovertemplate=f"%{{y}}<br>→ {m.value}: %{{x:.3f}} s (at +%{{base:.3f}} s)"
                "<br>%{customdata[0]}<extra></extra>",
            )
        )  # fmt: skip
    if stops["x"]:
        fig.add_trace(
            go.Scatter(
                x=stops["x"], y=stops["y"], text=stops["text"], mode="markers+text",
                textposition="middle right", name="chain stopped", customdata=stops["hover"],
                marker={"symbol": "x", "size": 11, "color": "#d62728"}, cliponaxis=False,
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_yaxes(
        autorange="reversed", type="category", categoryorder="array", categoryarray=labels
    )
    longest = max((boot_span(b) for b in boots), default=0.0)
    # room on the right for the "stopped at …" labels (at most 20 characters, about 130 px: a
    # third of the plot at 1,024 px with the legend below)
    fig.update_xaxes(
        title_text="time since the boot's first milestone (s)",
        range=[0, longest * (1.5 if stops["x"] else 1.02) or 1.0],
    )
    fig.update_layout(
        **_LAYOUT, barmode="overlay", height=max(480, 230 + 26 * len(boots)),
        title=f"Boots of {plot_text(run.label)}, slowest first",
        legend={"traceorder": "normal", "orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
    )  # fmt: skip
    return fig
