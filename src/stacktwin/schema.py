"""The shapes of stacktwin's JSON outputs, as pydantic models: the source of the JSON Schema
files shipped in the package (``stacktwin/schemas/NAME.json``, printed by ``stacktwin schema
NAME``) and of the tests that check every output against them.

Every JSON document carries ``kind`` (what it is) and ``schema_version`` (this module's
:data:`SCHEMA_VERSION`, raised when a field changes meaning or goes away; new fields may appear
without a new version, so readers must ignore keys they do not know). Times: a traced boot's
milestones are epoch seconds (UTC) and the same instants in ISO 8601 with offset
(``milestones_iso``); a simulated boot's are seconds since the start of the run. Latencies are
in seconds, rounded to the millisecond.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stacktwin.boots import Summary
from stacktwin.output import SCHEMA_VERSION

__all__ = ["DOCUMENTS", "SCHEMA_VERSION", "generate", "published"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Document(_Open):
    schema_version: int = Field(description="the shape's version (stacktwin.schema)")


class BootRecord(_Open):
    """One boot, traced or simulated (``Boot.to_dict``)."""

    instance: str
    host: str | None
    ports: list[str]
    outcome: Literal["active", "error", "deleted", "unknown"]
    reason: str | None
    milestones: dict[str, float] = Field(description="epoch seconds (traced) or run seconds")
    milestones_iso: dict[str, str] | None = Field(
        None, description="traced boots: the milestones in ISO 8601 with offset"
    )
    sources: dict[str, str]
    spawn_seconds: float | None
    build_seconds: float | None
    stopped_at: str | None
    origin: str
    hops: dict[str, float | None] = Field(description="hop and span latencies, seconds (ms)")


class TraceDocument(_Document):
    """``stacktwin trace --json``."""

    kind: Literal["trace"]
    summary: Summary
    boots: list[BootRecord]
    vif_plugged: list[dict[str, Any]]


class SimulateDocument(_Document):
    """``stacktwin simulate --json`` (one run)."""

    kind: Literal["simulate"]
    scenario: str
    seed: int
    release: str
    summary: Summary
    components: dict[str, dict[str, Any]]
    load: dict[str, int]
    settings: dict[str, Any]
    boots: list[BootRecord] = Field(default_factory=list)
    timeseries: dict[str, list[float]] = Field(default_factory=dict)


class Interval(BaseModel):
    """A figure across replications: mean, 95% t-interval, range, count."""

    mean: float | None
    ci95_low: float | None
    ci95_high: float | None
    min: float | None
    max: float | None
    n: int


class ReplicationsDocument(_Document):
    """``stacktwin simulate --replications N --json``."""

    kind: Literal["replications"]
    scenario: str
    seeds: list[int]
    replications: list[dict[str, Any]]
    aggregate: dict[str, Interval]


class AblationDocument(_Document):
    """``stacktwin simulate --ablate --json``."""

    kind: Literal["ablation"]
    scenario: str
    seeds: list[int]
    rows: list[dict[str, Any]]


class CheckDocument(_Document):
    """``stacktwin check --json``."""

    kind: Literal["check"]
    release: str
    release_basis: str
    scale: dict[str, Any]
    files: list[str]
    figures: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    not_audited: list[str]
    critical: bool


class CompareDocument(_Document):
    """``stacktwin compare --json``."""

    kind: Literal["compare"]
    inputs: list[dict[str, Any]]
    rows: list[dict[str, Any]]


class SweepDocument(_Document):
    """``stacktwin sweep --json``."""

    kind: Literal["sweep"]
    scenario: str
    knobs: dict[str, list[Any]]
    seeds: list[int]
    rows: list[dict[str, Any]]
    points: list[dict[str, Any]]


class RecommendDocument(_Document):
    """``stacktwin recommend --json``."""

    kind: Literal["recommend"]
    scenario: str
    objectives: list[str]
    recommended: dict[str, Any] | None
    closest: dict[str, Any]


class HopComparison(_Open):
    """One hop, traced vs simulated (``stacktwin.calibrate.compare_hops``)."""

    traced: dict[str, float | int | None] = Field(description="count, mean, p50, p90, p99 (s)")
    simulated: dict[str, float | int | None] = Field(description="the same, simulated")
    error_p50: float | None = Field(description="(simulated - traced) / traced p50")
    error_p90: float | None = Field(description="(simulated - traced) / traced p90")
    ks: float | None = Field(description="two-sample Kolmogorov-Smirnov distance")
    period_range_p50: list[float] | None = Field(
        None, description="95% range of one period's p50 across the twin's replays (s)"
    )
    period_range_p90: list[float] | None = Field(
        None, description="95% range of one period's p90 across the twin's replays (s)"
    )
    traced_in_range_p50: bool | None = None
    traced_in_range_p90: bool | None = None
    note: str | None = None


class HopsComparison(_Open):
    """Every hop compared, and the headline sentence on vif_wait."""

    hops: dict[str, HopComparison]
    headline: str


class CalibrationParameter(_Open):
    """One cost: fitted (value, interval, provenance) or kept at its default (reason)."""

    cost: str
    hop: str | None
    status: Literal["fitted", "default"]
    default: float
    value: float | None = None
    interval_95: list[float] | None = Field(
        None, description="95% interval of the fitted value (None: unbounded)"
    )
    identified: str | None = Field(
        None, description="'yes', 'weakly: …' (interval beyond x1.25 of the value) or 'no: …'"
    )
    uncertainty: dict[str, float | int] | None = Field(
        None,
        description="what the interval is made of: standard deviations in log-cost from the "
        "traced boots resampled and from one twin replay's seeds, and the fit's replications",
    )
    provenance: str | None = None
    reason: str | None = None


class ValidationPart(HopsComparison):
    """The held-out boots (``calibrate --holdout/--split``) or ``stacktwin validate``."""

    boots: int
    replications: int
    period: list[float] = Field(description="epoch seconds of the first and last request")


class CalibrateDocument(_Document):
    """``stacktwin calibrate --json`` (fit.json)."""

    kind: Literal["calibrate"]
    source: str
    boots: int
    hosts: list[str]
    method: str
    replications: int
    runs: int
    wall_seconds: float
    uncertainty: str
    parameters: list[CalibrationParameter]
    fit: HopsComparison
    validation: ValidationPart | None
    workload: dict[str, Any] = Field(description="what was replayed, and the release")
    notes: list[str]


class ValidateDocument(ValidationPart, _Document):
    """``stacktwin validate --json``."""

    kind: Literal["validate"]
    scenario: str


DOCUMENTS: dict[str, type[_Document]] = {
    "trace": TraceDocument,
    "simulate": SimulateDocument,
    "replications": ReplicationsDocument,
    "ablation": AblationDocument,
    "check": CheckDocument,
    "compare": CompareDocument,
    "sweep": SweepDocument,
    "recommend": RecommendDocument,
    "calibrate": CalibrateDocument,
    "validate": ValidateDocument,
}
"""Each output kind and the model of its document."""


def generate(name: str) -> dict[str, Any]:
    """The JSON Schema of output ``name``, generated from its model."""
    schema = DOCUMENTS[name].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://stacktwin.invalid/schemas/{name}-v{SCHEMA_VERSION}.json"
    return schema


def published(name: str) -> dict[str, Any]:
    """The schema file shipped in the package for ``name`` (``KeyError`` if unknown)."""
    if name not in DOCUMENTS:
        raise KeyError(name)
    path = resources.files("stacktwin") / "schemas" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_all() -> list[str]:
    """Regenerate every published schema file from the models (``python -m stacktwin.schema``;
    a test fails when a file is stale)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "schemas"
    folder.mkdir(exist_ok=True)
    written = []
    for name in DOCUMENTS:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(generate(name), indent=1) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":
    print("\n".join(write_all()))
