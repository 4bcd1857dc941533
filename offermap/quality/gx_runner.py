"""Run a Great Expectations suite on a pandas frame and turn the result into per-row verdicts.

Great Expectations is imported inside functions only: importing it costs seconds. Frames are
validated through an ephemeral context with a pandas datasource (GX's SQL datasource silently
fails on DuckDB: docs/decisions/gx-on-pandas-frames.md), so callers materialise their DuckDB
query with `.df()` first. The suites themselves live in the top-level `expectations` package,
which builds on this module; nothing here knows a suite by name.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from offermap.quality.report import (
    MAX_EXAMPLES,
    ExpectationRunError,
    FailedExpectation,
    RowFailure,
    ValidationReport,
    json_safe,
    row_key,
)

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context.data_context.abstract_data_context import (
        AbstractDataContext,
    )

_lock = threading.RLock()
_context: AbstractDataContext | None = None
_batch_definition: BatchDefinition[Any] | None = None


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


def validate_frame(
    suite: gx.ExpectationSuite, frame: pd.DataFrame, id_column: str
) -> ValidationReport:
    """Validate a frame against a suite and attribute each failure to the rows that caused it.

    Args:
        suite: The suite, e.g. one built by `expectations.suites.get_suite`.
        frame: The rows, e.g. a DuckDB query materialised with `.df()`. Not modified.
        id_column: The column that identifies a row; `row_failures` is keyed by its values.

    Returns:
        The report. An empty frame (with the columns) passes with no row failures.

    Raises:
        ValueError: The frame lacks the id column or a column the suite checks.
        ExpectationRunError: GX failed to evaluate an expectation; such a run never passes.
    """
    resolved = suite
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


def _check_columns(suite: gx.ExpectationSuite, frame: pd.DataFrame, id_column: str) -> None:
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
    # GX results do not come in suite order (docs/notes/stack-pitfalls.md#p5): sort them.
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
        rows = [{key: json_safe(value) for key, value in row.items()} for row in index_list]
        row_ids = [row_key(row.get(id_column)) for row in index_list]
        examples: list[Any] = rows[:MAX_EXAMPLES]
    else:
        row_ids = []
        values = details.get("unexpected_list") or details.get("partial_unexpected_list") or []
        examples = [json_safe(value) for value in values[:MAX_EXAMPLES]]
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


def suite_columns(suite: gx.ExpectationSuite) -> set[str]:
    """Every column a suite's expectations read, row conditions included.

    Args:
        suite: Any suite.

    Returns:
        The column names, so a caller can name missing columns before GX fails on them.
    """
    names: set[str] = set()
    for expectation in suite.expectations:
        kwargs = expectation.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                names.add(kwargs[key])
        names.update(kwargs.get("column_list") or ())
        names |= _condition_columns(kwargs.get("row_condition"))
    return names


def _condition_columns(condition: Any) -> set[str]:
    """Column names a row_condition (a Condition object or its dict form) refers to."""
    if condition is None or isinstance(condition, str):
        return set()
    if isinstance(condition, Mapping):
        column = condition.get("column")
        names = {column["name"]} if isinstance(column, Mapping) else set()
        children = condition.get("conditions") or ()
    else:
        column = getattr(condition, "column", None)
        names = {column.name} if column is not None else set()
        children = getattr(condition, "conditions", None) or ()
    for child in children:
        names |= _condition_columns(child)
    return names
