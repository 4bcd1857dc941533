"""The matcher benchmark scores honestly: hits, abstentions, wrong choices, reliability."""

from __future__ import annotations

from pathlib import Path

from offermap.bench.matcher import (
    DataSet,
    FirstChoice,
    accuracy,
    dev_set,
    fold_of,
    held_out,
    price_list_set,
    read_proposals,
    run,
)
from offermap.matching import ServiceRecord, Variant
from offermap.variants import VariantKey

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
DISTRIBUTOR_HEADER = (
    '"provider_offer_id","term","billing_frequency","segment","distributor_name",'
    '"microsoft_title","price_usd"'
)


def _data() -> DataSet:
    services = [
        ServiceRecord(1, "M365 E3 1YR", "Monthly", 1.0, 2.0, True),
        ServiceRecord(2, "Visio annual", "Yearly", 1.0, 2.0, True),
        ServiceRecord(3, "Visio old", "Monthly", 1.0, 2.0, False),
    ]
    truth: dict[VariantKey, int | None] = {E3.key: 1, VISIO.key: None, RESERVATION.key: None}
    return DataSet("hand-made", [E3, VISIO, RESERVATION], services, truth)


def test_read_proposals_finds_every_kind_of_violation(tmp_path: Path) -> None:
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

    choices, violations, extra = read_proposals(_data(), proposals)
    figures = accuracy(_data(), choices)

    assert figures["top1"] == 1.0
    assert figures["proposals"] == 2 and figures["precision"] == 0.5
    assert figures["correct_abstentions"] == 0.0
    assert figures["wrong_first_choices"] == 1 and figures["wrong_share"] == 0.5
    assert len(violations) == 3
    assert any("R5" in v for v in violations) and any("R2" in v for v in violations)
    assert extra["by_status"] == {"proposed": 2, "not_required": 1}


def test_read_proposals_flags_a_missing_variant_and_a_shared_first_choice(tmp_path: Path) -> None:
    data = _data()
    twin = Variant("g2", E3.provider_offer_id, E3.offer_name, "License", "Commercial", "OneMonth",
                   "Monthly")  # fmt: skip
    data.variants.append(twin)
    data.truth[twin.key] = None
    proposals = tmp_path / "p.csv"
    proposals.write_text(
        HEADER + "\n"
        "g,Commercial,OneYear,Monthly,proposed,1,1,M365 E3 1YR,0.9,\n"
        "g2,Commercial,OneMonth,Monthly,proposed,1,1,M365 E3 1YR,0.8,\n"
        "v,Commercial,OneYear,Monthly,abstained,,,,,\n"
    )

    _, violations, _ = read_proposals(data, proposals)

    assert any("first choice of two variants (R3)" in v for v in violations)
    assert any("not in the proposals file" in v for v in violations)


def test_reliability_counts_first_choices_above_each_score_and_the_share_right() -> None:
    data = _data()
    services = [ServiceRecord(i, f"s{i}", "Monthly", 1.0, 1.0, True) for i in (1, 2, 3)]
    variants = [
        Variant(f"o{i}", f"CFQ7TTC0TES{i}:0001", f"Offer {i}", "License", "Commercial",
                "OneYear", "Monthly")
        for i in range(4)
    ]  # fmt: skip
    data = DataSet(
        "reliability",
        variants,
        services,
        {variants[0].key: 1, variants[1].key: 2, variants[2].key: 3, variants[3].key: None},
    )
    choices = [
        FirstChoice(variants[0].key, 1, 0.995),  # right, sure
        FirstChoice(variants[1].key, 3, 0.95),  # wrong, fairly sure
        FirstChoice(variants[2].key, 3, 0.7),  # right, doubtful
        FirstChoice(variants[3].key, None, None),  # correct abstention
    ]

    figures = accuracy(data, choices)

    by_floor = {r["min_score"]: r for r in figures["reliability"]}
    assert by_floor[0.99] == {"min_score": 0.99, "first_choices": 1, "right": 1.0}
    assert by_floor[0.9] == {"min_score": 0.9, "first_choices": 2, "right": 0.5}
    assert by_floor[0.6]["first_choices"] == 3
    assert figures["wrong_at_0_9"] == 1 and figures["wrong_share_at_0_9"] == 0.5
    assert figures["correct_abstentions"] == 1.0
    assert figures["top1"] == round(2 / 3, 4)
    assert sum(figures["misses_by_class"].values()) == 1


