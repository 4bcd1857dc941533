"""The rules suite R1-R9 on batches of decisions, through validate_decisions."""

from __future__ import annotations

from typing import Any

import pytest
from gx_frames import DECISION_SQL_TYPES, duckdb_frame, valid_decision, valid_neighbours

from offermap.rules import RULES, RULES_BY_CODE

BAD_ID = 99

# One decision per rule that breaks that rule and nothing else.
BREAKING: dict[str, dict[str, Any]] = {
    "R1 service not in snapshot": {
        "service_in_snapshot": False,
        "service_is_active": None,
        "service_period_label": None,
        "service_unit_cost": None,
        "service_unit_price": None,
    },
    "R1 azure plan whose service is not in snapshot": {
        "offer_type": "AzurePlan",
        "service_in_snapshot": False,
        "service_is_active": None,
        "service_period_label": None,
        "service_unit_cost": None,
        "service_unit_price": None,
    },
    "R2 inactive service": {"service_is_active": False},
    "R3 service mapped to another variant": {"service_mapped_to_other_variant": True},
    "R3 service claimed earlier in batch": {"service_claimed_earlier_in_batch": True},
    "R4 variant mapped to another service": {"variant_mapped_to_other_service": True},
    "R4 variant claimed earlier in batch": {"variant_claimed_earlier_in_batch": True},
    "R5 triennial billing": {"billing_frequency": "Triennial", "term": "ThreeYears"},
    "R5 one-time billing": {"billing_frequency": "OneTime", "term": "NoTerm"},
    "R5 monthly offer on yearly service": {"service_period_label": "Yearly"},
    "R5 annual offer on monthly service": {"billing_frequency": "Annual"},
    "R5 monthly offer on quarterly service": {"service_period_label": "Quarterly"},
    "R6 azure plan service with a price": {
        "offer_type": "AzurePlan",
        "service_unit_cost": 0.0,
        "service_unit_price": 5.0,
    },
    "R6 azure plan service with a cost": {
        "offer_type": "AzurePlan",
        "service_unit_cost": 1.5,
        "service_unit_price": 0.0,
    },
    "R7 azure reservation": {"offer_type": "AzureReservation"},
    "R8 legacy licence": {"offer_type": "LicenseLegacy"},
    "R9 variant not acquired": {"variant_acquired": False, "offer_type": None},
}

# A null in a fact a rule reads must fail that rule, never pass it.
NULL_FACTS: dict[str, dict[str, Any]] = {
    "R1": {"service_in_snapshot": None},
    "R2": {"service_is_active": None},
    "R3": {"service_claimed_earlier_in_batch": None},
    "R4": {"variant_mapped_to_other_service": None},
    "R5": {"service_period_label": None},
    "R9": {"variant_acquired": None},
}


@pytest.mark.parametrize("case", list(BREAKING))
def test_only_the_decision_breaking_a_rule_fails_and_names_it(quality, case):
    rule = case.split()[0]
    rows = [*valid_neighbours(), valid_decision(BAD_ID, **BREAKING[case])]

    verdicts = quality.validate_decisions(duckdb_frame(rows, DECISION_SQL_TYPES))

    assert set(verdicts) == {row["decision_id"] for row in rows}
    assert {decision_id for decision_id, failures in verdicts.items() if failures} == {BAD_ID}
    assert {failure.rule for failure in verdicts[BAD_ID]} == {rule}
    assert all(f.reason == RULES_BY_CODE[rule].user_text for f in verdicts[BAD_ID])


def test_each_breaking_decision_of_a_mixed_python_batch_names_only_its_rule(quality):
    import pandas as pd

    cases = list(BREAKING)
    breaking = [valid_decision(100 + n, **BREAKING[case]) for n, case in enumerate(cases)]
    frame = pd.DataFrame([*valid_neighbours(), *breaking])  # object columns holding None

    verdicts = quality.validate_decisions(frame)

    for n, case in enumerate(cases):
        assert {failure.rule for failure in verdicts[100 + n]} == {case.split()[0]}, case
    assert not any(verdicts[row["decision_id"]] for row in valid_neighbours())


