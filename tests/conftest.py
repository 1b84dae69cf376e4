"""Test-wide settings: hypothesis profiles.

The default profile keeps property tests to a few seconds; ``--hypothesis-profile=long`` runs
them for longer by hand (e.g. ``pytest tests/logs/test_hostile_lines.py
--hypothesis-profile=long``).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# "fast" is the test command's (pyproject addopts); a later --hypothesis-profile=long wins.
settings.register_profile("fast", deadline=None, max_examples=60)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
