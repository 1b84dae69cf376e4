"""Shared inputs for the compare/report tests: saved runs, synthetic logs, a tiny scenario,
untrusted-text payloads, and a headless Chromium (skipped only when no browser exists)."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from stacktwin.cli import app
from tests.render.chromium import Chromium, find_chromium

HERE = Path(__file__).resolve().parent
runner = CliRunner()

#: Untrusted text: a script element, an attribute breaking out into an <img onerror>, an <svg
#: onload> (a valid directory name, so it can be a host), a javascript: link for Plotly labels.
P_SCRIPT = "<script>window.__pwned=1</script>"
P_ATTR = '"><img src=x onerror="window.__pwned=2">'
P_SVG = "<svg onload=alert(3)>"
P_LINK = '<a href="javascript:window.__pwned=4">click</a>'

TINY: dict[str, Any] = {
    "name": "tiny",
    "release": "2023.1",
    "duration": 300,
    "drain": 400,
    "cloud": {
        "hosts": 3, "instances": 30, "neutron_servers": 1, "neutron_server_cores": 4,
        "nova_api_nodes": 1, "nova_api_cores": 2, "dhcp_agents": 1, "remote_sg_members": 0,
    },
    "workload": {"boot_rate_per_minute": 6},
}  # fmt: skip


def _synthetic() -> Any:
    spec = importlib.util.spec_from_file_location(
        "stacktwin_test_synthetic_logs", HERE.parent / "logs" / "synthetic.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    """Run ``stacktwin ARGS`` in-process (160 columns unless ``env`` says); the Click result."""
    return runner.invoke(app, list(args), env=env or {"COLUMNS": "160"})


@pytest.fixture(scope="session")
def synthetic_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trace tests' three-boot log set (one timeout, one deletion)."""
    return Path(_synthetic().write(tmp_path_factory.mktemp("logs")))


@pytest.fixture(scope="session")
def trace_json(synthetic_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``stacktwin trace --json`` of the synthetic logs."""
    out = tmp_path_factory.mktemp("trace") / "trace.json"
    res = cli("trace", str(synthetic_logs), "--json", str(out))
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def sim_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``stacktwin simulate all-in-one --json`` (40 sequential boots, about a second)."""
    out = tmp_path_factory.mktemp("sim") / "all-in-one.json"
    res = cli("simulate", "all-in-one", "--json", str(out))
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def tiny_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    return path


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """A headless Chromium for the session.

    Skipped when no browser binary exists, unless ``STACKTWIN_REQUIRE_BROWSER`` is set (CI
    installs Debian's chromium and sets it, so there the browser tests always run).
    """
    binary = find_chromium()
    if binary is None:
        if os.environ.get("STACKTWIN_REQUIRE_BROWSER"):
            pytest.fail("STACKTWIN_REQUIRE_BROWSER is set but no chromium binary was found")
        pytest.skip("no chromium on PATH (install Debian's chromium; .ci/run does)")
    with Chromium(binary, tmp_path_factory.mktemp("chromium-profile")) as chrome:
        yield chrome


def _replicated(factory: pytest.TempPathFactory, name: str, *sets: str) -> Path:
    out = factory.mktemp("reps") / f"{name}.json"
    args = [f"--set={s}" for s in sets]
    res = cli("simulate", "all-in-one", "--replications", "3", "--jobs", "1", *args,
              "--json", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def reps_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``simulate all-in-one --replications 3 --json`` (seeds 1-3, in this process)."""
    return _replicated(tmp_path_factory, "reps")


@pytest.fixture(scope="session")
def reps_slow_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same seeds with a slow neutron RPC (rpc_update_device_up 20 s) and a 30 s timeout."""
    return _replicated(
        tmp_path_factory, "reps-slow", "model.costs.rpc_update_device_up=20",
        "nova.DEFAULT.vif_plugging_timeout=30",
    )  # fmt: skip
