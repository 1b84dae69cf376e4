"""What the files say about the cloud beyond their options: the ML2 mechanism drivers, and the
OpenStack release when the operator does not state it.

The release is inferred from options and sections whose presence bounds it: a file that sets
nova's ``[neutron] url`` was written for nova ≤ 19 (Stein), because nova 20.0.0 (Train) no longer
registers that option. Each marker below was checked in the option declarations of the wheels
(``nova/conf/*.py``, ``oslo_messaging/opts.py``). The newest release every marker allows is
taken. It is a heuristic, stated as one: a file carried over from an older release keeps its
old options, so the inference can only err towards an older release, and ``--release`` always
wins. With no marker at all, the current release is *assumed*, and the audit says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacktwin.config.catalogue import option
from stacktwin.config.ini import Location, normalize_section
from stacktwin.config.option import Project
from stacktwin.config.releases import CURRENT, RELEASES, Release, release
from stacktwin.config.settings import LoadedConfig


@dataclass(frozen=True)
class Marker:
    """``[section] option`` (or the section itself when ``option`` is None) exists in
    ``project``'s configuration only up to release ``last``."""

    project: Project
    section: str
    option: str | None
    last: Release
    reference: str


MARKERS: tuple[Marker, ...] = (
    Marker(
        "neutron",
        "oslo_messaging_zmq",
        None,
        release("rocky"),
        "the zmq driver's section: oslo.messaging 8.1.4 (Rocky) registers it, 9.0.0 (Stein) "
        "removed the driver",
    ),
    Marker(
        "neutron",
        "matchmaker_redis",
        None,
        release("rocky"),
        "the zmq matchmaker's section: in oslo.messaging 8.1.4 (Rocky), not in 9.x (Stein)",
    ),
    Marker(
        "nova",
        "neutron",
        "url",
        release("stein"),
        "nova/conf/neutron.py has it in nova 19.3.2 (Stein), not in 20.0.0 (Train)",
    ),
    *(
        Marker(
            "nova",
            "DEFAULT",
            name,
            release("train"),
            "a nova-network option: nova/conf/network.py has it in nova 20.6.0 (Train), not in "
            "21.x (Ussuri)",
        )
        for name in (
            "use_neutron",
            "firewall_driver",
            "dhcpbridge",
            "dhcpbridge_flagfile",
            "force_dhcp_release",
            "linuxnet_interface_driver",
        )
    ),
)


@dataclass(frozen=True)
class ReleaseGuess:
    """The release to audit against, and how it was chosen."""

    release: Release
    basis: str
    """``given``, ``from the scenario``, ``inferred`` or ``assumed``."""
    evidence: tuple[str, ...] = ()

    @property
    def assumed(self) -> bool:
        """True when nothing said which release: the current one is assumed."""
        return self.basis == "assumed"

    def describe(self) -> str:
        """One line for the report: the release and why."""
        if self.basis == "inferred":
            return f"{self.release} (inferred from the files: newest release they allow)"
        if self.assumed:
            return f"{self.release} (assumed: not given, and nothing in the files tells)"
        return f"{self.release} ({self.basis})"


def _locations(loaded: LoadedConfig, marker: Marker) -> list[Location]:
    out: list[Location] = []
    for src, ini in loaded.files:
        if src.project != marker.project:
            continue
        if marker.option is None:
            out += [loc for name, loc in ini.sections if normalize_section(name) == marker.section]
        else:
            out += [
                a.location
                for a in ini.assignments
                if normalize_section(a.section) == marker.section and a.key == marker.option
            ]
    return out


def infer_release(loaded: LoadedConfig) -> ReleaseGuess:
    """The newest release the files' markers allow; the current release, assumed, if none."""
    newest = RELEASES[-1]
    evidence: list[str] = []
    for marker in MARKERS:
        found = _locations(loaded, marker)
        if found:
            what = f"[{marker.section}]" + (f" {marker.option}" if marker.option else "")
            evidence.append(f"{found[0]}: {what}: up to {marker.last}; {marker.reference}")
            newest = min(newest, marker.last)
    for (project, section, name), setting in loaded.explicit.items():
        removed = option(project, section, name).removed_in
        if removed is not None:
            last = RELEASES[removed.index - 1]
            evidence.append(
                f"{setting.location}: [{section}] {name}: up to {last}; removed in {removed}"
            )
            newest = min(newest, last)
    if not evidence:
        return ReleaseGuess(CURRENT, "assumed")
    return ReleaseGuess(newest, "inferred", tuple(evidence))


@dataclass(frozen=True)
class Ml2Drivers:
    """``[ml2] mechanism_drivers`` in force, where it was read (None: not in the files)."""

    drivers: tuple[str, ...]
    location: Location | None

    @property
    def without_ovs_agents(self) -> str | None:
        """The driver that replaces the OVS agent (``ovn``, ``linuxbridge``), when the files
        set drivers and ``openvswitch`` is not among them; None when OVS agents run."""
        if self.location is None or "openvswitch" in self.drivers:
            return None
        for driver in ("ovn", "linuxbridge"):
            if driver in self.drivers:
                return driver
        return None


def ml2_drivers(loaded: LoadedConfig) -> Ml2Drivers:
    """The ML2 mechanism drivers the neutron files set (oslo precedence: the last file wins)."""
    found: tuple[tuple[str, ...], Location] | None = None
    for src, ini in loaded.files:
        if src.project != "neutron":
            continue
        for a in ini.assignments:
            if normalize_section(a.section) == "ml2" and a.key == "mechanism_drivers":
                names = tuple(d.strip().lower() for d in a.value.split(",") if d.strip())
                found = (names, a.location)
    if found is None:
        return Ml2Drivers((), None)
    return Ml2Drivers(*found)
