"""Fit the matcher's calibration on real labelled pairs; write offermap/matching/calibration.json.

    python -m offermap.bench.calibrate [--price-list PATH] [--check]

The labelled pairs are the first choices the matcher makes (with raw scores and almost no
threshold) for the variants of two real sources:
the price-list scenario (a distributor's list whose services an MSP named after it, read from
`../shared/data` or PATH; the file never enters the repository) and the labelled dev
catalogue. Generated tenants are not used: they share the matcher's assumptions and stay a
regression check. The file keeps the pairs as a histogram per source (raw score, pairs,
right pairs), so a test can refit the knots from it and check the dev set's part against a
fresh run. `--check` refits without writing and exits 1 when the shipped file is stale.

Run it after changing anything that moves raw scores. The benchmark (`offermap bench
matcher`) judges the calibration on rows held out of the fit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from offermap.bench.calibrate_fit import (
    BIN_WIDTH,
    MAX_KNOTS,
    PRIOR_PAIRS,
    Histogram,
    fit,
    histogram,
    merge,
)
from offermap.bench.matcher import (
    COLLECT,
    DataSet,
    default_price_list,
    dev_set,
    dev_set_path,
    labelled_pairs,
    price_list_set,
    run_in_process,
)
from offermap.matching.calibration import CALIBRATION_FILE, parse_calibration

OUTPUT = Path(__file__).resolve().parents[1] / "matching" / CALIBRATION_FILE
DEV_SOURCE = "dev_set"
PRICE_LIST_SOURCE = "price_list"


def source_histogram(data: DataSet) -> Histogram:
    """The labelled first choices of one source, as a histogram of raw scores."""
    pairs = labelled_pairs(data, run_in_process(data, COLLECT))
    return histogram((raw, right) for raw, right, _ in pairs)


def _describe(data: DataSet, rows: Histogram, origin: str) -> dict[str, Any]:
    return {
        "what": data.name,
        "from": origin,
        "variants": len(data.variants),
        "services": len(data.services),
        "pairs": sum(n for _, n, _ in rows),
        "right": sum(hits for _, _, hits in rows),
    }


def calibration_document(price_list: Path) -> dict[str, Any]:
    """The calibration file's content: histograms of both sources, and the knots fitted on them.

    Raises:
        FileNotFoundError: the price list is absent.
    """
    if not price_list.is_file():
        raise FileNotFoundError(
            f"{price_list}: the price list is not there; give its path with --price-list"
        )
    dev = dev_set()
    prices = price_list_set(price_list)
    histograms = {DEV_SOURCE: source_histogram(dev), PRICE_LIST_SOURCE: source_histogram(prices)}
    digest = hashlib.sha256(price_list.read_bytes()).hexdigest()
    _, dev_origin = dev_set_path()
    return {
        "about": (
            "Calibration of the matcher's score: knots (raw score, share of first choices "
            "with that raw score that were right), fitted by python -m offermap.bench.calibrate "
            "on the labelled first choices below. Do not edit by hand."
        ),
        "prior_pairs": PRIOR_PAIRS,
        "max_knots": MAX_KNOTS,
        "bin_width": BIN_WIDTH,
        "sources": {
            DEV_SOURCE: _describe(dev, histograms[DEV_SOURCE], Path(dev_origin).name),
            PRICE_LIST_SOURCE: {
                **_describe(prices, histograms[PRICE_LIST_SOURCE], price_list.name),
                "sha256": digest,
            },
        },
        "knots": [
            list(k) for k in fit(merge(*histograms.values()), PRIOR_PAIRS, MAX_KNOTS, BIN_WIDTH)
        ],
        "histogram": {name: [list(row) for row in rows] for name, rows in histograms.items()},
    }


def render(document: dict[str, Any]) -> str:
    """The JSON text written to the file: one knot and one histogram row a line."""
    lines = ["{"]
    for key in ("about", "prior_pairs", "max_knots", "bin_width", "sources"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(document[key])},")
    knots = ",\n".join(f"    {json.dumps(k)}" for k in document["knots"])
    lines.append(f'  "knots": [\n{knots}\n  ],')
    parts = []
    for name, rows in document["histogram"].items():
        body = ",\n".join(f"      {json.dumps(row)}" for row in rows)
        parts.append(f"    {json.dumps(name)}: [\n{body}\n    ]")
    lines.append('  "histogram": {\n' + ",\n".join(parts) + "\n  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Fit and write the calibration (or, with --check, say whether the shipped one is current)."""
    parser = argparse.ArgumentParser(prog="python -m offermap.bench.calibrate", description=__doc__)
    parser.add_argument("--price-list", type=Path, default=None, help="the distributor list")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the file")
    args = parser.parse_args(argv)
    price_list = args.price_list or default_price_list()
    try:
        text = render(calibration_document(price_list))
    except FileNotFoundError as exc:
        print(f"offermap calibrate: {exc}", file=sys.stderr)
        return 2
    fresh = parse_calibration(text)
    if args.check:
        current = args.out.is_file() and parse_calibration(args.out.read_text("utf-8")) == fresh
        print(f"{args.out}: {'current' if current else 'stale: run without --check to refit'}")
        return 0 if current else 1
    args.out.write_text(text, "utf-8")
    for name, rows in fresh.histogram.items():
        pairs, right = sum(n for _, n, _ in rows), sum(h for _, _, h in rows)
        print(f"{name}: {pairs} first choices, {right} right")
    print(f"{len(fresh.knots)} knots written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
