"""Calibration: a data file fitted on real labelled pairs, current, monotone, and honest."""

from __future__ import annotations

import json

import pytest

from offermap.bench.calibrate import DEV_SOURCE, PRICE_LIST_SOURCE, render, source_histogram
from offermap.bench.calibrate_fit import fit, histogram, merge
from offermap.bench.matcher import dev_set
from offermap.matching import MatchConfig, match
from offermap.matching.calibration import calibrated, parse_calibration, shipped

from .factories import service, variant


def test_shipped_knots_rise_with_the_evidence_and_stay_in_zero_one() -> None:
    knots = shipped().knots
    xs = [x for x, _ in knots]
    ys = [y for _, y in knots]
    assert xs == sorted(xs) and ys == sorted(ys)
    assert ys[0] >= 0.0 and ys[-1] <= 1.0
    assert calibrated(1.0) == pytest.approx(1.0)
    assert calibrated(0.0) < 0.1


def test_the_shipped_knots_are_the_fit_of_the_shipped_pairs() -> None:
    calibration = shipped()

    refitted = fit(
        merge(*calibration.histogram.values()),
        calibration.prior_pairs,
        calibration.max_knots,
        calibration.bin_width,
    )

    assert refitted == calibration.knots


def test_the_shipped_dev_set_pairs_are_what_the_matcher_gives_today() -> None:
    # If this fails, the scoring changed since the last fit:
    # run `python -m offermap.bench.calibrate` and commit offermap/matching/calibration.json.
    assert source_histogram(dev_set()) == shipped().histogram[DEV_SOURCE]


def test_the_calibration_is_fitted_on_real_catalogues_not_generated_tenants() -> None:
    sources = shipped().sources

    assert set(sources) == {DEV_SOURCE, PRICE_LIST_SOURCE}
    assert sources[PRICE_LIST_SOURCE]["from"] == "ingram_co_nce_2026_03.csv"
    assert sources[PRICE_LIST_SOURCE]["pairs"] > 1000
    assert len(sources[PRICE_LIST_SOURCE]["sha256"]) == 64


def test_calibrated_interpolates_between_knots_and_holds_at_the_ends() -> None:
    knots = ((0.2, 0.1), (0.6, 0.5))

    assert calibrated(0.4, knots) == pytest.approx(0.3)
    assert calibrated(0.0, knots) == 0.1
    assert calibrated(0.9, knots) == 0.5


def test_histogram_counts_pairs_and_right_pairs_per_rounded_raw_score() -> None:
    rows = histogram([(0.50001, True), (0.5, False), (0.9, True)])

    assert rows == ((0.5, 2, 1), (0.9, 1, 1))
    assert merge(rows, ((0.9, 3, 0),)) == ((0.5, 2, 1), (0.9, 4, 1))


def test_fit_pools_violations_into_a_monotone_curve() -> None:
    # Bins at 0.1, 0.5 and 0.9; the middle one is right less often than the first: pooled.
    rows = ((0.1, 50, 10), (0.5, 50, 2), (0.9, 50, 50))

    knots = fit(rows, prior_pairs=0)

    assert [y for _, y in knots] == sorted(y for _, y in knots)
    assert len(knots) == 3
    assert knots[0] == (0.0, 0.0)
    assert knots[1] == (pytest.approx(0.3), pytest.approx(0.12))
    assert knots[2] == (0.9, 1.0)


def test_fit_shrinks_a_sparse_bin_toward_its_raw_score_not_toward_a_crowded_neighbour() -> None:
    few = fit(((0.55, 3, 3), (0.95, 500, 500)), prior_pairs=20)
    many = fit(((0.55, 300, 300), (0.95, 500, 500)), prior_pairs=20)

    assert few[1][0] == 0.55 and few[1][1] == pytest.approx((3 + 20 * 0.55) / 23, abs=1e-4)
    assert many[1][1] > few[1][1]


def test_fit_refuses_an_empty_histogram() -> None:
    with pytest.raises(ValueError, match="at least one labelled pair"):
        fit(())


def test_the_file_format_round_trips_and_refuses_falling_knots() -> None:
    document = {
        "about": "x",
        "prior_pairs": 20,
        "max_knots": 40,
        "bin_width": 0.05,
        "sources": {"dev_set": {"pairs": 2}},
        "knots": [[0.1, 0.2], [0.9, 0.95]],
        "histogram": {"dev_set": [[0.1, 1, 0], [0.9, 1, 1]]},
    }

    parsed = parse_calibration(render(document))

    assert parsed.knots == ((0.1, 0.2), (0.9, 0.95))
    assert parsed.histogram == {"dev_set": ((0.1, 1, 0), (0.9, 1, 1))}
    document["knots"] = [[0.1, 0.5], [0.9, 0.4]]
    with pytest.raises(ValueError, match="rise"):
        parse_calibration(json.dumps(document))


def test_candidates_carry_both_the_calibrated_and_the_raw_score_and_say_so() -> None:
    offer = variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneYear")

    [result] = match([offer], [service(1, "Microsoft 365 E3 - Annual (Billed Monthly)")])

    top = result.candidates[0]
    assert top.score == pytest.approx(calibrated(top.raw_score))
    assert any(r.startswith(f"score {top.score:.2f}: the share of") for r in top.reasons)


def test_a_config_can_carry_other_knots() -> None:
    offer = variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneYear")
    services = [service(1, "Microsoft 365 E3 - Annual (Billed Monthly)")]
    flat = ((0.0, 0.7), (1.0, 0.7))

    [result] = match([offer], services, config=MatchConfig(knots=flat))

    assert result.candidates[0].score == pytest.approx(0.7)
