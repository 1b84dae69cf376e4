"""stacktwin: find, explain and predict slow and failing OpenStack VM boots.

Each command of the ``stacktwin`` CLI is a typed function here (:mod:`stacktwin.api`)::

    import stacktwin
    run = stacktwin.simulate("large-site-after", seed=7)     # the digital twin
    traced = stacktwin.trace(["/var/log/nova", "/var/log/neutron"])
    audit = stacktwin.check(["/etc/nova/nova.conf", "/etc/neutron/neutron.conf"], hosts=2000)
    stacktwin.report([traced, run], "report.html")

The package follows one data flow: sources -> parsed events/settings -> boots/model ->
summaries -> rendering.  ``stacktwin.boots`` holds the schema shared by traced and
simulated boots; ``stacktwin.twin`` is the discrete-event digital twin.  The API is imported
on first use, so ``import stacktwin`` stays cheap.

Source comments cite what they rely on by a path in the repository: "dossier §N" is
``docs/domain/openstack-boot-path.md``, "capacity dossier" ``docs/domain/control-plane-capacity.md``
(``docs/README.md`` lists them and the real data sets measured figures come from).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stacktwin.version import __version__

_API = ("Run", "Trace", "check", "compare", "report", "simulate", "trace")

__all__ = ["Run", "Trace", "__version__", "check", "compare", "report", "simulate", "trace"]

if TYPE_CHECKING:
    from stacktwin.api import Run, Trace, check, compare, report, simulate, trace


def __getattr__(name: str) -> Any:
    if name in _API:
        from stacktwin import api

        return getattr(api, name)
    raise AttributeError(f"module 'stacktwin' has no attribute {name!r}")
