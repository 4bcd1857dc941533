"""The rules suite: CloudCockpit's mapping rules R1-R9 checked on a batch of approved decisions.

Apply validates its batch with this suite before writing anything. The frame has one row per
decision with the facts the rules need (DECISION_COLUMNS), prepared by apply in SQL.

Most column-map expectations skip nulls, so every fact a rule reads is also expected not null
where the rule applies: a null never lets a decision pass a rule unnoticed. Facts that are
null because the service is not in the snapshot (R1) or the variant is not acquired (R9) are
only checked under the condition that makes them meaningful, so such a row fails R1 or R9
rather than a cascade of rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations._build import add, new_suite, rule_meta
from offermap.rules import (
    NOT_REQUIRED_OFFER_TYPES,
    PERIOD_LABEL_FOR_BILLING,
    REQUIRED_FACTS,
    SUPPORTED_BILLING_FREQUENCIES,
    UNSUPPORTED_OFFER_TYPES,
    ZERO_PRICED_OFFER_TYPES,
)

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_NAME = "decision_rules"
ID_COLUMN = "decision_id"


def build_suite() -> gx.ExpectationSuite:
    """The rules suite, one or more expectations per rule, each with {"rule", "reason"} meta.

    Returns:
        The suite, named "decision_rules", for frames with DECISION_COLUMNS.
    """
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import (
        ExpectColumnValuesToBeInSet,
    )
    from great_expectations.expectations.core.expect_column_values_to_not_be_in_set import (
        ExpectColumnValuesToNotBeInSet,
    )
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )
    from great_expectations.expectations.row_conditions import Column

    suite = new_suite(SUITE_NAME)
    # `==` on a GX Column builds a row condition (a DataFrame.query clause), not a bool.
    in_snapshot = Column("service_in_snapshot") == True  # noqa: E712

    # R1, R3, R4, R9: facts apply computed in SQL; each must be known and have the one good value.
    for code, column, good in REQUIRED_FACTS:
        add(suite, ExpectColumnValuesToNotBeNull(column=column, meta=rule_meta(code)))
        add(
            suite,
            ExpectColumnValuesToBeInSet(column=column, value_set=[good], meta=rule_meta(code)),
        )
    # R9: offer_type comes from the acquired variant; without it R6-R8 could not be checked.
    add(suite, ExpectColumnValuesToNotBeNull(column="offer_type", meta=rule_meta("R9")))

    # R2: is_active is null only for services outside the snapshot, which fail R1.
    add(
        suite,
        ExpectColumnValuesToBeInSet(
            column="service_is_active", value_set=[True], meta=rule_meta("R2")
        ),
    )
    add(
        suite,
        ExpectColumnValuesToNotBeNull(
            column="service_is_active", row_condition=in_snapshot, meta=rule_meta("R2")
        ),
    )

    # R5: a supported billing frequency, and the service's period label it requires.
    add(suite, ExpectColumnValuesToNotBeNull(column="billing_frequency", meta=rule_meta("R5")))
    add(
        suite,
        ExpectColumnValuesToBeInSet(
            column="billing_frequency",
            value_set=sorted(str(frequency) for frequency in SUPPORTED_BILLING_FREQUENCIES),
            meta=rule_meta("R5"),
        ),
    )
    add(
        suite,
        ExpectColumnValuesToNotBeNull(
            column="service_period_label", row_condition=in_snapshot, meta=rule_meta("R5")
        ),
    )
    for frequency, label in sorted(PERIOD_LABEL_FOR_BILLING.items()):
        add(
            suite,
            ExpectColumnValuesToBeInSet(
                column="service_period_label",
                value_set=[label],
                # str(): the pandas engine writes the parameter with repr(), and an enum's
                # repr is not a value the column holds.
                row_condition=Column("billing_frequency") == str(frequency),
                meta=rule_meta("R5"),
            ),
        )

    # R6: a null cost or price is treated as 0, as offermap.rules.service_violations does
    # (Autotask leaves unitCost empty on services without a cost).
    zero_priced = Column("offer_type").is_in(sorted(str(t) for t in ZERO_PRICED_OFFER_TYPES))
    for column in ("service_unit_cost", "service_unit_price"):
        add(
            suite,
            ExpectColumnValuesToBeBetween(
                column=column,
                min_value=0,
                max_value=0,
                row_condition=zero_priced,
                meta=rule_meta("R6"),
            ),
        )

    # R7, R8: offer types that are never mapped.
    for code, offer_types in (("R7", NOT_REQUIRED_OFFER_TYPES), ("R8", UNSUPPORTED_OFFER_TYPES)):
        add(
            suite,
            ExpectColumnValuesToNotBeInSet(
                column="offer_type",
                value_set=sorted(str(t) for t in offer_types),
                meta=rule_meta(code),
            ),
        )
    return suite
