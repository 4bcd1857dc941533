"""The isotonic fit behind the matcher's calibration, on a histogram of labelled pairs.

Kept apart from the command (`offermap.bench.calibrate`) and the benchmark
(`offermap.bench.matcher`) so both use one fit without importing each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

Knots = tuple[tuple[float, float], ...]
Histogram = tuple[tuple[float, int, int], ...]
# How many pairs' worth of trust the raw score gets where the labelled pairs are few.
PRIOR_PAIRS = 20
MAX_KNOTS = 40
# Raw scores are pooled in bins this wide before the monotone fit.
BIN_WIDTH = 0.05


def histogram(pairs: Iterable[tuple[float, bool]]) -> Histogram:
    """Count labelled pairs per raw score (rounded to 4 places): (raw, pairs, right pairs)."""
    counts: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for raw, right in pairs:
        cell = counts[round(raw, 4)]
        cell[0] += 1
        cell[1] += int(right)
    return tuple((raw, n, hits) for raw, (n, hits) in sorted(counts.items()))


def merge(*histograms: Histogram) -> Histogram:
    """One histogram of several."""
    counts: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for rows in histograms:
        for raw, n, hits in rows:
            counts[raw][0] += n
            counts[raw][1] += hits
    return tuple((raw, n, hits) for raw, (n, hits) in sorted(counts.items()))


def fit(
    rows: Sequence[tuple[float, int, int]],
    prior_pairs: int = PRIOR_PAIRS,
    max_knots: int = MAX_KNOTS,
    bin_width: float = BIN_WIDTH,
) -> Knots:
    """Monotone fit of the share of right pairs on the raw score, as at most `max_knots` knots.

    The pairs are binned by raw score (`bin_width` wide; a raw score of exactly 1, an id
    match, has its own bin). Each bin's share of right pairs is shrunk toward its mean raw
    score by `prior_pairs` pseudo-pairs, so a bin of few pairs stays near the evidence score
    instead of borrowing the certainty of a crowded neighbour. Pool-adjacent-violators over
    the bins (weighted by pairs plus prior) then makes the curve rise; each pooled block is a
    knot at its mean raw score, and the curve starts at (0, 0).

    Args:
        rows: (raw score, pairs, right pairs), one row per raw score.
        prior_pairs: the weight of the raw score as a prior, in pairs, per bin.
        max_knots: the most knots kept (evenly thinned, the last one always kept).
        bin_width: the width of a bin of raw scores.

    Raises:
        ValueError: no pairs at all.
    """
    if not rows or sum(n for _, n, _ in rows) == 0:
        raise ValueError("fit needs at least one labelled pair")
    bins: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])  # raw sum, hits, n
    for raw, n, hits in rows:
        if n == 0:
            continue
        cell = bins[int(raw / bin_width + 1e-9)]
        cell[0] += raw * n
        cell[1] += hits
        cell[2] += n
    blocks: list[list[float]] = []  # [raw sum, pairs, weighted rate sum, weight]
    for index in sorted(bins):
        raw_sum, right, pairs = bins[index]
        mean = raw_sum / pairs
        rate = (right + prior_pairs * mean) / (pairs + prior_pairs)
        weight = pairs + prior_pairs
        blocks.append([raw_sum, pairs, rate * weight, weight])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][3] >= blocks[-1][2] / blocks[-1][3]:
            last = blocks.pop()
            for k in range(4):
                blocks[-1][k] += last[k]
    knots = [(raw / pairs, rates / weight) for raw, pairs, rates, weight in blocks]
    if len(knots) > max_knots:
        step = len(knots) / max_knots
        knots = [knots[int(i * step)] for i in range(max_knots)] + [knots[-1]]
    if knots[0][0] > 0.0:
        # No evidence is no chance: below the lowest bin the curve falls to zero, instead of
        # lending weak pairs the lowest bin's rate when the pairs never reached that low.
        knots.insert(0, (0.0, 0.0))
    return tuple((round(x, 4), round(y, 4)) for x, y in knots)
