"""The HTML report of a sweep: each figure against each varied knob, with its 95% band.

Input: the ``--json`` of ``stacktwin sweep`` (``kind: sweep``) or its ``-o`` Parquet file (one
row per run; the knobs and ``vif_plugging_timeout`` ride in the file's schema metadata, and the
per-point intervals are recomputed from the rows).  One panel per figure and knob: the mean per
value of the knob, one line per combination of the other knobs, the 95% t-interval as a band,
and nova's ``vif_plugging_timeout`` as a dashed line on the vif-wait and boot panels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from stacktwin.output import read_document
from stacktwin.render.figures import _LAYOUT, colour, plot_text
from stacktwin.render.html import _document, _Page, esc
from stacktwin.twin.batch.stats import interval

#: Figures drawn, in panel order, with their axis titles.
SWEEP_FIGURES = (
    ("error", "failed boots"),
    ("timeouts", "vif-plugging timeouts"),
    ("vif_wait.p50", "vif wait p50 (s)"),
    ("vif_wait.p99", "vif wait p99 (s)"),
    ("boot.p99", "boot p99 (s)"),
    ("neutron_rpc.utilisation", "neutron RPC utilisation"),
    ("neutron_api.utilisation", "neutron API utilisation"),
)
#: Panels on which the vif_plugging_timeout line applies (seconds of a boot's wait).
_TIMEOUT_PANELS = ("vif_wait.", "boot.")
PARQUET_META_KEY = b"stacktwin.sweep"


class SweepInputError(Exception):
    """A sweep file that cannot be read; the message names it."""


def sweep_metadata(doc: Mapping[str, Any]) -> dict[bytes, bytes]:
    """What the Parquet file carries besides its rows."""
    meta = {k: doc[k] for k in ("kind", "scenario", "knobs", "seeds", "vif_plugging_timeout")}
    return {PARQUET_META_KEY: json.dumps(meta).encode()}


def _from_rows(meta: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    knobs = list(meta["knobs"])
    points: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        points.setdefault(int(row["point"]), []).append(row)
    figures = [f for f, _ in SWEEP_FIGURES]
    summaries = [
        {"point": i, "settings": {k: rs[0][k] for k in knobs},
         "aggregate": {f: interval(r.get(f) for r in rs) for f in figures}}
        for i, rs in sorted(points.items())
    ]  # fmt: skip
    return {**meta, "rows": rows, "points": summaries}


def load_sweep(path: str) -> dict[str, Any] | None:
    """The sweep document in ``path``, or ``None`` if ``path`` is not a sweep file."""
    p = Path(path)
    if not p.is_file() or p.suffix not in (".json", ".parquet"):
        return None
    try:
        if p.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(p)
            raw = (table.schema.metadata or {}).get(PARQUET_META_KEY)
            if raw is None:
                return None
            return _from_rows(json.loads(raw), table.to_pylist())
        return read_document(p, "sweep")
    except (OSError, ValueError) as exc:
        raise SweepInputError(f"{path}: cannot read the sweep: {exc}") from None


def _band(fig: go.Figure, xs: list[Any], ivs: list[Mapping[str, Any]], row: int, col: str,
          name: str, show: bool) -> None:  # fmt: skip
    pts = [(x, iv) for x, iv in zip(xs, ivs, strict=True) if iv.get("mean") is not None]
    if not pts:
        return
    x = [p[0] for p in pts]
    with_ci = [p for p in pts if p[1].get("ci95_low") is not None]
    if with_ci:
        fig.add_trace(go.Scatter(
            x=[p[0] for p in with_ci] + [p[0] for p in reversed(with_ci)],
            y=[p[1]["ci95_high"] for p in with_ci] + [p[1]["ci95_low"] for p in reversed(with_ci)],
            fill="toself", fillcolor=col, opacity=0.18, line={"width": 0}, hoverinfo="skip",
            showlegend=False, legendgroup=name,
        ), row=row, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(
        x=x, y=[p[1]["mean"] for p in pts], mode="lines+markers", name=plot_text(name),
        line={"color": col}, legendgroup=name, showlegend=show,
    ), row=row, col=1)  # fmt: skip


def knob_figure(doc: Mapping[str, Any], knob: str) -> go.Figure:
    """Every figure of :data:`SWEEP_FIGURES` against ``knob`` (one line per other-knob combo)."""
    others = [k for k in doc["knobs"] if k != knob]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for p in doc["points"]:
        label = ", ".join(f"{k.split('.')[-1]}={p['settings'][k]}" for k in others) or "mean"
        groups.setdefault(label, []).append(p)
    titles = [words for _, words in SWEEP_FIGURES]
    fig = make_subplots(rows=len(SWEEP_FIGURES), cols=1, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=0.03)  # fmt: skip
    numeric = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in doc["knobs"][knob]
    )
    timeout = doc.get("vif_plugging_timeout")
    for row, (figure, _) in enumerate(SWEEP_FIGURES, 1):
        for gi, (label, pts) in enumerate(groups.items()):
            pts = sorted(pts, key=lambda p: doc["knobs"][knob].index(p["settings"][knob]))
            xs = [p["settings"][knob] if numeric else str(p["settings"][knob]) for p in pts]
            _band(fig, xs, [p["aggregate"][figure] for p in pts], row, colour(gi), label, row == 1)
        if timeout and figure.startswith(_TIMEOUT_PANELS):
            fig.add_hline(y=timeout, line_dash="dash", line_color="#b00020", row=row, col=1,
                          annotation_text=f"vif_plugging_timeout {timeout} s")  # fmt: skip
    if numeric:
        fig.update_xaxes(type="log" if min(doc["knobs"][knob]) > 0 else "linear")
    fig.update_xaxes(title_text=plot_text(knob), row=len(SWEEP_FIGURES), col=1)
    fig.update_layout(**_LAYOUT, height=230 * len(SWEEP_FIGURES),
                      title=plot_text(f"{doc['scenario']}: figures against {knob}"))  # fmt: skip
    return fig


def build_sweep_report(doc: Mapping[str, Any], source: str) -> str:
    """The whole sweep report as one self-contained HTML document."""
    page = _Page([], [])
    heading = f"stacktwin sweep: {doc['scenario']}"
    page.parts.append(f"<h1>{esc(heading)}</h1>")
    seeds = doc.get("seeds") or []
    knobs = "".join(f"<li><code>{esc(k)}</code>: {esc(', '.join(map(str, v)))}</li>"
                    for k, v in doc["knobs"].items())  # fmt: skip
    page.parts.append(
        f"<p>From <code>{esc(source)}</code>: {len(doc['points'])} points × {len(seeds)} seeds "
        f"({len(doc['rows'])} runs). Lines: the mean across seeds; bands: the 95% t-interval of "
        f"the mean; dashed: nova's <code>vif_plugging_timeout</code>.</p><ul>{knobs}</ul>"
    )
    for knob in doc["knobs"]:
        page.parts.append(f"<h2>Against {esc(knob)}</h2>")
        page.figure(knob_figure(doc, knob), esc(f"Each figure against {knob}"))
    return _document(heading, page)


def sweep_sources(inputs: Sequence[str]) -> list[dict[str, Any]]:
    """The sweep documents among ``inputs`` (all or none: mixing is refused by the caller)."""
    return [d for d in (load_sweep(i) for i in inputs) if d is not None]
