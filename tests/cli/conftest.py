"""The stores the CLI tests run commands against, each a real DuckDB file named by OFFERMAP_DB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.manual_data import publish_manual_connection
from tests.review.review_data import publish_review_connection


def _store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, publish: Callable[[Path], None]
) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    publish(path)
    return path


@pytest.fixture
def manual_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding the connection of the manual-mapping tests (tests/cli/manual_data.py)."""
    return _store(tmp_path, monkeypatch, publish_manual_connection)


@pytest.fixture
def review_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding the connection of the review tests (tests/review/review_data.py)."""
    return _store(tmp_path, monkeypatch, publish_review_connection)
