"""The report's figures over time: each boot's vif wait, and a simulated run's queues.

Time axes say what they are:

- a traced input is drawn in wall-clock time (UTC, from its log timestamps); when its boots are
  spread over more than a day, each idle stretch longer than :data:`IDLE_GAP` seconds is cut out
  of the axis (a Plotly range break) and the panel's title says how many and how long, so boots
  weeks apart are not drawn as "0–120k minutes since the first boot";
- a simulated input is drawn in minutes of simulated time.

Every vif-wait panel has the same y range (and simulated inputs the same time axis).  Two
simulated inputs with time series (before/after a change) share one figure: a column each,
the same y axis per row (queues, utilisation, boots waiting) and the same time axis, so the same
height means the same load.  Every axis carries its unit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from stacktwin.boots import SPANS, Milestone
from stacktwin.render.figures import _LAYOUT, MAX_SCATTER_POINTS, colour, envelope, plot_text
from stacktwin.render.runs import Run

#: Idle seconds (no boot starting) from which a traced axis is cut, when it spans days.
IDLE_GAP = 6 * 3600.0
#: A traced input spanning more than this many seconds has its idle gaps cut.
CUT_FROM = 86_400.0
#: Margin kept either side of a cut gap (seconds).
_MARGIN = 1800.0


def _run_start(run: Run) -> float:
    starts = [min(b.milestones.values()) for b in run.boots if b.milestones]
    return min(starts) if starts else 0.0


def wall_clock(t: float) -> str:
    """A Unix time as Plotly's date text (UTC, milliseconds)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def idle_gaps(times: Sequence[float]) -> list[tuple[float, float]]:
    """The stretches to cut from a traced axis: gaps over :data:`IDLE_GAP`, if it spans days."""
    ts = sorted(times)
    if len(ts) < 2 or ts[-1] - ts[0] <= CUT_FROM:
        return []
    return [(a + _MARGIN, b - _MARGIN) for a, b in itertools.pairwise(ts) if b - a > IDLE_GAP]


def _days(seconds: float) -> str:
    return f"{seconds / 86_400:,.1f} days" if seconds >= 86_400 else f"{seconds / 3600:.1f} h"


def vif_wait_over_time(runs: Sequence[Run], timeout: float | None) -> go.Figure:
    """Each boot's vif wait against when it started waiting, one panel per run, and the timeout.

    Each run has its own time axis (a traced week and a simulated hour do not share one; see
    the module docstring).  Boots that failed without the event (the timeout fired, or the
    build errored) are drawn at the timeout (✕); boots still waiting when a simulation ended are
    not drawn.  Beyond :data:`MAX_SCATTER_POINTS` boots, the median and max of each time bucket
    are drawn instead of the points.
    """
    panels = []
    titles = []
    for run in runs:
        done, stuck = _waits(run)
        gaps = idle_gaps([t for t, _ in done] + stuck) if run.kind == "trace" else []
        panels.append((done, stuck, gaps))
        titles.append(plot_text(run.label))
    all_simulated = all(r.kind == "simulate" for r in runs)
    fig = make_subplots(
        rows=len(runs), cols=1, vertical_spacing=0.2 if len(runs) > 1 else 0.0,
        subplot_titles=titles, shared_xaxes=all_simulated and len(runs) > 1,
    )  # fmt: skip
    # every panel on the same vif-wait scale, so a taller cloud of points is a longer wait
    top = max([w for done, _, _ in panels for _, w in done] + [timeout or 0.0, 1.0]) * 1.05
    for i, (run, (done, stuck, gaps)) in enumerate(zip(runs, panels, strict=True)):
        traced = run.kind == "trace"
        x_of = _x_of(run)
        name = plot_text(run.label)
        for trace in _wait_traces(done, x_of, name, colour(i), str(i), traced):
            fig.add_trace(trace, row=i + 1, col=1)
        if stuck and timeout is not None:
            xs = [x_of(t) for t in _thin(stuck)]
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
        if traced:
            axis = {"type": "date", "title_text": "wall-clock time (UTC)"}
            fig.update_xaxes(**{**axis, **_date_axis(done, stuck, gaps)}, row=i + 1, col=1)
        else:
            fig.update_xaxes(title_text="simulated time (min)", row=i + 1, col=1)
        fig.update_yaxes(title_text="vif wait (s)", range=[0, top], row=i + 1, col=1)
    fig.update_layout(
        **_LAYOUT, height=160 + 330 * len(runs), title="vif wait of each boot over time"
    )
    fig.update_layout(legend=_BELOW)
    return fig


