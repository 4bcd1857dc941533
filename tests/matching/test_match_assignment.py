"""One-to-one assignment, abstention, existing mappings, rejected pairs and list sizes."""

from __future__ import annotations

import pytest

from offermap.matching import MatchConfig, match
from offermap.matching.assignment import assign

from .factories import service, variant

BASIC = "CFQ7TTC0LH18:0001"
STANDARD = "CFQ7TTC0LDPB:0001"


def test_two_variants_wanting_one_service_get_it_once():
    # CloudCockpit lists the same product under two offer ids: both want the one service.
    first = variant("Microsoft 365 Business Basic", BASIC, term="OneYear", offer_id="g-1")
    second = variant("Microsoft 365 Business Basic", BASIC, term="OneYear", offer_id="g-2")
    only = service(1, "Microsoft 365 Business Basic 1YR")

    results = match([first, second], [only])

    proposed = [r for r in results if r.status == "proposed"]
    assert len(proposed) == 1
    loser = next(r for r in results if r.status == "abstained")
    [held] = loser.candidates
    assert held.status == "not_proposed"
    assert any("taken by another variant" in reason for reason in held.reasons)


def test_a_name_silent_on_its_term_is_not_guessed_when_both_terms_are_held():
    month = variant("Microsoft 365 Business Basic", BASIC, term="OneMonth")
    year = variant("Microsoft 365 Business Basic", BASIC, term="OneYear")
    only = service(1, "Microsoft 365 Business Basic")  # no term: either variant's

    results = match([month, year], [only])

    assert [r.status for r in results] == ["abstained", "abstained"]
    for result in results:
        [held] = result.candidates
        assert any("either could be meant" in reason for reason in held.reasons)


def test_a_name_silent_on_its_term_is_proposed_when_one_term_is_held():
    year = variant("Microsoft 365 Business Basic", BASIC, term="OneYear")

    [result] = match([year], [service(1, "Microsoft 365 Business Basic")])

    assert result.status == "proposed"


def test_assignment_gives_each_variant_the_service_its_term_names():
    month = variant("Microsoft 365 Business Basic", BASIC, term="OneMonth")
    year = variant("Microsoft 365 Business Basic", BASIC, term="OneYear")
    services = [
        service(1, "M365 Business Basic 1YR COMMIT"),
        service(2, "M365 Business Basic Month to Month"),
    ]

    results = match([month, year], services)

    assert [r.candidates[0].service_id for r in results] == [2, 1]
    assert all(r.candidates[0].rank == 1 and r.candidates[0].status == "proposed" for r in results)


def test_abstains_below_threshold_and_lists_nearest_candidates_with_why():
    offer = variant("Microsoft 365 Business Premium", term="OneMonth")
    near_miss = service(1, "Microsoft 365 Business Basic - Month to Month")

    [result] = match([offer], [near_miss])

    assert result.status == "abstained"
    [candidate] = result.candidates
    assert candidate.status == "not_proposed"
    assert candidate.score < 0.6
    assert any("below the threshold 0.60" in reason for reason in candidate.reasons)
    assert result.reason is not None and "threshold" in result.reason


def test_a_lower_threshold_turns_the_same_candidate_into_a_proposal():
    offer = variant("Microsoft 365 Business Premium", term="OneMonth")
    near_miss = service(1, "Microsoft 365 Business Basic - Month to Month")
    [strict] = match([offer], [near_miss])

    [lenient] = match(
        [offer], [near_miss], config=MatchConfig(threshold=strict.candidates[0].score)
    )

    assert lenient.status == "proposed"


def test_variant_in_existing_is_mapped_and_its_service_is_never_proposed_again_r3():
    mapped = variant("Microsoft 365 Business Basic", BASIC, term="OneYear")
    other = variant("Microsoft 365 Business Basic", BASIC, term="OneMonth")
    taken = service(1, "Microsoft 365 Business Basic")

    results = match([mapped, other], [taken], existing={mapped.key: 1})

    assert results[0].status == "mapped"
    assert results[0].candidates == ()
    assert results[1].status == "abstained"
    assert results[1].candidates == ()
    assert results[1].removed == {"R3": 1}


