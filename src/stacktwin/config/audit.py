"""The audit: the values in force, at a stated scale, turned into findings an operator can act on.

Each rule (``rules_nova``, ``rules_neutron``) states the evidence (file:line, or the release
default in force), the value to set and why; this module runs them and collects the report.
"""

from __future__ import annotations

from pydantic import BaseModel

from stacktwin.config import rules_neutron, rules_nova
from stacktwin.config.catalogue import option
from stacktwin.config.finding import Finding, label
from stacktwin.config.load import Figure, Scale, figures
from stacktwin.config.settings import LoadedConfig

__all__ = ["Finding", "Report", "audit"]


class Report(BaseModel):
    """The whole audit: the scale, the files, the load figures and the findings."""

    release: str
    scale: Scale
    files: list[str]
    figures: list[Figure]
    findings: list[Finding]
    not_audited: list[str]
    """Settings outside the catalogue (legal, read by OpenStack, not judged here), as
    ``project file:line [section] key``, so none goes unmentioned."""
    unreadable: list[str] = []
    """Files given that could not be read at all, ``path: why`` (``check`` then exits 2)."""

    @property
    def critical(self) -> bool:
        """True when any finding is critical (``stacktwin check`` then exits non-zero)."""
        return any(f.severity == "critical" for f in self.findings)


def audit(loaded: LoadedConfig, scale: Scale) -> Report:
    """Audit ``loaded`` for ``scale``: figures, then findings (input problems first)."""
    findings = [
        Finding(severity=p.severity, option="input", message=p.message, evidence=[str(p.location)])
        for p in loaded.problems
    ]
    projects = loaded.projects()
    if "nova" in projects:
        findings += rules_nova.heal(loaded, scale) + rules_nova.vif(loaded, scale)
        for section in ("database", "api_database"):
            findings += rules_neutron.db_pool(loaded, scale, "nova", section)
    if "neutron" in projects:
        findings += rules_neutron.rpc_workers(loaded, scale) + rules_neutron.reports(loaded, scale)
        findings += rules_neutron.db_pool(
            loaded, scale, "neutron", "database"
        ) + rules_neutron.notifier(loaded, scale)
        findings += rules_neutron.agent(loaded, scale)
    findings += _removed(loaded, scale)
    order = {"critical": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (f.option != "input", order[f.severity]))
    return Report(
        release=str(scale.release),
        scale=scale,
        files=[f"{src.project}: {src.path}" for src, _ in loaded.files],
        unreadable=[f"{p.location}: {p.message}" for p in loaded.unreadable],
        figures=figures(loaded, scale),
        findings=findings,
        not_audited=[
            f"{project} {a.location} [{a.section}] {a.key}" for project, a in loaded.not_audited
        ],
    )


def _removed(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    rel = scale.release
    out: list[Finding] = []
    for (project, section, name), s in loaded.explicit.items():
        opt = option(project, section, name)
        if not opt.read_by(rel):
            out.append(
                Finding(
                    severity="warning",
                    option=label(project, section, name),
                    message=f"{name} is not read by {project} on {rel} (removed in "
                    f"{opt.removed_in}); this setting has no effect",
                    evidence=[str(s.location)],
                    set_to=opt.replacement,
                    why=opt.help,
                )
            )
    return out
