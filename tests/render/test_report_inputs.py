"""Loading any input of compare/report into a Run, and the errors for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacktwin.api import InputError, load_input, load_inputs
from stacktwin.boots import summarize
from stacktwin.render.runs import saved_kind
from tests.render.conftest import cli, load


def test_builtin_scenario_is_simulated() -> None:
    run = load_input("all-in-one")
    assert run.kind == "simulate" and run.label == "all-in-one (simulated)"
    assert run.summary["boots"] == len(run.boots) == 40
    assert run.timeseries is not None and len(run.timeseries["t"]) > 10
    assert run.components is not None and run.components["neutron_api"]["count"] >= 1
    assert run.vif_plugging_timeout == 300.0


def test_scenario_yaml_is_simulated(tiny_yaml: Path) -> None:
    run = load_input(str(tiny_yaml))
    assert run.kind == "simulate" and run.label.startswith("tiny")
    assert run.boots and all(b.origin == "simulate" for b in run.boots)


def test_saved_simulate_run_summarises_as_saved(sim_json: Path) -> None:
    saved = load(sim_json)
    run = load_input(str(sim_json))
    assert run.kind == "simulate"
    assert run.summary == saved["summary"]
    assert run.timeseries == {k: [float(v) for v in vs] for k, vs in saved["timeseries"].items()}
    assert run.components == saved["components"]


def test_saved_trace_run_keeps_its_input_counts(trace_json: Path) -> None:
    saved = load(trace_json)
    assert saved["kind"] == "trace"
    run = load_input(str(trace_json))
    assert run.kind == "trace" and run.components is None and run.timeseries is None
    assert run.summary == saved["summary"]  # incl. "input" and "vif_plugged"
    assert [b.instance for b in run.boots] == [b["instance"] for b in saved["boots"]]


def test_trace_json_without_kind_is_recognised_by_its_keys(
    trace_json: Path, tmp_path: Path
) -> None:
    old = load(trace_json)
    del old["kind"]
    path = tmp_path / "old-trace.json"
    path.write_text(json.dumps(old))
    assert saved_kind(old) == "trace"
    assert load_input(str(path)).kind == "trace"


def test_log_folder_is_traced_like_stacktwin_trace(synthetic_logs: Path, trace_json: Path) -> None:
    run = load_input(str(synthetic_logs))
    assert run.kind == "trace"
    assert run.summary == load(trace_json)["summary"]
    assert run.summary == {
        **summarize(run.boots),
        **{k: run.summary[k] for k in ("input", "vif_plugged")},
    }


def test_same_input_twice_gets_distinct_labels(sim_json: Path) -> None:
    a, b = load_inputs([str(sim_json), str(sim_json)])
    assert a.label != b.label and b.label.endswith("#2")


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("empty.json", b"", "empty file"),
        ("blank.json", b"  \n\n", "empty file"),
        ("broken.json", b'{"kind": "simulate", ', "not JSON"),
        ("latin1.json", b'{"kind": "\xe9"}', "not UTF-8"),
        ("list.json", b"[1, 2]", "neither a simulate nor a trace run"),
        ("other.json", b'{"hello": "world"}', "neither a simulate nor a trace run"),
        ("ablation.json", b'{"kind": "ablation", "rows": []}', "'ablation' record"),
        ("compare.json", b'{"kind": "compare", "rows": []}', "'compare' record"),
        ("noboot.json", b'{"kind": "trace", "boots": [{"host": "h"}]}', "boot #1"),
        ("badoutcome.json", b'{"kind": "trace", "boots": [{"instance": "i", "outcome": "x"}]}',
         "boot #1"),
        ("nan.json", b'{"kind": "trace", "boots": [{"instance": "i", "milestones": {"requested":'
         b' NaN}}]}', "NaN is not a JSON number"),
        ("inf.json", b'{"kind": "trace", "boots": [{"instance": "i", "spawn_seconds": Infinity}]}',
         "Infinity is not a JSON number"),
        ("mslist.json", b'{"kind": "trace", "boots": [{"instance": "i", "milestones": [1]}]}',
         "boot #1: milestones: Input should be a valid dictionary"),
        ("reasondict.json", b'{"kind": "trace", "boots": [{"instance": "i", "reason": {}}]}',
         "boot #1: reason: Input should be a valid string"),
        ("fast.json",
         b'{"kind": "simulate", "boots": [{"instance": "i", "spawn_seconds": "fast"}]}',
         "boot #1: spawn_seconds: Input should be a valid number"),
        ("deep.json", b'{"kind": "trace", "boots": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "nested too deeply"),
        ("nosummary.json", b'{"kind": "simulate"}', "without boots"),
        ("badts.json", b'{"kind": "simulate", "boots": [], "timeseries": {"t": [1, 2], "q": [1]}}',
         "timeseries 'q'"),
        ("empty.yaml", b"\n", "empty file"),
        ("bad.yaml", b"name: x\nneutron: {database: {max_pool_sise: 1}}\n", "max_pool_sise"),
    ],
)  # fmt: skip
def test_bad_input_names_the_file(tmp_path: Path, name: str, content: bytes, why: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(InputError) as err:
        load_input(str(path))
    assert str(err.value).startswith(str(path)) and why in str(err.value)
    res = cli("compare", str(path), "all-in-one")
    assert res.exit_code == 2
    assert str(path) in res.output and why in res.output and "Traceback" not in res.output


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a built-in scenario"):
        load_input(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no readable log"):
        load_input(str(tmp_path / "empty"))
    res = cli("report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 2 and "nope" in res.output and not (tmp_path / "r.html").exists()


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_input(str(fifo))  # would block forever if opened
    res = cli("compare", str(fifo), "all-in-one")
    assert res.exit_code == 2