#: Legends under the plots: the plots keep the page's width (readable at 1,024 px).
_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0}


def _date_axis(
    done: Sequence[tuple[float, float]], stuck: Sequence[float], gaps: Sequence[tuple[float, float]]
) -> dict[str, Any]:
    """Range breaks over the idle gaps, and one tick at the start of each busy stretch."""
    if not gaps:
        return {}
    first = min([t for t, _ in done] + list(stuck))
    starts = [first] + [b for _, b in gaps]
    cut = sum(b - a for a, b in gaps)
    return {
        "rangebreaks": [{"bounds": [wall_clock(a), wall_clock(b)]} for a, b in gaps],
        "tickvals": [wall_clock(t) for t in starts],
        "ticktext": [datetime.fromtimestamp(t, UTC).strftime("%b %d %H:%M") for t in starts],
        "tickangle": -30,
        "title_text": f"wall-clock time (UTC); {len(gaps)} idle gaps ({_days(cut)}) cut out",
    }


def _waits(run: Run) -> tuple[list[tuple[float, float]], list[float]]:
    """(start, wait) of the boots that got their event, and the starts of those that failed."""
    hop = next(h for h in SPANS if h.name == "vif_wait")
    done: list[tuple[float, float]] = []
    stuck: list[float] = []
    for b in run.boots:
        start = b.at(Milestone.WAIT_PREPARED)
        if start is None:
            continue
        wait = b.latency(hop)
        if wait is not None:
            done.append((start, wait))
        elif b.timed_out or b.outcome.value == "error":  # not still in flight at the end
            stuck.append(start)
    return sorted(done), sorted(stuck)


def _x_of(run: Run) -> Callable[[float], Any]:
    """Run time to plotted x: wall-clock text for a traced run, simulated minutes otherwise."""
    if run.kind == "trace":
        return wall_clock
    t0 = _run_start(run)

    def minutes(t: float) -> float:
        return (t - t0) / 60.0

    return minutes


def _thin(xs: list[float]) -> list[float]:
    if len(xs) <= MAX_SCATTER_POINTS:
        return xs
    idx = np.linspace(0, len(xs) - 1, MAX_SCATTER_POINTS).astype(int)
    return [xs[i] for i in idx]


