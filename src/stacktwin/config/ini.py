"""Read one oslo.config INI file, keeping the file:line of every value and going on after errors.

Why not ``configparser`` and why not ``oslo_config`` itself: configparser's defaults are not
oslo's (it rejects repeated keys, strips inline comments only when told, lowercases keys, treats
``[DEFAULT]`` values as inherited by every section, interpolates ``%(...)`` which nova and
neutron files use verbatim in log format strings) and neither parser keeps the line each value
came from or goes on after the first error: oslo raises ``ConfigFileParseError`` and the service
refuses to start. An audit must say *where* each value is set and report every bad line while
still auditing the rest, so this module implements the small grammar of
``oslo_config/iniparser.py BaseParser.parse`` (oslo.config 10.7.0) line for line:

- a line is stripped on the right only; blank lines end a multi-line value;
- a line starting with a space or a tab continues the previous value (joined with ``\\n``), so an
  indented ``# ...`` after a key is part of that value, as in oslo;
- ``[name]`` starts a section (``]`` must end the line, the name must not be empty);
- a line starting with ``#`` or ``;`` is a comment; there are no inline comments
  (``a = 1 # x`` has the value ``1 # x``);
- ``key = value`` or ``key: value``: the first ``=`` or ``:`` splits, whichever comes first;
  key and value are stripped; one pair of matching quotes around the value is removed;
- a key before any section is an error ("Section must be started before assignment").

Repeated keys are all kept, in order: oslo.config uses the last one (``_Namespace._get_value``
returns ``values[-1]``); the loader does the same and reports the ones it overrode.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_PROBLEMS_PER_FILE = 20
"""Problems listed one by one per file; beyond this they are counted in one summary problem."""


@dataclass(frozen=True)
class Location:
    """Where something is: a file and, when it is about one line, the 1-based line number."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Assignment:
    """One ``key = value`` as written, in the section it appeared in (name as written)."""

    section: str
    key: str
    value: str
    location: Location


@dataclass(frozen=True)
class ReadProblem:
    """A line (or file) OpenStack would refuse or silently ignore.

    ``fatal`` marks what makes oslo.config refuse the whole file (the service would not start);
    the other problems are legal for oslo but almost certainly not what the operator meant.
    """

    location: Location
    message: str
    fatal: bool = True


@dataclass
class IniFile:
    """Everything read from one file: assignments in file order, sections, problems."""

    path: str
    assignments: list[Assignment] = field(default_factory=list)
    sections: list[tuple[str, Location]] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    unreadable: bool = False
    """True when the file itself could not be read (missing, a folder, a device, too large)."""


def normalize_section(name: str) -> str:
    """oslo.config's ``_normalize_group_name``: ``DEFAULT`` stays, every other name is lowercased.

    So ``[AGENT]`` is ``[agent]``, but ``[default]`` is a section called ``default``, *not*
    ``[DEFAULT]``.
    """
    return name if name == "DEFAULT" else name.lower()


