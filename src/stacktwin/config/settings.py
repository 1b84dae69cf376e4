"""Files → the values in force: oslo.config precedence, types and provenance for every option.

``load_config`` takes the files of a cloud (nova and neutron, in the order each service reads
them) and resolves each catalogue option the way oslo.config does (``_Namespace._get_file_value``):
the *last file* that sets the option wins; inside that file the current name wins over a
deprecated one, and of repeated keys the last wins. Section names are normalised as oslo does
(``[AGENT]`` = ``[agent]``, but ``[default]`` ≠ ``[DEFAULT]``). Every value keeps the file:line
it came from and the earlier assignments it overrode.

A value of the wrong type or out of range is what makes a service refuse to start
(``ConfigFileValueError``): it is reported with its file:line as critical and the audit goes on
with the release default. Settings outside the catalogue are legal and simply not audited, except
for near-misses (``rpc_worker``) and catalogue options written in a section the service does not
read them from (``[compute] heal_instance_info_cache_interval``): OpenStack silently ignores those,
so they are warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from stacktwin.config.catalogue import (
    CATALOGUE,
    Option,
    Project,
    Value,
    sections_of,
)
from stacktwin.config.ini import Assignment, IniFile, Location, normalize_section, read_ini
from stacktwin.config.substitute import Lookup, Unresolved, has_reference, substitute

Severity = Literal["info", "warning", "critical"]
PROJECTS: tuple[Project, ...] = ("nova", "neutron")

_GENERIC_NAMES = frozenset(
    {
        "workers",
        "report_interval",
        "firewall_driver",
        "polling_interval",
        "max_pool_size",
        "max_overflow",
        "pool_timeout",
        "rpc_response_timeout",
        "executor_thread_pool_size",
    }
)
"""Catalogue names that other sections legitimately declare too (``[scheduler] workers``, the
metering agent's ``[DEFAULT] report_interval``, nova's own ``[DEFAULT] firewall_driver``): seeing
them elsewhere is not a misplacement."""

_NOVA_SECTIONS = frozenset(
    {
        "api_database",
        "conductor",
        "libvirt",
        "placement",
        "neutron",
        "scheduler",
        "compute",
        "glance",
        "vnc",
        "spice",
        "filter_scheduler",
        "cinder",
        "api",
        "serial_console",
    }
)
_NEUTRON_SECTIONS = frozenset(
    {
        "ml2",
        "ovs",
        "agent",
        "securitygroup",
        "nova",
        "ml2_type_vxlan",
        "ml2_type_flat",
        "ml2_type_vlan",
        "ml2_type_gre",
        "ml2_type_geneve",
        "linux_bridge",
        "vxlan",
        "l2pop",
    }
)


@dataclass(frozen=True)
class ConfigProblem:
    """Something wrong in the input files, with where it is and how bad it is."""

    severity: Severity
    location: Location
    message: str


@dataclass(frozen=True)
class Setting:
    """The value of one option set explicitly in the files, and where.

    ``location`` is the file:line of the assignment in force; ``written_as`` how it was spelled
    there (a deprecated name, another section case); ``overridden`` every other assignment of it,
    oldest first. Options the files do not set have no ``Setting``: their release default applies
    (``stacktwin.config.load.resolve``).
    """

    option: Option
    section: str
    value: Value
    location: Location
    written_as: str
    overridden: tuple[Location, ...] = ()


@dataclass(frozen=True)
class ConfigFile:
    """One input file and the project it configures."""

    path: str
    project: Project


@dataclass
class LoadedConfig:
    """Everything ``load_config`` found: files, explicit settings, problems, unaudited keys."""

    files: list[tuple[ConfigFile, IniFile]] = field(default_factory=list)
    explicit: dict[tuple[str, str, str], Setting] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)
    not_audited: list[tuple[Project, Assignment]] = field(default_factory=list)
    unreadable: list[ConfigProblem] = field(default_factory=list)
    """Files given that could not be read at all (missing, a folder, a device, too large)."""

    def projects(self) -> set[Project]:
        """The projects at least one readable file was given for."""
        return {src.project for src, ini in self.files if ini.sections}

    def setting(self, project: str, section: str, name: str) -> Setting | None:
        """The explicit setting of ``[section] name`` (``None``: not set, the default applies)."""
        return self.explicit.get((project, section, name))


def convert(opt: Option, raw: str) -> Value:
    """Convert ``raw`` as the oslo.config type of ``opt`` would (``oslo_config/types.py``).

    Integer/Float: ``int()``/``float()`` of the stripped text, empty → ``None``; Boolean:
    true/1/on/yes and false/0/off/no, any case; then the option's min/max. Raises ``ValueError``
    with oslo's wording.
    """
    if opt.type == "str":
        return raw
    text = raw.strip()
    if opt.type == "bool":
        low = text.lower()
        if low in ("true", "1", "on", "yes"):
            return True
        if low in ("false", "0", "off", "no"):
            return False
        raise ValueError(f"Unexpected boolean value {raw!r}")
    if text == "":
        return None
    number: int | float
    try:
        number = int(text) if opt.type == "int" else float(text)
    except ValueError:
        kind = "an integer" if opt.type == "int" else "a number"
        raise ValueError(f"{raw!r} is not {kind}") from None
    if not math.isfinite(number):
        raise ValueError(f"{raw!r} is not a finite number")
    if opt.minimum is not None and number < opt.minimum:
        raise ValueError(f"{number} should be greater than or equal to {opt.minimum:g}")
    if opt.maximum is not None and number > opt.maximum:
        raise ValueError(f"{number} should be less than or equal to {opt.maximum:g}")
    return number


def guess_project(path: str, ini: IniFile) -> Project | None:
    """Which service a file configures: from its name, else from its sections.

    ``nova*.conf`` → nova; ``neutron*.conf``, ``ml2_conf.ini``, ``*_agent.ini`` → neutron;
    otherwise nova-only sections (``[api_database]``, ``[conductor]``, ``[neutron]``, …) versus
    neutron-only ones (``[ml2]``, ``[ovs]``, ``[agent]``, ``[nova]``, …). ``None`` when unclear.
    """
    name = Path(path).name.lower()
    if name.startswith("nova"):
        return "nova"
    if name.startswith(("neutron", "ml2", "openvswitch", "ovs", "linuxbridge")) or (
        name.endswith("_agent.ini")
    ):
        return "neutron"
    sections = {normalize_section(s) for s, _ in ini.sections}
    nova, neutron = len(sections & _NOVA_SECTIONS), len(sections & _NEUTRON_SECTIONS)
    if nova > neutron:
        return "nova"
    if neutron > nova:
        return "neutron"
    return None


def parse_source(arg: str) -> tuple[str, Project | None]:
    """Split a command-line file argument: ``nova:PATH`` / ``neutron:PATH`` or a bare path."""
    for project in PROJECTS:
        prefix = f"{project}:"
        if arg.startswith(prefix):
            return arg[len(prefix) :], project
    return arg, None


def load_config(paths: Sequence[str], display: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read ``paths`` (each optionally ``nova:``/``neutron:``-prefixed), in order, and resolve
    every catalogue option per oslo.config precedence; ``display`` names a path in messages
    (an archive member read from a temporary copy). Never raises for bad input."""
    loaded = LoadedConfig()
    for arg in paths:
        path, project = parse_source(arg)
        ini = read_ini(path, (display or {}).get(path))
        if ini.unreadable:
            loaded.unreadable += [
                ConfigProblem("critical", p.location, p.message) for p in ini.problems
            ]
        for p in ini.problems:
            severity: Severity = "critical" if p.fatal else "warning"
            loaded.problems.append(ConfigProblem(severity, p.location, p.message))
        if not ini.sections:
            continue
        project = project or guess_project(ini.path, ini)
        if project is None:
            loaded.problems.append(
                ConfigProblem(
                    "critical",
                    Location(ini.path),
                    "cannot tell whether this file is for nova or neutron; name it as "
                    "nova:PATH or neutron:PATH",
                )
            )
            continue
        loaded.files.append((ConfigFile(ini.path, project), ini))
    for project in PROJECTS:
        inis = [ini for src, ini in loaded.files if src.project == project]
        _resolve(project, inis, loaded)
        _report_unknown(project, inis, loaded)
    return loaded


