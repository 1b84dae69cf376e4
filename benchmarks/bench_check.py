"""Benchmark ``stacktwin check``'s reading and audit on a large synthetic configuration.

Run: ``.venv/bin/python benchmarks/bench_check.py [LINES]``. Prints lines read per second and the
audit time; asserts nothing about wall time (tests never do).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from stacktwin.config import Scale, audit, load_config


def synthetic_conf(lines: int) -> str:
    """A nova.conf-shaped file of about ``lines`` lines: sections, comments, settings."""
    out = ["[DEFAULT]", "heal_instance_info_cache_interval = 60"]
    section = 0
    while len(out) < lines:
        section += 1
        out.append(f"[section_{section}]")
        for i in range(48):
            out.append(f"# help text for option_{i}")
            out.append(f"option_{i} = value {i}")
    return "\n".join(out) + "\n"


def main() -> None:
    """Time reading + audit of one synthetic file and print the figures."""
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nova.conf"
        path.write_text(synthetic_conf(lines), encoding="utf-8")
        start = time.perf_counter()
        loaded = load_config([str(path)])
        read = time.perf_counter() - start
        start = time.perf_counter()
        report = audit(loaded, Scale())
        audited = time.perf_counter() - start
    print(f"read {lines:,} lines in {read:.3f} s ({lines / read:,.0f} lines/s)")
    print(f"audit in {audited * 1000:.1f} ms: {len(report.findings)} findings")


if __name__ == "__main__":
    main()
