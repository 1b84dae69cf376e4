"""The compiled twin (mypyc) and the sources give the same numbers, bit for bit.

``stacktwin.twin.native`` names the modules a ``HATCH_BUILD_HOOK_ENABLE_MYPYC=1`` install
compiles.  When this process runs them compiled (CI does), the same scenarios are run again in a
subprocess on a copy of the sources without the extension modules, and the results must hash
the same; when nothing is compiled there is nothing to compare and the test says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from stacktwin.twin import native, parse_scenario, run_scenario
from tests.scenarios import TINY

ROOT = Path(__file__).resolve().parents[2]
SMALL_STORM = {
    **TINY,
    "name": "storm",
    "cloud": {**TINY.get("cloud", {}), "db_max_connections": 151},
    "workload": {"boot_storms": [{"start": 5, "duration": 60, "rate_per_minute": 120}]},
}

_RUN = """
import hashlib, json, sys
from stacktwin.twin import native, parse_scenario, run_scenario
assert not native.compiled(), native.compiled()
out = []
for data in json.loads(sys.argv[1]):
    d = run_scenario(parse_scenario(data)).to_dict(); d.pop("engine")
    out.append(hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest())
print(json.dumps(out))
"""


def _digest(data: dict[str, object]) -> str:
    d = run_scenario(parse_scenario(data)).to_dict()
    d.pop("engine")
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def test_pyproject_compiles_exactly_the_listed_modules() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    hook = config["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]
    files = {f"/src/{name.replace('.', '/')}.py" for name in native.COMPILED}
    assert set(hook["include"]) == files
    assert hook["enable-by-default"] is False  # a plain install runs the sources
    for name in native.COMPILED:
        assert (ROOT / "src" / f"{name.replace('.', '/')}.py").is_file(), name


def test_compiled_and_sources_give_the_same_numbers(tmp_path: Path) -> None:
    if not native.compiled():
        pytest.skip("nothing compiled in this install (HATCH_BUILD_HOOK_ENABLE_MYPYC=1 builds it)")
    scenarios = [TINY, SMALL_STORM]
    here = [_digest(s) for s in scenarios]
    shutil.copytree(ROOT / "src" / "stacktwin", tmp_path / "stacktwin",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(scenarios)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == here


def test_a_compiled_module_older_than_its_source_is_refused(tmp_path: Path) -> None:
    """An edited source beside an old build: import refuses, naming the file and the fix."""
    name = native.COMPILED[0]
    source = tmp_path.joinpath(*name.split(".")).with_suffix(".py")
    source.parent.mkdir(parents=True)
    source.write_text("# edited\n")
    ext = source.with_name(source.stem + EXTENSION_SUFFIXES[0])
    ext.write_bytes(b"")
    old = time.time() - 60
    os.utime(ext, (old, old))
    assert native.stale(tmp_path) == [(source, ext)]
    with pytest.raises(native.StaleBuildError, match=rf"{ext.name}.*older than {source.name}"):
        native.check(tmp_path)
    os.utime(ext, None)  # rebuilt after the edit: fine
    native.check(tmp_path)
