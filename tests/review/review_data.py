"""A small connection with open proposals, for the review tests (library and command line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offermap.store import open_store
from offermap.store.proposals import replace_proposals
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

C = "default"
BP = ("bp", "Commercial", "OneYear", "Monthly")
BP_ANNUAL = ("bp", "Commercial", "OneYear", "Annual")
E3 = ("e3", "Commercial", "OneYear", "Monthly")
BP_HANDLE = "BP:0001/Commercial/OneYear/Monthly"
BP_ANNUAL_HANDLE = "BP:0001/Commercial/OneYear/Annual"
E3_HANDLE = "E3:0001/Commercial/OneYear/Monthly"


def proposal(
    variant: tuple[str, str, str, str],
    service_id: int,
    rank: int,
    score: float,
    reasons: list[str] | None = None,
    run_id: str = "sync-1",
) -> dict[str, Any]:
    """A proposal row as the propose stage writes it."""
    offer_id, segment, term, billing = variant
    return {
        "connection_id": C,
        "run_id": run_id,
        "offer_id": offer_id,
        "segment": segment,
        "term": term,
        "billing_frequency": billing,
        "rank": rank,
        "service_id": service_id,
        "score": score,
        "status": "proposed" if score >= 0.6 else "not_proposed",
        "reasons": json.dumps(
            {
                "variant_status": "proposed",
                "reasons": reasons
                or [
                    f"name words matched: m365 (similarity {score:.2f})",
                    "term disagrees: 'monthly' means OneMonth, the offer is OneYear",
                    f"score {score:.2f}: the share of pairs with evidence that were right",
                ],
            }
        ),
        "created_at": datetime.now(UTC),
    }


PROPOSALS = [
    (BP, 1, 1, 0.97),
    (BP, 4, 2, 0.40),
    (BP_ANNUAL, 2, 1, 0.72),
    (E3, 3, 1, 0.91),
]


def publish_review_connection(path: Path, *, services: list[dict[str, Any]] | None = None) -> None:
    """Publish connection `default` with four open proposals (three first choices)."""
    publish_snapshot(
        path,
        C,
        "sync-1",
        services
        or [
            service(1, "M365 BP 1YR monthly"),
            service(2, "M365 BP annual", "Yearly"),
            service(3, "E3 monthly"),
            service(4, "M365 BP month to month"),
        ],
        [
            subscription("bp", "Microsoft 365 Business Premium", customer_id="cust-a"),
            subscription("bp", "Microsoft 365 Business Premium", customer_id="cust-b"),
            subscription(
                "bp",
                "Microsoft 365 Business Premium",
                billing_frequency="Annual",
                customer_id="cust-b",
            ),
            subscription("e3", "Microsoft 365 E3", customer_id="cust-c", segment="Commercial"),
        ],
    )
    propose_again(path)


def propose_again(path: Path, rows: list[tuple[Any, ...]] | None = None) -> None:
    """Replace the connection's proposals, as the next sync's propose stage would."""
    with open_store(path) as con:
        replace_proposals(con, C, [proposal(*row) for row in (rows or PROPOSALS)])
