"""Property-based fuzzing of the loaders of user files (issue 13): scenario YAML and saved JSON
runs. Whatever the input, no exception escapes but the loader's own error, and that error names
the file it came from."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stacktwin.api import InputError
from stacktwin.render.runs import Run, load_saved, run_from_dict
from stacktwin.twin import Scenario, ScenarioError, load_scenario, parse_scenario

SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats() | st.text(max_size=12)
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
SCENARIO_KEYS = st.sampled_from(
    ["name", "release", "duration", "drain", "seed", "cloud", "workload", "nova", "neutron",
     "model", "sample_interval", "hosts", "boot_storms", "DEFAULT", "rpc_workers"]
)  # fmt: skip
SCENARIOISH = st.recursive(
    SCALARS,
    lambda inner: st.dictionaries(SCENARIO_KEYS, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=15,
)


@given(SCENARIOISH)
def test_any_scenario_mapping_is_a_scenario_or_a_scenario_error(data: Any) -> None:
    try:
        sc = parse_scenario(data, "fuzz.yaml")
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.yaml")
    else:
        assert isinstance(sc, Scenario) and sc.end_time() > 0


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_scenario_file_is_loaded_or_refused_with_its_path(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_bytes(raw)
        try:
            load_scenario(str(path))
        except ScenarioError as exc:
            assert str(exc).startswith(str(path))


@given(st.sampled_from(["trace", "simulate"]), JSONISH, JSONISH, JSONISH)
def test_any_saved_run_of_the_right_kind_is_a_run_or_an_input_error(
    kind: str, boots: Any, summary: Any, extra: Any
) -> None:
    data = {"kind": kind, "boots": boots, "summary": summary, "components": extra,
            "timeseries": extra, "settings": extra}  # fmt: skip
    try:
        run = run_from_dict(data, "saved.json")
    except InputError as exc:
        assert str(exc).startswith("saved.json")
    else:
        assert isinstance(run, Run)
        if run.boots:  # recomputed from the boots, never taken from the file
            assert run.summary["boots"] == len(run.boots)


BOOT_KEYS = st.sampled_from(
    ["instance", "host", "ports", "outcome", "reason", "milestones", "sources", "spawn_seconds",
     "build_seconds", "stopped_at", "origin", "phase"]
)  # fmt: skip


@given(st.lists(st.dictionaries(BOOT_KEYS, JSONISH, max_size=8), max_size=3))
def test_any_boot_list_is_read_or_refused_naming_the_boot(boots: list[dict[str, Any]]) -> None:
    try:
        run = run_from_dict({"kind": "trace", "boots": boots}, "saved.json")
    except InputError as exc:
        assert str(exc).startswith("saved.json: boot #")
    else:
        assert len(run.boots) == len(boots)


@given(st.binary(max_size=200))
def test_any_bytes_as_a_saved_run_give_an_input_error_with_the_path(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.json"
        path.write_bytes(raw)
        try:
            load_saved(path)
        except InputError as exc:
            assert str(exc).startswith(str(path))


def test_json_written_by_simulate_round_trips() -> None:
    from stacktwin import simulate

    run = simulate("all-in-one", duration=300)
    assert run.result is not None
    back = run_from_dict(json.loads(json.dumps(run.result.to_dict())), "r.json")
    assert back.summary["outcomes"] == run.summary["outcomes"]
