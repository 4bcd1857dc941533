"""Calibration: turn the matcher's raw evidence score into the chance that a pair is right.

The raw score multiplies evidence factors; its scale means little by itself. The knots in
`calibration.json` (next to this module) map each raw score to the share of candidate pairs
with that raw score that were the variant's right service, in labelled *real* names: a
distributor's price list whose services an MSP named after it, and the labelled dev catalogue
(see the file's `sources`). So a score of 0.9 means "nine in ten such pairs were right", and
the proposal threshold is a risk level.

The file is data, written by `python -m offermap.bench.calibrate` (outside the matcher, which
imports no benchmark); a test checks that it is current. Refit after changing the scoring.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

CALIBRATION_FILE = "calibration.json"
Knots = tuple[tuple[float, float], ...]
# The identity: a raw score taken as it is (used when pairs are collected for a fit).
IDENTITY: Knots = ((0.0, 0.0), (1.0, 1.0))


@dataclass(frozen=True)
class Calibration:
    """The shipped calibration.

    Attributes:
        knots: (raw score, chance the pair is right), raw ascending. Between knots the chance
            is interpolated; outside them it is the nearest knot's.
        histogram: the labelled candidate pairs the knots were fitted on, as (raw score
            rounded to 4 places, pairs, right pairs), per source.
        prior_pairs: how many pairs' worth of trust the raw score gets in the fit.
        max_knots: the most knots the fit keeps.
        bin_width: the width of the bins of raw scores the fit pools.
        sources: what each source was (file, checksum, counts), for the reasons and the README.
    """

    knots: Knots
    histogram: dict[str, tuple[tuple[float, int, int], ...]]
    prior_pairs: int
    sources: dict[str, dict[str, Any]]
    max_knots: int = 40
    bin_width: float = 0.05


def parse_calibration(text: str) -> Calibration:
    """Read calibration JSON (the format `offermap.bench.calibrate` writes).

    Raises:
        ValueError: the text is not such a file, or its knots do not rise.
    """
    data = json.loads(text)
    knots = tuple((float(x), float(y)) for x, y in data["knots"])
    if not knots or any(b[0] < a[0] or b[1] < a[1] for a, b in itertools.pairwise(knots)):
        raise ValueError("calibration knots must be non-empty and rise in both coordinates")
    histogram = {
        source: tuple((float(raw), int(n), int(right)) for raw, n, right in rows)
        for source, rows in data["histogram"].items()
    }
    return Calibration(
        knots,
        histogram,
        int(data["prior_pairs"]),
        dict(data["sources"]),
        int(data["max_knots"]),
        float(data["bin_width"]),
    )


@lru_cache(maxsize=1)
def shipped() -> Calibration:
    """The calibration shipped with offermap, read once per process."""
    text = resources.files("offermap.matching").joinpath(CALIBRATION_FILE).read_text("utf-8")
    return parse_calibration(text)


@lru_cache(maxsize=16)
def _positions(knots: Knots) -> list[float]:
    # Scores are calibrated hundreds of thousands of times a run: read the x's once.
    return [x for x, _ in knots]


def calibrated(raw: float, knots: Sequence[tuple[float, float]] | None = None) -> float:
    """The chance (0..1) that a pair with this raw score is right, by the knots (shipped ones
    when not given)."""
    knots = tuple(knots) if knots is not None else shipped().knots
    xs = _positions(knots)
    if raw <= xs[0]:
        return knots[0][1]
    if raw >= xs[-1]:
        return knots[-1][1]
    i = bisect.bisect_right(xs, raw)
    (x0, y0), (x1, y1) = knots[i - 1], knots[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)
