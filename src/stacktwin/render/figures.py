"""The report's Plotly figures, built from :class:`~stacktwin.render.runs.Run` objects.

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

from stacktwin.boots import HOPS, MILESTONE_ORDER, SPANS, Boot, Milestone
from stacktwin.render.runs import Run

ECDF_POINTS = 200
MAX_SERIES_POINTS = 2000
MAX_SCATTER_POINTS = 2000

#: Colours of runs (first, second, …) and of milestones in the waterfall.
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
MILESTONE_COLOURS = dict(
    zip(
        (m.value for m in MILESTONE_ORDER),
        ("#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#c5b0d5", "#1f77b4",
         "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#8c564b"),
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
        fig.update_xaxes(title_text="seconds", row=row, col=col)
        if name == "vif_wait":
            # log scale: the waits (seconds) and the timeout (minutes) both stay readable
            fig.update_xaxes(type="log", title_text="seconds (log)", row=row, col=col)
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
    labels = [plot_text(f"{b.instance} · {b.host or '?'}") for b in boots]
    segments: dict[str, dict[str, list[Any]]] = {}
    stops: dict[str, list[Any]] = {"x": [], "y": [], "text": []}
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
            why = f"stopped at {stop}" if stop else "error"
            if boot.reason:
                why += f" ({boot.reason})"
            stops["x"].append(ordered[-1][1] - t0)
            stops["y"].append(label)
            stops["text"].append(plot_text(why))
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
                textposition="middle right", name="chain stopped",
                marker={"symbol": "x", "size": 11, "color": "#d62728"},
                hovertemplate="%{y}<br>%{text}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_yaxes(
        autorange="reversed", type="category", categoryorder="array", categoryarray=labels
    )
    longest = max((boot_span(b) for b in boots), default=0.0)
    # room on the right for the "stopped at …" labels
    fig.update_xaxes(
        title_text="seconds since the boot's first milestone",
        range=[0, longest * (1.3 if stops["x"] else 1.02) or 1.0],
    )
    fig.update_layout(
        **_LAYOUT, barmode="overlay", height=max(430, 160 + 26 * len(boots)),
        title=f"Boots of {plot_text(run.label)}, slowest first", legend={"traceorder": "normal"},
    )  # fmt: skip
    return fig


def _run_start(run: Run) -> float:
    starts = [min(b.milestones.values()) for b in run.boots if b.milestones]
    return min(starts) if starts else 0.0


def vif_wait_over_time(runs: Sequence[Run], timeout: float | None) -> go.Figure:
    """Each boot's vif wait against when it started waiting, one panel per run, and the timeout.

    Each run has its own time axis (a traced week and a simulated hour do not share one).
    Boots that failed without the event (the timeout fired, or the build errored) are drawn at
    the timeout (✕); boots still waiting when a simulation ended are not drawn.  Beyond
    :data:`MAX_SCATTER_POINTS` boots, the median and max of each time bucket are drawn instead
    of the points.
    """
    fig = make_subplots(
        rows=len(runs), cols=1, vertical_spacing=0.12 if len(runs) > 1 else 0.0,
        subplot_titles=[plot_text(r.label) for r in runs],
    )  # fmt: skip
    hop = next(h for h in SPANS if h.name == "vif_wait")
    for i, run in enumerate(runs):
        t0 = _run_start(run)
        done: list[tuple[float, float]] = []
        stuck: list[float] = []
        for b in run.boots:
            start = b.at(Milestone.WAIT_PREPARED)
            if start is None:
                continue
            wait = b.latency(hop)
            if wait is not None:
                done.append(((start - t0) / 60.0, wait))
            elif b.timed_out or b.outcome.value == "error":  # not still in flight at the end
                stuck.append((start - t0) / 60.0)
        name = plot_text(run.label)
        for trace in _wait_traces(sorted(done), name, colour(i), str(i)):
            fig.add_trace(trace, row=i + 1, col=1)
        if stuck and timeout is not None:
            xs = _thin(sorted(stuck))
            fig.add_trace(
                go.Scatter(
                    x=xs, y=[timeout] * len(xs), mode="markers", legendgroup=str(i),
                    name=f"{name}: failed without the event",
                    marker={"symbol": "x", "color": colour(i), "size": 9},
                ),
                row=i + 1, col=1,
            )  # fmt: skip
        if timeout is not None:
            fig.add_hline(
                y=timeout, line={"color": "#d62728", "dash": "dash"}, row=i + 1, col=1,
                annotation_text=f"vif_plugging_timeout {timeout:g} s",
                annotation_position="top left",
            )  # fmt: skip
        fig.update_xaxes(title_text="minutes since the input's first boot", row=i + 1, col=1)
        fig.update_yaxes(title_text="vif wait (s)", rangemode="tozero", row=i + 1, col=1)
    fig.update_layout(
        **_LAYOUT, height=120 + 330 * len(runs), title="vif wait of each boot over time"
    )
    return fig


def _thin(xs: list[float]) -> list[float]:
    if len(xs) <= MAX_SCATTER_POINTS:
        return xs
    idx = np.linspace(0, len(xs) - 1, MAX_SCATTER_POINTS).astype(int)
    return [xs[i] for i in idx]


def _wait_traces(
    points: list[tuple[float, float]], name: str, col: str, group: str
) -> list[go.Scatter]:
    if not points:
        return []
    if len(points) <= MAX_SCATTER_POINTS:
        return [
            go.Scatter(
                x=[p[0] for p in points], y=[p[1] for p in points], mode="markers", name=name,
                legendgroup=group, marker={"color": col, "size": 5, "opacity": 0.6},
                hovertemplate="+%{x:.1f} min: %{y:.2f} s<extra></extra>",
            )
        ]  # fmt: skip
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    buckets = MAX_SCATTER_POINTS // 2
    edges = np.linspace(xs[0], xs[-1], buckets + 1)
    which = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, buckets - 1)
    mids, med, top = [], [], []
    for k in np.unique(which):
        sel = ys[which == k]
        mids.append(float((edges[k] + edges[k + 1]) / 2))
        med.append(float(np.median(sel)))
        top.append(float(sel.max()))
    return [
        go.Scatter(
            x=mids, y=ys_, mode="lines", name=f"{name}: {label} per time bucket",
            legendgroup=group, line={"color": col, "dash": dash},
        )
        for label, ys_, dash in (("median", med, "solid"), ("max", top, "dot"))
    ]  # fmt: skip


#: Colours of the components, the same in every panel.
COMPONENT_COLOURS = {
    "nova_api": "#1f77b4", "neutron_api": "#ff7f0e", "neutron_rpc": "#2ca02c",
    "neutron_reports": "#d62728", "db": "#9467bd", "agents": "#8c564b", "boots": "#e377c2",
}  # fmt: skip

#: Time series drawn for a simulated run: (key, label, colour key[, capacity key]).
QUEUE_SERIES: tuple[tuple[str, str, str], ...] = (
    ("nova_api_queue", "nova-api workers", "nova_api"),
    ("neutron_api_queue", "neutron API workers", "neutron_api"),
    ("neutron_rpc_queue", "neutron RPC workers", "neutron_rpc"),
    ("neutron_reports_queue", "neutron state-report workers", "neutron_reports"),
    ("db_waiting", "neutron DB pools", "db"),
)
UTILISATION_SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("nova_api_busy", "nova-api workers", "nova_api", "nova_api"),
    ("neutron_api_busy", "neutron API workers", "neutron_api", "neutron_api"),
    ("neutron_rpc_busy", "neutron RPC executor threads", "neutron_rpc", "neutron_rpc_executor"),
    ("db_in_use", "neutron DB connections", "db", "neutron_db_pools"),
    ("agents_busy", "OVS agent loops", "agents", "ovs_agents"),
)
BACKLOG_SERIES: tuple[tuple[str, str, str], ...] = (
    ("boots_waiting_vif", "boots waiting for network-vif-plugged", "boots"),
    ("agent_backlog_max", "largest OVS agent backlog (ports)", "agents"),
)


def first_timeout_at(run: Run, timeout: float) -> float | None:
    """When the first vif-plugging timeout of the run fired (run seconds), or None."""
    fired = [
        start + timeout
        for b in run.boots
        if b.timed_out and (start := b.at(Milestone.WAIT_PREPARED)) is not None
    ]
    return min(fired) if fired else None


def queues_over_time(run: Run, timeout: float | None) -> go.Figure | None:
    """Queue lengths, utilisation and backlog over simulated time (None without time series)."""
    ts = run.timeseries
    if not ts or not ts.get("t"):
        return None
    comps = run.components or {}
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
        subplot_titles=(
            "requests waiting (queue length)", "utilisation (busy / capacity)",
            "boots waiting for their network, OVS agent backlog",
        ),
    )  # fmt: skip
    minutes = [v / 60.0 for v in ts["t"]]
    for key, label, col in QUEUE_SERIES:
        if key in ts:
            x, y = envelope(minutes, ts[key])
            fig.add_trace(_line(x, y, label, col, "queued"), row=1, col=1)
    for key, label, col, comp in UTILISATION_SERIES:
        cap = (comps.get(comp) or {}).get("capacity") or (comps.get(comp) or {}).get("count")
        if key in ts and cap:
            x, y = envelope(minutes, [v / float(cap) for v in ts[key]])
            fig.add_trace(_line(x, y, f"{label} (of {cap:,})", col, "busy", True), row=2, col=1)
    for key, label, col in BACKLOG_SERIES:
        if key in ts:
            x, y = envelope(minutes, ts[key])
            fig.add_trace(_line(x, y, label, col, "backlog"), row=3, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(title_text="minutes of simulated time", row=3, col=1)
    fired = first_timeout_at(run, timeout) if timeout is not None else None
    if fired is not None and timeout is not None:
        fig.add_vline(
            x=fired / 60.0, line={"color": "#d62728", "dash": "dash"},
            annotation_text=f"first vif_plugging_timeout ({timeout:g} s) fired",
            annotation_position="top right",
        )  # fmt: skip
    fig.update_layout(
        **_LAYOUT, height=820, title=f"Queues and utilisation over time: {plot_text(run.label)}"
    )
    return fig


def _line(
    x: list[float], y: list[float], label: str, col: str, group: str, pct: bool = False
) -> go.Scatter:
    fmt = "%{y:.1%}" if pct else "%{y:,.0f}"
    return go.Scatter(
        x=x, y=y, mode="lines", name=label, legendgroup=group, legendgrouptitle_text=group,
        line={"color": COMPONENT_COLOURS[col], "width": 1.5},
        hovertemplate=f"{label}<br>+%{{x:.1f}} min: {fmt}<extra></extra>",
    )  # fmt: skip
