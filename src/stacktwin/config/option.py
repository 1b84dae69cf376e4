"""The shape of one catalogue entry, in the style of an oslo.config declaration.

``Option`` carries what ``cfg.IntOpt(...)`` says (section, name, type, bounds, help, deprecated
names) plus what oslo.config cannot: the default per release range (:class:`DefaultRange`, with
:class:`Derived` for defaults the service computes from its machine), when the option stopped
being read, what it drives in the boot path and the twin, and where that was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from stacktwin.config.releases import RELEASES, Release

Project = Literal["nova", "neutron"]
OptType = Literal["int", "float", "bool", "str"]
Value = int | float | bool | str | None


class Derived(Enum):
    """A default computed by the service at start-up from the machine it runs on."""

    CPU_COUNT = "number of CPUs"
    """``processutils.get_worker_count()``: nova API/conductor workers, neutron API ≤ Rocky."""
    NEUTRON_WORKER_COUNT = "min(CPUs, RAM / 2 GiB)"
    """neutron ``_get_worker_count()`` (Stein+): API workers."""
    HALF_NEUTRON_WORKERS = "max(min(CPUs, RAM / 2 GiB) / 2, 1)"
    """neutron ``_get_rpc_workers()`` (Stein+): half the API workers, at least 1."""


@dataclass(frozen=True)
class DefaultRange:
    """The default of an option from release ``first`` to ``last`` (inclusive)."""

    first: Release
    last: Release
    value: Value | Derived

    def covers(self, rel: Release) -> bool:
        """True when ``rel`` falls in this range."""
        return self.first <= rel <= self.last


@dataclass(frozen=True)
class Option:
    """One option as oslo.config declares it, plus its history and its meaning for the twin."""

    project: Project
    section: str
    name: str
    type: OptType
    defaults: tuple[DefaultRange, ...]
    drives: str
    help: str
    reference: str
    minimum: float | None = None
    maximum: float | None = None
    deprecated_names: tuple[tuple[str, str], ...] = ()
    """Older ``(section, name)`` spellings oslo.config still reads for this option."""
    removed_in: Release | None = None
    """First release whose code no longer reads the option (setting it then has no effect)."""
    replacement: str | None = None
    """What to set instead from ``removed_in`` on."""
    twin: bool = True
    """Whether the twin's scenario takes this option (``twin_settings``)."""
    fallback: Value = None
    """What the code uses when the option is unset and its declared default is ``None``
    (``[securitygroup] firewall_driver`` → ``'noop'``; ``pool_timeout`` → SQLAlchemy's 30 s)."""
    extra_sections: tuple[str, ...] = field(default=())
    """Other sections that declare an option of the same name and type (e.g. ``[api_database]``)."""

    @property
    def key(self) -> tuple[Project, str, str]:
        """``(project, section, name)``: how the rest of the package names an option."""
        return (self.project, self.section, self.name)

    def default_for(self, rel: Release) -> Value | Derived:
        """The default in force for release ``rel`` (``None``: unset, the code's own fallback)."""
        for rng in self.defaults:
            if rng.covers(rel):
                return rng.value
        return None

    def effective_default(self, rel: Release) -> Value | Derived:
        """The value the code runs with when nothing sets the option: the declared default of
        ``rel``, or the code's :attr:`fallback` when that default is ``None``."""
        value = self.default_for(rel)
        return self.fallback if value is None else value

    def read_by(self, rel: Release) -> bool:
        """False when the release's code no longer reads this option."""
        return self.removed_in is None or rel < self.removed_in


FIRST, LAST = RELEASES[0], RELEASES[-1]


def always(value: Value | Derived) -> tuple[DefaultRange, ...]:
    """The same default in every release the catalogue knows."""
    return (DefaultRange(FIRST, LAST, value),)
