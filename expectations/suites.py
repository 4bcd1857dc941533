"""The suites by name, built once per process, and the rules suite's verdict on a batch.

Everything that runs a suite goes through here: the sync's input validation, apply's rules
check and the tests. Building a suite imports Great Expectations (seconds), so nothing is
built until first asked for; `warm_up` builds them ahead, e.g. before a write lock is taken.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from expectations import at_services, cc_subscriptions, decision_rules
from offermap.quality.gx_runner import gx_context, validate_frame
from offermap.quality.report import ExpectationRunError, RowFailure, ValidationReport, row_key
from offermap.rules import DECISION_COLUMNS

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

SUITE_NAMES: tuple[str, ...] = ("at_services", "cc_subscriptions", "decision_rules")
DECISION_ID_COLUMN = decision_rules.ID_COLUMN

_lock = threading.RLock()
_suites: dict[str, gx.ExpectationSuite] = {}

__all__ = [
    "SUITE_NAMES",
    "ExpectationRunError",
    "get_suite",
    "gx_context",
    "input_suites",
    "validate_decisions",
    "validate_frame",
    "warm_up",
]


def get_suite(name: str) -> gx.ExpectationSuite:
    """The named suite, built once per process with its builder's defaults. Do not mutate it.

    Raises:
        ValueError: The name is not one of SUITE_NAMES.
    """
    builders = {
        "at_services": at_services.build_suite,
        "cc_subscriptions": cc_subscriptions.build_suite,
        "decision_rules": decision_rules.build_suite,
    }
    if name not in builders:
        raise ValueError(f"unknown expectation suite {name!r}; known: {', '.join(SUITE_NAMES)}")
    with _lock:
        if name not in _suites:
            _suites[name] = builders[name]()
        return _suites[name]


def input_suites(period_labels: Sequence[str] | None = None) -> dict[str, gx.ExpectationSuite]:
    """The input suites by source, as `offermap.extract.publish.validate_inputs` takes them.

    Args:
        period_labels: the periodType labels the tenant's picklist offers, read by this sync;
            None keeps Autotask's standard labels.
    """
    services = at_services.build_suite(period_labels) if period_labels else get_suite("at_services")
    return {"autotask": services, "cloudcockpit": get_suite("cc_subscriptions")}


def warm_up(names: Iterable[str] = SUITE_NAMES) -> None:
    """Import GX and build the named suites now, e.g. before taking a database write lock.

    Raises:
        ValueError: A name is not one of SUITE_NAMES.
    """
    for name in names:
        get_suite(name)


def validate_decisions(frame: pd.DataFrame) -> dict[int, list[RowFailure]]:
    """Check a batch of approved decisions against the rules suite (R1-R9).

    Args:
        frame: One row per decision with the columns of `offermap.rules.DECISION_COLUMNS`
            (others are ignored).

    Returns:
        Every decision_id of the frame, each with the rules it breaks (empty: it passes).

    Raises:
        ValueError: A column is missing, or a decision_id is null or repeated.
        ExpectationRunError: GX failed to evaluate a rule, or a rule failed without naming
            the decisions that broke it; no decision may pass on such a run.
    """
    missing = [column for column in DECISION_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"decision_rules: the decisions frame lacks columns {missing}")
    ids = frame[DECISION_ID_COLUMN]
    if ids.isna().any():
        raise ValueError("decision_rules: decisions without a decision_id cannot be validated")
    duplicated = sorted({row_key(value) for value in ids[ids.duplicated()]})
    if duplicated:
        raise ValueError(f"decision_rules: decision_id repeated in the batch: {duplicated}")
    verdicts: dict[int, list[RowFailure]] = {int(row_key(value)): [] for value in ids}
    if not verdicts:
        # Nothing to decide: skip GX, whose import alone costs seconds.
        return verdicts

    report: ValidationReport = validate_frame(
        get_suite("decision_rules"), frame, DECISION_ID_COLUMN
    )
    for failed in report.failed:
        if not failed.row_ids or len(failed.row_ids) < (failed.unexpected_count or 0):
            raise ExpectationRunError(
                f"decision_rules: {failed.expectation_type} on {failed.column} "
                f"({failed.rule}) failed without naming the decisions that broke it"
            )
    for row_id, failures in report.row_failures.items():
        verdicts[int(row_id)] = failures
    return verdicts
