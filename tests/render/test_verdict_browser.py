"""The verdict in headless Chromium: it is the report's first section, each number on it is the
one ``stacktwin compare --json`` writes (and the runs' summaries hold), and it reads at 1,024 px."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.render.chromium import Chromium
from tests.render.conftest import cli, load
from tests.render.test_verdict import _broken

KEYS_JS = (
    "Array.from(document.querySelectorAll('#verdict [data-key]')).map(e => "
    "[e.dataset.key, JSON.parse(e.dataset.value), e.textContent])"
)


def resolve(doc: Any, key: str) -> Any:
    """The value at a dotted path; dict keys may hold dots themselves (``vif_wait.p99``)."""
    if key == "":
        return doc
    if isinstance(doc, list):
        head, _, rest = key.partition(".")
        return resolve(doc[int(head)], rest)
    for name in sorted(doc, key=len, reverse=True):
        if key == name or key.startswith(name + "."):
            return resolve(doc[name], key[len(name) + 1 :])
    raise KeyError(key)


def _report(browser: Chromium, tmp_path: Path, *inputs: Path, objective: str = "") -> Any:
    out, js = tmp_path / "report.html", tmp_path / "compare.json"
    extra = ["--objective", objective] if objective else []
    res = cli("report", *map(str, inputs), "-o", str(out), "--slowest", "3", *extra)
    assert res.exit_code == 0, res.output
    if len(inputs) == 2:
        res = cli("compare", *map(str, inputs), "--json", str(js), *extra)
        assert res.exit_code == 0, res.output
    browser.open(out.as_uri())
    browser.evaluate("window.stacktwinRendered", await_promise=True)
    assert browser.exceptions == [] and browser.dialogs == []
    return load(js) if len(inputs) == 2 else None


def _numbers_match(browser: Chromium, verdict: Any) -> int:
    found = browser.evaluate(KEYS_JS)
    assert found, "the verdict shows no number"
    for key, value, shown in found:
        assert resolve(verdict, key) == value, (key, shown)
    return len(found)


def test_verdict_leads_and_its_numbers_are_the_json(
    browser: Chromium, sim_json: Path, tmp_path: Path
) -> None:
    broken = _broken(sim_json, tmp_path, 7)
    doc = _report(browser, tmp_path, broken, sim_json)
    verdict, summaries = doc["verdict"], doc["summaries"]
    first = browser.evaluate("document.querySelector('h1 ~ section, body > section').id")
    assert first == "verdict"
    after = browser.evaluate(
        "document.getElementById('verdict').compareDocumentPosition("
        "document.getElementById('summary')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert after
    assert _numbers_match(browser, verdict) > 20

    badges = browser.evaluate(
        "Array.from(document.querySelectorAll('#verdict .badge')).map(e => e.textContent)"
    )
    assert badges == ["FAIL", "PASS"]
    text: str = browser.evaluate("document.getElementById('verdict').innerText")
    # the sentences come from the data: the broken run's 7 lost boots, where they stopped
    lost = sum(1 for b in load(broken)["boots"] if b["outcome"] == "error")
    assert lost == 7 and f"{lost} of {len(load(broken)['boots'])} boots failed" in text
    assert "7 boots stopped at the OVS agent" in text and "longest loop iteration" in text
    assert verdict["inputs"][0]["failed"] == summaries[0]["outcomes"]["error"] == 7
    assert verdict["inputs"][1]["failed"] == summaries[1]["outcomes"]["error"] == 0
    key = "inputs.0.headline.vif_wait.p99.value"
    shown = browser.evaluate(f"document.querySelector('[data-key=\"{key}\"]').dataset.value")
    assert json.loads(shown) == summaries[0]["latency"]["vif_wait"]["p99"]
    # the whole comparison stays below, folded by group
    groups = browser.evaluate(
        "Array.from(document.querySelectorAll('#summary details.group')).map(d => d.open)"
    )
    assert len(groups) >= 4 and groups[0] is True and not any(groups[1:])


def test_replicated_inputs_show_intervals_and_the_settings_diff(
    browser: Chromium, reps_json: Path, reps_slow_json: Path, tmp_path: Path
) -> None:
    verdict = _report(browser, tmp_path, reps_json, reps_slow_json)["verdict"]
    _numbers_match(browser, verdict)
    text: str = browser.evaluate("document.getElementById('verdict').innerText")
    assert "nova.conf [DEFAULT] vif_plugging_timeout = 300" in text
    assert "nova.conf [DEFAULT] vif_plugging_timeout = 30" in text
    assert "paired over the same seeds, 95% CI" in text and "3 seeds" in text
    lo = verdict["changes"][4]["difference"]["low"]
    assert verdict["changes"][4]["figure"] == "vif_wait.p99" and lo > 0
    # a stricter objective, as recommend takes it, turns the first input to FAIL
    verdict = _report(browser, tmp_path, reps_json, reps_slow_json, objective="vif_wait.p99<=1")[
        "verdict"
    ]
    _numbers_match(browser, verdict)
    badges = browser.evaluate(
        "Array.from(document.querySelectorAll('#verdict .badge')).map(e => e.textContent)"
    )
    assert badges == ["FAIL", "FAIL"]


def test_traced_beside_simulated_is_shown_as_a_fit_and_reads_at_1024_px(
    browser: Chromium, trace_json: Path, sim_json: Path, tmp_path: Path
) -> None:
    verdict = _report(browser, tmp_path, trace_json, sim_json)["verdict"]
    _numbers_match(browser, verdict)
    hops = browser.evaluate(
        "Array.from(document.querySelectorAll('#verdict table.fit tr[data-hop]')).map("
        "tr => tr.dataset.hop)"
    )
    assert hops == [f["hop"] for f in verdict["fit"]] and "agent" in hops
    # no better/worse colouring between a trace and a simulation
    assert browser.evaluate("document.querySelectorAll('#summary .worse, #summary .better')"
                            ".length") == 0  # fmt: skip
    browser.call("Emulation.setDeviceMetricsOverride", width=1024, height=900,
                 deviceScaleFactor=1, mobile=False)  # fmt: skip
    try:
        browser.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 1024
        # the waterfall's "stopped at …" labels fit inside it at this width too
        overflow = browser.evaluate(
            "(() => { const svg = document.querySelector('#plot-4 .main-svg')"
            ".getBoundingClientRect(); return Array.from(document.querySelectorAll("
            "'#plot-4 .textpoint')).map(t => t.getBoundingClientRect().right - svg.right); })()"
        )
        assert overflow and max(overflow) <= 0, overflow
        browser.screenshot(tmp_path / "fit-1024.png")
    finally:
        browser.call("Emulation.clearDeviceMetricsOverride")
