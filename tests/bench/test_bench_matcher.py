"""The matcher benchmark runs on the dev set and a small tenant and scores honestly."""

from __future__ import annotations

from pathlib import Path

from offermap.bench.matcher import DataSet, dev_set, run, score
from offermap.matching import ServiceRecord, Variant

E3 = Variant(
    "g", "CFQ7TTC0LFLX:0001", "Microsoft 365 E3", "License", "Commercial", "OneYear", "Monthly"
)
VISIO = Variant(
    "v", "CFQ7TTC0HD32:0002", "Visio Plan 2", "License", "Commercial", "OneYear", "Monthly"
)
RESERVATION = Variant(
    "r", "DZH318Z0BQ3Q:0001", "Reserved VM", "AzureReservation", "Commercial", "OneYear", "Monthly"
)
HEADER = "offer_id,segment,term,billing_frequency,status,rank,service_id,service_name,score,reasons"


def _data() -> DataSet:
    services = [
        ServiceRecord(1, "M365 E3 1YR", "Monthly", 1.0, 2.0, True),
        ServiceRecord(2, "Visio annual", "Yearly", 1.0, 2.0, True),
        ServiceRecord(3, "Visio old", "Monthly", 1.0, 2.0, False),
    ]
    truth = {E3.key: 1, VISIO.key: None, RESERVATION.key: None}
    return DataSet("hand-made", [E3, VISIO, RESERVATION], services, truth)


def test_score_counts_hits_abstentions_and_every_kind_of_violation(tmp_path: Path) -> None:
    proposals = tmp_path / "p.csv"
    proposals.write_text(
        "\n".join(
            [
                HEADER,
                "g,Commercial,OneYear,Monthly,proposed,1,1,M365 E3 1YR,0.9,",
                "v,Commercial,OneYear,Monthly,proposed,1,2,Visio annual,0.7,",  # R5: Yearly
                "v,Commercial,OneYear,Monthly,proposed,2,3,Visio old,0.6,",  # R2: inactive
                "r,Commercial,OneYear,Monthly,not_required,,1,M365 E3 1YR,,",  # listed for R7
            ]
        )
        + "\n"
    )

    figures = score(_data(), proposals)

    assert figures["top1"] == 1.0
    assert figures["proposals"] == 2 and figures["precision"] == 0.5
    assert figures["coverage"] == 1.0
    assert figures["correct_abstentions"] == 0.0
    assert figures["violations"] == 3
    assert any("R5" in v for v in figures["violation_examples"])
    assert any("R2" in v for v in figures["violation_examples"])


def test_score_flags_a_variant_missing_from_the_file_and_a_shared_first_choice(
    tmp_path: Path,
) -> None:
    proposals = tmp_path / "p.csv"
    proposals.write_text(
        HEADER + "\n"
        "g,Commercial,OneYear,Monthly,proposed,1,1,M365 E3 1YR,0.9,\n"
        "v,Commercial,OneYear,Monthly,abstained,,,,,\n"
    )
    data = _data()
    data.variants.append(
        Variant(
            "g2",
            E3.provider_offer_id,
            E3.offer_name,
            "License",
            "Commercial",
            "OneMonth",
            "Monthly",
        )
    )
    data.truth[data.variants[-1].key] = None
    with proposals.open("a") as handle:
        handle.write("g2,Commercial,OneMonth,Monthly,proposed,1,1,M365 E3 1YR,0.8,\n")

    figures = score(data, proposals)

    assert any("first choice of two variants (R3)" in v for v in figures["violation_examples"])
    assert any("not in the proposals file" in v for v in figures["violation_examples"])


def test_dev_set_labels_point_at_services_of_the_catalogue_variants() -> None:
    data = dev_set()

    ids = {s.service_id for s in data.services}
    labelled = {k: v for k, v in data.truth.items() if v is not None}
    assert labelled and set(labelled.values()) <= ids
    assert set(labelled) <= {v.key for v in data.variants}


def test_quick_run_reports_consistent_figures_for_the_dev_set_and_a_small_tenant() -> None:
    report = run(quick=True)

    assert report.name == "matcher"
    assert set(report.figures) == {"dev", "small"}
    assert [row["data set"] for row in report.rows] == ["dev set", "small tenant (seed 7)"]
    for figures in report.figures.values():
        statuses = figures["by_status"]
        assert sum(statuses.values()) == figures["variants"]
        assert figures["with_right_service"] + figures["without_right_service"] == (
            statuses.get("proposed", 0) + statuses.get("abstained", 0)
        )
        assert figures["violations"] == 0, figures["violation_examples"]
        assert 0.0 <= figures["top1"] <= figures["top_k_contains_right"] <= 1.0
        assert figures["proposals"] == statuses.get("proposed", 0)
        assert figures["match_s"] >= 0 and figures["peak_rss_mib"] > 0
    assert any("quick run" in note for note in report.notes)
