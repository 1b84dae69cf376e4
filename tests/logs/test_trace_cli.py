"""``stacktwin trace``: summary, timeline, JSON/Parquet, filters, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from stacktwin.cli import app
from tests.logs import synthetic as syn

runner = CliRunner()


def test_summary_json_and_parquet(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    out_json = tmp_path / "boots.json"
    out_pq = tmp_path / "boots.parquet"
    result = runner.invoke(
        app, ["trace", str(root), "--json", str(out_json), "--parquet", str(out_pq)]
    )
    assert result.exit_code == 0, result.output
    assert "Boots found: 3" in result.output
    assert "vif-plugging timeouts" in result.output
    data = json.loads(out_json.read_text())
    assert data["summary"]["outcomes"] == {"active": 1, "error": 1, "deleted": 1, "unknown": 0}
    assert [b["instance"] for b in data["boots"]] == [syn.A, syn.B, syn.C]
    assert data["boots"][1]["stopped_at"] == "server"
    assert data["summary"]["input"]["files_read"] == 3
    assert len(data["vif_plugged"]) == 3
    table = pq.read_table(out_pq)
    assert table.num_rows == 3
    rows = table.to_pylist()
    assert rows[0]["instance"] == syn.A and rows[0]["ports"] == [syn.PA1, syn.PA2]
    assert abs(rows[0]["compute_rpc_seconds"] - 0.2) < 1e-6
    assert rows[1]["reason"] == "vif_plugging_timeout" and rows[1]["event_sent"] is None
    assert json.loads(rows[1]["sources"])["device_up"].endswith("server.log:7")


def test_instance_timeline(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    result = runner.invoke(app, ["trace", str(root), "--instance", syn.B])
    assert result.exit_code == 0, result.output
    assert syn.B in result.output
    assert "error (vif_plugging_timeout)" in result.output
    assert "server: neutron-server never sent the event" in result.output
    assert "2024-03-01 10:01:16.000" in result.output  # device up


def test_unknown_instance_is_an_error(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    result = runner.invoke(app, ["trace", str(root), "--instance", "nope"])
    assert result.exit_code == 1
    assert "no boot of instance nope" in result.output


def test_since_until_window(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    out = tmp_path / "b.json"
    args = ["trace", str(root), "--since", "2024-03-01T10:00:30", "--until", "2024-03-01T10:02"]
    result = runner.invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert [b["instance"] for b in json.loads(out.read_text())["boots"]] == [syn.B]
    bad = runner.invoke(app, ["trace", str(root), "--since", "last tuesday"])
    assert bad.exit_code == 2
    assert "--since" in bad.output


def test_service_and_host_overrides(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    odd = tmp_path / "odd" / "c1.txt"
    odd.parent.mkdir()
    odd.write_text((root / "compute1/var/log/nova/nova-compute.log").read_text())
    out = tmp_path / "b.json"
    result = runner.invoke(
        app,
        [
            "trace",
            str(root / "controller"),
            str(odd),
            "--service",
            "*/c1.txt=nova-compute",
            "--host",
            "c1.txt=compute-one",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["summary"]["input"]["services"] == {
        "neutron-server": 1,
        "nova-api": 1,
        "nova-compute": 1,
    }
    hosts = {b["instance"]: b["host"] for b in data["boots"]}
    # A's claim names its node; B has no claim line: the overridden host of its file counts.
    assert hosts == {syn.A: "compute1", syn.B: "compute-one", syn.C: "compute-one"}
    bad = runner.invoke(app, ["trace", str(root), "--service", "no-equals-sign"])
    assert bad.exit_code == 2


def test_unusable_input_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "no readable log" in result.output


def test_bad_file_among_good_ones_still_exits_zero(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    (root / "junk.bin").write_bytes(b"\x00\x01\x02" * 100)
    result = runner.invoke(app, ["trace", str(root)])
    assert result.exit_code == 0
    assert "junk.bin: binary data, not a text log: skipped" in result.output
    assert "Boots found: 3" in result.output


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    target = tmp_path / "no-such-dir" / "boots.json"
    result = runner.invoke(app, ["trace", str(root), "--json", str(target)])
    assert result.exit_code == 2
    assert "cannot write" in result.output and "No such file or directory" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    pq_target = tmp_path / "no-such-dir" / "boots.parquet"
    result = runner.invoke(app, ["trace", str(root), "--parquet", str(pq_target)])
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_empty_result_still_writes_a_valid_parquet(tmp_path: Path) -> None:
    log = tmp_path / "nova-api.log"
    log.write_text("2024-03-01 10:00:00.000 1 INFO nova.api.openstack [-] nothing about boots\n")
    out = tmp_path / "b.parquet"
    result = runner.invoke(app, ["trace", str(log), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 0
    assert "event_received" in table.column_names and "agent_seconds" in table.column_names


def test_failed_boots_are_named_and_the_missing_timestamps_said_once(tmp_path: Path) -> None:
    from tests.logs import loghub as lh

    timed = runner.invoke(app, ["trace", str(lh.write(tmp_path / "timed"))])
    assert timed.exit_code == 0, timed.output
    assert "Failed boots: 1" in timed.output
    assert lh.NOHOST in timed.output and "phase schedule" in timed.output
    assert "Failed to schedule instances: NoValidHost_Remote" in timed.output
    assert "POST /servers accepted (rejected)" in timed.output
    assert "no timestamps" not in timed.output
    hidden = runner.invoke(
        app,
        [
            "trace",
            str(lh.write(tmp_path / "timed2")),
            "--show-failed",
            "0",
            "--json",
            str(tmp_path / "all.json"),
        ],
    )
    assert "the first 0; --json lists all" in hidden.output and lh.NOHOST not in hidden.output
    failed = json.loads((tmp_path / "all.json").read_text())["summary"]["failed"]
    assert [r["instance"] for r in failed] == [lh.NOHOST]
    bare = runner.invoke(app, ["trace", str(lh.write(tmp_path / "bare", strip_timestamps=True))])
    assert bare.exit_code == 0, bare.output
    assert bare.output.count("no timestamps") == 1
    assert "Failed boots: 1" in bare.output
