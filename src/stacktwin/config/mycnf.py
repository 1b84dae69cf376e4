"""The database server's ``max_connections``, read from a MySQL/MariaDB option file.

``check`` compares the connections every nova and neutron pool may open at peak with it. Option
files (``my.cnf``, ``/etc/mysql/conf.d/*.cnf``, Galera's ``server.cnf``) are INI files; the
server reads ``[mysqld]``, ``[server]``, ``[mariadb]``, ``[galera]`` and version-suffixed
``[mysqld-8.0]``/``[mariadb-10.6]`` groups, later files and later lines winning, and accepts
``-`` for ``_`` in names (MySQL "Using Option Files"; MariaDB "Configuring with Option Files").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stacktwin.config.ini import read_ini
from stacktwin.config.settings import ConfigProblem, LoadedConfig

SERVER_GROUP = re.compile(r"^(mysqld|server|mariadb|galera)(-[0-9.]+)?$", re.IGNORECASE)

SUFFIXES = {"k": 1024, "m": 1024**2, "g": 1024**3}


@dataclass(frozen=True)
class MaxConnections:
    """``max_connections`` in force, and the file:line it came from."""

    value: int
    source: str


def is_option_file(arg: str) -> bool:
    """True for ``mysql:PATH`` or a path ending in ``.cnf``: a database option file."""
    return arg.startswith("mysql:") or arg.lower().endswith(".cnf")


def max_connections(
    args: Sequence[str], loaded: LoadedConfig, display: Mapping[str, str] | None = None
) -> MaxConnections | None:
    """The value the server runs with, from the files in order; an unreadable file or a value
    that is not a count is recorded in ``loaded`` (unreadable: ``check`` exits 2)."""
    found: MaxConnections | None = None
    for arg in args:
        path = arg.removeprefix("mysql:")
        ini = read_ini(path, (display or {}).get(path))
        if ini.unreadable:
            loaded.unreadable += [
                ConfigProblem("critical", p.location, p.message) for p in ini.problems
            ]
            continue
        for a in ini.assignments:
            if SERVER_GROUP.match(a.section) and a.key.replace("-", "_") == "max_connections":
                text = a.value.strip().lower()
                scale = SUFFIXES.get(text[-1:], 1)
                digits = text[:-1] if scale > 1 else text
                if digits.isdigit() and int(digits) > 0:
                    found = MaxConnections(int(digits) * scale, str(a.location))
                else:
                    why = f"max_connections = {a.value!r} is not a count; the default is assumed"
                    loaded.problems.append(ConfigProblem("warning", a.location, why))
    return found