def _wait_traces(
    points: list[tuple[float, float]], x_of: Callable[[float], Any], name: str, col: str,
    group: str, traced: bool,
) -> list[go.Scatter]:  # fmt: skip
    if not points:
        return []
    when = "%{x|%Y-%m-%d %H:%M:%S} UTC" if traced else "+%{x:.1f} min"
    if len(points) <= MAX_SCATTER_POINTS:
        return [
            go.Scatter(
                x=[x_of(p[0]) for p in points], y=[p[1] for p in points], mode="markers",
                name=name, legendgroup=group, marker={"color": col, "size": 5, "opacity": 0.6},
                hovertemplate=f"{when}: %{{y:.2f}} s<extra></extra>",
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
        mids.append(x_of(float((edges[k] + edges[k + 1]) / 2)))
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
_ROW_TITLES = (
    "requests waiting (queue length, requests)", "utilisation (busy / capacity, %)",
    "boots waiting for their network (boots), OVS agent backlog (ports)",
)  # fmt: skip


def first_timeout_at(run: Run, timeout: float) -> float | None:
    """When the first vif-plugging timeout of the run fired (run seconds), or None."""
    fired = [
        start + timeout
        for b in run.boots
        if b.timed_out and (start := b.at(Milestone.WAIT_PREPARED)) is not None
    ]
    return min(fired) if fired else None


def _has_series(run: Run) -> bool:
    return bool(run.timeseries and run.timeseries.get("t"))


def queues_over_time(run: Run, timeout: float | None) -> go.Figure | None:
    """Queue lengths, utilisation and backlog over simulated time (None without time series)."""
    return queues_side_by_side([run], [timeout])


def queues_side_by_side(runs: Sequence[Run], timeouts: Sequence[float | None]) -> go.Figure | None:
    """One column per simulated run, rows sharing their y axis; None if a run has no series."""
    if not runs or not all(_has_series(r) for r in runs):
        return None
    n = len(runs)
    fig = make_subplots(
        rows=3, cols=n, shared_xaxes="all" if n > 1 else True, shared_yaxes=True,
        vertical_spacing=0.07, horizontal_spacing=0.04,
        subplot_titles=[
            t if n == 1 else f"{plot_text(r.label)}<br>{t}" for t in _ROW_TITLES for r in runs
        ],
    )  # fmt: skip
    fig.update_annotations(font_size=11)
    for c, (run, timeout) in enumerate(zip(runs, timeouts, strict=True), start=1):
        _draw_series(fig, run, c, show_legend=c == 1)
        fired = first_timeout_at(run, timeout) if timeout is not None else None
        if fired is not None and timeout is not None:
            line = {"color": "#d62728", "dash": "dash"}
            fig.add_vline(
                x=fired / 60.0, line=line, row=1, col=c, annotation_position="top right",
                annotation_text=f"first vif_plugging_timeout ({timeout:g} s) fired",
            )  # fmt: skip
            for row in (2, 3):
                fig.add_vline(x=fired / 60.0, line=line, row=row, col=c)
        fig.update_xaxes(title_text="simulated time (min)", row=3, col=c)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=2)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="requests", row=1, col=1)
    fig.update_yaxes(title_text="busy (%)", row=2, col=1)
    fig.update_yaxes(title_text="boots / ports", row=3, col=1)
    title = (
        f"Queues and utilisation over time: {plot_text(runs[0].label)}"
        if n == 1
        else "Queues and utilisation over time, side by side (same axes)"
    )
    fig.update_layout(**_LAYOUT, height=860, title=title)
    fig.update_layout(legend=_BELOW, margin={"t": 70, "b": 40})
    return fig


def _draw_series(fig: go.Figure, run: Run, col: int, show_legend: bool) -> None:
    ts = run.timeseries or {}
    comps = run.components or {}
    minutes = [v / 60.0 for v in ts["t"]]
    for key, label, c in QUEUE_SERIES:
        if key in ts:
            x, y = envelope(minutes, ts[key])
            fig.add_trace(_line(x, y, label, c, "queued", show_legend), row=1, col=col)
    for key, label, c, comp in UTILISATION_SERIES:
        cap = (comps.get(comp) or {}).get("capacity") or (comps.get(comp) or {}).get("count")
        if key in ts and cap:
            x, y = envelope(minutes, [v / float(cap) for v in ts[key]])
            fig.add_trace(
                _line(x, y, f"{label} (of {cap:,})", c, "busy", show_legend, True), row=2, col=col
            )
    for key, label, c in BACKLOG_SERIES:
        if key in ts:
            x, y = envelope(minutes, ts[key])
            fig.add_trace(_line(x, y, label, c, "backlog", show_legend), row=3, col=col)


def _line(
    x: list[float], y: list[float], label: str, col: str, group: str, legend: bool,
    pct: bool = False,
) -> go.Scatter:  # fmt: skip
    fmt = "%{y:.1%}" if pct else "%{y:,.0f}"
    return go.Scatter(
        x=x, y=y, mode="lines", name=label, legendgroup=group, legendgrouptitle_text=group,
        line={"color": COMPONENT_COLOURS[col], "width": 1.5}, showlegend=legend,
        hovertemplate=f"{label}<br>+%{{x:.1f}} min: {fmt}<extra></extra>",
    )  # fmt: skip
