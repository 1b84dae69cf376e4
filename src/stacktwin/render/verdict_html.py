"""The verdict as the report's first section, ``<section id="verdict">``.

Rendered from a :class:`~stacktwin.render.verdict.Verdict` only: every number on it is a
``<span class="v" data-key="…" data-value="…">`` whose key is its path in
:meth:`Verdict.to_dict` (what ``stacktwin compare --json`` writes under ``verdict``) and whose
value is the unrounded number, so a test can check the page against the JSON.  Untrusted text
(labels, reasons, host names) is capped (:func:`stacktwin.render.text.cap`) and escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from stacktwin.render.text import esc, text
from stacktwin.render.verdict import Cause, Change, InputVerdict, Measure, Verdict, unit_of

#: Evidence items shown per cause.
MAX_EVIDENCE = 4

_WORDS = {
    "error": "boots failed", "timeouts": "vif-plugging timeouts", "error_rate": "error rate",
    "vif_wait.p50": "vif wait p50", "vif_wait.p99": "vif wait p99", "boot.p99": "boot p99",
    "agent_longest_iteration": "OVS agents' longest loop",
    "neutron_rpc.utilisation": "neutron RPC utilisation",
    "neutron_rpc.peak_queue": "neutron RPC peak queue",
    "neutron_db_pools.peak_queue": "neutron DB pools' peak queue",
    "nova_api.peak_queue": "nova-api peak queue", "db_pool_timeouts": "DB pool timeouts",
    "agent_rpc_timeouts": "OVS agent RPC timeouts",
}  # fmt: skip


def words(figure: str) -> str:
    """A figure's name in words."""
    return _WORDS.get(figure, figure)


def number(value: float | None, unit: str = "", signed: bool = False) -> str:
    """A number for reading: seconds to 3 significant places, fractions in %, counts with commas."""
    if value is None:
        return "not measured"
    sign = "+" if signed and value > 0 else ""
    if unit == "%":
        return f"{sign}{value * 100:.1f}{' pt' if signed else '%'}"
    if unit == "s":
        a = abs(value)
        body = f"{value:,.0f}" if a >= 100 else f"{value:.1f}" if a >= 10 else f"{value:.2f}"
        return f"{sign}{body} s"
    if float(value).is_integer() or abs(value) >= 100:
        body = f"{value:,.0f}"
    else:
        body = f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # 1 host, 1 boot
    return f"{sign}{body}{' ' + unit if unit else ''}"


def v(key: str, value: float | None, unit: str = "", signed: bool = False) -> str:
    """One number, tagged with its JSON path and unrounded value."""
    return (
        f'<span class="v" data-key="{esc(key)}" data-value="{esc(json.dumps(value))}">'
        f"{esc(number(value, unit, signed))}</span>"
    )


def measured(key: str, m: Measure, unit: str, signed: bool = False) -> str:
    """A measure: its value, and its 95% interval over seeds when it has one."""
    out = v(f"{key}.value", m.value, unit, signed)
    if m.low is not None and m.low == m.high == m.value:
        return out + f' <span class="ci">(every one of {m.n} seeds)</span>'
    if m.low is not None and m.high is not None:
        out += (
            f' <span class="ci">[{v(f"{key}.low", m.low, unit, signed)}, '
            f"{v(f'{key}.high', m.high, unit, signed)}], {m.n} seeds</span>"
        )
    return out


def _seeds(seeds: Sequence[int]) -> str:
    if not seeds:
        return ""
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    return f"{len(seeds)} seeds, {seeds[0]}–{seeds[-1]}"


def _input(i: int, iv: InputVerdict) -> str:
    k = f"inputs.{i}"
    status = "pass" if iv.passed else "fail"
    bigs = "".join(
        f'<div class="big"><strong>{measured(f"{k}.headline.{f}", m, unit_of(f))}</strong>'
        f"<span>{esc(words(f))}</span></div>"
        for f, m in iv.headline.items()
    )
    checks = "".join(
        f'<li class="{"met" if c.met else "unmet"}"><code>{esc(c.objective)}</code>: '
        f"{measured(f'{k}.checks.{j}.measure', c.measure, unit_of(c.figure))} — "
        f"{'met' if c.met else 'not met'}"
        f"{' with 95% confidence' if c.measure.low is not None else ''}</li>"
        for j, c in enumerate(iv.checks)
    )
    seed_note = f" Simulated with {_seeds(iv.seeds)}." if iv.seeds else ""
    several = len(iv.seeds) > 1
    lost = (
        f"{v(f'{k}.failed', iv.failed)} of {v(f'{k}.boots', iv.boots)} boots failed"
        + (f" in seed {iv.seeds[0]}" if several else "")
        + (
            ": " + ", ".join(f"{text(r, 200)} {v(f'{k}.reasons.{j}.1', n)}"
                             for j, (r, n) in enumerate(iv.reasons))
            if iv.reasons else ""
        )
        + "."
    )  # fmt: skip
    stops = ""
    if iv.stopped_at:
        stops = (
            "<p>Chains stopped before the VM ran at: "
            + ", ".join(f"{esc(s)} {v(f'{k}.stopped_at.{s}', n)}" for s, n in iv.stopped_at.items())
            + ".</p>"
        )
    causes = "".join(_cause(k, j, c) for j, c in enumerate(iv.causes))
    return (
        f'<div class="input-verdict {status}" data-input="{i}">'
        f'<h3><span class="badge {status}">{status.upper()}</span> {text(iv.label, 300)}</h3>'
        f'<div class="bigs">{bigs}</div><ul class="checks">{checks}</ul>'
        f"<p>{lost}{esc(seed_note)}</p>{stops}"
        + (f'<ol class="causes">{causes}</ol>' if causes else "")
        + "</div>"
    )


