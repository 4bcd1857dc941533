"""How long the manual path's reads take on a sandbox tenant: offers, services search, ranking.

Run `python -m scripts.measure_manual_path [small|large|xl] [repeats]` from the project folder.
It extracts the tenant from the emulators into a temporary DuckDB file (no Prefect), then times
`offermap offers --search`, `services search` and the matcher's ranking for one unmapped
variant. Figures depend on the machine's load: compare runs taken on the same machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from offermap.acquired import derive, list_acquired
from offermap.extract.publish import publish_snapshots, start_sync, validate_inputs
from offermap.extract.services import extract_services
from offermap.extract.subscriptions import extract_subscriptions
from offermap.sandbox import SandboxServer, build_tenant
from offermap.services import rank_services, search_services

CONNECTION = "measure"


def _load(db: Path, scale: str) -> float:
    started = time.perf_counter()
    with SandboxServer(tenant=build_tenant(scale, 7), port=0) as server:
        os.environ.update(server.env())
        start_sync(db, CONNECTION, "run-1")
        extract_services(db, CONNECTION, "run-1")
        extract_subscriptions(db, CONNECTION, "run-1")
        validate_inputs(db, CONNECTION, "run-1")
        publish_snapshots(db, CONNECTION, "run-1")
        derive(db, CONNECTION, "run-1")
    return time.perf_counter() - started


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def main(argv: list[str]) -> int:
    """Load a tenant, then print the timings of each read `repeats` times."""
    scale = argv[0] if argv else "large"
    repeats = int(argv[1]) if len(argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="offermap-measure-") as folder:
        db = Path(folder) / "measure.duckdb"
        print(f"loaded the {scale} tenant in {_load(db, scale):.1f} s")
        for _ in range(repeats):
            started = time.perf_counter()
            rows = list_acquired(db, CONNECTION, show_mapped=False, search="microsoft")
            offers = _ms(started)
            variant = next(r for r in rows if r["mapping_status"] == "unmapped")
            key = (
                variant["offer_id"],
                variant["segment"],
                variant["term"],
                variant["billing_frequency"],
            )
            started = time.perf_counter()
            found = search_services(db, CONNECTION, key, "microsoft 365")
            search = _ms(started)
            started = time.perf_counter()
            ranking = rank_services(db, CONNECTION, key)
            print(
                f"offers --search: {offers} ({len(rows)} rows); services search: {search} "
                f"({len(found.services)} services); ranking: {_ms(started)} "
                f"({len(ranking.candidates)} candidates)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
