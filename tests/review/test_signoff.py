"""Reading a signed-off CSV: what a spreadsheet writes is read back; a bad file names the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from offermap.review.signoff import APPROVE_WORDS, REJECT_WORDS, SignoffError, read_signoff


def _write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "review.csv"
    path.write_text(text, encoding=encoding, newline="")
    return path


def test_rows_are_chosen_by_the_decision_column_and_blanks_are_left_for_later(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "proposal_id,handle,service_id,decision,note\n"
        "11,BP:0001/Commercial/OneYear/Monthly,1,Approve,ok\n"
        "12,BP:0001/Commercial/OneYear/Annual,2,,\n"
        "13,E3:0001/Commercial/OneYear/Monthly,3,reject,not E3\n",
    )
    (approved,) = read_signoff(path, allowed=APPROVE_WORDS)
    assert (approved.line, approved.proposal_id, approved.note) == (2, 11, "ok")
    (rejected,) = read_signoff(path, allowed=REJECT_WORDS)
    assert (rejected.line, rejected.proposal_id, rejected.note) == (4, 13, "not E3")


def test_without_a_decision_column_every_row_counts(tmp_path: Path) -> None:
    path = _write(tmp_path, "handle,service_id\nBP:0001/Commercial/OneYear/Monthly,1\n")
    (row,) = read_signoff(path, allowed=APPROVE_WORDS)
    assert (row.handle, row.service_id, row.proposal_id) == (
        "BP:0001/Commercial/OneYear/Monthly",
        1,
        None,
    )


def test_what_spreadsheets_write_is_read_back(tmp_path: Path) -> None:
    # Excel: a byte-order mark, ';' between cells in many locales, CRLF line ends, ids as
    # "11.0", and the ' that --csv put before a cell a spreadsheet would have run.
    path = _write(
        tmp_path,
        "proposal_id;decision;note\r\n11.0;yes;'=looks like a formula\r\n",
        encoding="utf-8-sig",
    )
    (row,) = read_signoff(path, allowed=APPROVE_WORDS)
    assert (row.proposal_id, row.note) == (11, "=looks like a formula")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("service_id,decision\n1,approve\n", "line 1: no proposal_id or handle column"),
        ("proposal_id,decision\n11,maybe\n", "line 2, column decision: 'maybe' is not a decision"),
        ("proposal_id,decision\n1x,approve\n", "line 2, column proposal_id: '1x' is not a whole"),
        (
            'proposal_id,note,decision\n11,fine,approve\n12,"never closed,approve\n13,x,approve\n',
            "line 3, column note: a quoted cell is never closed",
        ),
        ("proposal_id,handle\n,\n", None),  # an empty row is skipped, not an error
        ("proposal_id,handle,decision\n,,approve\n", "line 2, column proposal_id: empty"),
        ("", "review.csv is empty"),
    ],
)
def test_a_malformed_file_names_the_line_and_the_column(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    path = _write(tmp_path, text)
    if expected is None:
        assert read_signoff(path, allowed=APPROVE_WORDS) == []
        return
    with pytest.raises(SignoffError) as refused:
        read_signoff(path, allowed=APPROVE_WORDS)
    assert str(refused.value).startswith("review.csv") and expected in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_missing_file_or_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SignoffError, match="no such file"):
        read_signoff(tmp_path / "nope.csv", allowed=APPROVE_WORDS)
    with pytest.raises(SignoffError, match="is a folder"):
        read_signoff(tmp_path, allowed=APPROVE_WORDS)
