"""The rules R1–R9 judged on decision facts in plain Python: the GX suite's verdicts, fast.

A hand-made `offermap map` decides one pair; importing Great Expectations and building the
suite for it takes seconds. This check reads the same rule data (`offermap.rules`) as
`expectations/decision_rules.py` and reproduces each expectation of that suite, with GX's
semantics (a column-map expectation skips nulls; a row condition selects rows equal to a
value), so it reports exactly the suite's failures: `tests/expectations/test_rule_check_property.py`
compares both on random batches. Change the two together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from offermap.quality.report import RowFailure, row_key
from offermap.rules import (
    DECISION_COLUMNS,
    NOT_REQUIRED_OFFER_TYPES,
    PERIOD_LABEL_FOR_BILLING,
    REQUIRED_FACTS,
    RULES_BY_CODE,
    SUPPORTED_BILLING_FREQUENCIES,
    UNSUPPORTED_OFFER_TYPES,
    ZERO_PRICED_OFFER_TYPES,
)

NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
NOT_IN_SET = "expect_column_values_to_not_be_in_set"
BETWEEN = "expect_column_values_to_be_between"

Row = Mapping[str, Any]
# (rule, expectation type, column, does this row break it?)
_Check = tuple[str, str, str, Callable[[Row], bool]]


def _null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _equals(value: Any, wanted: Any) -> bool:
    """A row condition `column == wanted`: nulls never match."""
    return not _null(value) and value == wanted


def _not_null(column: str) -> Callable[[Row], bool]:
    return lambda row: _null(row[column])


def _in_set(column: str, allowed: frozenset[Any]) -> Callable[[Row], bool]:
    return lambda row: not _null(row[column]) and row[column] not in allowed


def _checks() -> list[_Check]:
    """One entry per expectation of the rules suite, in the suite's order."""
    checks: list[_Check] = []
    for code, column, good in REQUIRED_FACTS:
        checks.append((code, NOT_NULL, column, _not_null(column)))
        checks.append((code, IN_SET, column, _in_set(column, frozenset({good}))))
    checks.append(("R9", NOT_NULL, "offer_type", _not_null("offer_type")))
    checks.append(
        ("R2", IN_SET, "service_is_active", _in_set("service_is_active", frozenset({True})))
    )
    checks.append(
        (
            "R2",
            NOT_NULL,
            "service_is_active",
            lambda row: (
                _equals(row["service_in_snapshot"], True) and _null(row["service_is_active"])
            ),
        )
    )
    supported = frozenset(str(f) for f in SUPPORTED_BILLING_FREQUENCIES)
    checks.append(("R5", NOT_NULL, "billing_frequency", _not_null("billing_frequency")))
    checks.append(("R5", IN_SET, "billing_frequency", _in_set("billing_frequency", supported)))
    checks.append(
        (
            "R5",
            NOT_NULL,
            "service_period_label",
            lambda row: (
                _equals(row["service_in_snapshot"], True) and _null(row["service_period_label"])
            ),
        )
    )
    for frequency, label in sorted(PERIOD_LABEL_FOR_BILLING.items()):
        checks.append(
            (
                "R5",
                IN_SET,
                "service_period_label",
                _wrong_period_label(str(frequency), label),
            )
        )
    zero_priced = frozenset(str(t) for t in ZERO_PRICED_OFFER_TYPES)
    for column in ("service_unit_cost", "service_unit_price"):
        checks.append(
            (
                "R6",
                BETWEEN,
                column,
                _priced_when_zero_priced(column, zero_priced),
            )
        )
    for code, types in (("R7", NOT_REQUIRED_OFFER_TYPES), ("R8", UNSUPPORTED_OFFER_TYPES)):
        banned = frozenset(str(t) for t in types)
        checks.append((code, NOT_IN_SET, "offer_type", _banned_offer_type(banned)))
    return checks


def _wrong_period_label(frequency: str, label: str) -> Callable[[Row], bool]:
    def broken(row: Row) -> bool:
        period = row["service_period_label"]
        return (
            _equals(row["billing_frequency"], frequency) and not _null(period) and period != label
        )

    return broken


def _priced_when_zero_priced(column: str, zero_priced: frozenset[str]) -> Callable[[Row], bool]:
    def broken(row: Row) -> bool:
        offer_type, value = row["offer_type"], row[column]
        return (
            not _null(offer_type)
            and offer_type in zero_priced
            and not _null(value)
            and float(value) != 0.0
        )

    return broken


def _banned_offer_type(banned: frozenset[str]) -> Callable[[Row], bool]:
    def broken(row: Row) -> bool:
        return not _null(row["offer_type"]) and row["offer_type"] in banned

    return broken


_CHECKS = _checks()


def check_decision_facts(frame: pd.DataFrame) -> dict[int, list[RowFailure]]:
    """Every decision_id of the frame with the rules it breaks (empty: it passes).

    Args:
        frame: one row per decision with the columns of `offermap.rules.DECISION_COLUMNS`.

    Raises:
        ValueError: a column is missing, or a decision_id is null or repeated.
    """
    missing = [column for column in DECISION_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"decision_rules: the decisions frame lacks columns {missing}")
    verdicts: dict[int, list[RowFailure]] = {}
    # Only the facts the rules read: converting a wide frame's other columns costs seconds.
    for record in frame[list(DECISION_COLUMNS)].to_dict("records"):
        row = {str(key): value for key, value in record.items()}
        if _null(row["decision_id"]):
            raise ValueError("decision_rules: decisions without a decision_id cannot be validated")
        decision_id = int(row_key(row["decision_id"]))
        if decision_id in verdicts:
            raise ValueError(f"decision_rules: decision_id repeated in the batch: [{decision_id}]")
        failures = [
            RowFailure(code, RULES_BY_CODE[code].user_text, expectation_type, column)
            for code, expectation_type, column, broken in _CHECKS
            if broken(row)
        ]
        # The GX report sorts a row's failures this way (its results come in no fixed order).
        failures.sort(key=lambda f: (f.rule or "", f.column or "", f.expectation_type))
        verdicts[decision_id] = failures
    return verdicts
