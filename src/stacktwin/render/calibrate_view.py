"""A calibration (``fit.json``, ``kind: calibrate``) as rows and as an HTML page.

The page leads with the error on the held-out boots (the part the twin was not fitted on),
then the same table for the fitted boots, then every parameter: its value, where it came from
(fitted from N boots of hop X, or the default and why) and its 95% interval.  The rows are the
one source of both the page and ``stacktwin calibration -f …``; every number cell of the page
carries the JSON value it shows in ``data-value`` (exact, for tests and scripts), its text
rounded to milliseconds (``LATENCY_DECIMALS``) or to 0.1% for errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stacktwin.boots import LATENCY_DECIMALS
from stacktwin.output import read_document
from stacktwin.render.html import _document, _Page
from stacktwin.render.text import esc

Doc = Mapping[str, Any]

#: Columns of :func:`hop_rows`, in order.
HOP_COLUMNS = (
    "part", "hop", "traced_count", "traced_p50", "simulated_p50", "error_p50", "traced_p90",
    "simulated_p90", "error_p90", "traced_p99", "simulated_p99", "ks", "note",
)  # fmt: skip
#: Columns of :func:`parameter_rows`, in order.
PARAMETER_COLUMNS = (
    "cost", "status", "value", "default", "interval_low", "interval_high", "hop", "boots",
    "provenance",
)  # fmt: skip


class FitInputError(Exception):
    """A fit.json that cannot be read; the message names it."""


def load_fit(path: str) -> dict[str, Any] | None:
    """The calibration document in ``path``, or ``None`` if ``path`` is not one."""
    p = Path(path)
    if not p.is_file() or p.suffix != ".json":
        return None
    try:
        return read_document(p, "calibrate")
    except (OSError, ValueError) as exc:
        raise FitInputError(f"{path}: cannot read the calibration: {exc}") from None


def _parts(doc: Doc) -> list[tuple[str, Mapping[str, Any]]]:
    """(part, per-hop comparison): the held-out boots first, when there are any."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    if doc.get("validation"):
        out.append(("held-out", doc["validation"]["hops"]))
    out.append(("fit", doc["fit"]["hops"]))
    return out


def hop_rows(doc: Doc) -> list[dict[str, Any]]:
    """Per part (held-out first) and hop: traced vs simulated p50/p90/p99, errors, KS."""
    rows = []
    for part, hops in _parts(doc):
        for hop, row in hops.items():
            t, s = row["traced"], row["simulated"]
            values = {
                "part": part, "hop": hop, "traced_count": t["count"],
                "traced_p50": t["p50"], "simulated_p50": s["p50"], "error_p50": row["error_p50"],
                "traced_p90": t["p90"], "simulated_p90": s["p90"], "error_p90": row["error_p90"],
                "traced_p99": t["p99"], "simulated_p99": s["p99"], "ks": row["ks"],
                "note": row.get("note", ""),
            }  # fmt: skip
            rows.append({c: values[c] for c in HOP_COLUMNS})
    return rows


def parameter_rows(doc: Doc) -> list[dict[str, Any]]:
    """Per parameter: fitted value (or the default), its interval, and where it came from."""
    rows = []
    for rec in doc["parameters"]:
        fitted = rec["status"] == "fitted"
        band = rec.get("interval_95") or [None, None]
        why = rec.get("provenance") if fitted else f"fell back to the default: {rec['reason']}"
        if fitted and rec.get("identified") not in (None, "yes"):
            why = f"{why}; identified: {rec['identified']}"
        rows.append(
            {
                "cost": rec["cost"],
                "status": rec["status"],
                "value": rec["value"] if fitted else rec["default"],
                "default": rec["default"],
                "interval_low": band[0],
                "interval_high": band[1],
                "hop": rec.get("hop"),
                "boots": rec.get("boots"),
                "provenance": why,
            }
        )
    return rows


def lead(doc: Doc) -> str:
    """The sentence the report opens with: the held-out error, or why there is none."""
    if doc.get("validation"):
        v = doc["validation"]
        return f"On {v['boots']} held-out boots the calibrated twin {v['headline']}."
    return (
        f"No held-out boots (calibrate without --holdout or --split): on the "
        f"{doc['boots']} fitted boots the twin {doc['fit']['headline']}."
    )


def _num(value: Any, kind: str) -> str:
    if value is None:
        return '<td class="num">–</td>'
    if kind == "error":
        shown = f"{value * 100:+.1f}%"
    elif kind == "int":
        shown = f"{value:,}"
    elif kind == "ks":
        shown = f"{value:.3f}"
    else:
        shown = f"{value:.{LATENCY_DECIMALS}f}"
    return f'<td class="num" data-value="{json.dumps(value)}">{shown}</td>'


_HOP_KINDS = {"traced_count": "int", "error_p50": "error", "error_p90": "error", "ks": "ks"}
_PARAM_KINDS = {"boots": "int"}


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], kinds: Mapping[str, str],
           text_columns: Sequence[str], css: str) -> str:  # fmt: skip
    head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = [
            f"<td>{esc(str(row[c] or ''))}</td>"
            if c in text_columns
            else _num(row[c], kinds.get(c, "seconds"))
            for c in columns
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def build_fit_report(doc: Doc, source: str) -> str:
    """The whole calibration report as one self-contained HTML document."""
    page = _Page([], [])
    heading = f"stacktwin calibrate: {doc['source']}"
    page.parts.append(f"<h1>{esc(heading)}</h1>")
    page.parts.append(f'<p id="lead"><strong>{esc(lead(doc))}</strong></p>')
    page.parts.append(
        f"<p>From <code>{esc(source)}</code>: fitted on {doc['boots']} traced boots "
        f"({len(doc['hosts'])} hosts) by {esc(doc['method'])}, {doc['replications']} "
        f"replications per evaluation, {doc['runs']:,} twin runs in {doc['wall_seconds']:.1f} s. "
        "Errors are simulated − traced over traced; KS is the two-sample Kolmogorov–Smirnov "
        "distance between the traced and the simulated latencies.</p>"
    )
    rows = hop_rows(doc)
    for part, _ in _parts(doc):
        title = "Held-out boots (not fitted on)" if part == "held-out" else "Fitted boots"
        page.parts.append(f"<h2>{title}: traced vs simulated per hop (s)</h2>")
        mine = [r for r in rows if r["part"] == part]
        cols = [c for c in HOP_COLUMNS if c != "part"]
        page.parts.append(_table(mine, cols, _HOP_KINDS, ("hop", "note"), f"hops {part}"))
    page.parts.append("<h2>Parameters: value, provenance, fallbacks</h2>")
    page.parts.append(
        f"<p>{esc(doc['uncertainty'])}.</p>"
        + _table(
            parameter_rows(doc),
            PARAMETER_COLUMNS,
            _PARAM_KINDS,
            ("cost", "status", "hop", "provenance"),
            "parameters",
        )
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in doc.get("notes", []))
    if notes:
        page.parts.append(
            f"<h2>Workload: what the trace gave and what it did not</h2><ul>{notes}</ul>"
        )
    return _document(heading, page)