def _index(ini: IniFile) -> dict[str, dict[str, list[Assignment]]]:
    out: dict[str, dict[str, list[Assignment]]] = {}
    for a in ini.assignments:
        out.setdefault(normalize_section(a.section), {}).setdefault(a.key, []).append(a)
    return out


def _resolve(project: Project, inis: list[IniFile], loaded: LoadedConfig) -> None:
    indexes = [_index(ini) for ini in inis]
    lookup = _lookup(indexes)
    for section, opts in sections_of(project).items():
        for opt in opts:
            names = [(section, opt.name)]
            if section == opt.section:
                names += list(opt.deprecated_names)
            every = [a for idx in indexes for s, n in names for a in idx.get(s, {}).get(n, [])]
            if not every:
                continue
            in_force = _in_force(indexes, names)
            value = _convert_all(project, opt, every, in_force, loaded, lookup)
            _note_repeats(section, opt, every, in_force, loaded)
            if value is None:
                _note_empty(opt, in_force, loaded)
                continue
            loaded.explicit[(project, section, opt.name)] = Setting(
                option=opt,
                section=section,
                value=value,
                location=in_force.location,
                written_as=f"[{in_force.section}] {in_force.key}",
                overridden=tuple(a.location for a in every if a is not in_force),
            )


def _convert_all(
    project: Project,
    opt: Option,
    every: list[Assignment],
    in_force: Assignment,
    loaded: LoadedConfig,
    lookup: Lookup,
) -> Value:
    """The typed value in force, after oslo.config's ``$option`` substitution; a value of the
    wrong type is a problem (critical when it is the one in force: the service would refuse to
    start); a reference the files do not resolve is a warning, audited with the default."""
    value: Value = None
    for a in every:
        try:
            raw = substitute(a.value, a.section, lookup) if has_reference(a.value) else a.value
            converted = convert(opt, raw)
        except Unresolved as err:
            if a is in_force:
                msg = f"[{a.section}] {a.key} = {a.value!r}: {err}; audited with the default"
                loaded.problems.append(ConfigProblem("warning", a.location, msg))
        except ValueError as err:
            where = f"[{a.section}] {a.key}"
            if a is in_force:
                msg = (
                    f"wrong type: {where} = {a.value!r}: {err}; {project} would refuse "
                    f"to start (ConfigFileValueError); audited with the default instead"
                )
                loaded.problems.append(ConfigProblem("critical", a.location, msg))
            else:
                msg = f"wrong type: {where} = {a.value!r}: {err} (overridden later)"
                loaded.problems.append(ConfigProblem("warning", a.location, msg))
        else:
            if a is in_force:
                value = converted
    return value


