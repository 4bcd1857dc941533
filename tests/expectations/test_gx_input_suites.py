"""The input suites at_services and cc_subscriptions on landed staging rows."""

from __future__ import annotations

from typing import Any

import pytest
from gx_frames import (
    AT_SERVICE_SQL_TYPES,
    CC_SUBSCRIPTION_SQL_TYPES,
    at_service,
    cc_subscription,
    duckdb_frame,
)


def services(*rows: dict[str, Any]) -> Any:
    return duckdb_frame([at_service(1), at_service(2), *rows], AT_SERVICE_SQL_TYPES)


def subscriptions(*rows: dict[str, Any]) -> Any:
    return duckdb_frame(
        [cc_subscription("sub-1"), cc_subscription("sub-2"), *rows], CC_SUBSCRIPTION_SQL_TYPES
    )


def failing_columns(report: Any) -> set[str]:
    return {failure.column for failure in report.failed}


def test_valid_services_pass(quality):
    report = quality.validate_frame(quality.get_suite("at_services"), services(), "service_id")

    assert report.success
    assert report.failed == []
    assert report.row_failures == {}
    assert report.evaluated == len(quality.get_suite("at_services").expectations)


def test_duplicate_service_ids_fail_both_rows(quality):
    frame = services(at_service(3), at_service(3, name="Another name"))

    report = quality.validate_frame(quality.get_suite("at_services"), frame, "service_id")

    assert not report.success
    assert set(report.row_failures) == {3}
    [failure] = report.failed
    assert failure.expectation_type == "expect_column_values_to_be_unique"
    assert failure.unexpected_count == 2


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("name", None),
        ("name", "   "),
        ("period_type", None),
        ("period_type_label", None),
        ("period_type_label", "Weekly"),
        ("is_active", None),
        ("unit_price", None),
        ("unit_cost", -1.0),
    ],
)
def test_service_with_a_bad_value_fails_on_that_column(quality, column, value):
    frame = services(at_service(3, **{column: value}))

    report = quality.validate_frame(quality.get_suite("at_services"), frame, "service_id")

    assert set(report.row_failures) == {3}
    assert failing_columns(report) == {column}
    assert all(failure.rule is None and failure.reason for failure in report.row_failures[3])


def test_service_without_a_cost_passes(quality):
    report = quality.validate_frame(
        quality.get_suite("at_services"), services(at_service(3, unit_cost=None)), "service_id"
    )

    assert report.success


def test_service_without_an_id_is_reported_under_none(quality):
    report = quality.validate_frame(
        quality.get_suite("at_services"), services(at_service(None)), "service_id"
    )

    assert set(report.row_failures) == {None}
    assert failing_columns(report) == {"service_id"}


def test_period_labels_of_the_tenant_replace_the_defaults(quality):
    from expectations.at_services import build_suite

    suite = build_suite(period_labels=["Monthly", "Yearly", "Weekly"])
    frame = services(
        at_service(3, period_type_label="Weekly"), at_service(4, period_type_label="Quarterly")
    )

    report = quality.validate_frame(suite, frame, "service_id")

    assert set(report.row_failures) == {4}


def test_empty_period_label_set_is_refused(quality):
    from expectations.at_services import build_suite

    with pytest.raises(ValueError, match="period_labels"):
        build_suite(period_labels=[])


def test_valid_subscriptions_pass(quality):
    report = quality.validate_frame(
        quality.get_suite("cc_subscriptions"), subscriptions(), "subscription_id"
    )

    assert report.success


def test_duplicate_subscription_ids_fail(quality):
    frame = subscriptions(cc_subscription("sub-3"), cc_subscription("sub-3", quantity=2))

    report = quality.validate_frame(quality.get_suite("cc_subscriptions"), frame, "subscription_id")

    assert set(report.row_failures) == {"sub-3"}
    assert failing_columns(report) == {"subscription_id"}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("customer_id", None),
        ("offer_id", None),
        ("offer_name", None),
        ("offer_name", ""),
        ("status", None),
        ("quantity", None),
        ("quantity", -3),
        ("offer_type", "Bundle"),
        ("offer_type", None),
        ("segment", "Charity"),
        ("term", "TwoYears"),
        ("billing_frequency", "Weekly"),
        ("billing_frequency", None),
    ],
)
def test_subscription_with_a_bad_value_fails_on_that_column(quality, column, value):
    frame = subscriptions(cc_subscription("sub-3", **{column: value}))

    report = quality.validate_frame(quality.get_suite("cc_subscriptions"), frame, "subscription_id")

    assert set(report.row_failures) == {"sub-3"}
    assert failing_columns(report) == {column}


def test_subscription_enum_sets_accept_every_known_name(quality):
    from offermap.rules import BillingFrequency, OfferType, Segment, Term

    rows = [
        cc_subscription(
            f"sub-{index}",
            offer_type=offer_type,
            segment=segment,
            term=term,
            billing_frequency=frequency,
        )
        for index, (offer_type, segment, term, frequency) in enumerate(
            zip(
                list(OfferType),
                [*Segment, *Segment],
                [*Term, *Term],
                [*BillingFrequency, *BillingFrequency],
                strict=False,
            )
        )
    ]

    report = quality.validate_frame(
        quality.get_suite("cc_subscriptions"),
        duckdb_frame(rows, CC_SUBSCRIPTION_SQL_TYPES),
        "subscription_id",
    )

    assert report.success, report.to_dict()
