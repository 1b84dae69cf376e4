"""Shared helpers for the trace tests: where the real data lives, and small log writers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_LOGS = (REPO / ".." / "shared" / "data" / "logs").resolve()


@pytest.fixture
def real_logs() -> Path:
    """``../shared/data/logs`` beside the repository; skips the test when it is absent."""
    if not SHARED_LOGS.is_dir():
        pytest.skip(f"real data not present at {SHARED_LOGS} (a fresh clone has no ../shared)")
    return SHARED_LOGS
