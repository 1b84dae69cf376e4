"""The HTML report opened in headless Chromium: plots render, tables show the --json numbers,
nothing is fetched from the network, and untrusted text never executes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.render.chromium import Chromium
from tests.render.conftest import P_ATTR, P_LINK, P_SCRIPT, P_SVG, TINY, cli, load

PLOTS_JS = "Array.from(document.querySelectorAll('.plot'))"


def _render(browser: Chromium, page: Path) -> int:
    browser.open(page.as_uri())
    rendered = browser.evaluate("window.stacktwinRendered", await_promise=True)
    assert isinstance(rendered, int)
    return rendered


def _table(browser: Chromium) -> dict[str, list[str]]:
    rows = browser.evaluate(
        "Array.from(document.querySelectorAll('#summary tr[data-metric]')).map(tr => "
        "[tr.dataset.metric, Array.from(tr.querySelectorAll('td')).slice(1).map(td => "
        "td.textContent.trim())])"
    )
    return {metric: cells for metric, cells in rows}


def _texts(browser: Chromium, selector: str) -> list[str]:
    found = browser.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(e => e.textContent)"
    )
    assert isinstance(found, list)
    return [str(t) for t in found]


def test_report_renders_and_shows_the_json_summaries(
    browser: Chromium, trace_json: Path, sim_json: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    res = cli("report", str(trace_json), str(sim_json), "-o", str(out), "--slowest", "3")
    assert res.exit_code == 0, res.output
    rendered = _render(browser, out)
    # 5 plots: hop distributions, vif wait over time, queues (simulated), 2 waterfalls
    assert rendered == 5
    assert browser.evaluate(f"{PLOTS_JS}.length") == 5
    assert browser.evaluate(f"{PLOTS_JS}.filter(p => p.querySelector('.main-svg')).length") == 5
    assert browser.evaluate("document.body.dataset.plotsRendered") == "5"
    # 8 hop panels x 2 inputs = 16 curves drawn in the distributions, + the timeout line
    assert len(_texts(browser, "#plot-1 .scatterlayer .trace")) == 17
    assert "vif_plugging_timeout 300 s" in _texts(browser, "#plot-1 .textpoint")
    # queues over time: 5 queue + 5 utilisation + 2 backlog series
    assert len(_texts(browser, "#plot-3 .scatterlayer .trace")) == 12

    table = _table(browser)
    tr, sim = load(trace_json)["summary"], load(sim_json)["summary"]
    assert table["boots"][:2] == [f"{tr['boots']:,}", f"{sim['boots']:,}"]
    assert table["error"][:2] == [str(tr["outcomes"]["error"]), str(sim["outcomes"]["error"])]
    assert table["vif-plugging timeouts"][:2] == [str(tr["timeouts"]), str(sim["timeouts"])]
    for hop in ("vif_wait", "boot", "agent", "nova_api", "compute_rpc"):
        for stat in ("p50", "p99", "max"):
            a, b = tr["latency"][hop][stat], sim["latency"][hop][stat]
            assert table[f"{hop} {stat}"][:2] == [f"{a:.3f}", f"{b:.3f}"], (hop, stat)
            assert table[f"{hop} {stat}"][2].startswith(f"{b - a:+.3f}")
    for stop, n in tr["stopped_at"].items():
        assert table[stop][0] == str(n)

    # the traced waterfall lists the slowest boot and marks where its chain stopped
    boots = load(trace_json)["boots"]
    spans = {b["instance"]: max(m := b["milestones"].values()) - min(m) for b in boots}
    slowest = {"instance": max(spans, key=lambda k: spans[k])}
    ticks = _texts(browser, "#plot-4 .ytick text")
    assert any(t.startswith(slowest["instance"]) for t in ticks), ticks
    assert any("stopped at" in t for t in _texts(browser, "#plot-4 .textpoint"))
    # ... and its end labels fit inside the plot (not cut at the right edge)
    overflow = browser.evaluate(
        "(() => { const svg = document.querySelector('#plot-4 .main-svg').getBoundingClientRect();"
        " return Array.from(document.querySelectorAll('#plot-4 .textpoint')).map(t => "
        "t.getBoundingClientRect().right - svg.right); })()"
    )
    assert overflow and max(overflow) <= 0, overflow
    # the milestone sources of traced boots: file:line
    sources = " ".join(_texts(browser, "table.sources td"))
    assert "nova-compute.log:" in sources and "server.log:" in sources

    assert browser.exceptions == [] and browser.dialogs == []
    assert browser.requests and all(u.startswith(("file:", "data:")) for u in browser.requests)
    shot = browser.screenshot(tmp_path / "report.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000


def _evil_inputs(tmp_path: Path, trace_json: Path) -> list[Path]:
    """Three inputs carrying hostile text: a log tree, a saved trace run, a scenario."""
    logs = tmp_path / "logs"
    nova = logs / P_SVG / "var" / "log" / "nova"  # the host name comes from the path
    nova.mkdir(parents=True)
    inst = "dddddddd-0000-4000-8000-000000000004"
    ctx = "[req-0000000a-0000-4000-8000-00000000000a u1 p1 - default default]"
    line = f"2024-03-01 10:00:0{{}} 200 {{}} nova.compute.manager {ctx} [instance: {inst}] {{}}\n"
    (nova / "nova-compute.log").write_text(
        line.format(2, "INFO", "Starting instance...")
        + line.format(4, "ERROR", f"Build of instance {inst} aborted: {P_SCRIPT}{P_ATTR}")
    )
    (nova / "<img src=x onerror=alert(5)>.log").write_text("")  # reported as an empty file

    saved = load(trace_json)
    saved["boots"][0]["instance"] = P_LINK + P_SCRIPT
    saved["boots"][0]["host"] = P_ATTR
    saved["boots"][0]["reason"] = P_ATTR
    evil_json = tmp_path / "evil.json"
    evil_json.write_text(json.dumps(saved))

    scenario = tmp_path / "evil.yaml"
    scenario.write_text(yaml.safe_dump({**TINY, "name": "<b onmouseover=alert(6)>tiny</b>"}))
    return [logs, evil_json, scenario]


def test_untrusted_text_is_shown_and_never_executes(
    browser: Chromium, trace_json: Path, tmp_path: Path
) -> None:
    inputs = _evil_inputs(tmp_path, trace_json)
    out = tmp_path / "evil.html"
    res = cli("report", *map(str, inputs), "-o", str(out), "--instance", P_LINK + P_SCRIPT)
    assert res.exit_code == 0, res.output
    assert _render(browser, out) >= 5

    # nothing ran: no dialog, no global set, no element or handler came from the inputs
    assert browser.dialogs == [] and browser.exceptions == []
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.scripts.length") == 3
    hostile = "img, [onerror], [onload], [onmouseover], a[href^='javascript'], b"
    assert browser.evaluate(f"document.querySelectorAll({json.dumps(hostile)}).length") == 0

    # ... and every payload is on the page as text
    text: Any = browser.evaluate("document.body.innerText")
    for payload in (P_SCRIPT + P_ATTR, P_SVG, "<img src=x onerror=alert(5)>.log", P_ATTR):
        assert payload in text, payload
    assert "<b onmouseover=alert(6)>tiny</b> (simulated)" in text
    # in the plots too (Plotly draws its own text: the labels must show the characters)
    ticks = " ".join(_texts(browser, ".plot .ytick text"))
    assert P_LINK + P_SCRIPT in ticks
    legends = " ".join(_texts(browser, ".plot .legendtext"))
    assert "<b onmouseover=alert(6)>tiny</b> (simulated)" in legends
    browser.screenshot(tmp_path / "evil.png")