def _note_repeats(
    section: str, opt: Option, every: list[Assignment], in_force: Assignment, loaded: LoadedConfig
) -> None:
    if len({a.value for a in every}) > 1:
        history = ", ".join(f"{a.value!r} at {a.location}" for a in every)
        loaded.problems.append(
            ConfigProblem(
                "info",
                in_force.location,
                f"[{section}] {opt.name} is set {len(every)} times with different "
                f"values ({history}); oslo.config uses the one here",
            )
        )


def _note_empty(opt: Option, in_force: Assignment, loaded: LoadedConfig) -> None:
    if opt.type != "str" and in_force.value.strip() == "":
        loaded.problems.append(
            ConfigProblem(
                "warning",
                in_force.location,
                f"[{in_force.section}] {in_force.key} is empty: oslo.config reads "
                "None, not the default; audited with the default",
            )
        )


def _lookup(indexes: list[dict[str, dict[str, list[Assignment]]]]) -> Lookup:
    """The raw value in force of any ``[section] key`` of these files (oslo precedence)."""

    def lookup(section: str, key: str) -> str | None:
        names = [(normalize_section(section), key)]
        if not any(idx.get(names[0][0], {}).get(key) for idx in indexes):
            return None
        return _in_force(indexes, names).value

    return lookup


def _in_force(
    indexes: list[dict[str, dict[str, list[Assignment]]]], names: list[tuple[str, str]]
) -> Assignment:
    """oslo's rule: newest file first; in it, the first name found; of its values, the last."""
    for idx in reversed(indexes):
        for section, name in names:
            values = idx.get(section, {}).get(name)
            if values:
                return values[-1]
    raise AssertionError("called only when some file sets one of the names")


MAX_TYPO_EDITS = 2
"""A key this close (in single-character edits) to an audited option is taken for a typo of it.
Real neighbours are further away (``notify_nova_on_port_data_changes`` vs ``…status…``: 5 edits,
``agent_boot_time`` vs ``agent_down_time``: 3)."""


def _typo(key: str, name: str) -> bool:
    """True when ``key`` is 1..MAX_TYPO_EDITS edits (Levenshtein) away from ``name``."""
    if key == name or abs(len(key) - len(name)) > MAX_TYPO_EDITS:
        return False
    previous = list(range(len(name) + 1))
    for i, ck in enumerate(key, start=1):
        current = [i]
        for j, cn in enumerate(name, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ck != cn)))
        previous = current
    return previous[-1] <= MAX_TYPO_EDITS


def _report_unknown(project: Project, inis: list[IniFile], loaded: LoadedConfig) -> None:
    by_section = sections_of(project)
    audited_names = {(s, o.name) for s, opts in by_section.items() for o in opts}
    audited_names |= {d for o in CATALOGUE if o.project == project for d in o.deprecated_names}
    distinctive = {o.name: o for o in CATALOGUE if o.project == project}
    for ini in inis:
        warned_default = False
        for a in ini.assignments:
            section = normalize_section(a.section)
            if (section, a.key) in audited_names:
                continue
            if section == "default" and not warned_default:
                warned_default = True
                loaded.problems.append(
                    ConfigProblem(
                        "warning",
                        a.location,
                        f"section [{a.section}] is not [DEFAULT]: oslo.config treats only the "
                        "exact name DEFAULT as the default section, so its settings are ignored",
                    )
                )
                continue
            home = distinctive.get(a.key)
            if home is not None and a.key not in _GENERIC_NAMES:
                loaded.problems.append(
                    ConfigProblem(
                        "warning",
                        a.location,
                        f"[{a.section}] {a.key} is not read by {project}: it reads "
                        f"[{home.section}] {a.key}; this setting has no effect",
                    )
                )
                continue
            close = [o.name for o in by_section.get(section, ()) if _typo(a.key, o.name)]
            if close:
                loaded.problems.append(
                    ConfigProblem(
                        "warning",
                        a.location,
                        f"unknown option [{a.section}] {a.key}: did you mean {close[0]}? "
                        "OpenStack ignores unknown options, so this setting has no effect",
                    )
                )
                continue
            loaded.not_audited.append((project, a))
