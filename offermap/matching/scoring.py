"""Score one (variant, service) pair from its name-level match and the variant's cues, and say why.

The score is the name-level base (see `names`) times factors for what the variant adds: term,
billing and segment. Each factor that is not 1 comes with a sentence, so a reviewer sees what
lowered a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offermap.matching.calibration import calibrated
from offermap.matching.features import ServiceProfile
from offermap.matching.model import Variant
from offermap.matching.names import NameMatch

SEGMENT_CONFLICT_FACTOR = 0.3
# No marker while the offer is not Commercial: MSPs mark Education and NonProfit lines, so
# an unmarked line is most likely the Commercial one.
SEGMENT_UNMARKED_FACTOR = 0.55
TERM_CONFLICT_FACTOR = 0.35
TERM_GIVEN_FOR_NO_TERM_FACTOR = 0.7
TERM_CONFLICTING_CUES_FACTOR = 0.8
# No term in the name: for Monthly billing, a one-month and a one-year term are both Monthly
# services, so the name leaves the choice open; Annual billing is nearly always one year.
TERM_SILENT_MONTHLY_FACTOR = 0.9
TERM_SILENT_ANNUAL_FACTOR = 0.97
# NCE prices a month-to-month seat 20% above an annual one, so most seats are annual and a
# plain name is slightly more often the annual line: the tie goes to the one-year term.
TERM_SILENT_ONE_MONTH_SHARE = 0.98
# Catalogues cut names at 50 or 100 characters, and the term comes last: a cut name without a
# term most likely lost it, so for Monthly billing the two terms are equally likely.
TERM_CUT_MONTHLY_FACTOR = 0.45
TRUNCATION_LENGTHS = frozenset({50, 100})
# No term in the name while the connection holds the same offer with another term billed the
# same way: one service cannot be both (R3), and nothing says which it is. Such a pair is a
# coin toss, so it stays below the threshold and the variant abstains rather than guess.
TERM_AMBIGUOUS_FACTOR = 0.45
# The name (or stock code) says the service bills otherwise than its period and the offer:
# a data error, as serious as a wrong edition.
BILLING_CONFLICT_FACTOR = 0.35
# A one- or three-year term is sold billed monthly and billed yearly; a name that states the
# term and says how it bills beats one that states the term only (the period type alone may
# be entered wrongly). A name silent on both is doubted by the term factor already.
BILLING_SILENT_FACTOR = 0.97
_TERMS_WITH_TWO_BILLINGS = frozenset({"OneYear", "ThreeYears"})


@dataclass(frozen=True, slots=True)
class PairScore:
    """The score of one (variant, service) pair, with the variant-level factors.

    Attributes:
        score: calibrated confidence in 0..1: the share of pairs with this raw score that
            were right in labelled real catalogues (see `calibration`).
        name: the name-level match it builds on.
        factors: (factor, reason) for term, billing and segment.
        agreements: cues that agreed, for the reasons.
    """

    score: float
    name: NameMatch
    factors: tuple[tuple[float, str], ...]
    agreements: tuple[str, ...]
    raw: float = 0.0


def _term_factor(
    variant: Variant,
    service: ServiceProfile,
    offer_term: str | None = None,
    sibling_terms: frozenset[str] = frozenset(),
) -> tuple[float, str]:
    analysis = service.analysis
    stated = analysis.term or service.iso_term
    if stated is not None and stated == offer_term and stated != variant.term:
        # The offer's own name says it ("Business Central Device (36 mo)"): a product word.
        stated = None
    cue = ", ".join(f"'{p}'" for p in analysis.cue_phrases) or "an ISO code in an id field"
    if variant.term == "NoTerm":
        if stated is None:
            return 1.0, ""
        return (
            TERM_GIVEN_FOR_NO_TERM_FACTOR,
            f"term disagrees: {cue} states {stated}, the offer has no term",
        )
    if stated == variant.term:
        return 1.0, f"term agrees: {cue} means {stated}"
    if stated is not None:
        return (
            TERM_CONFLICT_FACTOR,
            f"term disagrees: {cue} means {stated}, the offer is {variant.term}",
        )
    if analysis.term_conflict:
        return TERM_CONFLICTING_CUES_FACTOR, f"term unclear: the name states several terms ({cue})"
    if sibling_terms:
        # The tie still leans to the one-year term (see TERM_SILENT_ONE_MONTH_SHARE).
        share = TERM_SILENT_ONE_MONTH_SHARE if variant.term == "OneMonth" else 1.0
        return (
            TERM_AMBIGUOUS_FACTOR * share,
            "no term in the service name, and the offer's "
            f"{' and '.join(sorted(sibling_terms))} variant bills {variant.billing_frequency} "
            "too: either could be meant",
        )
    if variant.billing_frequency == "Monthly" and _cut(service.record.name):
        return (
            TERM_CUT_MONTHLY_FACTOR,
            f"no term in the service name, which is cut at {len(service.record.name)} "
            "characters: one-month and one-year terms both bill Monthly",
        )
    if variant.billing_frequency == "Monthly":
        factor = TERM_SILENT_MONTHLY_FACTOR
        if variant.term == "OneMonth":
            factor *= TERM_SILENT_ONE_MONTH_SHARE
        return (
            factor,
            "no term in the service name: one-month and one-year terms both bill Monthly",
        )
    return TERM_SILENT_ANNUAL_FACTOR, "no term in the service name"


def _cut(name: str) -> bool:
    """Whether a name looks cut at a catalogue's length limit (a closed bracket is whole)."""
    return len(name) in TRUNCATION_LENGTHS and not name.rstrip().endswith((")", "]"))


