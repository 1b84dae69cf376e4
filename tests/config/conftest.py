"""Shared fixtures for the config tests: where the real data and the synthetic fixtures are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repository; skips the test on a fresh clone without it."""
    data = REPO.parent / "shared" / "data"
    if not data.is_dir():
        pytest.skip(f"real OpenStack data not present at {data} (only beside the dev checkout)")
    return data


@pytest.fixture
def fixtures() -> Path:
    """The synthetic config fixtures shipped with the tests."""
    return FIXTURES


@pytest.fixture
def conf(tmp_path: Path) -> Callable[[str, str], str]:
    """``conf(name, text)``: write a small synthetic config file and return its path."""

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
