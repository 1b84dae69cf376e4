"""Shared helpers for the trace tests: where the real data lives, and small log writers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _shared_logs() -> Path:
    """``$STACKTWIN_SHARED_LOGS``, else ``shared/data/logs`` beside the repository or beside
    the folder holding it (a worktree under ``wt/``)."""
    env = os.environ.get("STACKTWIN_SHARED_LOGS")
    if env:
        return Path(env)
    for base in (REPO.parent, REPO.parent.parent):
        candidate = (base / "shared" / "data" / "logs").resolve()
        if candidate.is_dir():
            return candidate
    return (REPO / ".." / "shared" / "data" / "logs").resolve()


SHARED_LOGS = _shared_logs()


@pytest.fixture
def real_logs() -> Path:
    """The shared real logs; skips the test when they are absent."""
    if not SHARED_LOGS.is_dir():
        pytest.skip(f"real data not present at {SHARED_LOGS} (a fresh clone has no ../shared)")
    return SHARED_LOGS
