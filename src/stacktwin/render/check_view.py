"""Render a check :class:`~stacktwin.config.audit.Report`: rich tables for people, JSON for scripts.

The JSON is ``Report.model_dump`` so scripts see exactly the pydantic schema.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from stacktwin.config.audit import Report
from stacktwin.render.fit import FitTable

_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _fmt(value: float | None) -> str:
    if value is None:
        return "unbounded"
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def render_table(report: Report, console: Console) -> None:
    """Print the scale, the load figures and the findings as tables."""
    s = report.scale
    boots = s.boots_per_second * 60
    console.print(
        f"[bold]stacktwin check[/] · release {report.release} · {s.hosts:,} hosts · "
        f"{s.instance_count:,} instances · {boots:g} boots/min · {s.neutron_servers} neutron "
        f"servers × {s.neutron_server_cores} CPUs"
    )
    if report.release_basis:
        console.print(f"  release {escape(report.release_basis)}", soft_wrap=True)
    for line in report.release_evidence:
        console.print(f"    {escape(line)}", soft_wrap=True, highlight=False)
    for source, roles in report.roles.items():
        console.print(f"  node {escape(source)}: {escape(roles)}", soft_wrap=True)
    for name in report.files:
        console.print(f"  file {escape(name)}", soft_wrap=True)
    load = FitTable(title="Load this configuration implies", title_justify="left")
    load.add_column("figure")
    load.add_column("value", justify="right")
    load.add_column("unit")
    load.add_column("how")
    for fig in report.figures:
        load.add_row(fig.name, _fmt(fig.value), fig.unit, escape(fig.basis))
    console.print(load)
    table = FitTable(title="Findings", title_justify="left", show_lines=True)
    table.add_column("severity")
    table.add_column("finding, evidence, value to set and why")
    for f in report.findings:
        lines = [f"[bold]{escape(f.option)}[/]", escape(f.message)]
        lines += [f"[dim]evidence:[/] {escape(e)}" for e in f.evidence]
        if f.set_to:
            lines.append(f"[dim]set to:[/] [bold]{escape(f.set_to)}[/]")
        if f.why:
            lines.append(f"[dim]why:[/] {escape(f.why)}")
        table.add_row(f"[{_STYLE[f.severity]}]{f.severity}[/]", "\n".join(lines))
    if report.findings:
        console.print(table)
    else:
        console.print("No findings.")
    counts = {sev: sum(f.severity == sev for f in report.findings) for sev in _STYLE}
    console.print(
        f"{counts['critical']} critical, {counts['warning']} warning, {counts['info']} info; "
        f"{len(report.not_audited)} settings outside stacktwin's catalogue were not audited "
        "(listed in --json)."
    )


def check_dict(report: Report) -> dict[str, Any]:
    """The report for JSON (the pydantic schema of :class:`Report`, plus ``kind``, ``critical``)."""
    data: dict[str, Any] = {"kind": "check", **report.model_dump(mode="json")}
    data["critical"] = report.critical
    return data
