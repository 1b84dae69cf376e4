"""The digital twin of the Nova <-> Neutron control plane (a discrete-event model).

``load_scenario`` reads a built-in scenario or a YAML file; ``run_scenario`` runs it and returns
a :class:`TwinResult` whose boots use the shared schema of :mod:`stacktwin.boots`.
"""

from stacktwin.twin import native

native.check()  # before any compiled module is imported: never run a stale build

from stacktwin.twin.model import Twin, run_scenario  # noqa: E402
from stacktwin.twin.results import TwinResult  # noqa: E402
from stacktwin.twin.scenario import (  # noqa: E402
    Scenario,
    ScenarioError,
    builtin_names,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "Scenario",
    "ScenarioError",
    "Twin",
    "TwinResult",
    "builtin_names",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
]
