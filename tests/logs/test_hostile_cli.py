"""``stacktwin trace`` on hostile input: markup in names, stdin, dates, widths, exit codes."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.cli import trace as trace_cli
from stacktwin.render.trace_view import when
from tests.logs import synthetic as syn

runner = CliRunner()


def test_rich_markup_in_paths_instance_and_hosts_is_printed_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "logs["
    folder.mkdir()
    log = folder / "]"  # the path ends in "logs[/]"
    log.write_text(syn.nova_compute().replace("on node compute1", "on node [bold]h[/]"))
    junk = tmp_path / "[red]x.log"
    junk.write_bytes(bytes(range(1, 32)) * 100)
    args = ["trace", str(folder), str(junk)]
    result = runner.invoke(app, [*args, "--instance", syn.A])
    assert result.exit_code == 0, result.output
    assert f"{junk}: binary data, not a text log: skipped" in result.output
    assert "[bold]h[/]" in result.output  # the host nova names, as written
    assert "]:1" in result.output  # the source "logs[/]:1", relative to its folder
    summary = runner.invoke(app, args)
    assert summary.exit_code == 0, summary.output
    assert "[red]x.log" in summary.output
    missing = runner.invoke(app, ["trace", str(folder), "--instance", "[/]"])
    assert missing.exit_code == 1
    assert "no boot of instance [/] in these logs" in missing.output


def _journal(root: Path) -> str:
    """The synthetic logs as journalctl -o short-iso prints them, all hosts in one stream."""
    out = []
    for rel, host, prog in (
        ("controller/var/log/nova/nova-api.log", "controller", "nova-api"),
        ("controller/var/log/neutron/server.log", "controller", "neutron-server"),
        ("compute1/var/log/nova/nova-compute.log", "compute1", "nova-compute"),
    ):
        for line in (root / rel).read_text().splitlines():
            stamp = line[:19].replace(" ", "T")
            out.append(f"{stamp}+0000 {host} {prog}[42]: {line}\n")
    return "".join(out)


def test_dash_reads_a_journal_from_stdin(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    plain = json.loads(runner.invoke(app, ["trace", str(root), "--json", "-"]).stdout)
    result = runner.invoke(app, ["trace", "-", "--json", "-"], input=_journal(root))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # standard output holds the JSON alone
    assert [b["instance"] for b in data["boots"]] == [syn.A, syn.B, syn.C]
    for got, want in zip(data["boots"], plain["boots"], strict=True):
        assert (got["outcome"], got["host"], got["reason"]) == (
            want["outcome"],
            want["host"],
            want["reason"],
        )
        assert got["milestones"] == want["milestones"]
    assert data["boots"][0]["sources"]["build_started"].startswith("<stdin>:")
    assert "Boots found: 3" in result.stderr  # the tables went to stderr


def test_missing_path_is_reported_and_the_rest_traced(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    result = runner.invoke(app, ["trace", str(tmp_path / "nope"), str(root)])
    assert result.exit_code == 0
    assert f"{tmp_path / 'nope'}: no such file or folder" in result.output
    assert "Boots found: 3" in result.output
    nothing = runner.invoke(app, ["trace", str(tmp_path / "nope"), str(tmp_path / "nope2")])
    assert nothing.exit_code == 2


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--since", "2018-02-31", "day is out of range for month"),
        ("--until", "2024-03-01T25:99:99", "hour must be in 0..23"),
        ("--since", "yesterday", "not an ISO 8601 date or time"),
    ],
)
def test_impossible_dates_are_usage_errors(
    tmp_path: Path, option: str, value: str, why: str
) -> None:
    root = syn.write(tmp_path / "logs")
    result = runner.invoke(app, ["trace", str(root), option, value], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert option in result.output and why in result.output


def test_iso_offsets_are_accepted_and_the_help_says_utc(tmp_path: Path) -> None:
    root = syn.write(tmp_path / "logs")
    utc = runner.invoke(app, ["trace", str(root), "--since", "2024-03-01T10:00:30", "--json", "-"])
    off = runner.invoke(
        app, ["trace", str(root), "--since", "2024-03-01T11:00:30+01:00", "--json", "-"]
    )
    assert utc.exit_code == off.exit_code == 0, off.output
    assert json.loads(utc.stdout)["boots"] == json.loads(off.stdout)["boots"]
    assert [b["instance"] for b in json.loads(off.stdout)["boots"]] == [syn.B, syn.C]
    helped = runner.invoke(app, ["trace", "--help"], env={"COLUMNS": "300"})
    assert "without an offset it is read as UTC" in helped.output


def _numbers(data: dict[str, object]) -> list[str]:
    """Every number of the summary the tables show, as the tables print it."""
    s = data["summary"]
    assert isinstance(s, dict)
    out = [str(s["boots"]), *map(str, s["outcomes"].values()), str(s["timeouts"])]
    for dist in s["latency"].values():
        out.append(str(dist["count"]))
        out += [f"{dist[k]:.3f}" for k in ("p50", "p95", "p99", "max")]
    inp = s["input"]
    out += [str(inp[k]) for k in ("files_read", "lines_read", "files_skipped")]
    return out


@pytest.mark.parametrize("columns", ["60", "80"])
def test_numbers_are_never_cut_at_60_and_80_columns(tmp_path: Path, columns: str) -> None:
    root = syn.write(tmp_path / "a-rather-long-folder-name-for-the-logs" / "collected")
    data = json.loads(runner.invoke(app, ["trace", str(root), "--json", "-"]).stdout)
    env = {"COLUMNS": columns}
    summary = runner.invoke(app, ["trace", str(root)], env=env)
    assert summary.exit_code == 0
    for number in _numbers(data):
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", summary.output), number
    for boot in data["boots"]:
        shown = runner.invoke(app, ["trace", str(root), "--instance", boot["instance"]], env=env)
        assert shown.exit_code == 0
        text = shown.output
        assert boot["instance"] in text
        first = min(boot["milestones"].values())
        for milestone, source in boot["sources"].items():
            if milestone == "reason":
                continue
            ts = boot["milestones"][milestone]
            assert when(ts) in text and f"{ts - first:.3f}" in text, milestone
            assert source.rsplit("/", 1)[1] in text, source  # file:line, whole
        for line in text.splitlines():
            assert len(line) <= int(columns) or "/" in line  # only whole paths run over


def test_progress_is_off_without_a_terminal_and_late_and_transient_on_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = syn.write(tmp_path / "logs")
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    quiet = io.StringIO()
    with trace_cli.TraceProgress(Console(file=quiet), [root]) as off:
        clock[0] = 10.0
        off.advance(100)
        assert off.progress is None
    assert quiet.getvalue() == ""
    screen = io.StringIO()
    tty = Console(file=screen, force_terminal=True, width=80)
    clock[0] = 0.0
    with trace_cli.TraceProgress(tty, [root]) as on:
        on.advance(10)
        assert on.progress is None  # not within the first 2 s
        clock[0] = 2.5
        on.status(2, 3)
        assert on.progress is not None and on.progress.live.transient
        assert on.progress.console is tty
    assert "2 files, 3 instances" in screen.getvalue()
    result = runner.invoke(app, ["trace", str(root)])
    assert "instances" not in result.stderr