def test_rejected_pair_is_never_proposed_again_but_shown_with_why():
    offer = variant("Microsoft 365 Business Standard", STANDARD, term="OneMonth")
    rejected = service(1, "Microsoft 365 Business Standard - Month to Month")
    fallback = service(2, "M365 Bus Std NCE 1M")

    [result] = match([offer], [rejected, fallback], rejected=[(offer.key, 1)])

    assert result.status == "proposed"
    assert result.candidates[0].service_id == 2
    held = next(c for c in result.candidates if c.service_id == 1)
    assert held.status == "not_proposed"
    assert "rejected before for this variant" in held.reasons


def test_rejected_only_candidate_leaves_the_variant_abstained():
    offer = variant("Microsoft 365 Business Standard", STANDARD, term="OneMonth")
    rejected = service(1, "Microsoft 365 Business Standard - Month to Month")

    [result] = match([offer], [rejected], rejected=[(offer.key, 1)])

    assert result.status == "abstained"
    assert [c.status for c in result.candidates] == ["not_proposed"]


def test_runner_up_above_threshold_is_proposed_at_rank_two():
    offer = variant("Microsoft 365 Business Standard", STANDARD, term="OneMonth")
    services = [
        service(1, "Microsoft 365 Business Standard - Month to Month"),
        service(2, "Microsoft 365 Business Standard"),
    ]

    [result] = match([offer], services)

    assert [(c.service_id, c.rank, c.status) for c in result.candidates] == [
        (1, 1, "proposed"),
        (2, 2, "proposed"),
    ]


def test_top_k_and_alternatives_bound_the_lists():
    offer = variant("Microsoft 365 Business Standard", STANDARD, term="OneMonth")
    services = [service(i, "Microsoft 365 Business Standard - Month to Month") for i in range(1, 7)]

    [result] = match([offer], services, config=MatchConfig(top_k=1, alternatives=2))

    assert [c.status for c in result.candidates] == ["proposed", "not_proposed", "not_proposed"]
    assert [c.rank for c in result.candidates] == [1, 2, 3]


def test_sure_pair_is_not_split_for_two_doubtful_ones():
    # Rows 0 and 1 both want column 0; row 1 has a doubtful alternative (column 1).
    edges = [(0, 0, 0.95), (1, 0, 0.70), (1, 1, 0.62)]

    assert assign(edges, 2, 2, threshold=0.6) == {0: 0, 1: 1}
    assert assign([(0, 0, 0.95), (1, 0, 0.9)], 2, 1, threshold=0.6) == {0: 0}


def test_assignment_solves_separate_components_independently():
    edges = [(0, 0, 0.9), (1, 0, 0.8), (2, 5, 0.7), (3, 5, 0.95)]

    assert assign(edges, 4, 6, threshold=0.6) == {0: 0, 3: 5}


def test_results_follow_the_input_order():
    offers = [variant("Visio Plan 2", f"CFQ7TTC0HD32:000{i}", term="OneMonth") for i in range(3)]

    assert [r.variant for r in match(offers, [])] == offers


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0}, "threshold"),
        ({"top_k": 0}, "top_k"),
        ({"alternatives": -1}, "alternatives"),
    ],
)
def test_config_rejects_out_of_range_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MatchConfig(**kwargs)


def test_duplicate_variant_key_is_refused_naming_the_key():
    offer = variant("Visio Plan 2", "CFQ7TTC0HD32:0002")
    with pytest.raises(ValueError, match=r"CFQ7TTC0HD32:0002.*listed twice"):
        match([offer, offer], [])


def test_duplicate_service_id_is_refused_naming_the_service():
    with pytest.raises(ValueError, match=r"service 7 .*listed twice"):
        match([], [service(7, "A"), service(7, "B")])


def test_service_given_to_two_variants_in_existing_stays_taken_without_failing_the_run():
    a = variant("Visio Plan 2", "CFQ7TTC0HD32:0002", term="OneMonth")
    b = variant("Visio Plan 2", "CFQ7TTC0HD32:0002", term="OneYear")
    c = variant("Visio Plan 2", "CFQ7TTC0HD32:0002", billing="Annual")

    results = match(
        [a, b, c], [service(9, "Visio Plan 2", "Yearly")], existing={a.key: 9, b.key: 9}
    )

    assert [r.status for r in results] == ["mapped", "mapped", "abstained"]
    assert results[2].candidates == ()
