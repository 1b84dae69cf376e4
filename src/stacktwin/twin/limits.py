"""The limits a scenario is checked against (each bounds a run's time or memory)."""

from __future__ import annotations

MAX_HOSTS = 100_000
MAX_INSTANCES = 10_000_000
MAX_SECONDS = 30 * 86_400.0
"""Longest run (arrivals, drain): 30 days of simulated time."""
MAX_RATE_PER_MINUTE = 100_000.0
MAX_BOOTS = 1_000_000
"""Boots (and deletions) a run may request in expectation: each is a few kB of state, so this
bounds a run's memory to a few GB (``benchmarks/twin_scale.py`` measures the per-boot cost)."""
MAX_SAMPLES = 1_000_000
"""Queue samples a run may keep (``(duration + drain) / sample_interval``)."""
