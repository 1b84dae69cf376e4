"""Every JSON output carries ``kind`` and ``schema_version`` and validates against the JSON
Schema shipped in the package (``stacktwin schema KIND``), which is generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from stacktwin.cli import app
from stacktwin.output import SCHEMA_VERSION
from stacktwin.schema import DOCUMENTS, generate, published

runner = CliRunner()


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_published_schema_is_the_generated_one(kind: str) -> None:
    assert published(kind) == generate(kind), "stale: run python -m stacktwin.schema"
    jsonschema.Draft202012Validator.check_schema(published(kind))


def _validate(doc: dict[str, Any]) -> None:
    assert doc["schema_version"] == SCHEMA_VERSION
    assert list(doc)[:2] == ["kind", "schema_version"]
    jsonschema.validate(doc, published(doc["kind"]))


def _run(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json", "-"])
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


TINY = {"name": "tiny", "duration": 120, "drain": 200,
        "cloud": {"hosts": 2, "instances": 4, "neutron_servers": 1, "nova_api_nodes": 1},
        "workload": {"boot_rate_per_minute": 4}}  # fmt: skip


def test_every_output_validates(tmp_path: Path) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(yaml.safe_dump(TINY))
    conf = tmp_path / "neutron.conf"
    conf.write_text("[DEFAULT]\nrpc_workers = 1\n")
    log = tmp_path / "nova-compute.log"
    log.write_text(
        "2018-06-27 06:25:10.000 1 INFO nova.compute.manager [req-1 - - - - -] [instance: "
        "e5f28f72-d03c-4b1f-a695-2ad3a8553f6a] Took 12.50 seconds to build instance.\n"
    )
    _validate(_run(["simulate", str(sc)]))
    _validate(_run(["simulate", str(sc), "--replications", "2", "--jobs", "1"]))
    _validate(_run(["check", str(conf), "--release", "2023.1"]))
    out = tmp_path / "trace.json"
    assert runner.invoke(app, ["trace", str(log), "--json", str(out)]).exit_code == 0
    _validate(json.loads(out.read_text()))
    _validate(_run(["compare", str(sc), str(sc)]))
    _validate(_run(["sweep", str(sc), "--vary", "neutron.DEFAULT.rpc_workers=1,2", "--jobs", "1",
                    "--replications", "2"]))  # fmt: skip


def test_traced_times_are_iso_8601_with_offset_and_latencies_in_ms(tmp_path: Path) -> None:
    from stacktwin.boots import Boot

    boot = Boot(instance="i", origin="trace")
    boot.milestones = {"requested": 1530080710.0, "active": 1530080722.5004}
    data = boot.to_dict()
    assert data["milestones_iso"]["requested"] == "2018-06-27T06:25:10.000+00:00"
    assert all(v is None or round(v, 3) == v for v in data["hops"].values())


def test_schema_command_prints_a_kind_and_refuses_others() -> None:
    out = runner.invoke(app, ["schema", "trace"])
    assert out.exit_code == 0 and json.loads(out.stdout)["title"] == "TraceDocument"
    bad = runner.invoke(app, ["schema", "nope"])
    assert bad.exit_code == 2 and "kinds: trace" in bad.stderr
