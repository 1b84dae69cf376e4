"""The audit: the values in force, at a stated scale, turned into findings an operator can act on.

Each rule (``rules_nova``, ``rules_neutron``) states the evidence (file:line, or the release
default in force), the value to set and why; this module runs them and collects the report.
"""

from __future__ import annotations

from pydantic import BaseModel

from stacktwin.config import rules_capacity, rules_neutron, rules_nova
from stacktwin.config.catalogue import option
from stacktwin.config.finding import Finding, label
from stacktwin.config.infer import ReleaseGuess, ml2_drivers
from stacktwin.config.load import Figure, Scale, figures
from stacktwin.config.settings import LoadedConfig

__all__ = ["Finding", "Report", "audit"]


class Report(BaseModel):
    """The whole audit: the scale, the files, the load figures and the findings."""

    release: str
    release_basis: str = ""
    """How the release was chosen: given, from the scenario, inferred or assumed."""
    release_evidence: list[str] = []
    """For an inferred release: each file:line that bounds it, with why."""
    scale: Scale
    files: list[str]
    figures: list[Figure]
    findings: list[Finding]
    not_audited: list[str]
    """Settings outside the catalogue (legal, read by OpenStack, not judged here), as
    ``project file:line [section] key``, so none goes unmentioned."""
    roles: dict[str, str] = {}
    """For a folder or archive given: the node roles its files show (compute, controller)."""
    unreadable: list[str] = []
    """Files given that could not be read at all, ``path: why`` (``check`` then exits 2)."""

    @property
    def critical(self) -> bool:
        """True when any finding is critical (``stacktwin check`` then exits non-zero)."""
        return any(f.severity == "critical" for f in self.findings)


def audit(loaded: LoadedConfig, scale: Scale, guess: ReleaseGuess | None = None) -> Report:
    """Audit ``loaded`` for ``scale``: figures, then findings (input problems first).

    ``guess`` says how the scale's release was chosen (given, inferred, assumed); an assumed
    release is a finding of its own, so "no findings" never hides a release mismatch.
    """
    guess = guess or ReleaseGuess(scale.release, "given")
    findings = [
        Finding(severity=p.severity, option="input", message=p.message, evidence=[str(p.location)])
        for p in loaded.problems
    ]
    if guess.assumed:
        findings.append(_assumed_release(scale))
    projects = loaded.projects()
    if "nova" in projects:
        findings += rules_nova.heal(loaded, scale) + rules_nova.vif(loaded, scale)
        for section in ("database", "api_database"):
            findings += rules_neutron.db_pool(loaded, scale, "nova", section)
        findings += rules_capacity.nova_compute(loaded, scale)
    if "neutron" in projects:
        findings += _neutron(loaded, scale)
    if projects:
        findings += rules_capacity.db_connections(loaded, scale)
        findings += rules_capacity.overflow_unbounded(loaded, scale)
        findings += rules_capacity.rpc_timeouts(loaded, scale)
        findings += rules_capacity.rabbit_heartbeat(loaded, scale)
    findings += _removed(loaded, scale)
    order = {"critical": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (f.option != "input", order[f.severity]))
    return Report(
        release=str(scale.release),
        release_basis=guess.describe(),
        release_evidence=list(guess.evidence),
        scale=scale,
        files=[f"{src.project}: {src.path}" for src, _ in loaded.files],
        unreadable=[f"{p.location}: {p.message}" for p in loaded.unreadable],
        figures=figures(loaded, scale),
        findings=findings,
        not_audited=[
            f"{project} {a.location} [{a.section}] {a.key}" for project, a in loaded.not_audited
        ],
    )


def _neutron(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """The neutron rules that apply to the mechanism driver the files set."""
    ml2 = ml2_drivers(loaded)
    other = ml2.without_ovs_agents
    out = rules_neutron.db_pool(loaded, scale, "neutron", "database")
    out += rules_neutron.notifier(loaded, scale)
    if other != "ovn":
        agents = "linuxbridge agents" if other == "linuxbridge" else "OVS agents"
        workers = rules_neutron.rpc_workers(loaded, scale, agents=agents)
        # the executor note only when the workers are enough otherwise: same cure, said once
        out += workers or rules_capacity.executor(loaded, scale)
        out += rules_neutron.reports(loaded, scale)
    if other is None:
        return out + rules_neutron.agent(loaded, scale)
    skipped = "the OVS agent rules (firewall flow deletion, rootwrap, polling)"
    if other == "ovn":
        skipped += ", and the RPC-worker and state-report rules (OVN has no L2 agents on RPC)"
    out.append(
        Finding(
            severity="info",
            option="input",
            message=f"mechanism drivers {', '.join(ml2.drivers)}: no OVS agents; {skipped} do "
            f"not apply and were not run"
            + ("; OVN's own rules are not implemented yet" if other == "ovn" else ""),
            evidence=[str(ml2.location)],
        )
    )
    return out


def _assumed_release(scale: Scale) -> Finding:
    return Finding(
        severity="warning",
        option="input",
        message=f"release not given and nothing in the files tells it: audited against the "
        f"defaults of {scale.release}; defaults differ by release (heal 60 s up to 2024.2, "
        "rpc_workers 1 up to Rocky)",
        evidence=["no --release, no marker option in the files"],
        set_to="--release NAME (e.g. --release 2023.1)",
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
