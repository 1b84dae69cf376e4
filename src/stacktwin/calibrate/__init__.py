"""Calibration: a twin scenario fitted to traced logs, and how well it predicts held-out boots.

- :mod:`.extract`: the workload of a trace (hosts, boot arrivals, ports; what the tracer does
  not expose is said, never invented);
- :mod:`.fit`: the per-hop service costs fitted by simulation (scipy ``least_squares`` on the
  twin's own simulated hop quantiles, runs through the batch executor);
- :mod:`.validate`: a scenario's predicted hop distributions against traced boots;
- :mod:`.output`: the scenario YAML with provenance, and the ``fit.json`` document.
"""

from __future__ import annotations

from stacktwin.calibrate.extract import CalibrationError, TracedWorkload, extract_workload, split
from stacktwin.calibrate.fit import PARAMETERS, FitResult, fit_costs
from stacktwin.calibrate.validate import compare_hops, validate_scenario

__all__ = [
    "PARAMETERS",
    "CalibrationError",
    "FitResult",
    "TracedWorkload",
    "compare_hops",
    "extract_workload",
    "fit_costs",
    "split",
    "validate_scenario",
]
