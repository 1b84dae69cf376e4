"""Size and browser render time of ``stacktwin report`` for a 10,000-host simulated hour.

Run by hand: ``python benchmarks/report_size.py`` (needs Debian's ``chromium``).

1. Simulates large-site-after scaled ten times (hosts, VMs, neutron servers, nova-api nodes,
   DHCP agents, boot/delete storm rates: ``benchmarks/twin_scale.py``'s ``_scenario``) for one
   hour of cloud time, and a 1x run for reference.
2. Builds the HTML report of each run (and of both side by side), writes it, prints its size,
   the seconds to build it and, of those, the seconds its verdict took (objectives, causes with
   their evidence, and for two inputs the changes; ``stacktwin.render.verdict``).
3. Opens each file in a fresh headless Chromium (``tests/render/chromium.py``, the tests'
   driver) a few times and prints, for the first (cold) open, the seconds to the load event and
   until every plot has rendered (``window.stacktwinRendered``), the median of the later (warm)
   opens, and the page's own measure of the plotting time.

Target (issue 5): under 20 MB, and it opens in under a few seconds.  Options: ``--quick`` for
10 minutes of cloud time, ``--opens N`` browser opens per file (default 3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))  # tests.render.chromium: the browser tests' DevTools driver
sys.setrecursionlimit(10_000)


def simulate(name: str, scale: int, seconds: float) -> object:
    from stacktwin.api import run_from_result
    from stacktwin.twin import run_scenario
    from twin_scale import _scenario

    sc = _scenario(name, scale, seconds)
    t0 = time.perf_counter()
    result = run_scenario(sc)
    run = run_from_result(result, f"{name} x{scale}")
    run.label = f"{name} x{scale} ({sc.cloud.hosts:,} hosts, simulated)"
    print(
        f"simulated {run.label}: {len(run.boots):,} boots, "
        f"{len(run.timeseries['t']) if run.timeseries else 0} samples, "
        f"{time.perf_counter() - t0:.0f} s"
    )
    return run


def browser_times(path: Path, opens: int) -> tuple[float, float, float, float, int]:
    """Seconds to rendered on the first (cold) open and median of the later ones, page ms."""
    from tests.render.chromium import Chromium, find_chromium

    binary = find_chromium()
    if binary is None:
        raise SystemExit("no chromium on PATH: apt-get install chromium")
    loads, renders, page_ms = [], [], []
    plots = 0
    profile_dir = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
    with profile_dir as profile, Chromium(binary, Path(profile)) as browser:
        browser.open("about:blank")
        for _ in range(max(opens, 2)):
            t0 = time.perf_counter()
            loads.append(browser.open(path.as_uri()))
            plots = int(browser.evaluate("window.stacktwinRendered", await_promise=True))
            renders.append(time.perf_counter() - t0)
            page_ms.append(float(browser.evaluate("document.body.dataset.renderMs")))
            assert not browser.exceptions, browser.exceptions
    return loads[0], renders[0], statistics.median(renders[1:]), statistics.median(page_ms), plots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 minutes of cloud time")
    parser.add_argument("--opens", type=int, default=3, help="browser opens per file")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    from stacktwin.render.html import build_report
    from stacktwin.render.verdict import build_verdict

    seconds = 600.0 if args.quick else 3600.0
    big = simulate("large-site-after", 10, seconds)
    small = simulate("large-site-after", 1, seconds)
    print(
        f"\n{'report':<26}{'MB':>6}{'build s':>9}{'verdict s':>11}{'plots':>7}{'cold load s':>13}"
        f"{'cold rendered s':>17}{'warm rendered s':>17}{'plotting ms':>13}"
    )
    for name, runs in (
        ("10,000 hosts", [big]),
        ("1,000 hosts", [small]),
        ("1,000 vs 10,000 hosts", [small, big]),
    ):
        t0 = time.perf_counter()
        page = build_report(runs)  # type: ignore[arg-type]
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_verdict(runs)  # type: ignore[arg-type]
        verdict = time.perf_counter() - t0
        path = args.out / f"stacktwin-report-{name.replace(',', '').replace(' ', '-')}.html"
        path.write_text(page, encoding="utf-8")
        load, cold, warm, ms, plots = browser_times(path, args.opens)
        size = path.stat().st_size / 1e6
        print(
            f"{name:<26}{size:>6.2f}{build:>9.1f}{verdict:>11.2f}{plots:>7}{load:>13.2f}{cold:>17.2f}"
            f"{warm:>17.2f}{ms:>13.0f}"
        )
    print(
        f"\nfiles under {args.out}; cold = the file's first open in a fresh headless Chromium, "
        f"warm = median of the next {max(args.opens, 2) - 1}; plotting ms = the page's own "
        "measure of Plotly.newPlot for all figures (median)"
    )


if __name__ == "__main__":
    main()
