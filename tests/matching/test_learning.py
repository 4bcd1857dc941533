"""Learning from decisions: approved mappings teach a connection's naming conventions."""

from __future__ import annotations

from offermap.matching import match
from offermap.matching.features import analyse_name, build_vocabulary, reference_offers
from offermap.matching.learning import learn

from .factories import service, variant

BASIC = variant("Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001", term="OneMonth")
STANDARD = variant("Microsoft 365 Business Standard", "CFQ7TTC0LDPB:0001", term="OneMonth")
E3_MONTH = variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneMonth")
E3_YEAR = variant("Microsoft 365 E3", "CFQ7TTC0LFLX:0001", term="OneYear")


def conventions(pairs):
    vocabulary = build_vocabulary(name for _, name in reference_offers())
    known = {w for _, n in reference_offers() for w in analyse_name(n, vocabulary).core}
    return learn(pairs, lambda name: analyse_name(name, vocabulary), known.__contains__)


def test_house_prefix_and_term_word_seen_twice_are_learned():
    learned = conventions(
        [
            (BASIC, service(11, "ACME M365 Business Basic Flex")),
            (STANDARD, service(12, "ACME M365 Business Standard Flex")),
            (E3_YEAR, service(13, "ACME M365 E3 1YR")),
        ]
    )

    assert learned.term_words == {"flex": "OneMonth"}
    assert learned.noise == {"acme"}


def test_a_word_seen_once_or_with_two_terms_is_not_a_term_word():
    once = conventions([(BASIC, service(11, "M365 Business Basic Flex"))])
    both = conventions(
        [
            (BASIC, service(11, "M365 Business Basic Flex")),
            (E3_YEAR, service(12, "M365 E3 Flex")),
        ]
    )

    assert once.term_words == {} and once.noise == frozenset()
    assert both.term_words == {} and both.noise == {"flex"}


def test_one_word_for_one_offer_word_is_an_alias():
    learned = conventions([(BASIC, service(11, "M365 Bsc Basic - Month to Month"))])

    assert learned.aliases == {"bsc": "business"}


def test_approved_mappings_turn_an_abstention_into_the_right_proposal():
    services = [
        service(3, "ACME M365 E3 Flex"),
        service(4, "ACME M365 E3 1YR"),
    ]
    basic_year = variant("Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001", term="OneYear")
    approved = [
        (BASIC, service(11, "ACME M365 Business Basic Flex")),
        (STANDARD, service(12, "ACME M365 Business Standard Flex")),
        (basic_year, service(13, "ACME M365 Business Basic 1YR")),
    ]

    before = match([E3_MONTH, E3_YEAR], services)
    after = match([E3_MONTH, E3_YEAR], services, approved=approved)

    assert before[0].status == "abstained"  # "Flex" means nothing yet; "ACME" counts against
    assert [(r.status, r.candidates[0].service_id) for r in after] == [
        ("proposed", 3),
        ("proposed", 4),
    ]
    assert after[1].candidates[0].score > before[1].candidates[0].score
    reasons = " | ".join(after[0].candidates[0].reasons)
    assert "'acme' ignored: a house word (learned from approved mappings)" in reasons
    assert "term agrees: 'flex (learned from approved mappings)' means OneMonth" in reasons


def test_learned_alias_raises_the_score_and_is_explained():
    approved = [(BASIC, service(11, "M365 Bsc Basic - Month to Month"))]
    standard = variant("Microsoft 365 Business Standard", "CFQ7TTC0LDPB:0001", term="OneYear")
    services = [service(5, "M365 Bsc Standard 1YR")]

    [before] = match([standard], services)
    [after] = match([standard], services, approved=approved)

    assert after.status == "proposed"
    assert after.candidates[0].score > before.candidates[0].score
    assert any("'bsc' read as 'business'" in r for r in after.candidates[0].reasons)
    assert not any("'bsc' read as" in r for r in before.candidates[0].reasons)


def test_a_term_stated_in_the_name_wins_over_a_learned_term_word():
    approved = [
        (BASIC, service(11, "M365 Business Basic Flex")),
        (STANDARD, service(12, "M365 Business Standard Flex")),
    ]
    # "Flex" says one month, but the name also says 1YR: the name's own cue is read.
    [result] = match([E3_YEAR], [service(7, "M365 E3 Flex 1YR")], approved=approved)

    assert result.status == "proposed"
