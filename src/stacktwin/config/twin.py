"""The bridge to the twin: the values of a real configuration, nested as the twin's scenario
writes OpenStack settings.

``stacktwin simulate --config nova.conf --config neutron.conf`` calls :func:`twin_settings` and
lays the result over the scenario, so the twin predicts the operator's own cloud; what the files
set that the twin does not model is listed by :func:`not_modelled`, never dropped in silence.
Only values the files set explicitly are returned by default: the twin applies its own release
defaults. With ``with_defaults=True`` every twin option is filled in, from the catalogue default
of ``release`` (a default that depends on the machine, such as ``rpc_workers``, is left out: the
twin derives it from the scenario's server sizes).
"""

from __future__ import annotations

from typing import Any

from stacktwin.config.catalogue import CATALOGUE, Derived, Option
from stacktwin.config.releases import CURRENT, Release
from stacktwin.config.settings import LoadedConfig

TwinSettings = dict[str, dict[str, dict[str, Any]]]
"""``{"nova": {"DEFAULT": {...}, "conductor": {...}}, "neutron": {"DEFAULT": ..., "database":
..., "agent": ..., "securitygroup": ...}}``: project → section (lowercase except DEFAULT) →
option → value."""


def twin_options() -> tuple[Option, ...]:
    """The catalogue options the twin's scenario takes, in catalogue order."""
    return tuple(opt for opt in CATALOGUE if opt.twin)


def twin_settings(
    loaded: LoadedConfig, *, with_defaults: bool = False, release: Release = CURRENT
) -> TwinSettings:
    """The twin options in force in ``loaded``, nested project → section → option.

    Values have their oslo.config types (int, float, bool, str). Sections without any value are
    omitted; a project with no value at all is an empty dict, so callers can index both.
    """
    out: TwinSettings = {"nova": {}, "neutron": {}}
    for opt in twin_options():
        setting = loaded.setting(opt.project, opt.section, opt.name)
        if setting is not None:
            value: Any = setting.value
        elif with_defaults:
            value = opt.default_for(release)
            if value is None or isinstance(value, Derived) or not opt.read_by(release):
                continue
        else:
            continue
        out[opt.project].setdefault(opt.section, {})[opt.name] = value
    return out


def not_modelled(loaded: LoadedConfig) -> list[str]:
    """What the files set that the twin does not take: catalogued options it does not model
    (``nova [database] max_pool_size``), then every other key as written (``[DEFAULT]
    transport_url``), each once, in file order."""
    out: list[str] = []
    for (project, section, name), setting in loaded.explicit.items():
        if not setting.option.twin:
            out.append(f"{project} [{section}] {name}")
    seen = set(out)
    for project, assignment in loaded.not_audited:
        label = f"{project} [{assignment.section}] {assignment.key}"
        if label not in seen:
            seen.add(label)
            out.append(label)
    return out