def test_misses_say_when_a_name_without_term_fits_two_terms_billed_alike() -> None:
    month, year, upfront = (
        Variant(f"w{t}", "CFQ7TTC0TEST:0001", "Contoso Widget Storage", "License",
                "Commercial", t, b)
        for t, b in (("OneMonth", "Monthly"), ("OneYear", "Monthly"), ("OneYear", "Annual"))
    )  # fmt: skip
    visio_month = Variant("vm", VISIO.provider_offer_id, VISIO.offer_name, "License",
                          "Commercial", "OneMonth", "Monthly")  # fmt: skip
    services = [
        ServiceRecord(1, "Contoso Widget Storage (per GB)", "Monthly", 1.0, 1.0, True),
        ServiceRecord(2, "Visio Plan 2 - annual", "Monthly", 1.0, 1.0, True),
        ServiceRecord(3, "Contoso Widget Storage (per GB)", "Yearly", 1.0, 1.0, True),
    ]
    data = DataSet(
        "term left open",
        [month, year, upfront, VISIO, visio_month],
        services,
        {month.key: 1, year.key: None, upfront.key: 3, VISIO.key: 2, visio_month.key: None},
    )
    choices = [
        FirstChoice(month.key, None, None),  # the name states no term; a year bills Monthly too
        FirstChoice(year.key, None, None),
        FirstChoice(upfront.key, None, None),  # no other term bills Annual: not this class
        FirstChoice(VISIO.key, None, None),  # the name states its term: not this class
        FirstChoice(visio_month.key, None, None),
    ]

    classes = accuracy(data, choices)["misses_by_class"]

    assert (
        classes.pop("abstained: the service name states no term, and another term bills alike") == 1
    )
    assert sum(classes.values()) == 2


def _price_list(tmp_path: Path) -> Path:
    path = tmp_path / "distributor.csv"
    rows = [DISTRIBUTOR_HEADER]
    for index in range(20):
        sku = f"CFQ7TTC0T{index:03d}:0001"
        title = f"Contoso Widget {index}"
        for term, billing, code in (
            ("OneYear", "Annual", "ANN"),
            ("OneMonth", "Monthly", "MTH"),
            ("OneYear", "Monthly", "MTH"),
        ):
            rows.append(
                f'"{sku}","{term}","{billing}","Commercial","{title} (NCE COM {code})",'
                f'"{title}","1.00"'
            )
    # A SKU without Microsoft's title joins the catalogue but is no variant of the scenario.
    rows.append('"CFQ7TTC0TZZZ:0001","OneYear","Annual","Commercial","Lonely (NCE COM ANN)","","1"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_price_list_scenario_names_one_service_per_name_and_billing_and_leaves_some_unsold(
    tmp_path: Path,
) -> None:
    data = price_list_set(_price_list(tmp_path), unsold=0.1)

    assert len(data.variants) == 40  # 20 SKUs x (OneYear/Annual, OneMonth/Monthly)
    unsold = [key for key, right in data.truth.items() if right is None]
    assert len(unsold) == 4  # two SKUs, both variants
    assert len(data.services) == 18 * 2  # MTH names one service for both monthly terms
    assert {s.period_type_label for s in data.services} == {"Monthly", "Yearly"}
    assert all(s.unit_cost == 1.0 and s.unit_price == 1.0 and s.is_active for s in data.services)
    assert data.catalogue is not None


def test_held_out_judges_each_fold_with_knots_fitted_without_it(tmp_path: Path) -> None:
    data = price_list_set(_price_list(tmp_path), unsold=0.1)
    folds = {fold_of(v.provider_offer_id.split(":")[0]) for v in data.variants}

    figures = held_out([data])[data.name]

    assert len(folds) > 1
    assert figures["with_right_service"] + figures["without_right_service"] == 40
    assert figures["top1"] is not None and figures["top1"] > 0.9
    assert [r["min_score"] for r in figures["reliability"]] == [0.99, 0.9, 0.8, 0.6]


def test_dev_set_labels_point_at_services_of_the_catalogue_variants() -> None:
    data = dev_set()

    ids = {s.service_id for s in data.services}
    labelled = {k: v for k, v in data.truth.items() if v is not None}
    assert labelled and set(labelled.values()) <= ids
    assert set(labelled) <= {v.key for v in data.variants}


def test_a_missing_price_list_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    report = run(price_list=tmp_path / "nowhere.csv", tenants=())

    assert set(report.figures) == {"dev"}
    assert any("nowhere.csv is absent" in note and "--price-list" in note for note in report.notes)


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
