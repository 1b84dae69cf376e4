"""Terminal rendering of a trace: the summary tables and one boot's timeline (Rich)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from stacktwin.boots import HOPS, MILESTONE_ORDER, SPANS, STOP_MEANING, Boot


def _secs(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}"


def when(ts: float) -> str:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS.mmm`` (the logs' own clock, read as UTC)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _short(text: str | None, width: int = 90) -> str:
    if not text:
        return "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def failed_view(summary: Mapping[str, Any], limit: int = 10) -> Text | None:
    """The failed boots by name (the first ``limit``): outcome, phase, chain stop, and the
    reason as nova states it on the line below."""
    rows = summary.get("failed") or []
    if not rows:
        return None
    shown = rows[:limit]
    more = len(rows) - len(shown)
    text = Text()
    text.append(f"Failed boots: {len(rows)}", style="italic")
    if more:
        text.append(f" (the first {len(shown)}; --json lists all)", style="italic")
    for row in shown:
        text.append(f"\n  {row['instance']}  ", style="bold")
        text.append(row["outcome"], style="red" if row["outcome"] == "error" else "")
        if row["phase"]:
            text.append(f"  phase {row['phase']}")
        if row["stopped_at"]:
            text.append(f"  stopped at {row['stopped_at']}", style="yellow")
        if row["host"]:
            text.append(f"  on {row['host']}")
        text.append(f"\n      {_short(row['reason'], 160)}")
    if more:
        text.append(f"\n  … and {more} more")
    return text


def slow_view(summary: Mapping[str, Any], limit: int = 10) -> Table | None:
    """Boots with a hop much slower than its peers (the hop, its time, the peers' median)."""
    rows = summary.get("slow") or []
    if not rows:
        return None
    table = Table(title="Much slower than their peers", title_justify="left")
    for col in ("instance", "hop", "seconds", "peers' median"):
        table.add_column(col, justify="left" if col in ("instance", "hop") else "right")
    for row in rows[:limit]:
        table.add_row(
            row["instance"], row["hop"], _secs(row["seconds"]), _secs(row["peers_median"])
        )
    if len(rows) > limit:
        table.add_row(f"… and {len(rows) - limit} more", "", "", "")
    return table


def summary_view(summary: Mapping[str, Any], failed_limit: int = 10) -> Group:
    """Notes on the input, boots by outcome and reason, the failed and the slow boots by name,
    where failed chains stopped, latency percentiles, input read/skipped."""
    outcomes = Table(title=f"Boots found: {summary['boots']}", title_justify="left")
    outcomes.add_column("outcome")
    outcomes.add_column("boots", justify="right")
    for name, count in summary["outcomes"].items():
        outcomes.add_row(name, str(count))
    outcomes.add_row("vif-plugging timeouts", str(summary["timeouts"]))
    for reason, count in summary["reasons"].items():
        if reason != "vif_plugging_timeout":
            outcomes.add_row(f"reason: {reason}", str(count))
    for phase, count in (summary.get("phases") or {}).items():
        outcomes.add_row(f"not running, phase: {phase}", str(count))
    requests = (summary.get("input") or {}).get("requests")
    if requests is not None:
        outcomes.add_row(
            "POST /servers accepted (rejected)", f"{requests['accepted']} ({requests['rejected']})"
        )
    vif = summary.get("vif_plugged")
    if vif is not None:
        outcomes.add_row(
            "vif-plugged sequences (complete)", f"{vif['sequences']} ({vif['complete']})"
        )

    stops = Table(title="Where failed or waiting chains stopped", title_justify="left")
    stops.add_column("stopped at")
    stops.add_column("meaning")
    stops.add_column("boots", justify="right")
    for name, count in summary["stopped_at"].items():
        stops.add_row(name, STOP_MEANING.get(name, ""), str(count))
    if not summary["stopped_at"]:
        stops.add_row("-", "no chain stopped", "0")

    lat = Table(title="Latency (seconds)", title_justify="left")
    for col in ("hop", "count", "p50", "p95", "p99", "max"):
        lat.add_column(col, justify="left" if col == "hop" else "right")
    for name, dist in summary["latency"].items():
        lat.add_row(
            name,
            str(dist["count"]),
            _secs(dist["p50"]),
            _secs(dist["p95"]),
            _secs(dist["p99"]),
            _secs(dist["max"]),
        )
    legend = "  ".join(f"{h.name}: {h.help}" for h in (*HOPS, *SPANS))
    notes = [f"[yellow]note:[/] {text}" for text in (summary.get("input") or {}).get("notes", [])]
    tables = [failed_view(summary, failed_limit), slow_view(summary)]
    parts: list[Any] = [*notes, outcomes, *(t for t in tables if t is not None), stops, lat, legend]
    inp = summary.get("input")
    if inp is not None:
        read = Table(title="Input", title_justify="left")
        read.add_column("what")
        read.add_column("value", justify="right")
        read.add_row("files read", str(inp["files_read"]))
        read.add_row("MB read (decompressed)", f"{inp['bytes_read'] / 1e6:.1f}")
        read.add_row("lines read", str(inp["lines_read"]))
        read.add_row("files skipped", str(inp["files_skipped"]))
        read.add_row("lines with problems", str(inp["lines_with_problems"]))
        for service, count in inp["services"].items():
            read.add_row(f"streams: {service}", str(count))
        parts.append(read)
    return Group(*parts)


def timeline_view(boot: Boot) -> Group:
    """One boot, milestone by milestone, with hop latencies and the line each came from."""
    head = Table.grid(padding=(0, 2))
    head.add_column()
    head.add_column()
    head.add_row("instance", boot.instance)
    head.add_row("host", boot.host or "unknown")
    head.add_row("ports", ", ".join(boot.ports) or "unknown")
    head.add_row("outcome", boot.outcome.value + (f" ({boot.reason})" if boot.reason else ""))
    if boot.phase is not None:
        head.add_row("phase", boot.phase)
    if boot.reason_key and boot.reason_key != boot.reason:
        head.add_row("reason group", boot.reason_key)
    stop = boot.chain_stop()
    if stop is not None:
        head.add_row("chain stopped", f"{stop}: {STOP_MEANING.get(stop, '')}")
    head.add_row("spawn / build", f"{_secs(boot.spawn_seconds)} s / {_secs(boot.build_seconds)} s")
    reason_at = boot.sources.get("reason")

    files = [src.rsplit(":", 1)[0] for src in boot.sources.values()]
    base = os.path.commonpath(files) if files else ""
    if base in files:  # a single file: keep its name
        base = os.path.dirname(base)
    if base:
        head.add_row("sources under", base)
    if reason_at is not None:
        head.add_row("reason stated at", reason_at[len(base) :].lstrip("/") if base else reason_at)
    table = Table(title="Timeline", title_justify="left")
    table.add_column("milestone")
    table.add_column("time (log clock)")
    table.add_column("+s", justify="right")
    table.add_column("source")
    first = min(boot.milestones.values(), default=None)
    for milestone in MILESTONE_ORDER:
        ts = boot.milestones.get(milestone.value)
        if ts is None:
            table.add_row(milestone.value, "not seen", "", "")
            continue
        offset = ts - first if first is not None else 0.0
        source = boot.sources.get(milestone.value, "")
        if base and source.startswith(base):
            source = source[len(base) :].lstrip("/")
        table.add_row(milestone.value, when(ts), f"{offset:.3f}", source)

    hops = Table(title="Hops", title_justify="left")
    hops.add_column("hop")
    hops.add_column("between")
    hops.add_column("seconds", justify="right")
    for hop in (*HOPS, *SPANS):
        value = boot.latency(hop)
        hops.add_row(hop.name, hop.help, "unknown" if value is None else f"{value:.3f}")
    return Group(head, table, hops)


def print_problems(console: Console, problems: list[str], limit: int = 20) -> None:
    """The input problems, one per line, the first ``limit`` of them."""
    for text in problems[:limit]:
        console.print(f"[yellow]skipped/problem:[/] {text}", highlight=False, soft_wrap=True)
    if len(problems) > limit:
        console.print(f"[yellow]… and {len(problems) - limit} more (see --json)[/]")
