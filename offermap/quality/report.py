"""What a validation found: failed expectations, and the rules each failing row breaks.

These plain records are all a caller of the quality runner sees of Great Expectations: the
artifacts, the audit details and the fast rules check of a single decision share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from offermap.errors import OffermapError

# Enough to show a user what went wrong without making an audit row the size of the batch.
MAX_EXAMPLES = 20


class ExpectationRunError(OffermapError):
    """Great Expectations could not evaluate an expectation, so the run proves nothing."""


@dataclass(frozen=True)
class RowFailure:
    """One rule (or input check) that one row breaks; `column` is the fact that broke it."""

    rule: str | None
    reason: str
    expectation_type: str
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for artifacts and audit details."""
        return {
            "rule": self.rule,
            "reason": self.reason,
            "expectation_type": self.expectation_type,
            "column": self.column,
        }


@dataclass(frozen=True)
class FailedExpectation:
    """An expectation that did not hold, with what the suite's meta says about it.

    `examples` holds up to MAX_EXAMPLES failing rows as {id column: id, column: value} dicts;
    `row_ids` holds the ids of every failing row (empty when GX names no rows, e.g. a
    table-level expectation).
    """

    expectation_type: str
    column: str | None
    rule: str | None
    reason: str
    unexpected_count: int | None
    examples: list[Any]
    row_ids: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for artifacts and audit details."""
        return {
            "expectation_type": self.expectation_type,
            "column": self.column,
            "rule": self.rule,
            "reason": self.reason,
            "unexpected_count": self.unexpected_count,
            "examples": self.examples,
            "row_ids": self.row_ids,
        }


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one suite on one frame.

    Attributes:
        suite_name: Name of the suite that ran.
        id_column: Column whose values key `row_failures`.
        success: True when every expectation held.
        evaluated: How many expectations were evaluated.
        failed: The expectations that did not hold.
        row_failures: Failing rows only, keyed by their id (None for rows without an id).
    """

    suite_name: str
    id_column: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation]
    row_failures: dict[Any, list[RowFailure]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for artifacts and audit details (row ids keep their type)."""
        return {
            "suite": self.suite_name,
            "id_column": self.id_column,
            "success": self.success,
            "evaluated": self.evaluated,
            "failed": [failure.to_dict() for failure in self.failed],
            "row_failures": [
                {"id": row_id, "failures": [failure.to_dict() for failure in failures]}
                for row_id, failures in self.row_failures.items()
            ],
        }


def row_key(value: Any) -> Any:
    """A hashable, JSON-safe row id: whole floats become ints, missing values None."""
    safe = json_safe(value)
    if isinstance(safe, float) and safe.is_integer():
        return int(safe)
    return safe


def json_safe(value: Any) -> Any:
    """Plain Python for numpy scalars and pandas missing values; ISO text for timestamps."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, list | tuple):
        return [json_safe(element) for element in value]
    import pandas as pd

    # pd.NA, pd.NaT and numpy's NaT have no JSON form; NaT is also a datetime.
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)
