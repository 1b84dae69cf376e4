"""The executor on a real Dask LocalCluster and on a separate scheduler + worker."""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.twin import load_scenario
from stacktwin.twin.batch.executor import BatchError, BatchInterrupted, Executor, plan_jobs
from stacktwin.twin.batch.sweep import grid, parse_vary, point_scenarios, sweep_batch, sweep_rows

runner = CliRunner()


def _sweep_rows(tiny: Path, executor: Executor) -> list[dict[str, Any]]:
    base = load_scenario(str(tiny))
    points = grid([parse_vary("neutron.DEFAULT.rpc_workers=1,4"),
                   parse_vary("model.flow_deletion=blocking,deferred")])  # fmt: skip
    seeds = [1, 2]
    records = executor.map(sweep_batch(point_scenarios(base, points), seeds))
    return sweep_rows(points, seeds, records)


def test_local_cluster_sweep_is_bit_identical_to_serial(tiny: Path) -> None:
    serial = _sweep_rows(tiny, Executor(jobs=1))
    dask = _sweep_rows(tiny, Executor(jobs=2))
    assert len(serial) == 8 and serial == dask  # every figure, float for float
    assert {r["model.flow_deletion"] for r in serial} == {"blocking", "deferred"}
    assert any(r["error"] for r in serial) and [r["seed"] for r in serial[:2]] == [1, 2]


def test_interrupt_cancels_the_batch_and_closes_the_cluster(tiny: Path) -> None:
    sc = load_scenario(str(tiny))

    def stop(i: int, record: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    ex = Executor(jobs=2)
    with pytest.raises(BatchInterrupted, match="cancelled after 1 of 4 runs"):
        ex.map([sc] * 4, stop)
    with pytest.raises(BatchInterrupted, match="cancelled after 1 of 2"):
        Executor(jobs=1).map([sc] * 2, stop)


def test_jobs_are_capped_by_cores_and_runs() -> None:
    plan = plan_jobs(8, runs=3, cores=2)
    assert plan.jobs == 2 and "capped at the machine's 2 cores" in plan.note
    assert plan_jobs(4, runs=1, cores=8).jobs == 1
    assert "capped at the batch's 3 runs" in plan_jobs(6, runs=3, cores=8).note
    assert plan_jobs(0, runs=10, cores=2).jobs == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def test_scheduler_option_runs_on_a_separate_cluster(tiny: Path, tmp_path: Path) -> None:
    dask_cli = Path(sys.executable).parent / "dask"
    if not dask_cli.exists():
        dask_cli = Path(shutil.which("dask") or "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen(
        [str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]  # fmt: skip
    try:
        _wait_for_port(port)
        procs.append(subprocess.Popen(
            [str(dask_cli), "worker", address, "--nworkers", "1", "--nthreads", "1",
             "--no-dashboard", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        args = ["sweep", str(tiny), "--vary", "neutron.DEFAULT.rpc_workers=1,4",
                "--replications", "2"]  # fmt: skip
        remote = runner.invoke(app, [*args, "--scheduler", address, "--json", str(tmp_path / "r")])
        assert remote.exit_code == 0, remote.output
        assert f"on the Dask cluster at {address}" in remote.output
        local = runner.invoke(app, [*args, "--jobs", "1", "--json", str(tmp_path / "l")])
        assert local.exit_code == 0, local.output
        rows = json.loads((tmp_path / "r").read_text())["rows"]
        assert len(rows) == 4 and rows == json.loads((tmp_path / "l").read_text())["rows"]
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    with pytest.raises(BatchError, match=f"--scheduler {address}: cannot connect"):
        Executor(scheduler=address, connect_timeout=1).map([load_scenario(str(tiny))])
