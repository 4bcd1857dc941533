"""Word matches between offers and services, memoised, and each service's best-fitting offers.

Knowing which known offer fits a service best lets the scorer doubt a pair when another offer
of the catalogue (even one nobody in this run acquired) fits the service clearly better.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from offermap.matching.blocking import ServiceIndex
from offermap.matching.features import OfferProfile, ServiceProfile, Weights
from offermap.matching.names import RIVAL_MARGIN, Rival, WordMatch, word_match

_Best = tuple[float, tuple[str, ...], OfferProfile]  # (similarity, offer words, offer)


class WordMatches:
    """Memo of `word_match` results per (offer words, service position)."""

    def __init__(self, profiles: Sequence[ServiceProfile], weights: Weights) -> None:
        """Remember the services and the run's word weights."""
        self._profiles = profiles
        self._weights = weights
        self._memo: dict[tuple[tuple[str, ...], int], WordMatch] = {}
        self._best: dict[int, list[_Best]] = {}

    def get(self, offer_words: tuple[str, ...], position: int) -> WordMatch:
        """The word match of offer words and the service at `position`."""
        key = (offer_words, position)
        found = self._memo.get(key)
        if found is None:
            found = word_match(offer_words, self._profiles[position].analysis.core, self._weights)
            self._memo[key] = found
        return found

    def survey(self, offers: Iterable[OfferProfile], index: ServiceIndex) -> None:
        """Find, for every service near some offer, the two best-fitting distinct offers."""
        for offer in offers:
            words = offer.analysis.core
            for position in index.pool(offer, self._weights).tolist():
                similarity = self.get(words, position).similarity
                best = self._best.setdefault(position, [])
                if any(entry[1] == words for entry in best):
                    continue
                best.append((similarity, words, offer))
                best.sort(key=lambda entry: -entry[0])
                del best[2:]

    def rival(self, offer_words: tuple[str, ...], position: int) -> Rival | None:
        """Another offer whose words fit the service clearly better than these, if any."""
        own = self.get(offer_words, position).similarity
        for similarity, words, offer in self._best.get(position, ()):
            if words != offer_words:
                if similarity - own >= RIVAL_MARGIN:
                    return Rival(offer.name, offer.product_id, similarity)
                return None
        return None
