"""One reviewed, applied and drifted sandbox database per session; each test works on a copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.notebooks.sandbox_db import ReviewedDb, build_reviewed_db


@pytest.fixture(scope="session")
def reviewed(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> ReviewedDb:
    """Built once per session (a sync, a review, an apply, drift): copying it is instant."""
    return build_reviewed_db(tmp_path_factory.mktemp("nbdb") / "offermap.duckdb", sandbox)


@pytest.fixture
def db_copy(reviewed: ReviewedDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the database, and a private IPython directory for the kernel."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    target = tmp_path / "offermap.duckdb"
    shutil.copyfile(reviewed.path, target)
    return target
