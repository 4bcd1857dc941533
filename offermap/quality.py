"""Run Great Expectations suites on pandas frames and turn the results into per-row verdicts.

Great Expectations is imported inside functions only: importing it costs seconds, and the CLI
and the flows import this module. Frames are validated through an ephemeral context with a
pandas datasource (stack-notes §4: GX's SQL datasource does not work on DuckDB), so callers
materialise their DuckDB query with `.df()` first.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context.data_context.abstract_data_context import (
        AbstractDataContext,
    )

SUITE_NAMES: tuple[str, ...] = ("at_services", "cc_subscriptions", "decision_rules")
DECISION_ID_COLUMN = "decision_id"
# Enough to show a user what went wrong without making an audit row the size of the batch.
MAX_EXAMPLES = 20

_lock = threading.RLock()
_context: AbstractDataContext | None = None
_batch_definition: BatchDefinition[Any] | None = None
_suites: dict[str, gx.ExpectationSuite] = {}


class ExpectationRunError(RuntimeError):
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


def gx_context() -> AbstractDataContext:
    """The process's ephemeral GX context, created on first use.

    Suite builders call this too: `ExpectationSuite.add_expectation` needs an active context,
    and each `gx.get_context(mode="ephemeral")` call would make a new one.
    """
    global _context
    with _lock:
        if _context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            # tqdm would draw a "Calculating Metrics" bar on stderr for every validation.
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            _context = context
        return _context


def _whole_frame_batch_definition() -> BatchDefinition[Any]:
    global _batch_definition
    with _lock:
        if _batch_definition is None:
            context = gx_context()
            asset = context.data_sources.add_pandas("offermap_frames").add_dataframe_asset("frame")
            _batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        return _batch_definition


def get_suite(name: str) -> gx.ExpectationSuite:
    """The named suite of `expectations/`, built once per process.

    Args:
        name: One of SUITE_NAMES.

    Returns:
        The suite, built with its builder's defaults. Do not mutate it: it is shared.

    Raises:
        ValueError: The name is not one of SUITE_NAMES.
    """
    if name not in SUITE_NAMES:
        raise ValueError(f"unknown expectation suite {name!r}; known: {', '.join(SUITE_NAMES)}")
    with _lock:
        if name not in _suites:
            builder = importlib.import_module(f"expectations.{name}")
            _suites[name] = builder.build_suite()
        return _suites[name]


def warm_up(names: Iterable[str] = SUITE_NAMES) -> None:
    """Import GX and build the named suites now, e.g. before taking a database write lock.

    Importing this module alone is cheap: GX is imported on the first validation otherwise.

    Args:
        names: Suites to build (all of SUITE_NAMES by default).

    Raises:
        ValueError: A name is not one of SUITE_NAMES.
    """
    for name in names:
        get_suite(name)
    _whole_frame_batch_definition()


def validate_frame(
    suite: gx.ExpectationSuite | str, frame: pd.DataFrame, id_column: str
) -> ValidationReport:
    """Validate a frame against a suite and attribute each failure to the rows that caused it.

    Args:
        suite: A suite, or the name of one of `expectations/` (see SUITE_NAMES).
        frame: The rows, e.g. a DuckDB query materialised with `.df()`. Not modified.
        id_column: The column that identifies a row; `row_failures` is keyed by its values.

    Returns:
        The report. An empty frame (with the columns) passes with no row failures.

    Raises:
        ValueError: Unknown suite name, or the frame lacks the id column or a column the
            suite checks.
        ExpectationRunError: GX failed to evaluate an expectation; such a run never passes.
    """
    resolved = get_suite(suite) if isinstance(suite, str) else suite
    _check_columns(resolved, frame, id_column)
    # A fresh RangeIndex: GX filters rows with DataFrame.query, which a duplicated or
    # non-default index of the caller's frame must not confuse.
    data = frame.reset_index(drop=True)
    with _lock:
        batch = _whole_frame_batch_definition().get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            resolved,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [id_column],
            },
        )
    if len(result.results) != len(resolved.expectations):
        raise ExpectationRunError(
            f"{resolved.name}: GX evaluated {len(result.results)} of "
            f"{len(resolved.expectations)} expectations"
        )
    return _build_report(resolved.name, id_column, result.results)


def validate_decisions(frame: pd.DataFrame) -> dict[int, list[RowFailure]]:
    """Check a batch of approved decisions against the rules suite (R1-R9).

    Args:
        frame: One row per decision with the columns of
            `expectations.decision_rules.DECISION_COLUMNS` (others are ignored).

    Returns:
        Every decision_id of the frame, each with the rules it breaks (empty: it passes).

    Raises:
        ValueError: A column is missing, or a decision_id is null or repeated.
        ExpectationRunError: GX failed to evaluate a rule, or a rule failed without naming
            the decisions that broke it; no decision may pass on such a run.
    """
    from expectations.decision_rules import DECISION_COLUMNS

    missing = [column for column in DECISION_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"decision_rules: the decisions frame lacks columns {missing}")
    ids = frame[DECISION_ID_COLUMN]
    if ids.isna().any():
        raise ValueError("decision_rules: decisions without a decision_id cannot be validated")
    duplicated = sorted({_row_key(value) for value in ids[ids.duplicated()]})
    if duplicated:
        raise ValueError(f"decision_rules: decision_id repeated in the batch: {duplicated}")
    verdicts: dict[int, list[RowFailure]] = {int(_row_key(value)): [] for value in ids}
    if not verdicts:
        # Nothing to decide: skip GX, whose import alone costs seconds.
        return verdicts

    report = validate_frame("decision_rules", frame, DECISION_ID_COLUMN)
    for failed in report.failed:
        if not failed.row_ids or len(failed.row_ids) < (failed.unexpected_count or 0):
            raise ExpectationRunError(
                f"decision_rules: {failed.expectation_type} on {failed.column} "
                f"({failed.rule}) failed without naming the decisions that broke it"
            )
    for row_id, failures in report.row_failures.items():
        verdicts[int(row_id)] = failures
    return verdicts


def _check_columns(suite: gx.ExpectationSuite, frame: pd.DataFrame, id_column: str) -> None:
    from expectations._build import suite_columns

    if id_column not in frame.columns:
        raise ValueError(f"{suite.name}: the frame has no id column {id_column!r}")
    missing = sorted(suite_columns(suite) - set(frame.columns))
    if missing:
        raise ValueError(f"{suite.name}: the frame lacks columns {missing}")


def _build_report(suite_name: str, id_column: str, results: list[Any]) -> ValidationReport:
    errors = [message for result in results if (message := _exception_message(result)) is not None]
    if errors:
        raise ExpectationRunError(
            f"{suite_name}: {len(errors)} expectation(s) could not be evaluated: "
            + "; ".join(errors)
        )
    failed: list[FailedExpectation] = []
    row_failures: dict[Any, list[RowFailure]] = {}
    for result in results:
        if result.success:
            continue
        failure = _failed_expectation(result, id_column)
        failed.append(failure)
        verdict = RowFailure(failure.rule, failure.reason, failure.expectation_type, failure.column)
        for row_id in dict.fromkeys(failure.row_ids):
            row_failures.setdefault(row_id, []).append(verdict)
    # Results do not come in suite order (stack-notes P5): sort for stable reports.
    failed.sort(key=lambda f: (f.rule or "", f.column or "", f.expectation_type))
    for failures in row_failures.values():
        failures.sort(key=lambda f: (f.rule or "", f.column or "", f.expectation_type))
    return ValidationReport(
        suite_name=suite_name,
        id_column=id_column,
        success=not failed,
        evaluated=len(results),
        failed=failed,
        row_failures=row_failures,
    )


def _exception_message(result: Any) -> str | None:
    """Why GX could not evaluate this expectation, or None when it could."""
    info = result.exception_info or {}
    # GX gives either one flat record or one record per metric it tried to compute.
    records = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(record.get("exception_message") or "unknown error").splitlines()[0][:300]
        for record in records
        if isinstance(record, Mapping) and record.get("raised_exception")
    ]
    if not messages and result.success is None:
        messages = ["no outcome reported"]
    if not messages:
        return None
    config = result.expectation_config
    return f"{config.type} on {config.kwargs.get('column')}: {messages[0]}"


def _failed_expectation(result: Any, id_column: str) -> FailedExpectation:
    config = result.expectation_config
    meta = config.meta or {}
    column = config.kwargs.get("column")
    details = result.result or {}
    index_list = details.get("unexpected_index_list")
    if isinstance(index_list, list) and index_list and isinstance(index_list[0], Mapping):
        rows = [{key: _json_safe(value) for key, value in row.items()} for row in index_list]
        row_ids = [_row_key(row.get(id_column)) for row in index_list]
        examples: list[Any] = rows[:MAX_EXAMPLES]
    else:
        row_ids = []
        values = details.get("unexpected_list") or details.get("partial_unexpected_list") or []
        examples = [_json_safe(value) for value in values[:MAX_EXAMPLES]]
    count = details.get("unexpected_count")
    reason = meta.get("reason") or f"{config.type} failed on {column or 'the table'}"
    return FailedExpectation(
        expectation_type=config.type,
        column=column,
        rule=meta.get("rule"),
        reason=str(reason),
        unexpected_count=int(count) if count is not None else None,
        examples=examples,
        row_ids=row_ids,
    )


def _row_key(value: Any) -> Any:
    """A hashable, JSON-safe row id: whole floats become ints, missing values None."""
    safe = _json_safe(value)
    if isinstance(safe, float) and safe.is_integer():
        return int(safe)
    return safe


def _json_safe(value: Any) -> Any:
    """Plain Python for numpy scalars and pandas missing values; ISO text for timestamps."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, list | tuple):
        return [_json_safe(element) for element in value]
    import pandas as pd

    # pd.NA, pd.NaT and numpy's NaT have no JSON form; NaT is also a datetime.
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return _json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)
