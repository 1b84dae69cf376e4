"""Test-wide settings: hypothesis profiles (the default run stays fast; ``pytest
--hypothesis-profile=long`` fuzzes for longer, by hand)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=60)
settings.register_profile(
    "long", deadline=None, max_examples=5_000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")
