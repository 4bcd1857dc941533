"""Name-level evidence: how surely a service's words and ids name an offer's product.

A base in 0..1 comes from ids (the offer's PRODUCT:SKU, or its product) or from a weighted F1
of the product words; factors then lower it for words and editions of other offers, a
catalogue offer that fits better, and variant markers ("no Teams", legacy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from offermap.matching.cues import DIMENSION_WORDS, HARD_MARKERS, SIZE_UNITS
from offermap.matching.features import OfferProfile, ServiceProfile, Weights

IdKind = Literal["offer", "product", "other_sku", "other_product", "none"]

# Base when an id field names the offer's product but not its SKU: the product is certain,
# the SKU (e.g. the "no Teams" one) still rests on the words.
PRODUCT_ID_BASE = 0.8
OTHER_SKU_FACTOR = 0.35
OTHER_PRODUCT_FACTOR = 0.25
# An extra service word that another offer's name uses ("servers", "device", "premium") hints
# at that other offer.
EXTRA_OFFER_WORD_FACTOR = 0.85
HARD_MARKER_FACTOR = 0.3
SOFT_MARKER_FACTOR = 0.85
# A legacy (non-NCE) line is another product than the NCE offer, as an edition would be.
LEGACY_FACTOR = 0.35
# Editions (P1/P2, E3/E5, A3/A5, F1/F3) name different products under one family name.
EDITION_CONFLICT_FACTOR = 0.4
# Another offer of the catalogue fits the service's words clearly better: the service is
# most likely that offer's, even when that offer is not in this run.
RIVAL_FACTOR = 0.5
RIVAL_MARGIN = 0.1
_EDITION_RE = re.compile(r"^[a-z]\d$")
# A number in the service name the offer lacks ("Capacity 250", "Windows 11") most likely names
# another product or pack; a different number certainly does (handled like an edition).
EXTRA_NUMBER_FACTOR = 0.7
# Faculty against student (or "Students use benefit") is a different SKU, like E3 against E5.
AUDIENCE_CONFLICT_FACTOR = EDITION_CONFLICT_FACTOR
# One name says for whom, the other does not: most likely, but not surely, a sibling SKU.
AUDIENCE_ONE_SIDED_FACTOR = 0.85
AUDIENCE_UNSAID_FACTOR = 0.9
_SPEC_RE = re.compile(
    r"^\d+("
    + "|".join(sorted(SIZE_UNITS))
    + r")$|^("
    + "|".join(sorted(DIMENSION_WORDS))
    + r")\d+$"
)
_PREFIX_CREDIT = 0.9
_FUZZY_MIN_RATIO = 85.0


@dataclass(frozen=True, slots=True)
class NameMatch:
    """How well a service's name and ids name an offer's product (independent of the variant).

    Attributes:
        base: strength in 0..1 after ids, extra words and markers.
        similarity: weighted F1 of the product words.
        matched: offer words found in the service name.
        fuzzy: (service word, offer word) pairs matched by prefix or spelling.
        extra: service words the offer name lacks.
        missing: offer words the service name lacks.
        id_kind: what the ids say: the offer itself, its product, another SKU of it, another
            product, or nothing.
        id_detail: the id and the field it was found in.
        factors: (factor, reason) applied to the base beyond the similarity.
        notes: repairs made to the service name (glued or truncated words).
    """

    base: float
    similarity: float
    matched: tuple[str, ...]
    fuzzy: tuple[tuple[str, str], ...]
    extra: tuple[str, ...]
    missing: tuple[str, ...]
    id_kind: IdKind
    id_detail: str
    factors: tuple[tuple[float, str], ...]
    notes: tuple[str, ...] = ()


def _fuzzy_pairs(extra: list[str], missing: list[str]) -> list[tuple[str, str, float]]:
    pairs: list[tuple[str, str, float]] = []
    free = list(missing)
    for word in extra:
        if len(word) < 4 or not word.isalpha():
            continue
        best: tuple[str, float] | None = None
        for target in free:
            if target.startswith(word):
                credit = _PREFIX_CREDIT
            elif min(len(word), len(target)) >= 5:
                ratio = fuzz.ratio(word, target)
                credit = ratio / 100.0 if ratio >= _FUZZY_MIN_RATIO else 0.0
            else:
                credit = 0.0
            if credit and (best is None or credit > best[1]):
                best = (target, credit)
        if best is not None:
            pairs.append((word, best[0], best[1]))
            free.remove(best[0])
    return pairs


def _ids(offer: OfferProfile, service: ServiceProfile) -> tuple[IdKind, str]:
    if not service.ids.products:
        return "none", ""
    for field_name, found in service.id_fields.items():
        if offer.provider_offer_id in found.offers:
            return "offer", f"{offer.provider_offer_id} in {field_name}"
    for field_name, found in service.id_fields.items():
        if offer.product_id in found.products:
            skus = sorted(o for o in found.offers if o.startswith(offer.product_id + ":"))
            if skus:
                return (
                    "other_sku",
                    f"{', '.join(skus)} in {field_name}, the offer is {offer.provider_offer_id}",
                )
            return "product", f"{offer.product_id} in {field_name}"
    first_field = next(iter(service.id_fields))
    named = ", ".join(sorted(service.id_fields[first_field].products))
    return "other_product", f"{named} in {first_field}, the offer is {offer.product_id}"


@dataclass(frozen=True, slots=True)
class Rival:
    """Another known offer whose words fit a service clearly better.

    Attributes:
        name: its name.
        product_id: its Microsoft product id ("" when unknown).
        similarity: how well it fits the service (word similarity times the factors that tell
            siblings apart: editions, sizes, tiers, audience, hard markers).
        own: how well the offer being scored fits the same service.
    """

    name: str
    product_id: str
    similarity: float
    own: float = 0.0


@dataclass(frozen=True, slots=True)
class WordMatch:
    """How the product words of an offer and a service overlap.

    Attributes:
        similarity: weighted F1 in 0..1 (weights from `features.Weights`).
        matched: offer words found in the service name.
        fuzzy: (service word, offer word, credit) matched by prefix or spelling.
        extra: service words the offer name lacks.
        missing: offer words the service name lacks.
    """

    similarity: float
    matched: tuple[str, ...]
    fuzzy: tuple[tuple[str, str, float], ...]
    extra: tuple[str, ...]
    missing: tuple[str, ...]


def word_match(
    offer_words: tuple[str, ...],
    service_words: tuple[str, ...],
    weights: Weights,
    optional: frozenset[str] = frozenset(),
) -> WordMatch:
    """Weighted F1 of two sets of product words, with prefix and spelling credit.

    `optional` service words (a generic prefix) count only when the offer has them too.
    """
    offer_set = set(offer_words)
    if optional:
        service_words = tuple(w for w in service_words if w in offer_set or w not in optional)
    service_set = set(service_words)
    matched = [w for w in offer_words if w in service_set]
    extra = [w for w in service_words if w not in offer_set]
    missing = [w for w in offer_words if w not in service_set]
    fuzzy = _fuzzy_pairs(extra, missing) if extra and missing else []
    offer_total = weights.total(offer_words)
    service_total = weights.total(service_words)
    hit = weights.total(tuple(matched))
    service_hit = hit + sum([c * weights[s] for s, _, c in fuzzy])
    offer_hit = hit + sum([c * weights[o] for _, o, c in fuzzy])
    precision = service_hit / service_total if service_total else 0.0
    recall = offer_hit / offer_total if offer_total else 0.0
    similarity = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return WordMatch(similarity, tuple(matched), tuple(fuzzy), tuple(extra), tuple(missing))


@lru_cache(maxsize=65536)
def _editions(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for w in words if _EDITION_RE.match(w))


def _edition_conflict(offer_words: tuple[str, ...], service_words: tuple[str, ...]) -> str | None:
    offer_editions = _editions(offer_words)
    service_editions = _editions(service_words)
    if offer_editions and service_editions and not offer_editions & service_editions:
        return (
            f"edition differs: the service says {', '.join(sorted(service_editions))}, "
            f"the offer {', '.join(sorted(offer_editions))}"
        )
    return None


def name_match(
    offer: OfferProfile,
    service: ServiceProfile,
    words: WordMatch,
    weights: Weights,
    rival: Rival | None = None,
) -> NameMatch:
    """How well the service names the offer's product, before term, billing and segment.

    Args:
        offer: the offer's features.
        service: the service's features.
        words: `word_match` of the two.
        weights: word weights of the run.
        rival: another known offer whose words fit the service clearly better, if any.

    Returns:
        The name-level match.
    """
    fuzzy_service = {s for s, _, _ in words.fuzzy}
    fuzzy_offer = {o for _, o, _ in words.fuzzy}
    id_kind, id_detail = _ids(offer, service)
    factors: list[tuple[float, str]] = []
    if id_kind == "offer":
        base = 1.0
    elif id_kind == "product":
        base = PRODUCT_ID_BASE + (1.0 - PRODUCT_ID_BASE) * words.similarity
    else:
        base = words.similarity
        if id_kind == "other_sku":
            factors.append((OTHER_SKU_FACTOR, f"ids name another SKU: {id_detail}"))
        elif id_kind == "other_product":
            factors.append((OTHER_PRODUCT_FACTOR, f"ids name another product: {id_detail}"))
    still_extra = [w for w in words.extra if w not in fuzzy_service]
    # A product id settles the product: only a sibling SKU of the same product can still
    # compete (faculty or student, a size, a tier). Without ids, words of other offers and
    # better-fitting offers count against.
    if id_kind == "product":
        factors.extend(
            _spec_factors(offer.analysis.core, service.analysis.core, conflicts_only=True)
        )
        if rival is not None and rival.product_id == offer.product_id:
            factors.append(_rival_factor(rival))
    elif id_kind != "offer":
        for word in [w for w in still_extra if weights.known(w)][:2]:
            factors.append(
                (EXTRA_OFFER_WORD_FACTOR, f"service word '{word}' belongs to other offers' names")
            )
        edition = _edition_conflict(offer.analysis.core, service.analysis.core)
        if edition is not None:
            factors.append((EDITION_CONFLICT_FACTOR, edition))
        factors.extend(_spec_factors(offer.analysis.core, service.analysis.core))
        if rival is not None:
            factors.append(_rival_factor(rival))
    if id_kind != "offer":
        audience = _audience_factor(offer, service)
        if audience is not None:
            factors.append(audience)
    factors.extend(_marker_factors(offer, service))
    for factor, _ in factors:
        base *= factor
    return NameMatch(
        base=base,
        similarity=words.similarity,
        matched=words.matched,
        fuzzy=tuple((s, o) for s, o, _ in words.fuzzy),
        extra=tuple(still_extra),
        missing=tuple(w for w in words.missing if w not in fuzzy_offer),
        id_kind=id_kind,
        id_detail=id_detail,
        factors=tuple(factors),
        notes=service.analysis.notes,
    )


def _spec_kind(word: str) -> str | None:
    """What a numbered word measures: "#" for a bare number, the unit of a size ("gb"), the
    dimension of a numbered one ("tier"), or None for a plain word."""
    if word.isdigit():
        return "#"
    found = _SPEC_RE.match(word)
    if found is None:
        return None
    return found.group(1) or found.group(2)


@lru_cache(maxsize=65536)
def _specs(words: tuple[str, ...]) -> dict[str, frozenset[str]]:  # memoised: names repeat
    kinds: dict[str, set[str]] = {}
    for word in words:
        kind = _spec_kind(word)
        if kind is not None:
            kinds.setdefault(kind, set()).add(word)
    return {kind: frozenset(found) for kind, found in kinds.items()}


@lru_cache(maxsize=65536)
def _spec_factors(
    offer_words: tuple[str, ...], service_words: tuple[str, ...], *, conflicts_only: bool = False
) -> tuple[tuple[float, str], ...]:
    """Sizes, capacities, tiers, bands and numbers: the product, not noise.

    When both names state a measure of one kind and the values differ ("128gb" against
    "256gb", "tier1" against "tier2"), the pair is penalised like a wrong edition. A bare
    number only the service has ("Capacity 250") most likely names another pack.
    """
    offer_specs = _specs(offer_words)
    service_specs = _specs(service_words)
    factors: list[tuple[float, str]] = []
    for kind, found in sorted(service_specs.items()):
        own = offer_specs.get(kind)
        if own is not None:
            if found <= own:
                continue  # the service states fewer of them: the missing words weigh already
            what = "number" if kind == "#" else "size" if kind in SIZE_UNITS else kind
            factors.append(
                (
                    EDITION_CONFLICT_FACTOR,
                    f"{what} differs: the service says {', '.join(sorted(found - own))}, "
                    f"the offer {', '.join(sorted(own))}",
                )
            )
        elif kind == "#" and not conflicts_only:
            factors.append(
                (
                    EXTRA_NUMBER_FACTOR,
                    f"the service name has a number the offer lacks: {', '.join(sorted(found))}",
                )
            )
    return tuple(factors[:2])


def _audience_factor(offer: OfferProfile, service: ServiceProfile) -> tuple[float, str] | None:
    """Faculty and student SKUs are siblings: a disagreement is as bad as a wrong edition."""
    own, theirs = offer.analysis.audience, service.analysis.audience
    if own == theirs:
        return None
    if own is not None and theirs is not None:
        return (
            AUDIENCE_CONFLICT_FACTOR,
            f"audience differs: the service says '{service.analysis.audience_phrase}' "
            f"({theirs}), the offer is for {own}",
        )
    if theirs is not None:
        return (
            AUDIENCE_ONE_SIDED_FACTOR,
            f"the service is for {theirs} ('{service.analysis.audience_phrase}'), "
            "the offer name does not say",
        )
    return (
        AUDIENCE_UNSAID_FACTOR,
        f"the offer is for {own}, the service name does not say for whom",
    )


def conflict_factor(offer: OfferProfile, service: ServiceProfile) -> float:
    """The product of the factors that tell sibling SKUs apart: editions, sizes, tiers,
    audience and hard markers. Used to judge which known offer fits a service best."""
    offer_words, service_words = offer.analysis.core, service.analysis.core
    factor = 1.0
    if (offer.analysis.markers ^ service.analysis.markers) & HARD_MARKERS:
        factor *= HARD_MARKER_FACTOR
    if offer.analysis.audience is not None or service.analysis.audience is not None:
        audience = _audience_factor(offer, service)
        if audience is not None:
            factor *= audience[0]
    if _editions(offer_words) and _edition_conflict(offer_words, service_words) is not None:
        factor *= EDITION_CONFLICT_FACTOR
    if _specs(offer_words):
        for value, _ in _spec_factors(offer_words, service_words, conflicts_only=True):
            factor *= value
    return factor


def _rival_factor(rival: Rival) -> tuple[float, str]:
    return (
        RIVAL_FACTOR,
        f"the service name fits the offer '{rival.name}' better "
        f"(fit {rival.similarity:.2f} against {rival.own:.2f})",
    )


_MARKER_LABELS = {
    "noteams": "'no Teams'",
    "noaudio": "'no audio conferencing'",
    "eea": "'EEA'",
    "segmentpricing": "segment pricing ('Education Pricing', 'Non-Profit Pricing')",
}


def _marker_factors(offer: OfferProfile, service: ServiceProfile) -> list[tuple[float, str]]:
    factors: list[tuple[float, str]] = []
    offer_markers = offer.analysis.markers
    service_markers = service.analysis.markers
    if offer_markers == service_markers:
        return factors
    for marker in sorted((offer_markers ^ service_markers) - {"legacy"}):
        side = (
            "the service has it, the offer does not"
            if marker in service_markers
            else ("the offer has it, the service does not")
        )
        label = _MARKER_LABELS.get(marker, marker)
        if marker in HARD_MARKERS:
            factors.append((HARD_MARKER_FACTOR, f"{label} variant marker: {side}"))
        else:
            factors.append((SOFT_MARKER_FACTOR, f"{label} variant marker: {side}"))
    if "legacy" in service_markers and "legacy" not in offer_markers:
        factors.append((LEGACY_FACTOR, "the service is marked as a legacy (non-NCE) line"))
    return factors
