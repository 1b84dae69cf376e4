"""``stacktwin report``: one self-contained HTML file (plotly.js embedded, no network needed).

Sections, in order:

0. the tool's version and when the report was made; the verdict (:mod:`stacktwin.render.verdict`):
   each input against its objectives, the boots lost, where their chains stopped and why, and,
   for two inputs, what differs and what that changed (or, traced beside simulated, the fit);
1. the inputs with their seeds and settings, and every figure side by side, folded by group: the
   same rows as ``stacktwin compare`` (:mod:`stacktwin.render.compare`);
2. hop-latency distributions, observed and simulated curves in the same panel;
3. each boot's vif wait over time with the ``vif_plugging_timeout`` line;
4. per simulated input, queue lengths and utilisation over time (API, RPC, DB pools, agent loops);
5. per input, a waterfall of the slowest boots (and those asked for by instance);
6. per input, where failed chains stopped, the failed boots by reason and by host, and for
   traced boots the file:line each milestone came from.

Safety: every string from logs, scenarios or file names is HTML-escaped in tables
(:func:`html.escape`), entity-escaped in plot labels (:func:`~stacktwin.render.figures.plot_text`),
and the figures' JSON is embedded in a ``<script type="application/json">`` block with ``<``,
``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX`` (:func:`script_json`), so no input can end
the block or open a tag; an untrusted string is shown up to a few KB (:mod:`stacktwin.render.text`;
the JSON keeps it whole).  Given the time it was made (``made``), the output is deterministic.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from stacktwin.boots import MILESTONE_ORDER, Boot
from stacktwin.objectives import ObjectiveError
from stacktwin.render import figures, timeline
from stacktwin.render.report_tables import failures, inputs_table, summary_table
from stacktwin.render.runs import DEFAULT_VIF_PLUGGING_TIMEOUT, Run
from stacktwin.render.text import esc, text
from stacktwin.render.verdict import build_verdict
from stacktwin.render.verdict_html import verdict_section
from stacktwin.version import __version__

__all__ = ["ReportError", "build_report", "esc", "script_json"]

#: Problems listed per traced input.
MAX_NOTES = 50


class ReportError(Exception):
    """A report that cannot be built as asked (e.g. an --instance found in no input)."""


_SCRIPT_ESCAPES = {
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
}  # fmt: skip


def script_json(text: str) -> str:
    """JSON text made safe inside ``<script>``: no ``</script>``, ``<!--``, or line separators.

    ``<``, ``>`` and ``&`` can only occur inside JSON strings, where ``\\u003c`` & co. mean the
    same characters, so the parsed value is unchanged.
    """
    for raw, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def timeout_of(runs: Sequence[Run]) -> tuple[float, str]:
    """The vif_plugging_timeout to mark: a simulated input's, else nova's default."""
    for run in runs:
        value = run.vif_plugging_timeout
        if value is not None:
            return value, f"from {run.label}"
    return DEFAULT_VIF_PLUGGING_TIMEOUT, "nova's default (the traced logs do not say)"


def select_boots(run: Run, slowest: int, instances: Sequence[str]) -> list[Boot]:
    """The ``slowest`` boots of a run by first-to-last milestone, then any chosen instance."""
    ranked = sorted(run.boots, key=lambda b: (-figures.boot_span(b), b.instance))
    chosen = ranked[:slowest]
    seen = {id(b) for b in chosen}
    for b in run.boots:
        if b.instance in instances and id(b) not in seen:
            chosen.append(b)
            seen.add(id(b))
    return chosen


@dataclass
class _Page:
    """HTML parts and figures being assembled."""

    parts: list[str]
    figs: list[tuple[str, go.Figure]]

    def figure(self, fig: go.Figure, caption: str) -> None:
        fid = f"plot-{len(self.figs) + 1}"
        self.figs.append((fid, fig))
        self.parts.append(
            f'<figure><div id="{fid}" class="plot"></div><figcaption>{caption}</figcaption>'
            "</figure>"
        )


def build_report(
    runs: Sequence[Run],
    slowest: int = 20,
    instances: Sequence[str] = (),
    title: str | None = None,
    objectives: Sequence[str] = (),
    made: datetime | None = None,
) -> str:
    """The whole report as one HTML document (see the module docstring).

    ``objectives``: ``FIGURE OP NUMBER`` as ``recommend`` takes them (default: no vif-plugging
    timeout and vif wait p99 below half of each input's ``vif_plugging_timeout``); ``made``: the
    time stated on the report (default: now).
    """
    missing = [i for i in instances if not any(b.instance == i for r in runs for b in r.boots)]
    if missing:
        raise ReportError(f"instance {text(missing[0], 300)} is in none of the inputs")
    try:
        vd = build_verdict(runs, objectives)
    except ObjectiveError as exc:
        raise ReportError(str(exc)) from None
    timeout, timeout_from = timeout_of(runs)
    page = _Page([], [])
    heading = title or "stacktwin report: " + " vs ".join(r.label for r in runs)
    when = (made or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page.parts.append(f"<h1>{text(heading, 1000)}</h1>")
    page.parts.append(
        f'<p class="made">stacktwin {esc(__version__)} · made {esc(when)} · '
        f"{len(runs)} input{'s' if len(runs) != 1 else ''}</p>"
    )
    note = (
        "no vif-plugging timeout (timeouts == 0), and the vif wait's p99 below half of each "
        "input's vif_plugging_timeout"
    )
    page.parts.append(verdict_section(vd, [r.label for r in runs], note))
    page.parts.append("<h2>Inputs</h2>")
    page.parts.append(inputs_table(runs))
    page.parts.append(summary_table(runs))
    page.parts.append("<h2>Hop latencies</h2>")
    page.figure(
        figures.hop_distributions(runs, timeout),
        f"Each curve: the share of an input's boots whose hop took at most x seconds. The "
        f"dashed line is vif_plugging_timeout = {timeout:g} s ({esc(timeout_from)}).",
    )
    page.figure(
        timeline.vif_wait_over_time(runs, timeout),
        "A boot above the dashed line fails (vif_plugging_is_fatal) or boots without network. "
        "Traced inputs are in wall-clock time (UTC); simulated ones in minutes of simulated time.",
    )
    _control_plane(page, runs)
    for run in runs:
        _boots_section(page, run, slowest, instances)
    return _document(heading, page)


_QUEUES_CAPTION = (
    "Queues and busy fractions sampled during the simulation (each plotted point is the min "
    "or max of its time bucket, so no peak is lost)."
)


def _control_plane(page: _Page, runs: Sequence[Run]) -> None:
    """Queues over time: two simulated inputs side by side on shared axes, else one each."""
    simulated = [r for r in runs if r.timeseries and r.timeseries.get("t")]
    if len(simulated) == 2:
        both = timeline.queues_side_by_side(simulated, [r.vif_plugging_timeout for r in simulated])
        if both is not None:
            page.parts.append("<h2>Control plane over time, side by side</h2>")
            page.figure(both, _QUEUES_CAPTION + " Both columns share their axes: the same "
                        "height is the same load.")  # fmt: skip
        return
    for run in simulated:
        queues = timeline.queues_over_time(run, run.vif_plugging_timeout)
        if queues is not None:
            page.parts.append(f"<h2>Control plane over time: {text(run.label, 300)}</h2>")
            page.figure(queues, _QUEUES_CAPTION)


def _boots_section(page: _Page, run: Run, slowest: int, instances: Sequence[str]) -> None:
    """One input's waterfall, failed boots and (traced) milestone sources."""
    page.parts.append(f"<h2>Boots of {text(run.label, 300)}</h2>")
    chosen = select_boots(run, slowest, instances)
    if chosen:
        page.figure(
            figures.waterfall(run, chosen),
            f"The {min(slowest, len(run.boots))} slowest boots"
            + (" and the chosen instances" if instances else "")
            + "; hover a segment for its seconds and the log line it came from.",
        )
    elif run.replications:
        page.parts.append(
            f"<p>This input holds per-seed summaries only ({len(run.replications)} seeds; "
            "simulate --replications --json saves no boots): no boot to draw.</p>"
        )
    page.parts.append(failures(run))
    if run.kind == "trace":
        page.parts.append(_sources(run, chosen))
        page.parts.append(_notes(run))


def sources_base(boots: Sequence[Boot]) -> str:
    """The folder all the boots' milestone sources (``file:line``) share, or "" when none."""
    files = {src.rsplit(":", 1)[0] for b in boots for src in b.sources.values()}
    if len(files) < 2 or not all(f.startswith("/") for f in files):
        return ""
    common = os.path.commonpath(sorted(files))
    return "" if common == "/" else common


def _relative(source: str, base: str) -> str:
    return source[len(base) + 1 :] if base and source.startswith(base + "/") else source


def _sources(run: Run, boots: Sequence[Boot]) -> str:
    """For traced boots: each milestone's time offset and the file:line it was read from.

    One collapsible block per boot, open for the boots that failed or stopped.
    """
    parts = [f"<h3>Where each milestone came from ({text(run.label, 300)})</h3>"]
    base = sources_base(boots)
    if base:
        parts.append(f'<p class="base">files under {text(base, 500)}/</p>')
    for b in boots:
        t0 = min(b.milestones.values()) if b.milestones else 0.0
        rows = "".join(
            f"<tr><td>{m.value}</td>"
            + (
                f'<td class="num">+{b.milestones[m.value] - t0:.3f}</td>'
                f"<td>{text(_relative(b.sources.get(m.value, '-'), base), 500)}</td>"
                if m.value in b.milestones
                else '<td class="num">not seen</td><td></td>'
            )
            + "</tr>"
            for m in MILESTONE_ORDER
        )
        failed = b.outcome.value == "error" or b.chain_stop() is not None
        parts.append(
            f'<details class="boot"{" open" if failed else ""}>'
            f"<summary>{text(b.instance, 300)} · {text(b.host or '?', 300)} · "
            f"{esc(b.outcome.value)}{text(' (' + b.reason + ')' if b.reason else '')}</summary>"
            '<table class="sources"><thead><tr><th>milestone</th><th>+s</th><th>file:line</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></details>"
        )
    return "".join(parts)


def _notes(run: Run) -> str:
    if not run.notes:
        return ""
    items = "".join(f"<li>{text(n)}</li>" for n in run.notes[:MAX_NOTES])
    more = len(run.notes) - MAX_NOTES
    tail = f"<li>… and {more:,} more</li>" if more > 0 else ""
    return f"<h3>Skipped or problematic input ({len(run.notes):,})</h3><ul>{items}{tail}</ul>"


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1400px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;overflow-wrap:anywhere}h2{margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;overflow-wrap:anywhere}p,li,td{overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:normal;white-space:nowrap}
.scroll{max-width:100%;overflow-x:auto}.unit,.made,.ci{color:#666;font-size:.85em}
.worse{color:#b00020}.better{color:#1b7f3b}
figure{margin:0 0 1.5rem}figcaption{color:#555;font-size:.85rem}.plot{width:100%}
details.boot{margin:.2rem 0}details.boot summary{cursor:pointer;font-family:monospace}
details.group>summary{cursor:pointer;font-weight:600;text-transform:uppercase;font-size:.8rem;
 letter-spacing:.05em;background:#f4f6f8;padding:.3rem .6rem;margin-top:.3rem}
table.summary{width:100%}pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem}
#verdict{border:1px solid #ddd;border-radius:6px;padding:.5rem 1.2rem 1rem;background:#fcfcfd}
.input-verdict{border-left:6px solid #999;padding:.1rem 0 .3rem 1rem;margin:1rem 0}
.input-verdict.fail{border-color:#b00020}.input-verdict.pass{border-color:#1b7f3b}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 .5rem;font-size:.9rem}
.badge.fail{background:#b00020}.badge.pass{background:#1b7f3b}
.bigs{display:flex;flex-wrap:wrap;gap:1.5rem;margin:.5rem 0}
.big{display:flex;flex-direction:column}.big strong{font-size:1.6rem;font-weight:600}
.big strong .ci{font-size:.8rem;font-weight:400}.big>span{color:#555;font-size:.85rem}
li.unmet{color:#b00020}li.met{color:#1b7f3b}li.cause{margin:.3rem 0}
.side{display:flex;flex-wrap:wrap;gap:2rem}
"""

_BOOT_JS = """
(function () {
  var figs = JSON.parse(document.getElementById("stacktwin-figures").textContent);
  var t0 = performance.now();
  var done = figs.map(function (f) {
    return Plotly.newPlot(f.id, f.figure.data, f.figure.layout,
                          {responsive: true, displaylogo: false});
  });
  window.stacktwinRendered = Promise.all(done).then(function () {
    document.body.setAttribute("data-plots-rendered", String(figs.length));
    document.body.setAttribute("data-render-ms", String(Math.round(performance.now() - t0)));
    return figs.length;
  });
})();
"""


def _document(heading: str, page: _Page) -> str:
    figs = ",".join(
        f'{{"id":"{fid}","figure":{pio.to_json(fig, validate=False, engine="json")}}}'
        for fid, fig in page.figs
    )
    plotly_js = get_plotlyjs()
    if "</script" in plotly_js.lower():  # never true for released plotly.js; keep it so
        plotly_js = plotly_js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(heading, 300)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{plotly_js}</script></head>\n<body>\n'
        + "\n".join(page.parts)
        + f'\n<script type="application/json" id="stacktwin-figures">[{script_json(figs)}]'
        f"</script>\n<script>{_BOOT_JS}</script>\n</body></html>\n"
    )
