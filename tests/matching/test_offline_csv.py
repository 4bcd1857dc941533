"""Offline matching on CSV files: formats, statuses, every variant listed, and clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from offermap.matching import MatchConfig, match
from offermap.offline import (
    PROPOSAL_COLUMNS,
    OfflineInputError,
    match_files,
    read_offers,
    read_services,
    write_offers,
    write_services,
)

from .factories import service, variant

OFFERS_HEADER = "offer_id,provider_offer_id,offer_name,offer_type,segment,term,billing_frequency"
SERVICES_HEADER = "service_id,name,period_type,unit_cost,unit_price,is_active"


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def offers(tmp_path: Path) -> Path:
    return write(
        tmp_path / "offers.csv",
        OFFERS_HEADER,
        "g-e3,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneMonth,Monthly",
        "g-e3,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneYear,Monthly",
        "g-visio,CFQ7TTC0HD32:0002,Visio Plan 2,License,Commercial,OneYear,Annual",
        "g-ri,DZH318Z0BQ3Q:0001,Azure Reserved VM,AzureReservation,Commercial,OneYear,Monthly",
        "g-leg,LEGACY-E3,Office 365 E3 (Legacy),LicenseLegacy,Commercial,OneMonth,Monthly",
    )


@pytest.fixture
def services(tmp_path: Path) -> Path:
    return write(
        tmp_path / "services.csv",
        SERVICES_HEADER + ",sku,description",
        "1,M365 E3 1MTH COMMIT,Monthly,30,36,true,,",
        '2,"Microsoft 365 E3 - Annual Commit (Billed Monthly)",Monthly,28,33,TRUE,,',
        "3,Onsite Labour,Monthly,,165,true,,",
        "4,M365 E3 12M (inactive),Monthly,28,33,false,,",
    )


def test_writes_every_variant_with_the_issue_columns_and_statuses(
    offers: Path, services: Path, tmp_path: Path
) -> None:
    out = tmp_path / "proposals.csv"

    summary = match_files(offers, services, out)

    rows = read_rows(out)
    assert list(rows[0]) == list(PROPOSAL_COLUMNS)
    by_variant = {(r["offer_id"], r["term"], r["billing_frequency"]): r for r in rows}
    assert by_variant[("g-e3", "OneMonth", "Monthly")]["service_id"] == "1"
    assert by_variant[("g-e3", "OneMonth", "Monthly")]["status"] == "proposed"
    assert by_variant[("g-e3", "OneMonth", "Monthly")]["rank"] == "1"
    assert by_variant[("g-e3", "OneYear", "Monthly")]["service_id"] == "2"
    assert by_variant[("g-visio", "OneYear", "Annual")]["status"] == "abstained"
    assert by_variant[("g-ri", "OneYear", "Monthly")]["status"] == "not_required"
    assert by_variant[("g-ri", "OneYear", "Monthly")]["reasons"].startswith("R7")
    assert by_variant[("g-leg", "OneMonth", "Monthly")]["status"] == "unsupported"
    assert {r["status"] for r in rows} <= {"proposed", "abstained", "not_required", "unsupported"}
    assert len(by_variant) == summary.variants == 5
    assert summary.by_status == {
        "proposed": 2,
        "abstained": 1,
        "not_required": 1,
        "unsupported": 1,
    }
    assert all(r["service_id"] != "4" for r in rows)  # inactive: R2


def test_reasons_say_which_words_and_cues_matched(
    offers: Path, services: Path, tmp_path: Path
) -> None:
    out = tmp_path / "proposals.csv"
    match_files(offers, services, out)

    [row] = [r for r in read_rows(out) if r["service_id"] == "2"]
    assert "name words matched: m365, e3" in row["reasons"]
    assert "term agrees" in row["reasons"]
    assert 0.6 <= float(row["score"]) <= 1.0


def test_top_k_bounds_the_proposed_ranks(tmp_path: Path) -> None:
    offers = write(
        tmp_path / "o.csv",
        OFFERS_HEADER,
        "g,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneMonth,Monthly",
    )
    services = write(
        tmp_path / "s.csv",
        SERVICES_HEADER,
        *(f"{i},Microsoft 365 E3 - Month to Month,Monthly,1,2,true" for i in range(1, 6)),
    )
    for top, expected in ((1, ["1"]), (3, ["1", "2", "3"])):
        out = tmp_path / f"p{top}.csv"
        match_files(offers, services, out, config=MatchConfig(top_k=top))
        assert [r["rank"] for r in read_rows(out)] == expected


def test_abstained_variant_lists_nearest_candidates_with_why(tmp_path: Path) -> None:
    offers = write(
        tmp_path / "o.csv",
        OFFERS_HEADER,
        "g,CFQ7TTC0LFLX:0001,Microsoft 365 E3,License,Commercial,OneMonth,Monthly",
    )
    services = write(
        tmp_path / "s.csv", SERVICES_HEADER, "7,Microsoft 365 E3 1YR COMMIT,Monthly,1,2,true"
    )
    out = tmp_path / "p.csv"

    match_files(offers, services, out)

    [row] = read_rows(out)
    assert (row["status"], row["rank"], row["service_id"]) == ("abstained", "", "7")
    assert "term disagrees" in row["reasons"]
    assert "below the threshold" in row["reasons"]


def test_variant_without_any_candidate_still_gets_a_row(tmp_path: Path) -> None:
    offers = write(
        tmp_path / "o.csv",
        OFFERS_HEADER,
        "g,CFQ7TTC0HD32:0002,Visio Plan 2,License,Commercial,OneMonth,Monthly",
    )
    services = write(tmp_path / "s.csv", SERVICES_HEADER)
    out = tmp_path / "p.csv"

    match_files(offers, services, out)

    [row] = read_rows(out)
    assert (row["status"], row["service_id"], row["score"]) == ("abstained", "", "")
    assert "no service shares" in row["reasons"]


def test_same_engine_as_the_pipeline_gives_the_same_first_choices(tmp_path: Path) -> None:
    variants = [
        variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneMonth"),
        variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneYear"),
        variant("Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001", term="OneYear"),
    ]
    records = [
        service(1, "M365 E3 1MTH COMMIT"),
        service(2, "M365 E3 1YR COMMIT", sku="P1Y:CFQ7TTC0LFLX:0001:1:"),
        service(3, "MS NCE M365 BB 1YR", cost=None),
    ]
    write_offers(tmp_path / "o.csv", variants)
    write_services(tmp_path / "s.csv", records)
    assert read_offers(tmp_path / "o.csv") == variants
    assert read_services(tmp_path / "s.csv") == records

    match_files(tmp_path / "o.csv", tmp_path / "s.csv", tmp_path / "p.csv")

    direct = {
        r.variant.key: r.candidates[0].service_id for r in match(variants, records) if r.candidates
    }
    from_file = {
        (r["offer_id"], r["segment"], r["term"], r["billing_frequency"]): int(r["service_id"])
        for r in read_rows(tmp_path / "p.csv")
        if r["rank"] == "1"
    }
    assert from_file == direct == {variants[0].key: 1, variants[1].key: 2, variants[2].key: 3}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "g,P:1,Visio,License,Commercial,OneYr,Monthly",
            "offers.csv, line 3, column term: 'OneYr' is not one of NoTerm, OneMonth",
        ),
        (
            "g,P:1,Visio,Licence,Commercial,OneYear,Monthly",
            "line 3, column offer_type: 'Licence' is not one of License,",
        ),
        ("g,P:1,,License,Commercial,OneYear,Monthly", "line 3, column offer_name: is empty"),
        (
            "g,P:1,Visio,License,Commercial,OneYear,Monthly,extra",
            "line 3: 8 fields, the header has 7",
        ),
        (
            "g0,P:1,Visio,License,Commercial,OneMonth,Monthly",
            "line 3: the offer variant (offer_id, segment, term, billing_frequency) repeats line 2",
        ),
    ],
)
def test_bad_offers_row_names_file_line_and_column(
    tmp_path: Path, services: Path, line: str, message: str
) -> None:
    offers = write(
        tmp_path / "offers.csv",
        OFFERS_HEADER,
        "g0,P:1,Visio,License,Commercial,OneMonth,Monthly",
        line,
    )
    out = tmp_path / "out.csv"

    with pytest.raises(OfflineInputError) as caught:
        match_files(offers, services, out)

    assert message in str(caught.value)
    assert str(offers) in str(caught.value)
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("x1,Visio,Monthly,1,2,true", "line 2, column service_id: 'x1' is not a whole number"),
        ("1,Visio,Weekly,1,2,true", "line 2, column period_type: 'Weekly' is not one of Monthly"),
        ("1,Visio,Monthly,cheap,2,true", "line 2, column unit_cost: 'cheap' is not a number"),
        ("1,Visio,Monthly,1,2,maybe", "line 2, column is_active: 'maybe' is not true or false"),
        ("1,,Monthly,1,2,true", "line 2, column name: is empty"),
    ],
)
def test_bad_services_row_names_file_line_and_column(
    tmp_path: Path, offers: Path, line: str, message: str
) -> None:
    services = write(tmp_path / "services.csv", SERVICES_HEADER, line)

    with pytest.raises(OfflineInputError, match=r"services\.csv") as caught:
        match_files(offers, services, tmp_path / "out.csv")

    assert message in str(caught.value)


def test_duplicate_service_id_names_both_lines(tmp_path: Path) -> None:
    services = write(
        tmp_path / "s.csv", SERVICES_HEADER, "1,A,Monthly,1,2,true", "1,B,Monthly,1,2,true"
    )

    with pytest.raises(OfflineInputError, match=r"line 3: the service_id repeats line 2"):
        read_services(services)


def test_missing_column_empty_file_and_wrong_encoding_are_explained(tmp_path: Path) -> None:
    no_term = write(
        tmp_path / "a.csv", "offer_id,provider_offer_id,offer_name,offer_type,segment,billing"
    )
    with pytest.raises(OfflineInputError, match=r"a.csv, line 1: missing column\(s\) term"):
        read_offers(no_term)

    empty = write(tmp_path / "b.csv", "")
    with pytest.raises(OfflineInputError, match=r"b.csv, line 1: the file is empty"):
        read_services(empty)

    latin = tmp_path / "c.csv"
    latin.write_bytes((SERVICES_HEADER + "\n1,Licença,Monthly,1,2,true\n").encode("latin-1"))
    with pytest.raises(OfflineInputError, match=r"c.csv, line 2, character 8: not UTF-8 text"):
        read_services(latin)

    with pytest.raises(OfflineInputError, match=r"nowhere.csv: cannot be read"):
        read_services(tmp_path / "nowhere.csv")


def test_excel_bom_blank_lines_and_unknown_costs_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("\ufeff" + SERVICES_HEADER + "\n\n1,Visio Plan 2,Yearly,,99.5,True\n")

    [record] = read_services(path)

    assert (record.unit_cost, record.unit_price, record.is_active) == (None, 99.5, True)
    assert record.period_type_label == "Yearly"


def test_a_failed_run_leaves_an_earlier_output_untouched(tmp_path: Path, services: Path) -> None:
    out = write(tmp_path / "out.csv", "earlier,result")
    bad = write(tmp_path / "offers.csv", OFFERS_HEADER, "g,P,Visio,License,Mars,OneYear,Monthly")

    with pytest.raises(OfflineInputError, match="column segment"):
        match_files(bad, services, out)

    assert out.read_text() == "earlier,result\n"
