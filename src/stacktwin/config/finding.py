"""One finding of the audit, and how options are named in findings."""

from __future__ import annotations

from pydantic import BaseModel

from stacktwin.config.settings import Severity


class Finding(BaseModel):
    """One thing to look at: how bad, which option, what was seen, what to set and why."""

    severity: Severity
    option: str
    """``nova [DEFAULT] heal_instance_info_cache_interval``, or ``input`` for a file problem."""
    message: str
    evidence: list[str]
    set_to: str | None = None
    why: str = ""


def label(project: str, section: str, name: str) -> str:
    """How a finding names an option: ``nova [DEFAULT] heal_instance_info_cache_interval``."""
    return f"{project} [{section}] {name}"
