"""Fixtures of the expectation tests: one GX set-up per session and frame builders.

Great Expectations takes seconds to import, so it is imported once, in a session fixture, and
never at this module's top level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from gx_frames import DECISION_SQL_TYPES, duckdb_frame


@pytest.fixture(scope="session")
def quality() -> Iterator[Any]:
    """expectations.suites with its GX context and the three suites built (one import per run)."""
    from expectations import suites as module

    for name in module.SUITE_NAMES:
        module.get_suite(name)
    yield module


@pytest.fixture(params=["pandas", "duckdb"])
def decisions_frame(
    request: pytest.FixtureRequest,
) -> Callable[[list[dict[str, Any]]], pd.DataFrame]:
    """Builds a decisions frame in Python, or through DuckDB with its nullable dtypes."""

    def build(rows: list[dict[str, Any]]) -> pd.DataFrame:
        if request.param == "duckdb":
            return duckdb_frame(rows, DECISION_SQL_TYPES)
        return pd.DataFrame(rows, columns=list(DECISION_SQL_TYPES))

    return build
