"""OpenStack release series, in order, with the nova and neutron major versions of each.

Defaults change by release (``heal_instance_info_cache_interval`` went from 60 s to disabled in
2025.1, neutron's ``rpc_workers`` from 1 to "half the workers" in Stein), so every option in the
catalogue states its default per release range, and ``stacktwin check --release`` says which
release the files are for. The table is the dossier's release map (``openstack-boot-path.md`` §0):
nova N = Kilo + (N - 11), neutron N = nova - 5 from Stein on; the mapping is the same as
``nova/objects/service.py SERVICE_VERSION_ALIASES`` and the first tags of each series.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering


@total_ordering
@dataclass(frozen=True)
class Release:
    """One OpenStack release series: its name, its date name (from 2023.1) and its versions."""

    name: str
    year_name: str | None
    nova: int
    neutron: int

    @property
    def index(self) -> int:
        """Position in the release order (Kilo = 0)."""
        return RELEASES.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Release):
            return NotImplemented
        return self.nova < other.nova

    def __str__(self) -> str:
        if self.year_name and self.year_name != self.name:
            return f"{self.year_name} {self.name}"
        return self.name


RELEASES: tuple[Release, ...] = (
    Release("Kilo", None, 11, 2015),
    Release("Liberty", None, 12, 7),
    Release("Mitaka", None, 13, 8),
    Release("Newton", None, 14, 9),
    Release("Ocata", None, 15, 10),
    Release("Pike", None, 16, 11),
    Release("Queens", "2018.1", 17, 12),
    Release("Rocky", None, 18, 13),
    Release("Stein", None, 19, 14),
    Release("Train", None, 20, 15),
    Release("Ussuri", None, 21, 16),
    Release("Victoria", None, 22, 17),
    Release("Wallaby", None, 23, 18),
    Release("Xena", None, 24, 19),
    Release("Yoga", "2022.1", 25, 20),
    Release("Zed", "2022.2", 26, 21),
    Release("Antelope", "2023.1", 27, 22),
    Release("Bobcat", "2023.2", 28, 23),
    Release("Caracal", "2024.1", 29, 24),
    Release("Dalmatian", "2024.2", 30, 25),
    Release("Epoxy", "2025.1", 31, 26),
    Release("Flamingo", "2025.2", 32, 27),
    Release("Gazpacho", "2026.1", 33, 28),
    # The 2026.2 series name is not confirmed (dossier §12); its date name is used as its name.
    Release("2026.2", "2026.2", 34, 29),
)
"""Every release the catalogue knows, oldest first. Kilo's neutron was versioned 2015.1."""

CURRENT: Release = RELEASES[-1]
"""The release ``stacktwin check`` assumes when ``--release`` is not given."""


def release(name: str) -> Release:
    """The release called ``name``: a series name (``ussuri``), a date name (``2025.1``) or a
    nova major version (``nova31``/``31``). Case does not matter.

    Raises ``ValueError`` listing the known names when nothing matches.
    """
    wanted = name.strip().lower().removeprefix("nova").strip()
    for candidate in RELEASES:
        if not wanted:
            break
        if wanted in (candidate.name.lower(), (candidate.year_name or "").lower()):
            return candidate
        if wanted.isdigit() and int(wanted) == candidate.nova:
            return candidate
    known = ", ".join(r.name for r in RELEASES)
    years = ", ".join(r.year_name for r in RELEASES if r.year_name and r.year_name != r.name)
    raise ValueError(f"unknown release {name!r}; known releases: {known}; or by date: {years}")


# Names used by the catalogue for release boundaries, so that ranges read as in the dossier.
QUEENS = release("queens")
ROCKY = release("rocky")
STEIN = release("stein")
XENA = release("xena")
ZED = release("zed")
DALMATIAN = release("2024.2")
EPOXY = release("2025.1")
FLAMINGO = release("2025.2")
GAZPACHO = release("2026.1")
