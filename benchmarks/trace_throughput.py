"""Throughput and memory of ``stacktwin trace`` on a ≥ 1 GB log set, beside ``grep -c``.

Builds the log set in a temporary folder from the real logs in ``shared/data/logs`` (plain
text files of all three data sets), copy after copy, rewriting the first 8 hex digits of every
UUID (instance, port, request ids) per copy so that each copy's boots stay distinct.  Then, in
one run:

* ``stacktwin trace`` over a quarter of the set and over the whole set (a fresh process each:
  wall time, MB/s, peak RSS of the process, boots found);
* ``grep -rcF network-vif-plugged`` over the same whole set (wall time, MB/s), the floor that
  merely reading the bytes costs.

Usage::

    .venv/bin/python benchmarks/trace_throughput.py [--size-gb 1.0] [--data PATH] [--keep]
        [--logs KEPT_FOLDER/logs]   # reuse a set kept by --keep (e.g. to compare two versions)

Speed is measured here, never asserted in tests.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: ``shared/data/logs`` beside the repository, or beside the folder holding it (a worktree).
DEFAULT_DATA = next(
    (
        (base / "shared" / "data" / "logs").resolve()
        for base in (REPO.parent, REPO.parent.parent)
        if (base / "shared" / "data" / "logs").is_dir()
    ),
    (REPO / ".." / "shared" / "data" / "logs").resolve(),
)
_UUID_HEAD = re.compile(rb"\b[0-9a-f]{8}(?=-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)")
_SKIP_SUFFIXES = (".gz", ".bz2", ".xz", ".conf", ".ini", ".md", ".txt", ".data")


def _seed_files(data: Path) -> list[tuple[Path, bytes]]:
    """The plain-text service logs of the real data set, with their relative paths."""
    out = []
    for path in sorted(data.rglob("*")):
        if not path.is_file() or path.name.endswith(_SKIP_SUFFIXES) or path.name == "LICENSE":
            continue
        if "foreground_wl" in path.parts or path.name == "trigger_log":
            continue
        out.append((path.relative_to(data), path.read_bytes()))
    return out


def build(target: Path, seeds: list[tuple[Path, bytes]], size_bytes: int) -> list[Path]:
    """Write copies until ``size_bytes``; return the copy folders."""
    copies: list[Path] = []
    written = 0
    k = 0
    while written < size_bytes:
        folder = target / f"copy-{k:04d}"
        prefix = f"{k + 1:08x}".encode()
        for rel, data in seeds:
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(_UUID_HEAD.sub(prefix, data))
            written += len(data)
        copies.append(folder)
        k += 1
    return copies


def _size(paths: list[Path]) -> int:
    return sum(f.stat().st_size for p in paths for f in p.rglob("*") if f.is_file())


_CHILD = """
import resource, sys
from stacktwin.cli import app
try:
    app(args=sys.argv[1:], standalone_mode=False)
finally:
    sys.stderr.write("MAXRSS_KIB %d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_trace(paths: list[Path], out: Path) -> dict[str, float]:
    """One ``stacktwin trace`` process: wall seconds, its own peak RSS, boots found."""
    cmd = [sys.executable, "-c", _CHILD, "trace", *map(str, paths), "--json", str(out)]
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    found = re.search(rb"MAXRSS_KIB (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"trace did not report its RSS: {done.stderr[-500:]!r}")
    summary = json.loads(out.read_text())["summary"]
    return {
        "seconds": wall,
        "peak_rss_mib": int(found.group(1)) / 1024,
        "boots": summary["boots"],
        "vif_plugged": summary["vif_plugged"]["sequences"],
    }


def run_grep(paths: list[Path]) -> float:
    """Wall seconds of ``grep -rcF network-vif-plugged`` over the same files."""
    start = time.perf_counter()
    subprocess.run(
        ["grep", "-rcF", "network-vif-plugged", *map(str, paths)],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", action="store_true", help="keep the generated log set")
    parser.add_argument("--logs", type=Path, help="reuse a log set kept by --keep (its logs/)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stacktwin-bench-"))
    try:
        if args.logs is not None:
            copies = sorted(p for p in args.logs.iterdir() if p.name.startswith("copy-"))
            print(f"reusing {len(copies)} copies under {args.logs}")
        else:
            if not args.data.is_dir():
                sys.exit(f"real data not found at {args.data}")
            seeds = _seed_files(args.data)
            t0 = time.perf_counter()
            copies = build(tmp / "logs", seeds, int(args.size_gb * 1e9))
            print(
                f"built {len(copies)} copies of {len(seeds)} real log files in "
                f"{time.perf_counter() - t0:.1f} s under {tmp}"
            )
        quarter = copies[: max(1, len(copies) // 4)]
        rows = []
        for label, paths in (("quarter", quarter), ("whole", copies)):
            size = _size(paths)
            result = run_trace(paths, tmp / f"{label}.json")
            rows.append((label, size, result))
        grep_s = run_grep(copies)
        whole_size = rows[-1][1]
        print()
        print(f"{'run':<22}{'MB':>9}{'seconds':>10}{'MB/s':>9}{'peak RSS MiB':>14}{'boots':>8}")
        for label, size, r in rows:
            print(
                f"{'stacktwin trace ' + label:<22}{size / 1e6:>9.0f}{r['seconds']:>10.2f}"
                f"{size / 1e6 / r['seconds']:>9.0f}{r['peak_rss_mib']:>14.0f}{r['boots']:>8.0f}"
            )
        print(
            f"{'grep -rcF (whole)':<22}{whole_size / 1e6:>9.0f}{grep_s:>10.2f}"
            f"{whole_size / 1e6 / grep_s:>9.0f}{'':>14}{'':>8}"
        )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
