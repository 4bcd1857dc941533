"""Blocking: find the few services worth scoring for an offer without scoring every pair.

Services are indexed by their product words and Microsoft product ids. An offer looks up its
own words and id, skips words so common that they would return most of the catalogue (unless
nothing rarer is there), and keeps the services with the most shared weight.
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
# An id shared with the offer outweighs any set of words.
_ID_KEY_WEIGHT = 1000.0


class ServiceIndex:
    """Inverted index from product words and product ids to service positions."""

    def __init__(self, services: Sequence[ServiceProfile]) -> None:
        """Index the services' core words and product ids."""
        postings: dict[str, list[int]] = defaultdict(list)
        for position, service in enumerate(services):
            for word in service.analysis.core:
                postings["w:" + word].append(position)
            for product in service.ids.products:
                postings["p:" + product].append(position)
        self._postings: dict[str, npt.NDArray[np.int64]] = {
            key: np.asarray(positions, dtype=np.int64) for key, positions in postings.items()
        }

    def pool(
        self,
        offer: OfferProfile,
        weights: Weights,
        allowed: npt.NDArray[np.bool_],
        size: int = POOL_SIZE,
    ) -> npt.NDArray[np.int64]:
        """Positions of the services most worth scoring for an offer, best first.

        Args:
            offer: the offer's features.
            weights: word weights of the run.
            allowed: mask of the services the rules leave open to the variant.
            size: how many positions at most.

        Returns:
            Service positions, by shared weight (ids first), at most `size`.
        """
        keyed: list[tuple[npt.NDArray[np.int64], float]] = []
        id_posting = self._postings.get("p:" + offer.product_id)
        if id_posting is not None:
            keyed.append((id_posting, _ID_KEY_WEIGHT))
        words = [w for w in dict.fromkeys(offer.analysis.core) if "w:" + w in self._postings]
        words.sort(key=lambda w: len(self._postings["w:" + w]))
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
        totals = np.bincount(inverse, weights=shares)
        if len(unique) > size:
            keep = np.argpartition(-totals, size - 1)[:size]
            unique, totals = unique[keep], totals[keep]
        order = np.lexsort((unique, -totals))
        return unique[order]