def _billing_factor(variant: Variant, service: ServiceProfile) -> tuple[float, str]:
    billing = service.analysis.billing
    source = "the name"
    if billing is None and service.code_billing is not None:
        billing, source = service.code_billing, "the stock code"
    stated_term = service.analysis.term or service.iso_term
    if billing is None and stated_term is not None and variant.term in _TERMS_WITH_TWO_BILLINGS:
        return BILLING_SILENT_FACTOR, "the service name does not say how it bills"
    if billing is None:
        return 1.0, ""
    if billing == variant.billing_frequency:
        return 1.0, f"billing agrees: {source} says {billing}"
    return (
        BILLING_CONFLICT_FACTOR,
        f"billing disagrees: {source} says {billing}, the offer bills {variant.billing_frequency}",
    )


def _segment_factor(variant: Variant, service: ServiceProfile) -> tuple[float, str]:
    segment = service.analysis.segment
    phrase = service.analysis.segment_phrase
    if segment == variant.segment:
        return 1.0, f"segment agrees: '{phrase}' means {segment}"
    if segment is not None:
        return (
            SEGMENT_CONFLICT_FACTOR,
            f"segment disagrees: '{phrase}' means {segment}, the offer is {variant.segment}",
        )
    if variant.segment != "Commercial":
        return (
            SEGMENT_UNMARKED_FACTOR,
            f"no segment marker in the service name, the offer is {variant.segment}",
        )
    return 1.0, ""


def pair_score(
    variant: Variant,
    service: ServiceProfile,
    name: NameMatch,
    offer_term: str | None = None,
    knots: Sequence[tuple[float, float]] | None = None,
    sibling_terms: frozenset[str] = frozenset(),
) -> PairScore:
    """Score a variant against a service whose name-level match is known.

    Args:
        variant: the variant.
        service: the service's features.
        name: `name_match` of the variant's offer and the service.
        offer_term: a term the offer's own name states ("(36 mo)"), which is then a product
            word, not the variant's term.
        knots: calibration knots; the shipped ones when None.
        sibling_terms: the other terms of the same offer, billed the same way, that are
            open in the run (a service silent on its term could be theirs).

    Returns:
        The pair's score and the factors behind it.
    """
    score = name.base
    factors: list[tuple[float, str]] = []
    agreements: list[str] = []
    for factor, reason in (
        _term_factor(variant, service, offer_term, sibling_terms),
        _billing_factor(variant, service),
        _segment_factor(variant, service),
    ):
        if factor != 1.0:
            factors.append((factor, reason))
            score *= factor
        elif reason:
            agreements.append(reason)
    raw = min(1.0, max(0.0, score))
    return PairScore(calibrated(raw, knots), name, tuple(factors), tuple(agreements), raw)


def explain(pair: PairScore) -> list[str]:
    """The evidence behind a pair's score, as sentences a reviewer can read."""
    name = pair.name
    reasons: list[str] = []
    if name.id_kind == "offer":
        reasons.append(f"provider offer id {name.id_detail}")
    elif name.id_kind == "product":
        reasons.append(f"product id {name.id_detail} (SKU not stated)")
    if name.matched:
        reasons.append(
            f"name words matched: {', '.join(name.matched)} (similarity {name.similarity:.2f})"
        )
    else:
        reasons.append(f"no product word in common (similarity {name.similarity:.2f})")
    reasons.extend(name.notes)
    reasons.extend(f"'{s}' read as '{o}'" for s, o in name.fuzzy)
    if name.extra:
        reasons.append(f"service words not in the offer name: {', '.join(name.extra)}")
    if name.missing:
        reasons.append(f"offer words missing from the service name: {', '.join(name.missing)}")
    reasons.extend(pair.agreements)
    reasons.extend(reason for _, reason in name.factors)
    reasons.extend(reason for _, reason in pair.factors)
    reasons.append(
        f"score {pair.score:.2f}: the share of pairs with evidence {pair.raw:.2f} that were "
        "right in labelled real catalogues"
    )
    return reasons
