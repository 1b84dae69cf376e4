"""The option catalogue: every nova / neutron option ``stacktwin check`` audits and the twin uses.

Each entry reads like the oslo.config declaration it mirrors (``cfg.IntOpt('rpc_workers', min=0,
help=...)``) plus what oslo.config cannot say: the default *per release range*, what the option
drives in the boot path and the twin, and where that was read (file/function in the release's
code, commit, bug). Facts come from the dossier ``openstack-boot-path.md`` (§2.3, §2.4, §4.1, §5,
§7, §9) and from the option declarations in nova 30–34, neutron 13/14/25–29, oslo.messaging
18.3.1 and oslo.db 18.1.1 read from their wheels.

A default may depend on the machine (``rpc_workers`` = half the CPUs): such defaults are
:class:`Derived` and the audit computes them from the stated neutron-server cores.
"""

from __future__ import annotations

from stacktwin.config.neutron_options import NEUTRON_OPTIONS
from stacktwin.config.nova_options import NOVA_OPTIONS, VIF_PLUGGING_TIMEOUT
from stacktwin.config.option import Derived, Option, Project, Value

__all__ = [
    "CATALOGUE",
    "VIF_PLUGGING_TIMEOUT",
    "Derived",
    "Option",
    "Project",
    "Value",
    "lookup",
    "option",
    "sections_of",
]

CATALOGUE: tuple[Option, ...] = NOVA_OPTIONS + NEUTRON_OPTIONS

_BY_KEY: dict[tuple[str, str, str], Option] = {}
for _opt in CATALOGUE:
    for _section in (_opt.section, *_opt.extra_sections):
        _BY_KEY[(_opt.project, _section, _opt.name)] = _opt


def option(project: str, section: str, name: str) -> Option:
    """The catalogue entry for ``[section] name`` of ``project`` (``KeyError`` if unknown)."""
    return _BY_KEY[(project, section, name)]


def lookup(project: str, section: str, name: str) -> Option | None:
    """Like :func:`option`, but ``None`` for an option the catalogue does not hold."""
    return _BY_KEY.get((project, section, name))


def sections_of(project: str) -> dict[str, tuple[Option, ...]]:
    """Catalogue options of ``project`` by the sections they are read from."""
    out: dict[str, list[Option]] = {}
    for (proj, section, _name), opt in _BY_KEY.items():
        if proj == project:
            out.setdefault(section, []).append(opt)
    return {section: tuple(opts) for section, opts in out.items()}
