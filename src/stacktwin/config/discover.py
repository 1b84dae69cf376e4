"""Configuration files found in what the operator points ``check`` at: a folder (an ``/etc``
tree, a sosreport extracted or not) or a tarball, as well as plain files.

Files are recognised by the names the services read them under, and ordered as the services
read them (``nova.conf`` before ``nova-compute.conf``: later files win, as with repeated
``--config-file``). A tarball is never extracted to disk as a whole: only members with those
names, regular files under the size cap, are copied to a temporary folder and read from there,
their messages naming ``archive:member``. What a folder or archive holds says which node it
came from: nova-compute's files make a compute node, the neutron server's ML2 and the nova API
database a controller.
"""

from __future__ import annotations

import fnmatch
import os
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stacktwin.config.ini import MAX_CONFIG_BYTES
from stacktwin.config.settings import parse_source

NAMES: tuple[tuple[str, str], ...] = (
    ("nova", "nova.conf"),
    ("nova", "nova-*.conf"),
    ("neutron", "neutron.conf"),
    ("neutron", "ml2_conf.ini"),
    ("neutron", "openvswitch_agent.ini"),
    ("neutron", "ovs_neutron_plugin.ini"),
    ("neutron", "linuxbridge_agent.ini"),
    ("neutron", "dhcp_agent.ini"),
    ("neutron", "ovn_agent.ini"),
    ("mysql", "my.cnf"),
    ("mysql", "server.cnf"),
    ("mysql", "galera.cnf"),
    ("mysql", "mysqld.cnf"),
    ("mysql", "50-server.cnf"),
)
"""(project, file-name pattern) in reading order; the first pattern a name matches wins."""

SKIP_DIRS = {".git", "__pycache__", "proc", "sys", "dev"}
MAX_FILES = 200
"""Configuration files taken from one folder or archive (an /etc tree holds a few dozen)."""


def _rank(name: str) -> tuple[int, str] | None:
    for rank, (project, pattern) in enumerate(NAMES):
        if fnmatch.fnmatchcase(name.lower(), pattern):
            return rank, project
    return None


@dataclass
class Found:
    """What a folder or archive gave: ``project:path`` arguments in reading order, display
    names for archive members, the node roles its files show, problems met."""

    args: list[str] = field(default_factory=list)
    display: dict[str, str] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(where, what) of each problem met."""


def _role(relative: str) -> str | None:
    name = relative.rsplit("/", 1)[-1].lower()
    if name in (
        "nova-compute.conf",
        "nova-cpu.conf",
        "openvswitch_agent.ini",
        "linuxbridge_agent.ini",
    ):
        return "compute"
    if name == "ml2_conf.ini" or name.endswith(".cnf"):
        return "controller"
    return None


def _add(found: Found, source: str, entries: list[tuple[str, str, str]]) -> None:
    """``entries``: (relative name, real path, display) of one folder or archive."""
    ranked = []
    for relative, real, shown in entries:
        rank = _rank(relative.rsplit("/", 1)[-1])
        if rank is not None:
            ranked.append((rank[0], relative, rank[1], real, shown))
    ranked.sort()
    if len(ranked) > MAX_FILES:
        found.problems.append(
            (source, f"{len(ranked)} configuration files; the first {MAX_FILES} read")
        )
        ranked = ranked[:MAX_FILES]
    if not ranked:
        found.problems.append((source, "no nova, neutron or MySQL configuration file in it"))
    for _, relative, project, real, shown in ranked:
        found.args.append(f"{project}:{real}")
        if shown != real:
            found.display[real] = shown
        role = _role(relative)
        if role is not None:
            found.roles.setdefault(source, [])
            if role not in found.roles[source]:
                found.roles[source].append(role)


def _walk(folder: Path) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for root, dirs, files in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file():
                out.append((str(path.relative_to(folder)), str(path), str(path)))
    return out


def _members(archive: Path, tmp: Path, found: Found) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name.lstrip("./")
                if _rank(name.rsplit("/", 1)[-1]) is None:
                    continue
                if not member.isreg() or member.size > MAX_CONFIG_BYTES:
                    found.problems.append(
                        (f"{archive}:{name}", "not a regular file under the cap; skipped")
                    )
                    continue
                data = tar.extractfile(member)
                if data is None:
                    continue
                target = tmp / f"{len(out):04d}" / name.rsplit("/", 1)[-1]
                target.parent.mkdir(parents=True)
                target.write_bytes(data.read(MAX_CONFIG_BYTES + 1))
                out.append((name, str(target), f"{archive}:{name}"))
    except (tarfile.TarError, OSError, EOFError) as err:
        found.problems.append((str(archive), f"cannot read the archive: {err}"))
    return out


@contextmanager
def expanded(args: Sequence[str]) -> Iterator[tuple[list[str], Found]]:
    """The file arguments with every folder and tarball replaced by the configuration files in
    it (archive members copied to a temporary folder removed on exit)."""
    found = Found()
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="stacktwin-check-") as tmp:
        for arg in args:
            path = Path(parse_source(arg.removeprefix("mysql:"))[0])
            if path.is_dir():
                before = len(found.args)
                _add(found, arg, _walk(path))
                out += found.args[before:]
            elif path.is_file() and tarfile.is_tarfile(path):
                before = len(found.args)
                _add(found, arg, _members(path, Path(tmp) / f"a{len(out)}", found))
                out += found.args[before:]
            else:
                out.append(arg)
        yield out, found
