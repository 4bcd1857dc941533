"""The filter builder F and the query bodies it produces."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from offermap.autotask import F, Filter, Op
from offermap.autotask.filters import count_body, query_body


@pytest.mark.parametrize(
    ("built", "op"),
    [
        (F.eq("name", "x"), "eq"),
        (F.noteq("name", "x"), "noteq"),
        (F.gt("id", 1), "gt"),
        (F.gte("id", 1), "gte"),
        (F.lt("id", 1), "lt"),
        (F.lte("id", 1), "lte"),
        (F.begins_with("name", "x"), "beginsWith"),
        (F.ends_with("name", "x"), "endsWith"),
        (F.contains("name", "x"), "contains"),
    ],
)
def test_serialises_every_comparison_with_autotask_operator_spelling(built: Filter, op: str):
    wire = built.to_json()
    assert wire["op"] == op
    assert set(wire) == {"op", "field", "value"}


def test_exist_and_not_exist_send_no_value():
    assert F.exist("sku").to_json() == {"op": "exist", "field": "sku"}
    assert F.not_exist("sku").to_json() == {"op": "notExist", "field": "sku"}


def test_in_and_not_in_send_json_lists():
    assert F.in_("id", (1, 2, 3)).to_json() == {"op": "in", "field": "id", "value": [1, 2, 3]}
    assert F.not_in("name", ["a"]).to_json() == {"op": "notIn", "field": "name", "value": ["a"]}


def test_nested_and_or_groups_serialise_items():
    built = F.or_(F.and_(F.eq("isActive", True), F.gt("unitPrice", 0)), F.eq("id", 7))
    assert built.to_json() == {
        "op": "or",
        "items": [
            {
                "op": "and",
                "items": [
                    {"op": "eq", "field": "isActive", "value": True},
                    {"op": "gt", "field": "unitPrice", "value": 0},
                ],
            },
            {"op": "eq", "field": "id", "value": 7},
        ],
    }


def test_udf_filter_carries_udf_true():
    assert F.eq("Number of Employees", 10, udf=True).to_json() == {
        "op": "eq",
        "field": "Number of Employees",
        "value": 10,
        "udf": True,
    }


def test_boolean_value_stays_a_json_boolean():
    assert F.eq("isActive", False).to_json()["value"] is False


def test_aware_datetime_is_sent_in_utc_with_milliseconds():
    when = datetime(2026, 3, 1, 2, 30, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert F.gte("lastModifiedDate", when).to_json()["value"] == "2026-03-01T00:30:00.250"


def test_date_is_sent_at_midnight():
    assert F.eq("effectiveDate", date(2026, 5, 1)).to_json()["value"] == "2026-05-01T00:00:00"


def test_decimal_is_sent_as_a_number():
    assert F.eq("unitPrice", Decimal("0")).to_json()["value"] == 0
    assert F.eq("unitPrice", Decimal("1.5")).to_json()["value"] == 1.5


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        F.gte("lastModifiedDate", datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    "make",
    [
        lambda: F.in_("id", []),
        lambda: F.and_(),
        lambda: F.or_(),
        lambda: F.eq("", 1),
        lambda: Filter(Op.EQ, "id", None),
        lambda: Filter(Op.EXIST, "id", 1),
        lambda: Filter(Op.EQ, "id", 1, items=(F.eq("id", 1),)),
    ],
)
def test_malformed_filters_are_refused_with_a_clear_error(make):
    with pytest.raises(ValueError):
        make()


def test_empty_filter_becomes_catch_all_id_gte_zero():
    expected = [{"op": "gte", "field": "id", "value": 0}]
    assert query_body(None)["filter"] == expected
    assert query_body([])["filter"] == expected
    assert count_body(None) == {"filter": expected}


def test_list_of_filters_is_a_top_level_and():
    body = query_body([F.eq("isActive", True), F.begins_with("name", "Microsoft")])
    assert [f["op"] for f in body["filter"]] == ["eq", "beginsWith"]


def test_include_fields_always_carry_id():
    assert query_body(None, include_fields=["companyName"])["IncludeFields"] == [
        "id",
        "companyName",
    ]
    assert query_body(None, include_fields=["ID", "x"])["IncludeFields"] == ["ID", "x"]


@pytest.mark.parametrize("bad", [0, 501, -1, True])
def test_max_records_outside_1_to_500_is_refused(bad):
    with pytest.raises(ValueError, match="between 1 and 500"):
        query_body(None, max_records=bad)


def test_max_records_in_range_is_sent():
    assert query_body(None, max_records=500)["MaxRecords"] == 500
    assert query_body(None, max_records=1)["MaxRecords"] == 1


def test_only_one_udf_field_may_be_queried():
    with pytest.raises(ValueError, match="one user-defined field"):
        query_body(F.and_(F.eq("A", 1, udf=True), F.eq("B", 2, udf=True)))
    assert len(query_body([F.eq("A", 1, udf=True), F.gt("A", 0, udf=True)])["filter"]) == 2