def _cause(k: str, j: int, c: Cause) -> str:
    key = f"{k}.causes.{j}"
    items = "; ".join(
        f"{esc(e.label)} {v(f'{key}.evidence.{n}.value', e.value, e.unit)}"
        + (f" ({text(e.note, 500)})" if e.note else "")
        for n, e in enumerate(c.evidence[:MAX_EVIDENCE])
    )
    return (
        f'<li class="cause"><strong>{v(f"{key}.boots", c.boots, "boots")} stopped at '
        f"{esc(c.where)}</strong> ({esc(c.meaning)})" + (f": {items}." if items else ".") + "</li>"
    )


def _changes(vd: Verdict, labels: Sequence[str]) -> str:
    parts = ["<h3>What differs between the two inputs</h3>"]
    if vd.settings:
        rows = "".join(
            f"<tr><td><code>{text(s.line_first, 500)}</code></td>"
            f"<td><code>{text(s.line_second, 500)}</code></td></tr>"
            for s in vd.settings
        )
        parts.append(
            f'<table class="settings-diff"><thead><tr><th>{text(labels[0], 200)}</th>'
            f"<th>{text(labels[1], 200)}</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        parts.append("<p>No setting differs between the two inputs.</p>")
    if not vd.changes:
        return "".join(parts)
    paired = vd.changes[0].paired
    lead = [(i, c) for i, c in enumerate(vd.changes) if c.figure in ("error", "vif_wait.p99")]
    parts.append(
        "<h3>What that changed</h3><p>"
        + "; ".join(
            f"{esc(words(c.figure))} {measured(f'changes.{i}.first', c.first, c.unit)}"
            f" → {measured(f'changes.{i}.second', c.second, c.unit)}"
            for i, c in lead
        )
        + ".</p>"
    )
    head = "second − first" + (" (paired over the same seeds, 95% CI)" if paired else "")
    rows = "".join(_change_row(i, c) for i, c in enumerate(vd.changes))
    parts.append(
        f'<table class="changes"><thead><tr><th>figure</th><th>{text(labels[0], 200)}</th>'
        f"<th>{text(labels[1], 200)}</th><th>{esc(head)}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return "".join(parts)


def _change_row(i: int, c: Change) -> str:
    k = f"changes.{i}"
    return (
        f'<tr data-figure="{esc(c.figure)}"><td>{esc(words(c.figure))}</td>'
        f'<td class="num">{measured(f"{k}.first", c.first, c.unit)}</td>'
        f'<td class="num">{measured(f"{k}.second", c.second, c.unit)}</td>'
        f'<td class="num">{measured(f"{k}.difference", c.difference, c.unit, True)}</td></tr>'
    )


def _fit(vd: Verdict) -> str:
    assert vd.fit is not None
    if not vd.fit:
        return "<p>No hop was measured in both the trace and the simulation.</p>"
    rows = "".join(
        f'<tr data-hop="{esc(f.hop)}"><td>{esc(f.hop)}</td>'
        f'<td class="num">{v(f"fit.{i}.traced", f.traced)}</td>'
        f'<td class="num">{v(f"fit.{i}.simulated", f.simulated)}</td>'
        + "".join(
            f'<td class="num">{v(f"fit.{i}.{q}", getattr(f, q), "s", True)}</td>'
            for q in ("p50", "p95", "p99")
        )
        + f'<td class="num">{v(f"fit.{i}.ks", f.ks)}</td></tr>'
        for i, f in enumerate(vd.fit)
    )
    worst_i, worst = max(enumerate(vd.fit), key=lambda t: abs(t[1].p99 or 0.0))
    lead = (
        f"<p>The simulation is furthest from the trace at <strong>{esc(worst.hop)}</strong>: p99 "
        f"{v(f'fit.{worst_i}.p99', worst.p99, 's', True)} (simulated − traced)"
        + (f", KS distance {v(f'fit.{worst_i}.ks', worst.ks)}" if worst.ks is not None else "")
        + ". A fit, not a ranking: 0 is a perfect match.</p>"
    )
    return (
        "<h3>Simulated against traced, per hop</h3>" + lead
        + '<table class="fit"><thead><tr><th>hop</th><th>traced boots</th>'
        "<th>simulated boots</th><th>Δ p50 (s)</th><th>Δ p95 (s)</th><th>Δ p99 (s)</th>"
        "<th>KS distance (0–1)</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )  # fmt: skip


def verdict_section(vd: Verdict, labels: Sequence[str], default_note: str) -> str:
    """``<section id="verdict">``: each input's pass/fail and causes, then differences or fit."""
    goal = (
        "Objectives as given (--objective)."
        if vd.custom_objectives
        else f"Default objectives: {default_note}."
    )
    parts = [
        '<section id="verdict"><h2>Verdict</h2>',
        f'<p class="objectives">{esc(goal)}</p>',
        *(_input(i, iv) for i, iv in enumerate(vd.inputs)),
    ]
    if vd.fit is not None:
        parts.append(_fit(vd))
    elif len(vd.inputs) == 2:
        parts.append(_changes(vd, labels))
    parts.append("</section>")
    return "".join(parts)
