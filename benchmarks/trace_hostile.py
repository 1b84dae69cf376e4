"""Time and peak memory of ``stacktwin trace`` on three hostile inputs (issue 13).

* ``empty-files``: 40,000 empty files in 200 folders (each one a reported problem);
* ``reused-port``: 8,000 boots, one after the other, all on one pre-created port UUID
  (nova-compute, neutron-server and nova-api logs of a full vif-plugged chain each);
* ``repeated-line``: a ~4.7 MB ``.gz`` holding one milestone line repeated to 1 GB.

Each case runs in a fresh process: wall seconds, the process's own peak RSS, boots found.
Sizes can be scaled down (``--scale 0.1``) for a quick look.  Usage::

    .venv/bin/python benchmarks/trace_hostile.py [--scale 1.0] [--case NAME ...]

Speed and memory are measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.logs.hostile import empty_files, repeated_line, reused_port  # noqa: E402

_CHILD = """
import resource, sys
from stacktwin.cli import app
code = 1
try:
    code = app(args=sys.argv[1:], standalone_mode=False) or 0
finally:
    sys.stderr.write("MAXRSS_KIB %d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


CASES: dict[str, Callable[[Path, float], list[Path]]] = {
    "empty-files": empty_files,
    "reused-port": reused_port,
    "repeated-line": repeated_line,
}


def run_trace(paths: list[Path], out: Path) -> dict[str, float]:
    """One ``stacktwin trace`` process: wall seconds, its own peak RSS, boots found."""
    cmd = [sys.executable, "-c", _CHILD, "trace", *map(str, paths), "--json", str(out)]
    start = time.perf_counter()
    done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    found = re.search(rb"MAXRSS_KIB (\d+)", done.stderr)
    rss = int(found.group(1)) / 1024 if found else float("nan")
    boots = json.loads(out.read_text())["summary"]["boots"] if out.exists() else -1
    return {"seconds": wall, "peak_rss_mib": rss, "boots": boots, "exit": done.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size factor (1.0: full)")
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stacktwin-hostile-"))
    try:
        print(
            f"{'case':<16}{'input':>10}{'seconds':>10}{'peak RSS MiB':>14}{'boots':>8}{'exit':>6}"
        )
        for name in args.case or list(CASES):
            t0 = time.perf_counter()
            paths = CASES[name](tmp, args.scale)
            built = time.perf_counter() - t0
            size = sum(
                f.stat().st_size for p in paths for f in ([p] if p.is_file() else p.rglob("*"))
            )
            r = run_trace(paths, tmp / f"{name}.json")
            print(
                f"{name:<16}{size / 1e6:>8.1f}MB{r['seconds']:>10.2f}{r['peak_rss_mib']:>14.0f}"
                f"{r['boots']:>8.0f}{r['exit']:>6.0f}   (built in {built:.1f} s)",
                flush=True,
            )
            shutil.rmtree(tmp / name.split("-")[0], ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
