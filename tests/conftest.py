"""Test-wide settings: hypothesis profiles.

The default profile keeps property tests to a few seconds; ``--hypothesis-profile=long``
runs them for longer by hand (e.g. ``pytest tests/logs/test_hostile_lines.py
--hypothesis-profile=long``).
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("long", max_examples=20_000, deadline=None)
