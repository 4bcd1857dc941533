"""Blocking: find the few services worth scoring for an offer without scoring every pair.

Services are indexed by their product words and Microsoft product ids. An offer looks up its
own words and id, skips words so common that they would return most of the catalogue (unless
nothing rarer is there), and keeps the services whose words overlap its own the most: shared
weight relative to both names' weight (a Dice coefficient), so that a catalogue with hundreds of
"Microsoft 365 E3 <something>" lines still puts the plain "M365 E3" line in the pool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from offermap.matching.features import OfferProfile, ServiceProfile, Weights

# A word shared by more services than this is too common to block on (unless it is the
# offer's rarest word); ids are always used.
MAX_POSTING = 2000
# How many services per offer are scored; the rest share too little with it to matter.
POOL_SIZE = 24
# How much deeper than the pool an offer's ranking over all services goes, so that the
# services the rules remove for one variant group rarely force a second ranking.
_RANK_DEPTH = 3
# An id shared with the offer outweighs any set of words.
_ID_KEY_WEIGHT = 1000.0


class ServiceIndex:
    """Inverted index from product words and product ids to service positions."""

    def __init__(self, services: Sequence[ServiceProfile], weights: Weights) -> None:
        """Index the services' core words and product ids, and weigh each service's words."""
        postings: dict[str, list[int]] = defaultdict(list)
        self._service_weight = np.fromiter(
            (weights.total(service.analysis.core) for service in services),
            dtype=np.float64,
            count=len(services),
        )
        for position, service in enumerate(services):
            for word in service.analysis.core:
                postings["w:" + word].append(position)
            for product in service.ids.products:
                postings["p:" + product].append(position)
        self._postings: dict[str, npt.NDArray[np.int64]] = {
            key: np.asarray(positions, dtype=np.int64) for key, positions in postings.items()
        }
        self._everything = np.ones(len(services), dtype=bool)
        self._ranked: dict[tuple[str, str], npt.NDArray[np.int64]] = {}

    def pool(
        self,
        offer: OfferProfile,
        weights: Weights,
        allowed: npt.NDArray[np.bool_] | None = None,
        size: int = POOL_SIZE,
    ) -> npt.NDArray[np.int64]:
        """Positions of the services most worth scoring for an offer, best first.

        An offer's ranking over all services is computed once and filtered by each rule
        group's mask; only when the filter leaves too few is the ranking redone for the mask.

        Args:
            offer: the offer's features.
            weights: word weights of the run.
            allowed: mask of the services the rules leave open to the variant (None: all).
            size: how many positions at most.

        Returns:
            Service positions, by word overlap (ids first), at most `size`.
        """
        key = (offer.provider_offer_id, offer.name)
        ranked = self._ranked.get(key)
        depth = size * _RANK_DEPTH
        if ranked is None:
            ranked = self._rank(offer, weights, self._everything, depth)
            self._ranked[key] = ranked
        if allowed is None:
            return ranked[:size]
        kept = ranked[allowed[ranked]]
        if len(kept) >= size or len(ranked) < depth:
            return kept[:size]
        return self._rank(offer, weights, allowed, size)

    def _rank(
        self,
        offer: OfferProfile,
        weights: Weights,
        allowed: npt.NDArray[np.bool_],
        size: int,
    ) -> npt.NDArray[np.int64]:
        keyed: list[tuple[npt.NDArray[np.int64], float]] = []
        id_posting = self._postings.get("p:" + offer.product_id)
        if id_posting is not None:
            keyed.append((id_posting, _ID_KEY_WEIGHT))
        words = [w for w in dict.fromkeys(offer.analysis.core) if "w:" + w in self._postings]
        words.sort(key=lambda w: len(self._postings["w:" + w]))
        offer_weight = weights.total(offer.analysis.core)
        for rank, word in enumerate(words):
            posting = self._postings["w:" + word]
            if rank == 0 or len(posting) <= MAX_POSTING:
                keyed.append((posting, weights[word]))
        if not keyed:
            return np.empty(0, dtype=np.int64)
        positions = np.concatenate([posting for posting, _ in keyed])
        shares = np.concatenate([np.full(len(posting), weight) for posting, weight in keyed])
        open_ = allowed[positions]
        positions, shares = positions[open_], shares[open_]
        if len(positions) == 0:
            return np.empty(0, dtype=np.int64)
        unique, inverse = np.unique(positions, return_inverse=True)
        shared = np.bincount(inverse, weights=shares)
        # Id hits keep their lead: the id key weight dwarfs any Dice value below 1.
        id_part = np.floor(shared / _ID_KEY_WEIGHT) * _ID_KEY_WEIGHT
        word_part = shared - id_part
        denominator = offer_weight + self._service_weight[unique]
        dice = np.divide(
            2.0 * word_part, denominator, out=np.zeros_like(word_part), where=denominator > 0
        )
        totals = id_part + dice
        if len(unique) > size:
            keep = np.argpartition(-totals, size - 1)[:size]
            unique, totals = unique[keep], totals[keep]
        order = np.lexsort((unique, -totals))
        return unique[order]
