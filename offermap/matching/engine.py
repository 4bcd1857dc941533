"""The matcher's entry point: rules first, then blocking, scoring, assignment and explanations."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from offermap.catalogue import CatalogueOffer
from offermap.matching.assignment import assign
from offermap.matching.blocking import ServiceIndex
from offermap.matching.eligibility import EligibilityCache
from offermap.matching.features import (
    OfferProfile,
    ServiceProfile,
    Weights,
    analyse_name,
    bare_code_term,
    build_vocabulary,
    offer_profile,
    reference_offers,
    service_profile,
)
from offermap.matching.learning import learn
from offermap.matching.model import (
    Candidate,
    MatchConfig,
    ResultStatus,
    ServiceRecord,
    Variant,
    VariantResult,
)
from offermap.matching.names import NameMatch, name_match
from offermap.matching.rivals import WordMatches
from offermap.matching.scoring import PairScore, explain, pair_score
from offermap.rules import MappingStatus, variant_support
from offermap.variants import VariantKey

# Candidates whose raw evidence is below this are not worth showing even as "not proposed".
MIN_LISTED_SCORE = 0.1

_OfferKey = tuple[str, str]


@dataclass(slots=True)
class _Scored:
    position: int
    pair: PairScore
    rejected: bool


def _check_inputs(variants: Sequence[Variant], services: Sequence[ServiceRecord]) -> None:
    seen_keys: set[VariantKey] = set()
    for variant in variants:
        if variant.key in seen_keys:
            raise ValueError(f"variant {variant.key} ({variant.offer_name}) is listed twice (R4)")
        seen_keys.add(variant.key)
    seen_ids: set[int] = set()
    for service in services:
        if service.service_id in seen_ids:
            raise ValueError(f"service {service.service_id} ({service.name!r}) is listed twice")
        seen_ids.add(service.service_id)


def _offer_key(variant: Variant) -> _OfferKey:
    return (variant.provider_offer_id, variant.offer_name)


def _reference_names(
    catalogue: Iterable[CatalogueOffer], variants: Sequence[Variant]
) -> list[tuple[str, str]]:
    """The offers the run knows besides its open ones: the shipped catalogue, the connection's
    imported one, and every offer it acquired (mapped or not), each once."""
    names = dict.fromkeys(reference_offers())
    names.update(dict.fromkeys((o.provider_offer_id, o.name) for o in catalogue))
    names.update(dict.fromkeys(_offer_key(v) for v in variants))
    return list(names)


def match(
    variants: Sequence[Variant],
    services: Sequence[ServiceRecord],
    *,
    existing: Mapping[VariantKey, int] | None = None,
    rejected: Collection[tuple[VariantKey, int]] = (),
    approved: Sequence[tuple[Variant, ServiceRecord]] = (),
    catalogue: Iterable[CatalogueOffer] = (),
    config: MatchConfig | None = None,
) -> list[VariantResult]:
    """Propose Autotask services for offer variants under the rules R2-R8, one-to-one.

    Args:
        variants: the acquired offer variants of one connection (unique keys).
        services: the connection's Autotask services (unique ids).
        existing: variant key -> service id of the mappings already made (and approvals
            waiting for apply); those variants are "mapped" and their services are never
            proposed again (R3). A service given to two variants here is not refused: it is
            simply taken, and the rules suite reports the conflict.
        rejected: (variant key, service id) pairs an analyst rejected; never proposed again.
        approved: the connection's approved mappings with their services; the matcher learns
            the connection's naming conventions from them (see `learning`).
        catalogue: offers the connection imported (a price list, see
            `offermap.catalogue.pricelist`). With the shipped catalogue and the offers of all
            `variants` (mapped ones too) they weigh words and are the siblings a service may
            fit better.
        config: threshold and list sizes.

    Returns:
        One result per variant, in the order given.

    Raises:
        ValueError: a variant key or a service id is listed twice.
    """
    # The cyclic garbage collector would rescan the run's hundreds of thousands of small, acyclic
    # records (profiles, memo entries, candidates) again and again, a quarter of the run's time;
    # reference counting frees them all the same.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _match(variants, services, existing, rejected, approved, catalogue, config)
    finally:
        if was_enabled:
            gc.enable()


def _match(
    variants: Sequence[Variant],
    services: Sequence[ServiceRecord],
    existing: Mapping[VariantKey, int] | None,
    rejected: Collection[tuple[VariantKey, int]],
    approved: Sequence[tuple[Variant, ServiceRecord]],
    catalogue: Iterable[CatalogueOffer],
    config: MatchConfig | None,
) -> list[VariantResult]:
    config = config or MatchConfig()
    existing = existing or {}
    _check_inputs(variants, services)
    rejected_pairs = set(rejected)

    results: list[VariantResult | None] = [None] * len(variants)
    open_rows: list[int] = []
    for row, variant in enumerate(variants):
        support = variant_support(variant.offer_type, variant.billing_frequency)
        if support.status is not None:
            status: ResultStatus = (
                "not_required" if support.status is MappingStatus.NOT_REQUIRED else "unsupported"
            )
            results[row] = VariantResult(
                variant, status, reason=f"{support.rule}: {support.reason}"
            )
        elif variant.key in existing:
            results[row] = VariantResult(
                variant, "mapped", reason=f"mapped to service {existing[variant.key]}"
            )
        else:
            open_rows.append(row)
    if not open_rows:
        return [r for r in results if r is not None]

    names = [variants[row].offer_name for row in open_rows]
    known = _reference_names(catalogue, variants)
    vocabulary = build_vocabulary([*names, *(name for _, name in known)])
    offers: dict[_OfferKey, OfferProfile] = {}
    for row in open_rows:
        key = _offer_key(variants[row])
        if key not in offers:
            offers[key] = offer_profile(key[0], key[1], vocabulary)
    reference = [
        offer_profile(pid, name, vocabulary) for pid, name in known if (pid, name) not in offers
    ]
    weights = Weights(offer.analysis.core for offer in [*offers.values(), *reference])
    conventions = learn(approved, lambda name: analyse_name(name, vocabulary), weights.known)
    code_term = bare_code_term(service.name for service in services)
    profiles = [
        service_profile(service, vocabulary, conventions, code_term) for service in services
    ]
    index = ServiceIndex(profiles, weights)
    words = WordMatches(profiles, weights)
    words.survey([*offers.values(), *reference], index)
    eligibility = EligibilityCache(services, set(existing.values()))

    scored = _score_all(
        variants,
        open_rows,
        offers,
        profiles,
        index,
        eligibility,
        words,
        weights,
        rejected_pairs,
        config.knots,
    )
    edges = [
        (row, item.position, item.pair.score)
        for row in open_rows
        for item in scored[row]
        if item.pair.score >= config.threshold and not item.rejected
    ]
    chosen = assign(edges, len(variants), len(services), config.threshold)
    first_choice_of = {position: row for row, position in chosen.items()}

    for row in open_rows:
        variant = variants[row]
        removed = eligibility.get(variant.offer_type, variant.billing_frequency).removed
        candidates, reason = _candidates(
            variants, row, scored[row], profiles, chosen.get(row), first_choice_of, config
        )
        results[row] = VariantResult(
            variant,
            "proposed" if row in chosen else "abstained",
            tuple(candidates),
            dict(removed),
            reason,
        )
    return [r for r in results if r is not None]


def _score_all(
    variants: Sequence[Variant],
    open_rows: Sequence[int],
    offers: Mapping[_OfferKey, OfferProfile],
    profiles: Sequence[ServiceProfile],
    index: ServiceIndex,
    eligibility: EligibilityCache,
    words: WordMatches,
    weights: Weights,
    rejected: Collection[tuple[VariantKey, int]],
    knots: Sequence[tuple[float, float]] | None,
) -> dict[int, list[_Scored]]:
    names: dict[tuple[_OfferKey, int], NameMatch] = {}
    scored: dict[int, list[_Scored]] = {}
    terms: dict[tuple[_OfferKey, str], set[str]] = defaultdict(set)
    for row in open_rows:
        terms[(_offer_key(variants[row]), variants[row].billing_frequency)].add(variants[row].term)
    for row in open_rows:
        variant = variants[row]
        offer_key = _offer_key(variant)
        offer = offers[offer_key]
        siblings = frozenset(terms[(offer_key, variant.billing_frequency)] - {variant.term})
        allowed = eligibility.get(variant.offer_type, variant.billing_frequency).allowed
        items: list[_Scored] = []
        for position in index.pool(offer, weights, allowed).tolist():
            name = names.get((offer_key, position))
            if name is None:
                core = offer.analysis.core
                name = name_match(
                    offer,
                    profiles[position],
                    words.get(core, position),
                    weights,
                    words.rival(offer, position),
                )
                names[(offer_key, position)] = name
            pair = pair_score(
                variant, profiles[position], name, offer.analysis.term, knots, siblings
            )
            service_id = profiles[position].record.service_id
            items.append(_Scored(position, pair, (variant.key, service_id) in rejected))
        # Calibration pools raw scores into steps: the raw score still orders within one.
        items.sort(
            key=lambda s: (-s.pair.score, -s.pair.raw, profiles[s.position].record.service_id)
        )
        scored[row] = items
    return scored


def _candidates(
    variants: Sequence[Variant],
    row: int,
    items: Sequence[_Scored],
    profiles: Sequence[ServiceProfile],
    pick: int | None,
    first_choice_of: Mapping[int, int],
    config: MatchConfig,
) -> tuple[list[Candidate], str]:
    threshold = config.threshold
    proposed: list[tuple[_Scored, str]] = []
    held: list[tuple[_Scored, list[str]]] = []
    ordered = sorted(items, key=lambda s: s.position != pick)  # stable: the pick first
    for item in ordered:
        if item.position == pick:
            proposed.append((item, "first choice in the one-to-one assignment"))
            continue
        why: list[str] = []
        if item.pair.score < threshold:
            why.append(f"below the threshold {threshold:.2f}")
        owner = first_choice_of.get(item.position)
        if owner is not None and owner != row:
            why.append(f"taken by another variant in the assignment: {variants[owner].describe()}")
        if item.rejected:
            why.append("rejected before for this variant")
        if not why and len(proposed) < config.top_k:
            proposed.append(
                (item, "runner-up: above the threshold and no other variant's first choice")
            )
        elif item.pair.raw >= MIN_LISTED_SCORE:
            held.append((item, why or [f"beyond the {config.top_k} proposals shown"]))

    candidates: list[Candidate] = []
    for item, note in proposed:
        candidates.append(_candidate(item, profiles, len(candidates) + 1, "proposed", [note]))
    for item, why in held[: config.alternatives]:
        candidates.append(_candidate(item, profiles, len(candidates) + 1, "not_proposed", why))

    if pick is not None:
        return candidates, "a candidate reaches the threshold and is this variant's first choice"
    if not items:
        return candidates, "abstained: no service shares a product word or id with the offer"
    if all(item.pair.score < threshold for item in items):
        return candidates, f"abstained: no candidate reaches the threshold {threshold:.2f}"
    return candidates, (
        "abstained: every candidate above the threshold is another variant's first choice "
        "or was rejected before"
    )


def _candidate(
    item: _Scored, profiles: Sequence[ServiceProfile], rank: int, status: str, notes: list[str]
) -> Candidate:
    record = profiles[item.position].record
    return Candidate(
        service_id=record.service_id,
        service_name=record.name,
        score=item.pair.score,
        raw_score=item.pair.raw,
        rank=rank,
        status="proposed" if status == "proposed" else "not_proposed",
        reasons=tuple([*explain(item.pair), *notes]),
    )