@pytest.mark.parametrize("rule", list(NULL_FACTS))
def test_an_unknown_fact_fails_its_rule(quality, decisions_frame, rule):
    rows = [*valid_neighbours(), valid_decision(BAD_ID, **NULL_FACTS[rule])]

    verdicts = quality.validate_decisions(decisions_frame(rows))

    assert rule in {failure.rule for failure in verdicts[BAD_ID]}
    assert not any(verdicts[row["decision_id"]] for row in valid_neighbours())


def test_a_decision_breaking_several_rules_lists_each(quality, decisions_frame):
    bad = valid_decision(
        BAD_ID,
        offer_type="AzurePlan",
        service_is_active=False,
        service_unit_cost=0.0,
        service_unit_price=3.0,
        variant_claimed_earlier_in_batch=True,
    )

    verdicts = quality.validate_decisions(decisions_frame([valid_decision(1), bad]))

    assert verdicts[1] == []
    assert {failure.rule for failure in verdicts[BAD_ID]} == {"R2", "R4", "R6"}
    r6 = [failure for failure in verdicts[BAD_ID] if failure.rule == "R6"]
    assert [failure.column for failure in r6] == ["service_unit_price"]


def test_a_batch_of_valid_decisions_passes(quality, decisions_frame):
    verdicts = quality.validate_decisions(decisions_frame(valid_neighbours()))

    assert verdicts == {row["decision_id"]: [] for row in valid_neighbours()}


def test_an_empty_batch_passes_with_no_verdicts(quality, decisions_frame):
    frame = decisions_frame([])

    assert quality.validate_decisions(frame) == {}
    report = quality.validate_frame(quality.get_suite("decision_rules"), frame, "decision_id")
    assert report.success
    assert report.row_failures == {}
    assert report.evaluated == len(quality.get_suite("decision_rules").expectations)


def test_every_rule_has_an_expectation_carrying_its_reason(quality):
    suite = quality.get_suite("decision_rules")

    metas = [expectation.meta for expectation in suite.expectations]

    assert {meta["rule"] for meta in metas} == {rule.code for rule in RULES}
    for meta in metas:
        assert meta["reason"] == RULES_BY_CODE[meta["rule"]].user_text


def test_decisions_frame_without_a_rule_column_is_refused(quality):
    import pandas as pd

    frame = pd.DataFrame([valid_decision(1)]).drop(columns=["service_is_active"])

    with pytest.raises(ValueError, match="service_is_active"):
        quality.validate_decisions(frame)


def test_repeated_decision_id_is_refused(quality):
    import pandas as pd

    frame = pd.DataFrame([valid_decision(7), valid_decision(7, offer_id="other")])

    with pytest.raises(ValueError, match=r"decision_id repeated.*\[7\]"):
        quality.validate_decisions(frame)


def test_decision_without_an_id_is_refused(quality):
    import pandas as pd

    frame = pd.DataFrame([valid_decision(1), valid_decision(2)])
    frame["decision_id"] = frame["decision_id"].astype("Int64")
    frame.loc[1, "decision_id"] = None

    with pytest.raises(ValueError, match="without a decision_id"):
        quality.validate_decisions(frame)


def test_rule_failure_without_named_decisions_is_an_error_not_a_pass(quality, monkeypatch):
    import great_expectations as gx
    import pandas as pd
    from great_expectations.expectations.core.expect_table_row_count_to_be_between import (
        ExpectTableRowCountToBeBetween,
    )

    quality.gx_context()
    suite = gx.ExpectationSuite(name="decision_rules")
    suite.add_expectation(ExpectTableRowCountToBeBetween(max_value=0, meta={"rule": "R4"}))
    monkeypatch.setitem(quality._suites, "decision_rules", suite)

    with pytest.raises(quality.ExpectationRunError, match="without naming the decisions"):
        quality.validate_decisions(pd.DataFrame([valid_decision(1)]))
