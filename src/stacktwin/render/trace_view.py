"""Terminal rendering of a trace: the summary tables and one boot's timeline (Rich).

Everything read from the input (paths, instance ids, hosts, failure texts) is shown as text,
never as Rich markup: a file named ``[red]x.log`` shows as itself.  Numbers are never cut:
number columns are as wide as their widest value and never wrap; on a narrow terminal the
tables drop their borders, and a path too long for its column is printed whole on a line of
its own (print the view with ``crop=False``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from stacktwin.boots import (
    HOPS,
    LATENCY_DECIMALS,
    LATENCY_ORDER,
    MILESTONE_ORDER,
    SPANS,
    STOP_MEANING,
    Boot,
)

#: Below this many columns (the classic terminal) the tables drop their borders.
NARROW = 80


def _secs(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.{LATENCY_DECIMALS}f}"


def when(ts: float) -> str:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS.mmm`` (the logs' own clock, read as UTC)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _short(text: str | None, width: int = 90) -> str:
    if not text:
        return "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def _whole(text: str, style: str = "") -> Text:
    """A line Rich never wraps nor cuts (the terminal wraps it): paths and their line numbers."""
    return Text(text, style=style, no_wrap=True, overflow="ignore")


def _table(title: str, width: int | None) -> Table:
    if width is not None and width < NARROW:
        return Table(title=title, title_justify="left", box=None, pad_edge=False)
    return Table(title=title, title_justify="left")


def _text_column(table: Table, header: str, cells: Sequence[str] = ()) -> None:
    """A column that wraps at spaces, never narrower than its longest word (up to 16)."""
    longest = max((len(w) for c in cells for w in c.split()), default=1)
    table.add_column(header, overflow="fold", min_width=min(longest, 16))


def _number_column(
    table: Table, header: str, cells: Sequence[str], justify: JustifyMethod = "right"
) -> None:
    """A column as wide as its widest value, never wrapped nor cut (numbers, UUIDs)."""
    widest = max((len(c) for c in cells), default=1)
    table.add_column(header, justify=justify, no_wrap=True, min_width=widest)


def _fits(values: Sequence[str], width: int | None, room: int) -> bool:
    """True when no unbreakable word of ``values`` is wider than ``width - room``."""
    if width is None:
        return True
    return all(len(word) <= width - room for v in values for word in v.split())


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


def slow_view(
    summary: Mapping[str, Any], limit: int = 10, width: int | None = None
) -> Table | None:
    """Boots with a hop much slower than its peers (the hop, its time, the peers' median)."""
    rows = summary.get("slow") or []
    if not rows:
        return None
    table = _table("Much slower than their peers (peers: the median of the others)", width)
    shown = [
        (row["instance"], row["hop"], _secs(row["seconds"]), _secs(row["peers_median"]))
        for row in rows[:limit]
    ]
    _number_column(table, "instance", [r[0] for r in shown], justify="left")
    _text_column(table, "hop", [r[1] for r in shown])
    _number_column(table, "seconds", [r[2] for r in shown])
    _number_column(table, "peers", [r[3] for r in shown])
    for row in shown:
        table.add_row(*(Text(c) for c in row))
    if len(rows) > limit:
        table.add_row(Text(f"… and {len(rows) - limit} more"), "", "", "")
    return table


def _two_columns(title: str, header: str, rows: list[tuple[str, str]], width: int | None) -> Table:
    table = _table(title, width)
    _text_column(table, header, [r[0] for r in rows])
    _number_column(table, "boots", [r[1] for r in rows])
    for name, value in rows:
        table.add_row(Text(name), Text(value))
    return table


def summary_view(
    summary: Mapping[str, Any], failed_limit: int = 10, width: int | None = None
) -> Group:
    """Notes on the input, boots by outcome and reason, the failed and the slow boots by name,
    where failed chains stopped, latency percentiles, input read/skipped."""
    rows = [(name, str(count)) for name, count in summary["outcomes"].items()]
    rows.append(("vif-plugging timeouts", str(summary["timeouts"])))
    rows += [
        (f"reason: {reason}", str(count))
        for reason, count in summary["reasons"].items()
        if reason != "vif_plugging_timeout"
    ]
    rows += [
        (f"not running, phase: {phase}", str(count))
        for phase, count in (summary.get("phases") or {}).items()
    ]
    requests = (summary.get("input") or {}).get("requests")
    if requests is not None:
        rows.append(
            (
                "POST /servers accepted (rejected)",
                f"{requests['accepted']} ({requests['rejected']})",
            )
        )
    vif = summary.get("vif_plugged")
    if vif is not None:
        rows.append(("vif-plugged sequences (complete)", f"{vif['sequences']} ({vif['complete']})"))
    outcomes = _two_columns(f"Boots found: {summary['boots']}", "outcome", rows, width)

    stops = _table("Where failed or waiting chains stopped", width)
    stop_rows = [
        (name, STOP_MEANING.get(name, ""), str(count))
        for name, count in summary["stopped_at"].items()
    ] or [("-", "no chain stopped", "0")]
    _text_column(stops, "stopped at", [r[0] for r in stop_rows])
    _text_column(stops, "meaning", [r[1] for r in stop_rows])
    _number_column(stops, "boots", [r[2] for r in stop_rows])
    for row in stop_rows:
        stops.add_row(*(Text(c) for c in row))

    lat = _table("Latency (seconds)", width)
    lat_rows = [
        (name, str(d["count"]), _secs(d["p50"]), _secs(d["p95"]), _secs(d["p99"]), _secs(d["max"]))
        for name in LATENCY_ORDER
        if (d := summary["latency"].get(name))
    ]
    _text_column(lat, "hop", [r[0] for r in lat_rows])
    for i, col in enumerate(("count", "p50", "p95", "p99", "max"), start=1):
        _number_column(lat, col, [r[i] for r in lat_rows])
    for lat_row in lat_rows:
        lat.add_row(*(Text(c) for c in lat_row))
    legend = Text("  ".join(f"{h.name}: {h.help}" for h in (*HOPS, *SPANS)))
    notes = [
        Text.assemble(("note: ", "yellow"), text)
        for text in (summary.get("input") or {}).get("notes", [])
    ]
    tables = [failed_view(summary, failed_limit), slow_view(summary, width=width)]
    parts: list[RenderableType] = [
        *notes,
        outcomes,
        *(t for t in tables if t is not None),
        stops,
        lat,
        legend,
    ]
    inp = summary.get("input")
    if inp is not None:
        read_rows = [
            ("files read", str(inp["files_read"])),
            ("MB read (decompressed)", f"{inp['bytes_read'] / 1e6:.1f}"),
            ("lines read", str(inp["lines_read"])),
            ("files skipped", str(inp["files_skipped"])),
            ("lines with problems", str(inp["lines_with_problems"])),
            *((f"streams: {service}", str(n)) for service, n in inp["services"].items()),
        ]
        read = _table("Input", width)
        _text_column(read, "what", [r[0] for r in read_rows])
        _number_column(read, "value", [r[1] for r in read_rows])
        for name, value in read_rows:
            read.add_row(Text(name), Text(value))
        parts.append(read)
    return Group(*parts)


def _head(rows: list[tuple[str, str]], width: int | None) -> RenderableType:
    """The boot's facts in two columns; a value with a word too long for its column (a path)
    is printed whole on its own line instead, so that no number in it is cut."""
    label = max(len(r[0]) for r in rows)
    parts: list[RenderableType] = []
    grid: Table | None = None
    for name, value in rows:
        if not _fits([value], width, label + 2):
            parts.append(_whole(f"{name:<{label}}  {value}"))
            grid = None
            continue
        if grid is None:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(min_width=label)
            grid.add_column(overflow="fold")
            parts.append(grid)
        grid.add_row(Text(name), Text(value))
    return Group(*parts)


def timeline_view(boot: Boot, width: int | None = None) -> Group:
    """One boot, milestone by milestone, with hop latencies and the line each came from.

    Three parts: the boot's summary (:func:`_boot_head`), its timeline with each milestone's
    source line (:func:`_timeline_parts`), and its hop latencies (:func:`_hops_table`).  Source
    paths are shown relative to the folder they share.
    """
    base = _sources_base(boot)
    rows = _milestone_rows(boot, base)
    parts: list[RenderableType] = [_head(_boot_head(boot, base), width)]
    parts += _timeline_parts(rows, width)
    parts.append(_hops_table(boot, width))
    return Group(*parts)


def _sources_base(boot: Boot) -> str:
    """The folder all the boot's source files share ("" when none): for one file, its folder,
    so that its name stays shown."""
    files = [src.rsplit(":", 1)[0] for src in boot.sources.values()]
    base = os.path.commonpath(files) if files else ""
    if base in files:  # a single file: keep its name
        base = os.path.dirname(base)
    return base


def _relative(source: str, base: str) -> str:
    """``source`` (``file:line``) relative to ``base``, the folder of all the boot's sources."""
    return source[len(base) :].lstrip("/") if base else source


def _boot_head(boot: Boot, base: str) -> list[tuple[str, str]]:
    """The summary rows above the timeline: instance, host, ports, outcome and reason, phase,
    where the chain stopped, nova's durations, and where the sources and the reason are."""
    head: list[tuple[str, str]] = [
        ("instance", boot.instance),
        ("host", boot.host or "unknown"),
        ("ports", ", ".join(boot.ports) or "unknown"),
        ("outcome", boot.outcome.value + (f" ({boot.reason})" if boot.reason else "")),
    ]
    if boot.phase is not None:
        head.append(("phase", boot.phase))
    if boot.reason_key and boot.reason_key != boot.reason:
        head.append(("reason group", boot.reason_key))
    stop = boot.chain_stop()
    if stop is not None:
        head.append(("chain stopped", f"{stop}: {STOP_MEANING.get(stop, '')}"))
    head.append(("spawn / build", f"{_secs(boot.spawn_seconds)} s / {_secs(boot.build_seconds)} s"))
    if base:
        head.append(("sources under", base))
    reason_at = boot.sources.get("reason")
    if reason_at is not None:
        head.append(("reason stated at", _relative(reason_at, base)))
    return head


def _milestone_rows(boot: Boot, base: str) -> list[tuple[str, str, str, str]]:
    """(milestone, time, seconds since the first milestone, source) in path order; a
    milestone not seen keeps its row, marked so."""
    first = min(boot.milestones.values(), default=None)
    rows: list[tuple[str, str, str, str]] = []
    for milestone in MILESTONE_ORDER:
        ts = boot.milestones.get(milestone.value)
        if ts is None:
            rows.append((milestone.value, "not seen", "", ""))
            continue
        offset = ts - first if first is not None else 0.0
        source = boot.sources.get(milestone.value, "")
        if base and source.startswith(base):
            source = source[len(base) :].lstrip("/")
        rows.append((milestone.value, when(ts), f"{offset:.3f}", source))
    return rows


def _timeline_parts(
    rows: list[tuple[str, str, str, str]], width: int | None
) -> list[RenderableType]:
    """The timeline table; the source column sits beside the times when its paths fit, else
    the sources are listed below the table, whole."""
    table = _table("Timeline", width)
    table.add_column("milestone")
    table.add_column("time (log clock)", no_wrap=True, min_width=len(when(0.0)))
    _number_column(table, "+s", [r[2] for r in rows])
    others = 14 + len(when(0.0)) + max(len(r[2]) for r in rows) + 13
    beside = _fits([r[3] for r in rows], width, others)
    if beside:
        table.add_column("source", overflow="fold")
    for name, time_, offset_, source in rows:
        cells = [Text(name), Text(time_), Text(offset_)]
        table.add_row(*cells, *([Text(source)] if beside else []))
    parts: list[RenderableType] = [table]
    if not beside:
        parts.append(Text("Sources", style="italic"))
        parts += [_whole(f"  {name:<15} {source}") for name, _, _, source in rows if source]
    return parts


def _hops_table(boot: Boot, width: int | None) -> Table:
    """Each hop and span of the boot's path: what it lies between, and its seconds."""
    hops = _table("Hops", width)
    hop_rows = []
    for hop in (*HOPS, *SPANS):
        value = boot.latency(hop)
        hop_rows.append((hop.name, hop.help, "unknown" if value is None else f"{value:.3f}"))
    _text_column(hops, "hop", [r[0] for r in hop_rows])
    _text_column(hops, "between", [r[1] for r in hop_rows])
    _number_column(hops, "seconds", [r[2] for r in hop_rows])
    for hop_row in hop_rows:
        hops.add_row(*(Text(c) for c in hop_row))
    return hops


def print_problems(
    console: Console, problems: list[str], limit: int = 20, not_listed: int = 0
) -> None:
    """The input problems, one per line, the first ``limit`` of them (as text, never markup)."""
    for text in problems[:limit]:
        console.print(
            Text.assemble(("skipped/problem: ", "yellow"), text), highlight=False, soft_wrap=True
        )
    more = len(problems) - limit + not_listed
    if more > 0:
        console.print(Text(f"… and {more} more (see --json)", style="yellow"))
