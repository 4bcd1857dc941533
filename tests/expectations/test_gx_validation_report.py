"""validate_frame: per-row reports, JSON form, GX errors, bad input and repeated runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from gx_frames import valid_decision, valid_neighbours


def test_report_keys_failures_by_row_id_with_examples(quality):
    rows = [*valid_neighbours(), valid_decision(41, service_is_active=False)]

    report = quality.validate_frame(
        quality.get_suite("decision_rules"), pd.DataFrame(rows), "decision_id"
    )

    assert not report.success
    assert list(report.row_failures) == [41]
    [failure] = report.failed
    assert (failure.rule, failure.column, failure.unexpected_count) == (
        "R2",
        "service_is_active",
        1,
    )
    assert failure.examples == [{"decision_id": 41, "service_is_active": False}]
    assert failure.row_ids == [41]


def test_report_to_dict_is_json_safe_and_keeps_row_id_types(quality):
    frame = pd.DataFrame(
        [
            valid_decision(1),
            valid_decision(
                2, offer_type="AzurePlan", service_unit_cost=np.float64(3.5), service_unit_price=0.0
            ),
        ]
    )
    frame["decision_id"] = frame["decision_id"].astype(np.int32)

    document = json.loads(
        json.dumps(
            quality.validate_frame(
                quality.get_suite("decision_rules"), frame, "decision_id"
            ).to_dict()
        )
    )

    assert document["suite"] == "decision_rules"
    assert document["success"] is False
    assert document["row_failures"] == [
        {
            "id": 2,
            "failures": [
                {
                    "rule": "R6",
                    "reason": document["failed"][0]["reason"],
                    "expectation_type": "expect_column_values_to_be_between",
                    "column": "service_unit_cost",
                }
            ],
        }
    ]
    assert document["failed"][0]["examples"] == [{"decision_id": 2, "service_unit_cost": 3.5}]


def test_repeated_runs_judge_each_frame_afresh(quality):
    bad = pd.DataFrame([valid_decision(1), valid_decision(2, service_is_active=False)])
    good = pd.DataFrame([valid_decision(1), valid_decision(2)])

    first = quality.validate_decisions(bad)
    second = quality.validate_decisions(good)
    bad.loc[0, "variant_acquired"] = False  # the same frame object, changed in place
    third = quality.validate_decisions(bad)

    assert [bool(first[1]), bool(first[2])] == [False, True]
    assert second == {1: [], 2: []}
    assert {f.rule for f in third[1]} == {"R9"} and {f.rule for f in third[2]} == {"R2"}


def test_a_duplicated_frame_index_does_not_confuse_row_attribution(quality):
    frame = pd.DataFrame(
        [valid_decision(1), valid_decision(2, offer_type="LicenseLegacy"), valid_decision(3)],
        index=[7, 7, 7],
    )

    verdicts = quality.validate_decisions(frame)

    assert {key for key, failures in verdicts.items() if failures} == {2}


def test_expectation_that_gx_cannot_evaluate_raises_instead_of_passing(quality):
    import great_expectations as gx
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )

    quality.gx_context()
    suite = gx.ExpectationSuite(name="text_between")
    suite.add_expectation(ExpectColumnValuesToBeBetween(column="label", min_value=0, max_value=1))
    frame = pd.DataFrame({"row_id": [1, 2], "label": ["a", "b"]})

    with pytest.raises(quality.ExpectationRunError, match=r"text_between: 1 expectation.*label"):
        quality.validate_frame(suite, frame, "row_id")


def test_frame_without_a_checked_column_is_refused_by_name(quality):
    frame = pd.DataFrame([valid_decision(1)]).drop(columns=["variant_acquired"])

    with pytest.raises(
        ValueError, match=r"decision_rules: the frame lacks columns \['variant_acquired'\]"
    ):
        quality.validate_frame(quality.get_suite("decision_rules"), frame, "decision_id")


def test_frame_without_the_id_column_is_refused(quality):
    with pytest.raises(ValueError, match="no id column 'service_key'"):
        quality.validate_frame(
            quality.get_suite("decision_rules"), pd.DataFrame([valid_decision(1)]), "service_key"
        )


def test_unknown_suite_name_is_refused(quality):
    with pytest.raises(ValueError, match="unknown expectation suite 'offers'"):
        quality.validate_frame(quality.get_suite("offers"), pd.DataFrame({"id": [1]}), "id")


def test_named_suites_are_built_once_per_process(quality):
    assert quality.get_suite("at_services") is quality.get_suite("at_services")


def test_builders_refuse_an_expectation_gx_would_silently_drop(quality):
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )

    from expectations._build import add, new_suite, rule_meta

    suite = new_suite("twice")
    add(suite, ExpectColumnValuesToNotBeNull(column="service_id", meta=rule_meta("R1")))

    with pytest.raises(ValueError, match="already in the suite"):
        add(suite, ExpectColumnValuesToNotBeNull(column="service_id", meta=rule_meta("R2")))


def test_frame_missing_a_column_used_only_in_a_row_condition_is_refused(quality):
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )
    from great_expectations.expectations.row_conditions import Column

    from expectations._build import add, new_suite
    from offermap.quality.gx_runner import suite_columns

    suite = new_suite("conditioned")
    condition = (Column("kind") == "x") & Column("flag").is_null()
    add(suite, ExpectColumnValuesToNotBeNull(column="value", row_condition=condition))
    frame = pd.DataFrame({"row_id": [1], "value": [None], "kind": ["x"]})

    assert suite_columns(suite) == {"value", "kind", "flag"}
    with pytest.raises(ValueError, match=r"conditioned: the frame lacks columns \['flag'\]"):
        quality.validate_frame(suite, frame, "row_id")
