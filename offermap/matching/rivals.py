"""Word matches between offers and services, memoised, and each service's best-fitting offers.

Knowing which known offer fits a service best lets the scorer doubt a pair when another offer
of the catalogue (even one nobody in this run acquired) fits the service clearly better.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from offermap.matching.blocking import ServiceIndex
from offermap.matching.features import OfferProfile, ServiceProfile, Weights
from offermap.matching.names import RIVAL_MARGIN, Rival, WordMatch, conflict_factor, word_match

# What tells two offers apart by name: their product words, audience and variant markers.
_Signature = tuple[tuple[str, ...], str | None, frozenset[str]]
_Best = tuple[float, _Signature, OfferProfile]  # (fit, signature, offer)
# A lead smaller than this is rounding in products of factors, not a better fit.
_ROUNDING = 1e-9


def _signature(offer: OfferProfile) -> _Signature:
    analysis = offer.analysis
    return (analysis.core, analysis.audience, analysis.markers)


class WordMatches:
    """Memo of `word_match` results per (offer words, service position)."""

    def __init__(self, profiles: Sequence[ServiceProfile], weights: Weights) -> None:
        """Remember the services and the run's word weights."""
        self._profiles = profiles
        self._weights = weights
        self._memo: dict[tuple[tuple[str, ...], int], WordMatch] = {}
        self._fits: dict[tuple[_Signature, int], float] = {}
        self._signatures: dict[tuple[str, str], _Signature] = {}
        self._best: dict[int, list[_Best]] = {}

    def get(self, offer_words: tuple[str, ...], position: int) -> WordMatch:
        """The word match of offer words and the service at `position`."""
        key = (offer_words, position)
        found = self._memo.get(key)
        if found is None:
            analysis = self._profiles[position].analysis
            found = word_match(offer_words, analysis.core, self._weights, analysis.optional)
            self._memo[key] = found
        return found

    def fit(self, offer: OfferProfile, position: int) -> float:
        """How well an offer fits the service at `position`: word similarity times the
        factors that tell sibling SKUs apart (editions, sizes, tiers, audience, markers)."""
        key = (self._signature(offer), position)
        found = self._fits.get(key)
        if found is None:
            similarity = self.get(offer.analysis.core, position).similarity
            found = self._fits[key] = similarity * conflict_factor(offer, self._profiles[position])
        return found

    def _signature(self, offer: OfferProfile) -> _Signature:
        key = (offer.provider_offer_id, offer.name)
        found = self._signatures.get(key)
        if found is None:
            found = self._signatures[key] = _signature(offer)
        return found

    def survey(self, offers: Iterable[OfferProfile], index: ServiceIndex) -> None:
        """Find, for every service near some offer, the two best-fitting distinct offers."""
        for offer in offers:
            signature = self._signature(offer)
            for position in index.pool(offer, self._weights).tolist():
                fit = self.fit(offer, position)
                best = self._best.setdefault(position, [])
                if any(entry[1] == signature for entry in best):
                    continue
                best.append((fit, signature, offer))
                best.sort(key=lambda entry: -entry[0])
                del best[2:]

    def rival(self, offer: OfferProfile, position: int) -> Rival | None:
        """Another known offer that fits the service clearly better than this one, if any.

        Other offers need a clear lead (`RIVAL_MARGIN`). A sibling (the same product words,
        told apart only by audience or markers: "Power BI Pro" beside "Power BI Pro for
        faculty") that fits better at all is a rival when the service name states no segment:
        between siblings only those words differ, so any lead is theirs. A name that states
        one ("(Edu)") may mean the SKU the segment sells, which the name alone cannot show.
        """
        own = self.fit(offer, position)
        signature = self._signature(offer)
        for fit, other, rival in self._best.get(position, ()):
            if other != signature:
                lead = fit - own
                sibling = other[0] == signature[0]
                plain = self._profiles[position].analysis.segment is None
                if lead >= RIVAL_MARGIN or (sibling and plain and lead > _ROUNDING):
                    return Rival(rival.name, rival.product_id, fit, own)
                return None
        return None
