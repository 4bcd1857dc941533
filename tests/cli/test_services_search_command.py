"""`offermap services search`: CloudCockpit's name search by billing, then the matcher's ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from tests.cli.manual_data import BASIC, BP_ANNUAL, BP_MONTHLY, PLAN

runner = CliRunner()


def _search(words: str, offer: str) -> dict[str, Any]:
    result = runner.invoke(app, ["services", "search", words, "--offer", offer, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def _ids(payload: dict[str, Any]) -> list[int]:
    return [s["service_id"] for s in payload["services"]]


def test_search_finds_active_services_beginning_with_the_words_in_any_case(manual_db: Path) -> None:
    payload = _search("MICROSOFT 365  business", BP_MONTHLY)
    # 2 bills yearly, 4 is inactive, 7 does not begin with the words.
    assert _ids(payload) == [3, 1]
    assert payload["period_label"] == "Monthly"


def test_search_matches_the_beginning_of_the_name_only(manual_db: Path) -> None:
    assert _ids(_search("business premium", BP_MONTHLY)) == []
    assert _ids(_search("", BP_MONTHLY)) == [5, 6, 3, 1, 7]


def test_an_annual_offer_is_offered_yearly_services_only(manual_db: Path) -> None:
    payload = _search("Microsoft 365", BP_ANNUAL)
    assert _ids(payload) == [2]
    assert payload["period_label"] == "Yearly"


def test_services_a_mapping_would_break_a_rule_for_are_flagged(manual_db: Path) -> None:
    assert runner.invoke(app, ["map", BASIC, "3"]).exit_code == 0
    services = {s["service_id"]: s for s in _search("microsoft", BP_MONTHLY)["services"]}
    assert services[3]["would_break"] == ["R3"]
    assert services[3]["mapped_to"] == BASIC
    assert services[1]["would_break"] == []
    plan = {s["service_id"]: s["would_break"] for s in _search("azure plan", PLAN)["services"]}
    assert plan == {5: [], 6: ["R6"]}


def test_the_ranking_comes_from_the_matcher_and_respects_other_mappings(manual_db: Path) -> None:
    ranking = _search("", BP_MONTHLY)["ranking"]
    assert ranking["status"] == "proposed"
    assert ranking["candidates"][0]["service_id"] == 1
    assert ranking["candidates"][0]["reasons"]
    # Once service 1 is mapped to another variant (R3), it is never ranked for this one.
    assert runner.invoke(app, ["map", "guid-x1/Commercial/OneYear/Monthly", "1"]).exit_code == 0
    ranking = _search("", BP_MONTHLY)["ranking"]
    assert 1 not in [c["service_id"] for c in ranking["candidates"]]
    assert ranking["removed_by_rule"].get("R3") == 1


def test_a_mapped_variant_is_still_ranked_with_its_own_service(manual_db: Path) -> None:
    assert runner.invoke(app, ["map", BP_MONTHLY, "1"]).exit_code == 0
    payload = _search("microsoft", BP_MONTHLY)
    assert payload["variant"]["mapping_status"] == "mapped"
    assert payload["ranking"]["candidates"][0]["service_id"] == 1
    assert {s["service_id"]: s["would_break"] for s in payload["services"]}[1] == []


@pytest.mark.parametrize(
    ("offer", "expected"),
    [
        ("DZH318Z0BQ3Q:0001/Commercial/OneYear/Monthly", "R7"),
        ("CFQ7TTC0LCHC:0002/Education/OneYear/Monthly", "R9"),
    ],
)
def test_variants_that_cannot_be_mapped_are_refused_with_the_rule(
    manual_db: Path, capsys: pytest.CaptureFixture[str], offer: str, expected: str
) -> None:
    from offermap.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["services", "search", "azure", "--offer", offer])
    assert exit_info.value.code == 1
    assert expected in capsys.readouterr().err


def test_the_tables_show_both_lists_and_how_to_map(manual_db: Path) -> None:
    result = runner.invoke(
        app, ["services", "search", "Microsoft 365", "-o", BP_MONTHLY], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "beginning with" in result.stdout and "ranking" in result.stdout
    assert f"offermap map {BP_MONTHLY} SERVICE_ID" in result.stdout


def test_a_prefix_miss_does_not_advise_creating_a_service_the_ranking_found(
    manual_db: Path,
) -> None:
    result = runner.invoke(
        app, ["services", "search", "MICROSOFT CSP", "-o", BP_MONTHLY], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert 'No active Monthly service begins with "MICROSOFT CSP"' in out
    assert "create it in Autotask" not in out
    assert "first choice is Microsoft 365 Business Premium 1YR paid monthly #1" in out


def test_the_why_column_shows_what_counted_against_a_candidate(manual_db: Path) -> None:
    ranking = _search("", BP_MONTHLY)["ranking"]
    by_id = {c["service_id"]: c for c in ranking["candidates"]}
    assert by_id[1]["for"] and not any(r.startswith("score ") for r in by_id[1]["for"])
    # Service 3 is Business Basic: it is ranked, and what counts against it is said.
    assert by_id[3]["against"]
    result = runner.invoke(app, ["services", "search", "", "-o", BP_MONTHLY], env={"COLUMNS": "80"})
    assert "- " in result.stdout and "+ " in result.stdout


def test_an_unmapped_variant_gets_the_latest_syncs_ranking_with_services_taken_since(
    manual_db: Path,
) -> None:
    from tests.review.review_data import propose_again

    propose_again(
        manual_db,
        [
            (("guid-bp", "Commercial", "OneYear", "Monthly"), 1, 1, 0.97),
            (("guid-bp", "Commercial", "OneYear", "Monthly"), 3, 2, 0.31),
        ],
    )
    ranking = _search("", BP_MONTHLY)["ranking"]
    assert ranking["source"] == "sync" and ranking["run_id"] == "sync-1"
    assert [c["service_id"] for c in ranking["candidates"]] == [1, 3]
    # Service 3 is mapped to another variant since that sync: still listed, marked taken (R3).
    assert runner.invoke(app, ["map", BASIC, "3"]).exit_code == 0
    ranking = _search("", BP_MONTHLY)["ranking"]
    taken = ranking["candidates"][1]
    assert taken["against"][0] == f"taken now: mapped or approved to {BASIC} (R3)"
    # Mapped itself, the variant is ranked afresh; unmapped again, the sync's ranking holds.
    assert runner.invoke(app, ["map", BP_MONTHLY, "1"]).exit_code == 0
    assert _search("", BP_MONTHLY)["ranking"]["source"] == "live"
    assert runner.invoke(app, ["unmap", BP_MONTHLY]).exit_code == 0
    assert _search("", BP_MONTHLY)["ranking"]["source"] == "sync"


def test_a_variant_mapped_when_the_sync_ran_is_ranked_now_once_unmapped(manual_db: Path) -> None:
    from tests.review.review_data import propose_again

    assert runner.invoke(app, ["map", BP_MONTHLY, "1"]).exit_code == 0
    # The sync ran while it was mapped: no ranking of it was stored.
    propose_again(manual_db, [(("guid-basic", "Commercial", "OneMonth", "Monthly"), 3, 1, 0.9)])
    assert runner.invoke(app, ["unmap", BP_MONTHLY]).exit_code == 0
    ranking = _search("", BP_MONTHLY)["ranking"]
    assert ranking["source"] == "live" and ranking["candidates"][0]["service_id"] == 1
    # A variant the sync ranked and found nothing for: that abstention is the answer.
    abstained = _search("", "CFQ7TTC0LCHC:0002/Commercial/OneYear/Annual")["ranking"]
    assert abstained["source"] == "sync" and abstained["candidates"] == []


def test_a_short_prefix_shows_the_first_services_and_says_how_many_more(
    manual_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from offermap.cli import search_services as search_cli

    monkeypatch.setattr(search_cli, "_SHOWN_NAMES", 2)
    result = runner.invoke(app, ["services", "search", "", "-o", BP_MONTHLY], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "... and 3 more beginning with" in " ".join(result.stdout.split())
    assert len(_search("", BP_MONTHLY)["services"]) == 5  # --json lists them all
