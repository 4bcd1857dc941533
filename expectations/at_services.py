"""Expectations on landed Autotask services (`stg_at_services`) before a snapshot is published."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from expectations._build import add, check_meta, new_suite

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_NAME = "at_services"
ID_COLUMN = "service_id"
# Autotask's standard periodType picklist labels. Tenants can rename picklist values, so the
# extract passes the labels it read from entityInformation/fields when it has them.
DEFAULT_PERIOD_LABELS: tuple[str, ...] = ("Monthly", "Quarterly", "Semi-Annual", "Yearly")
# Columns the published at_services table declares NOT NULL (besides run metadata).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "service_id",
    "name",
    "period_type",
    "period_type_label",
    "unit_price",
    "is_active",
)


def build_suite(period_labels: Iterable[str] = DEFAULT_PERIOD_LABELS) -> gx.ExpectationSuite:
    """The suite a frame with the columns of `stg_at_services` must pass to be published.

    It catches what would break publishing (NOT NULL and primary-key columns) or the rules
    later on: a service without a name cannot be matched, an unknown period label cannot be
    checked against R5, a negative cost makes no sense for R6.

    Args:
        period_labels: The periodType labels the tenant's picklist offers.

    Returns:
        The suite, named "at_services".

    Raises:
        ValueError: `period_labels` is empty.
    """
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import (
        ExpectColumnValuesToBeInSet,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_unique import (
        ExpectColumnValuesToBeUnique,
    )
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )
    from great_expectations.expectations.core.expect_column_values_to_not_match_regex import (
        ExpectColumnValuesToNotMatchRegex,
    )

    labels = sorted(set(period_labels))
    if not labels:
        raise ValueError("at_services: period_labels is empty; pass the periodType labels")
    suite = new_suite(SUITE_NAME)
    for column in REQUIRED_COLUMNS:
        add(
            suite,
            ExpectColumnValuesToNotBeNull(
                column=column,
                meta=check_meta(f"the service has no {column}; Autotask always sets it"),
            ),
        )
    add(
        suite,
        ExpectColumnValuesToBeUnique(
            column="service_id",
            meta=check_meta("the same service id was landed twice in one extract"),
        ),
    )
    add(
        suite,
        ExpectColumnValuesToNotMatchRegex(
            column="name",
            regex=r"^\s*$",
            meta=check_meta("the service name is blank, so no offer can be matched to it"),
        ),
    )
    add(
        suite,
        ExpectColumnValuesToBeInSet(
            column="period_type_label",
            value_set=labels,
            meta=check_meta(
                f"the period type label is not one of {', '.join(labels)}, "
                "so the billing rule (R5) cannot be checked"
            ),
        ),
    )
    add(
        suite,
        ExpectColumnValuesToBeBetween(
            column="unit_cost",
            min_value=0,
            meta=check_meta("the unit cost is negative"),
        ),
    )
    return suite