class _Reader:
    """The oslo iniparser state machine, recording problems instead of raising."""

    def __init__(self, ini: IniFile) -> None:
        self.ini = ini
        self.section: str | None = None
        self.key: str | None = None
        self.key_line = 0
        self.value: list[str] = []
        self.dropped = 0

    def problem(self, line: int | None, message: str, *, fatal: bool = True) -> None:
        if len(self.ini.problems) < MAX_PROBLEMS_PER_FILE:
            self.ini.problems.append(ReadProblem(Location(self.ini.path, line), message, fatal))
        else:
            self.dropped += 1

    def flush(self) -> None:
        if self.key is None:
            return
        location = Location(self.ini.path, self.key_line)
        value = "\n".join(self.value)
        if self.section is None:
            self.problem(
                self.key_line,
                f"setting {self.key!r} is outside any section (oslo.config: 'Section must be "
                "started before assignment'); it is not applied",
            )
        else:
            self.ini.assignments.append(Assignment(self.section, self.key, value, location))
        self.key, self.value = None, []

    def feed(self, lineno: int, raw: str) -> None:
        """One physical line: a continuation, a section header, a comment or an assignment."""
        line = raw.rstrip()
        if not line:
            self.flush()
        elif line.startswith((" ", "\t")):
            self._continuation(lineno, line)
        else:
            self.flush()
            if line.startswith("["):
                self._section(lineno, line)
            elif not line.startswith(("#", ";")):
                self._assignment(lineno, line)

    def _continuation(self, lineno: int, line: str) -> None:
        if self.key is None:
            self.problem(lineno, f"unexpected continuation line {_clip(line.strip())!r}")
        else:
            self.value.append(line.lstrip())

    def _section(self, lineno: int, line: str) -> None:
        if not line.endswith("]"):
            self.problem(lineno, f"invalid section header {line!r} (must end with ])")
        elif len(line) <= 2:
            self.problem(lineno, "empty section name []")
        else:
            self.section = line[1:-1]
            self.ini.sections.append((self.section, Location(self.ini.path, lineno)))

    def _assignment(self, lineno: int, line: str) -> None:
        colon, equal = line.find(":"), line.find("=")
        if colon < 0 and equal < 0:
            self.problem(lineno, f"not an INI line: no '=' or ':' in {_clip(line)!r}")
            return
        split = equal if colon < 0 or 0 <= equal < colon else colon
        key, value = line[:split].strip(), line[split + 1 :].strip()
        if value and value[0] == value[-1] and value.startswith(('"', "'")):
            value = value[1:-1]
        if not key:
            self.problem(lineno, f"empty key in {_clip(line)!r}")
            return
        self.key, self.key_line, self.value = key, lineno, [value]


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def physical_lines(text: str) -> list[str]:
    """Lines as oslo.config sees them: ``open()``'s universal newlines (``\\n``, ``\\r\\n``,
    ``\\r``) and nothing else (``str.splitlines`` would also split on form feeds and U+2028)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""The largest file read as a configuration: the biggest real nova.conf with every option and its
help text (``oslo-config-generator``) is about 0.3 MB; anything 50 times that is not one."""


class _NotAConfig(Exception):
    """A path that is not a configuration file at all (a device, a FIFO, a huge file)."""


def _read_capped(path: Path) -> bytes:
    """The file's bytes, refusing what is not a regular file (a FIFO would block, ``/dev/zero``
    never ends) or is larger than :data:`MAX_CONFIG_BYTES` (read at most that much plus one)."""
    st = path.stat()
    if stat.S_ISDIR(st.st_mode):
        raise _NotAConfig("a folder, not a configuration file")
    if not stat.S_ISREG(st.st_mode):
        raise _NotAConfig("not a regular file (a device, FIFO or socket); not read")
    with path.open("rb") as fh:
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        limit = MAX_CONFIG_BYTES // (1024 * 1024)
        raise _NotAConfig(f"larger than {limit} MiB: not a configuration file; not read")
    return data


def read_ini(path: str | Path, display: str | None = None) -> IniFile:
    """Read ``path`` the way oslo.config would, recording every problem with its line.

    Never raises for bad content or an unreadable file: the problems say what happened. The
    ``IniFile.path`` is the path as given (or ``display``: a member of an archive read from a
    temporary copy), so messages point where the operator looks.
    """
    ini = IniFile(display or str(path))
    try:
        data = _read_capped(Path(path))
    except OSError as err:
        ini.problems.append(ReadProblem(Location(ini.path), f"cannot read: {err.strerror}"))
        ini.unreadable = True
        return ini
    except _NotAConfig as err:
        ini.problems.append(ReadProblem(Location(ini.path), str(err)))
        ini.unreadable = True
        return ini
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        ini.problems.append(
            ReadProblem(Location(ini.path, line), "not a text file (invalid UTF-8 here)")
        )
        return ini
    reader = _Reader(ini)
    for lineno, raw in enumerate(physical_lines(text), start=1):
        reader.feed(lineno, raw)
    reader.flush()
    if reader.dropped:
        ini.problems.append(
            ReadProblem(Location(ini.path), f"… and {reader.dropped} more problems in this file")
        )
    if not ini.sections and not ini.assignments:
        if not ini.problems:
            ini.problems.append(
                ReadProblem(
                    Location(ini.path, 1),
                    "empty file: no section and no setting (OpenStack would read nothing from it)",
                    fatal=False,
                )
            )
        else:
            ini.problems.insert(
                0,
                ReadProblem(Location(ini.path, 1), "not an oslo.config INI file: no [section]"),
            )
    return ini
