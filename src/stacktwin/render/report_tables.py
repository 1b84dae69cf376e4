"""The report's tables: the inputs (with their settings and seeds), the comparison folded by
group, and each input's failed boots grouped by reason and by host.

The comparison rows are :func:`stacktwin.render.compare.comparison_rows`, the numbers of
``stacktwin compare``.  A traced input beside a simulated one is a fit, not a before/after: its
differences are not coloured better or worse (the verdict's fit table measures it).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from stacktwin.boots import Boot
from stacktwin.render.compare import STOP_MEANING, comparison_rows, fmt, fmt_difference, verdict
from stacktwin.render.runs import Run
from stacktwin.render.text import esc, text
from stacktwin.twin.batch.knobs import config_line

#: Boots listed per input in the failed-boots table.
MAX_FAILED_ROWS = 50
#: Hosts listed per input in the failed-boots-by-host table.
MAX_HOSTS = 15
#: Units shown in the comparison table's headers, by row unit.
_UNIT_WORDS = {"s": "s", "%": "%", "": "count"}
#: Groups of the comparison open at first.
_OPEN_GROUPS = ("boots",)


def _settings_lines(settings: Mapping[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in settings.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            lines += _settings_lines(value, path + ".")
        elif path == "model.flow_deletion" or (
            path.split(".")[0] in ("nova", "neutron") and value is not None
        ):
            lines.append(config_line(path, value))
        elif path.split(".")[0] in ("cloud", "workload", "model", "release", "duration"):
            shown = json.dumps(value) if isinstance(value, list | dict) else value
            lines.append(f"scenario {path}: {shown}")
    return lines


def _seeds(run: Run) -> str:
    if not run.seeds:
        return "-" if run.kind == "simulate" else "(traced)"
    return ", ".join(str(s) for s in run.seeds)


def inputs_table(runs: Sequence[Run]) -> str:
    """Each input: what it is, where it came from, its boots, seeds and settings."""
    rows = []
    for r in runs:
        if r.settings:
            lines = _settings_lines(r.settings)
            settings = (
                f"<details><summary>{len(lines):,} settings</summary><pre>"
                f"{text(chr(10).join(lines), 20_000)}</pre></details>"
            )
        else:
            settings = "as in its logs (not read)" if r.kind == "trace" else "not saved"
        rows.append(
            f"<tr><td>{text(r.label, 300)}</td><td>{esc(r.kind)}</td><td>{text(r.source, 500)}</td>"
            f'<td class="num">{r.summary["boots"]:,}</td><td>{esc(_seeds(r))}</td>'
            f"<td>{settings}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="inputs"><thead><tr><th>input</th><th>kind</th>'
        "<th>from</th><th>boots</th><th>seed(s)</th><th>settings</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def summary_table(runs: Sequence[Run]) -> str:
    """The comparison rows, one folding block per group (``<details>``), units on every row."""
    two = len(runs) == 2
    fit = two and {r.kind for r in runs} == {"trace", "simulate"}
    head = "".join(f"<th>{text(r.label, 300)}</th>" for r in runs)
    if two:
        head += "<th>simulated − traced</th>" if fit else "<th>second − first</th>"
    groups: dict[str, list[str]] = {}
    for row in comparison_rows(runs):
        cells = "".join(
            f'<td class="num" data-value="{esc(json.dumps(v))}">{esc(fmt(v, row.unit))}</td>'
            for v in row.values
        )
        if two:
            mark = "" if fit else verdict(row)
            cells += f'<td class="num diff {mark}">{esc(fmt_difference(row))}</td>'
        unit = _UNIT_WORDS.get(row.unit, row.unit)
        groups.setdefault(row.section, []).append(
            f'<tr data-metric="{text(row.metric, 500)}"><td>{text(row.metric, 500)}'
            f' <span class="unit">({unit})</span></td>{cells}</tr>'
        )
    blocks = "".join(
        f'<details class="group"{" open" if section in _OPEN_GROUPS else ""}>'
        f"<summary>{esc(section)} ({len(rows):,} rows)</summary>"
        f'<div class="scroll"><table class="summary"><thead><tr><th>measure</th>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div></details>"
        for section, rows in groups.items()
    )
    title = "All figures, side by side" if two else "All figures"
    return f'<h2>{title}</h2><div id="summary">{blocks}</div>'


def _counts_table(css: str, what: str, counts: Counter[str], limit: int) -> str:
    rows = "".join(
        f'<tr><td>{text(k, 300)}</td><td class="num">{n:,}</td></tr>'
        for k, n in counts.most_common(limit)
    )
    more = len(counts) - limit
    tail = f"<p>… and {more:,} more.</p>" if more > 0 else ""
    return (
        f'<table class="{css}"><thead><tr><th>{what}</th><th>failed boots</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{tail}"
    )


def failures(run: Run) -> str:
    """Where failed chains stopped, the failed boots by reason and by host, and the first few."""
    stops = run.summary.get("stopped_at") or {}
    parts = [f"<h3>Where failed chains stopped ({text(run.label, 300)})</h3>"]
    if not stops:
        parts.append("<p>No chain stopped: every boot that waited got its event.</p>")
    else:
        rows = "".join(
            f"<tr><td>{esc(k)}</td><td>{esc(STOP_MEANING.get(k, ''))}</td>"
            f'<td class="num">{n:,}</td></tr>'
            for k, n in stops.items()
        )
        parts.append(
            '<table class="stops"><thead><tr><th>stopped at</th><th>meaning</th><th>boots</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    failed = [b for b in run.boots if b.outcome.value == "error" or b.chain_stop() is not None]
    if failed:
        reasons = Counter(b.reason or f"({b.outcome.value}, no reason)" for b in failed)
        hosts = Counter(b.host or "?" for b in failed)
        parts.append(
            '<div class="side">'
            + _counts_table("by-reason", "reason", reasons, MAX_HOSTS)
            + _counts_table("by-host", f"host ({len(hosts):,})", hosts, MAX_HOSTS)
            + "</div>"
        )
        rows = "".join(_failed_row(b) for b in failed[:MAX_FAILED_ROWS])
        more = len(failed) - MAX_FAILED_ROWS
        parts.append(
            '<div class="scroll"><table class="failed"><thead><tr><th>instance</th><th>host</th>'
            "<th>outcome</th><th>reason</th><th>stopped at</th><th>last milestone</th>"
            f"<th>from</th></tr></thead><tbody>{rows}</tbody></table></div>"
            + (f"<p>… and {more:,} more failed boots.</p>" if more > 0 else "")
        )
    return "".join(parts)


def _failed_row(b: Boot) -> str:
    last = max(b.milestones.items(), key=lambda kv: kv[1])[0] if b.milestones else "-"
    return (
        f"<tr><td>{text(b.instance, 300)}</td><td>{text(b.host or '-', 300)}</td>"
        f"<td>{esc(b.outcome.value)}</td><td>{text(b.reason or '-')}</td>"
        f"<td>{esc(b.chain_stop() or '-')}</td><td>{esc(last)}</td>"
        f"<td>{text(b.sources.get(last, '-'), 500)}</td></tr>"
    )
