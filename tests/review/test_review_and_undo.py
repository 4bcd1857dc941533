"""Review and undo in the library: stable proposal ids, withdrawals, undone rejections."""

from __future__ import annotations

from pathlib import Path

import pytest

from offermap import rules
from offermap.apply.batch import apply_decisions
from offermap.apply.rule_check import check_decision_facts
from offermap.review import approvals as review
from offermap.review import manual
from offermap.store import open_store
from offermap.store.audit import query_audit
from offermap.store.health import UnknownConnectionError
from offermap.store.proposals import matcher_inputs, open_proposals
from tests.review.review_data import (
    BP,
    BP_HANDLE,
    E3,
    PROPOSALS,
    C,
    propose_again,
    publish_review_connection,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "offermap.duckdb"
    publish_review_connection(path)
    return path


def _open(db: Path) -> dict[tuple[tuple[str, str, str, str], int], int]:
    """(variant, service) -> proposal id of every open proposal."""
    with open_store(db, read_only=True) as con:
        rows = open_proposals(con, C)
    return {
        ((r["offer_id"], r["segment"], r["term"], r["billing_frequency"]), r["service_id"]): r[
            "proposal_id"
        ]
        for r in rows
    }


def _audit(db: Path) -> list[dict]:
    with open_store(db, read_only=True) as con:
        return query_audit(con, connection_id=C)


def _apply(db: Path, run_id: str = "apply-1"):
    return apply_decisions(db, C, run_id, rules_check=check_decision_facts)


def test_proposal_ids_stay_the_same_across_syncs(db: Path) -> None:
    before = _open(db)
    # The next sync proposes the same pairs in another order, and one new pair.
    propose_again(db, [PROPOSALS[3], PROPOSALS[2], (BP, 3, 3, 0.65), *PROPOSALS[:2]])
    after = _open(db)
    for pair, proposal_id in before.items():
        assert after[pair] == proposal_id
    assert after[(BP, 3)] not in before.values()


def test_an_approval_can_be_withdrawn_before_apply_and_is_then_never_applied(db: Path) -> None:
    (decision,) = review.approve(db, C, [_open(db)[(BP, 1)]], actor="ana")
    assert [d["decision_id"] for d in review.decisions(db, C)] == [decision]
    (withdrawn,) = review.withdraw(db, C, [decision], actor="bo", note="wrong tenant")
    assert (withdrawn.kind, withdrawn.handle, withdrawn.service_id) == ("approve", BP_HANDLE, 1)
    assert review.decisions(db, C) == []
    assert _apply(db).decisions == 0
    # The variant's proposals are open again, and the withdrawal is audited with who and why.
    assert (BP, 1) in _open(db)
    (row,) = _audit(db)
    assert (row["operation"], row["actor"], row["note"], row["handle"]) == (
        rules.AUDIT_WITHDRAW_DECISION,
        "bo",
        "wrong tenant",
        BP_HANDLE,
    )


def test_a_rejection_is_audited_and_can_be_undone(db: Path) -> None:
    proposal_id = _open(db)[(E3, 3)]
    (decision,) = review.reject(db, C, [proposal_id], actor="ana", note="not this one")
    assert (E3, 3) not in _open(db)
    with open_store(db, read_only=True) as con:
        assert {r["service_id"] for r in matcher_inputs(con, C)["rejected"]} == {3}
    (row,) = _audit(db)
    assert (row["operation"], row["status"], row["actor"], row["note"]) == (
        rules.AUDIT_REJECT_PROPOSAL,
        "Succeeded",
        "ana",
        "not this one",
    )
    assert (row["offer_name"], row["service_name"], row["service_id"]) == (
        "Microsoft 365 E3",
        "E3 monthly",
        3,
    )
    assert [d["decision_id"] for d in review.decisions(db, C, state="rejected")] == [decision]

    review.withdraw(db, C, [decision], actor="ana")
    # Proposed again at once (the latest sync kept it), and by the next sync's matcher.
    assert _open(db)[(E3, 3)] == proposal_id
    with open_store(db, read_only=True) as con:
        assert matcher_inputs(con, C)["rejected"] == []
    assert _audit(db)[0]["operation"] == rules.AUDIT_UNDO_REJECTION


def test_an_applied_decision_cannot_be_withdrawn_and_nothing_is_when_one_fails(db: Path) -> None:
    applied, pending = review.approve(db, C, [_open(db)[(BP, 1)]], actor="ana"), None
    _apply(db)
    (pending,) = review.approve(db, C, [_open(db)[(E3, 3)]], actor="ana")
    with pytest.raises(review.ReviewError) as refused:
        review.withdraw(db, C, [pending, applied[0], 999], actor="ana")
    text = str(refused.value)
    assert f"offermap unmap {BP_HANDLE}" in text and "no decision 999" in text
    assert "nothing was withdrawn" in text
    assert [d["decision_id"] for d in review.decisions(db, C)] == [pending]


def test_an_applied_approval_unmapped_since_says_how_the_variant_stands_now(db: Path) -> None:
    (applied,) = review.approve(db, C, [_open(db)[(BP, 1)]], actor="ana")
    _apply(db)
    manual.decide_now(db, C, [manual.Pick(BP_HANDLE)], kind="unmap", actor="ana")

    with pytest.raises(review.ReviewError) as refused:
        review.withdraw(db, C, [applied], actor="ana")

    text = str(refused.value)
    assert f"{BP_HANDLE} is not mapped now" in text and f"offermap map {BP_HANDLE}" in text
    assert "offermap unmap" not in text


def test_map_then_unmap_lists_the_variant_again_after_the_next_sync(db: Path) -> None:
    """Issue 13: after map then unmap, sync proposed the variant but `proposals` hid it."""
    manual.decide_now(db, C, [manual.Pick(BP_HANDLE, 1)], kind="map", actor="ana")
    assert (BP, 1) not in _open(db)
    manual.decide_now(db, C, [manual.Pick(BP_HANDLE)], kind="unmap", actor="ana")
    propose_again(db)
    assert (BP, 1) in _open(db)


def test_a_refusal_names_what_is_in_the_way_and_the_command_that_clears_it(db: Path) -> None:
    manual.decide_now(db, C, [manual.Pick(BP_HANDLE, 1)], kind="map", actor="ana")
    # R3: service 1 is held by BP; mapping it to E3 names BP and its unmap.
    result = manual.decide_now(
        db, C, [manual.Pick("E3:0001/Commercial/OneYear/Monthly", 1)], kind="map", actor="ana"
    )
    (failed,) = result.failed
    assert failed["rule"] == "R3"
    assert BP_HANDLE in failed["reason"] and f"offermap unmap {BP_HANDLE}" in failed["reason"]
    assert "Microsoft 365 Business Premium" in failed["reason"]
    # R4: BP already has service 1; mapping it to 4 names service 1 and that unmap frees BP.
    result = manual.decide_now(db, C, [manual.Pick(BP_HANDLE, 4)], kind="map", actor="ana")
    (failed,) = result.failed
    assert failed["rule"] == "R4"
    assert "service 1 'M365 BP 1YR monthly'" in failed["reason"]
    assert f"offermap unmap {BP_HANDLE}" in failed["reason"]


def test_a_typoed_handle_or_connection_writes_nothing(db: Path) -> None:
    with pytest.raises(manual.ManualError, match="BPX:0001"):
        manual.decide_now(
            db, C, [manual.Pick("BPX:0001/Commercial/OneYear/Monthly", 1)], kind="map", actor="a"
        )
    with pytest.raises(UnknownConnectionError, match=r"no connection 'other'.*it has: default"):
        manual.decide_now(db, "other", [manual.Pick(BP_HANDLE, 1)], kind="map", actor="a")
    with open_store(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM decisions").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == 0
