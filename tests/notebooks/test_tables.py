"""Tables as the analyst reads them: integers for ids, blanks for missing values, no index."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from notebooks.tables import Table, readable


def test_ids_read_as_integers_missing_values_as_blanks_and_a_named_index_as_a_column() -> None:
    frame = pd.DataFrame(
        {
            "service_id": [29683009.0, float("nan")],
            "mapped_service_id": pd.array([7, None], dtype="Int64"),
            "score": [0.91234, None],
            "seats": [12.0, 3.0],
            "unit_price": [15.5, float("nan")],
            "service_name": ["Backup", None],
            "mapped_at": [datetime(2026, 11, 24, 9, 30, 12, tzinfo=UTC), pd.NaT],
            "awaiting_apply": [True, False],
        },
        index=pd.Index(
            ["A/Commercial/OneYear/Monthly", "B/Education/OneMonth/Monthly"], name="variant"
        ),
    )

    rows = readable(frame)

    assert list(rows.columns) == ["variant", *frame.columns]
    assert rows.to_dict("records") == [
        {
            "variant": "A/Commercial/OneYear/Monthly",
            "service_id": "29683009",
            "mapped_service_id": "7",
            "score": "0.91",
            "seats": "12",
            "unit_price": "15.5",
            "service_name": "Backup",
            "mapped_at": "2026-11-24 09:30",
            "awaiting_apply": "yes",
        },
        {
            "variant": "B/Education/OneMonth/Monthly",
            "service_id": "",
            "mapped_service_id": "",
            "score": "",
            "seats": "3",
            "unit_price": "",
            "service_name": "",
            "mapped_at": "",
            "awaiting_apply": "no",
        },
    ]


def test_a_table_has_no_index_column_no_nan_and_says_how_many_rows_it_left_out() -> None:
    frame = pd.DataFrame({"proposal_id": [3.0, 4.0, 5.0], "reasons": ["a", None, "<b>c</b>"]})

    table = Table(frame, limit=2)
    text, page = repr(table), table._repr_html_()

    assert text.splitlines()[0].split() == ["proposal_id", "reasons"]
    assert text.splitlines()[1].split() == ["3", "a"]
    assert "2 of 3 rows shown" in text and "2 of 3 rows shown" in page
    for shown in (text, page):
        assert "NaN" not in shown and "None" not in shown and "3.0" not in shown
    assert "<th>proposal_id</th>" in page and "<th></th>" not in page  # no index header
    assert "&lt;b&gt;c" not in page  # row 3 was left out
    assert "&lt;b&gt;" in Table(frame)._repr_html_()  # text is escaped, never HTML


def test_grouped_columns_are_named_in_one_row_and_empty_frames_still_render() -> None:
    counts = pd.DataFrame(
        [[2.0, 1.0]],
        index=pd.Index([datetime(2026, 11, 24, tzinfo=UTC)], name="bucket"),
        columns=pd.MultiIndex.from_tuples(
            [
                ("Create Connection Offer Mapping", "Succeeded"),
                ("Create Connection Offer Mapping", "Failed"),
            ],
            names=["operation", "status"],
        ),
    )

    rows = readable(counts)

    assert list(rows.columns) == [
        "bucket",
        "Create Connection Offer Mapping: Succeeded",
        "Create Connection Offer Mapping: Failed",
    ]
    assert rows.iloc[0].tolist() == ["2026-11-24 00:00", "2", "1"]
    empty = Table(pd.DataFrame(columns=["proposal_id", "score"]))
    assert "no rows" in empty._repr_html_() and "(no rows)" in repr(empty)
