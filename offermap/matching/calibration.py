"""Calibration: turn the matcher's raw evidence score into the chance that a pair is right.

The raw score multiplies evidence factors; its scale means little by itself. Fitted on labelled
sandbox tenants (`build_tenant("large", seed)` for the seeds in `FIT_SEEDS`, which the
benchmark does not use), an isotonic (monotone, pool-adjacent-violators) fit maps each raw score
to the share of candidate pairs with that raw score that were the variant's right service. So a
score of 0.9 means "nine in ten such pairs were right", and the threshold is a risk level.

Refit after changing the scoring, and paste the printed knots into `KNOTS`:

    python -m offermap.matching.calibration
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

# Tenants the knots were fitted on; the benchmark's tenants use seed 7, kept out of the fit.
FIT_SCALE = "large"
FIT_SEEDS: tuple[int, ...] = (11, 12, 13)
# How many pairs' worth of trust the raw score gets where the fitting tenants have few pairs.
PRIOR_PAIRS = 20
# (raw score, chance the pair is right), raw ascending. Between knots the chance is
# interpolated; outside them it is the nearest knot's. Refit with this module's main.
# Fitted on 13,479 candidate pairs (4,098 right) of large seeds 11, 12, 13.
KNOTS: tuple[tuple[float, float], ...] = (
    (0.1341, 0.0007),
    (0.3142, 0.002),
    (0.3969, 0.0335),
    (0.5015, 0.0756),
    (0.55, 0.1739),
    (0.58, 0.4678),
    (0.7466, 0.7218),
    (0.8493, 0.8456),
    (0.9698, 0.9406),
    (1.0, 1.0),
)


def calibrated(raw: float, knots: Sequence[tuple[float, float]] = KNOTS) -> float:
    """The chance (0..1) that a pair with this raw score is right, by the fitted knots."""
    xs = [x for x, _ in knots]
    if raw <= xs[0]:
        return knots[0][1]
    if raw >= xs[-1]:
        return knots[-1][1]
    i = bisect.bisect_right(xs, raw)
    (x0, y0), (x1, y1) = knots[i - 1], knots[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)


def fit(
    raws: Sequence[float], labels: Sequence[bool], max_knots: int = 40
) -> tuple[tuple[float, float], ...]:
    """Isotonic fit of labels (right or not) on raw scores, as at most `max_knots` knots.

    Pool-adjacent-violators over the pairs sorted by raw score gives blocks of equal rate;
    each block becomes a knot at its mean raw score, its rate shrunk toward that raw score by
    `PRIOR_PAIRS` pseudo-pairs, so the mapping rises monotonically and sparse regions stay
    close to the evidence score.
    """
    if len(raws) != len(labels) or not raws:
        raise ValueError("fit needs as many labels as raw scores, and at least one")
    # Equal raw scores start as one block: their order must not decide the fit.
    groups: dict[float, list[float]] = {}
    for raw, label in zip(raws, labels, strict=True):
        group = groups.setdefault(raw, [0.0, 0.0, 0.0])
        group[0] += raw
        group[1] += float(label)
        group[2] += 1.0
    blocks: list[list[float]] = []  # [sum of raw, sum of labels, count]
    for raw in sorted(groups):
        blocks.append(groups[raw])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            for k in range(3):
                blocks[-1][k] += last[k]
    # Where the tenants hold few pairs (they rarely name a service half-right), a block's rate
    # rests on a handful of pairs: it is shrunk toward the raw score, worth PRIOR_PAIRS pairs.
    knots: list[tuple[float, float]] = []
    for total, hits, n in blocks:
        rate = (hits + PRIOR_PAIRS * total / n) / (n + PRIOR_PAIRS)
        knots.append((total / n, max(rate, knots[-1][1]) if knots else rate))
    if len(knots) > max_knots:
        step = len(knots) / max_knots
        knots = [knots[int(i * step)] for i in range(max_knots)] + [knots[-1]]
    return tuple((round(x, 4), round(y, 4)) for x, y in knots)


def _training_pairs(seed: int) -> tuple[list[float], list[bool]]:
    from offermap.bench.matcher import tenant_set
    from offermap.matching.engine import match
    from offermap.matching.model import MatchConfig

    data = tenant_set(FIT_SCALE, seed)
    raws: list[float] = []
    labels: list[bool] = []
    config = MatchConfig(threshold=0.01, top_k=1, alternatives=10)
    for result in match(data.variants, data.services, config=config):
        right = data.truth.get(result.variant.key)
        for candidate in result.candidates:
            raws.append(candidate.raw_score)
            labels.append(candidate.service_id == right)
    return raws, labels


def main() -> None:
    """Fit the knots on the `FIT_SEEDS` tenants and print them for `KNOTS`."""
    raws: list[float] = []
    labels: list[bool] = []
    for seed in FIT_SEEDS:
        seed_raws, seed_labels = _training_pairs(seed)
        raws += seed_raws
        labels += seed_labels
    knots = fit(raws, labels)
    print(f"# {len(raws)} candidate pairs, {sum(labels)} right; {FIT_SCALE} seeds {FIT_SEEDS}")
    print("KNOTS: tuple[tuple[float, float], ...] = (")
    for x, y in knots:
        print(f"    ({x}, {y}),")
    print(")")


if __name__ == "__main__":
    main()
