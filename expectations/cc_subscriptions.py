"""Expectations on landed CloudCockpit subscriptions (`stg_cc_subscriptions`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from expectations._build import add, check_meta, new_suite
from offermap.rules import BillingFrequency, OfferType, Segment, Term

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_NAME = "cc_subscriptions"
ID_COLUMN = "subscription_id"
# Columns the published cc_subscriptions table declares NOT NULL (besides run metadata).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "subscription_id",
    "customer_id",
    "offer_id",
    "offer_name",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
    "status",
    "quantity",
)
# The mapping key and the rules read these; an unknown name would be mapped blindly.
ENUM_COLUMNS: dict[str, type[StrEnum]] = {
    "offer_type": OfferType,
    "segment": Segment,
    "term": Term,
    "billing_frequency": BillingFrequency,
}


def build_suite() -> gx.ExpectationSuite:
    """The suite a frame with the columns of `stg_cc_subscriptions` must pass to be published.

    Returns:
        The suite, named "cc_subscriptions".
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

    suite = new_suite(SUITE_NAME)
    for column in REQUIRED_COLUMNS:
        add(
            suite,
            ExpectColumnValuesToNotBeNull(
                column=column,
                meta=check_meta(f"the subscription has no {column}"),
            ),
        )
    add(
        suite,
        ExpectColumnValuesToBeUnique(
            column="subscription_id",
            meta=check_meta("the same subscription was landed twice in one extract"),
        ),
    )
    add(
        suite,
        ExpectColumnValuesToNotMatchRegex(
            column="offer_name",
            regex=r"^\s*$",
            meta=check_meta("the offer name is blank, so the offer cannot be matched"),
        ),
    )
    for column, enum in ENUM_COLUMNS.items():
        names = sorted(member.value for member in enum)
        add(
            suite,
            ExpectColumnValuesToBeInSet(
                column=column,
                value_set=names,
                meta=check_meta(f"the {column} is not one CloudCockpit knows ({', '.join(names)})"),
            ),
        )
    add(
        suite,
        ExpectColumnValuesToBeBetween(
            column="quantity",
            min_value=0,
            meta=check_meta("the subscription has a negative quantity"),
        ),
    )
    return suite
