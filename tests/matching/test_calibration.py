"""Calibration: the score is the share of such pairs that were right, monotone in the evidence."""

from __future__ import annotations

import pytest

from offermap.matching import match
from offermap.matching.calibration import KNOTS, PRIOR_PAIRS, calibrated, fit

from .factories import service, variant


def test_shipped_knots_rise_with_the_evidence_and_stay_in_zero_one():
    xs = [x for x, _ in KNOTS]
    ys = [y for _, y in KNOTS]
    assert xs == sorted(xs) and ys == sorted(ys)
    assert ys[0] >= 0.0 and ys[-1] <= 1.0
    assert calibrated(1.0) == pytest.approx(1.0)
    assert calibrated(0.0) < 0.01


def test_calibrated_interpolates_between_knots_and_holds_at_the_ends():
    knots = ((0.2, 0.1), (0.6, 0.5))

    assert calibrated(0.4, knots) == pytest.approx(0.3)
    assert calibrated(0.0, knots) == 0.1
    assert calibrated(0.9, knots) == 0.5


def test_fit_pools_violations_into_a_monotone_curve():
    raws = [0.1] * 50 + [0.5] * 50 + [0.9] * 50
    labels = [False] * 50 + [True] * 10 + [False] * 40 + [True] * 50

    knots = fit(raws, labels)

    assert [x for x, _ in knots] == [0.1, 0.5, 0.9]
    ys = [y for _, y in knots]
    assert ys == sorted(ys)
    # Each rate is shrunk toward its raw score by PRIOR_PAIRS pseudo-pairs.
    assert ys[1] == pytest.approx((10 + PRIOR_PAIRS * 0.5) / (50 + PRIOR_PAIRS), abs=1e-4)


def test_fit_trusts_the_raw_score_more_where_pairs_are_few():
    few = fit([0.7, 0.7], [False, False])
    many = fit([0.7] * 200, [False] * 200)

    assert few[0][1] > many[0][1]


def test_fit_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match="as many labels"):
        fit([0.5, 0.6], [True])


def test_candidates_carry_both_the_calibrated_and_the_raw_score_and_say_so():
    offer = variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneYear")

    [result] = match([offer], [service(1, "Microsoft 365 E3 - Annual (Billed Monthly)")])

    top = result.candidates[0]
    assert top.score == pytest.approx(calibrated(top.raw_score))
    assert any(r.startswith(f"score {top.score:.2f}: the share of pairs") for r in top.reasons)
