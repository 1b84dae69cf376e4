"""A tiny scenario for batch tests: 3 hosts, blocking flow deletion starves some boots."""

from pathlib import Path

import pytest
import yaml

from tests.scenarios import TINY


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path
