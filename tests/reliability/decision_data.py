"""Connections with published snapshots and decision batches, and checks of the state apply leaves.

Data goes in through the real staging, publish and review paths (tests/store_helpers.py and
offermap.review.approvals); only the checks read tables directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offermap.review.approvals import decide_manually
from offermap.store import open_store, transaction
from offermap.store.decisions import insert_decision
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

VariantKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class Catalogue:
    """One connection's acquired variants and the service that rightly maps each."""

    connection_id: str
    variants: list[VariantKey]
    services: list[int]  # services[i] is the right service for variants[i]
    inactive_service: int
    quarterly_service: int
    unacquired_variant: VariantKey


def publish_catalogue(db: Path, connection_id: str, size: int, first_service: int) -> Catalogue:
    """Publish `size` acquired variants, a right service for each, and two wrong services."""
    variants: list[VariantKey] = []
    services: list[dict[str, Any]] = []
    subscriptions: list[dict[str, Any]] = []
    for i in range(size):
        billing, period = ("Monthly", "Monthly") if i % 2 == 0 else ("Annual", "Yearly")
        offer = f"{connection_id}-offer-{i:04d}"
        variants.append((offer, "Commercial", "OneYear", billing))
        services.append(service(first_service + i, f"Offer {i} ({billing})", period))
        subscriptions.append(
            subscription(offer, f"Offer {i}", billing_frequency=billing, customer_id=f"c{i % 7}")
        )
    inactive, quarterly = first_service + size, first_service + size + 1
    services.append(service(inactive, "Retired offer", is_active=False))
    services.append(service(quarterly, "Quarterly offer", "Quarterly"))
    publish_snapshot(db, connection_id, f"sync-{connection_id}", services, subscriptions)
    return Catalogue(
        connection_id=connection_id,
        variants=variants,
        services=[first_service + i for i in range(size)],
        inactive_service=inactive,
        quarterly_service=quarterly,
        unacquired_variant=(f"{connection_id}-never-bought", "Commercial", "OneYear", "Monthly"),
    )


def decide(
    db: Path, connection_id: str, variant: VariantKey, service_id: int | None, kind: str = "approve"
) -> int:
    """Record one decision through the review path; returns its id."""
    return decide_manually(
        db, connection_id, variant, service_id=service_id, kind=kind, actor="reliability"
    )


def decide_many(db: Path, rows: list[tuple[str, VariantKey, int | None, str]]) -> list[int]:
    """Record (connection, variant, service, kind) decisions in one transaction, as
    `decide` would one by one; returns their ids."""
    with open_store(db) as con, transaction(con):
        return [
            insert_decision(
                con,
                connection_id=connection,
                variant=variant,
                service_id=service_id,
                kind="unmap" if kind == "unmap" else "approve",
                source="manual",
                actor="reliability",
            )
            for connection, variant, service_id, kind in rows
        ]


def approve_all(db: Path, catalogue: Catalogue) -> list[int]:
    """Approve the right service for every variant."""
    return [
        decide(db, catalogue.connection_id, variant, service_id)
        for variant, service_id in zip(catalogue.variants, catalogue.services, strict=True)
    ]


def bad_decisions(db: Path, catalogue: Catalogue, foreign_service: int) -> dict[str, int]:
    """One decision of each kind apply must refuse, by what is wrong with it."""
    c, v, s = catalogue.connection_id, catalogue.variants, catalogue.services
    return {
        "unknown service": decide(db, c, v[0], 987_654_321),
        "unknown offer": decide(db, c, catalogue.unacquired_variant, s[0]),
        "inactive service": decide(db, c, v[0], catalogue.inactive_service),
        "wrong billing period": decide(db, c, v[0], catalogue.quarterly_service),
        "contradicts an earlier decision": decide(db, c, v[0], s[2]),
        "another connection's service": decide(db, c, v[2], foreign_service),
        "unmap of an unmapped variant": decide(
            db, c, catalogue.unacquired_variant, None, kind="unmap"
        ),
    }


def state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What apply decides, without run ids and times: mappings, decisions, audit rows."""
    with open_store(db, read_only=True) as con:
        return {
            "mappings": con.execute(
                "SELECT connection_id, offer_id, segment, term, billing_frequency, service_id,"
                " decision_id FROM offer_mappings ORDER BY ALL"
            ).fetchall(),
            "decisions": con.execute(
                "SELECT decision_id, connection_id, kind, state FROM decisions ORDER BY ALL"
            ).fetchall(),
            "audit": con.execute(
                "SELECT decision_id, connection_id, operation, status, service_id,"
                " details->>'rule' FROM audit_log ORDER BY ALL"
            ).fetchall(),
        }


# Every mapping against the facts of its own connection's snapshot; a row is a broken rule.
_BROKEN_RULES = """
SELECT m.connection_id, m.offer_id, m.service_id,
    CASE
        WHEN s.service_id IS NULL THEN 'R1'
        WHEN NOT s.is_active THEN 'R2'
        WHEN a.offer_id IS NULL THEN 'R9'
        WHEN a.offer_type = 'AzureReservation' THEN 'R7'
        WHEN a.offer_type = 'LicenseLegacy' THEN 'R8'
        WHEN NOT ((m.billing_frequency = 'Monthly' AND s.period_type_label = 'Monthly')
               OR (m.billing_frequency = 'Annual' AND s.period_type_label = 'Yearly')) THEN 'R5'
        WHEN a.offer_type = 'AzurePlan'
             AND (coalesce(s.unit_cost, 0) <> 0 OR s.unit_price <> 0) THEN 'R6'
    END AS rule
FROM offer_mappings AS m
LEFT JOIN at_services AS s USING (connection_id, service_id)
LEFT JOIN acquired_offers AS a USING (connection_id, offer_id, segment, term, billing_frequency)
"""


def invariant_violations(db: Path) -> list[str]:
    """Rules, constraints and all-or-nothing decisions that the database breaks (empty: none)."""
    problems: list[str] = []
    with open_store(db, read_only=True) as con:
        broken = con.execute(f"SELECT * FROM ({_BROKEN_RULES}) WHERE rule IS NOT NULL").fetchall()
        problems += [f"mapping {row[:3]} breaks {row[3]}" for row in broken]
        problems += [
            f"service {row[1]} of {row[0]} is mapped {row[2]} times (R3)"
            for row in con.execute(
                "SELECT connection_id, service_id, count(*) FROM offer_mappings"
                " GROUP BY ALL HAVING count(*) > 1"
            ).fetchall()
        ]
        problems += [
            f"variant {row[:5]} is mapped {row[5]} times (R4)"
            for row in con.execute(
                "SELECT connection_id, offer_id, segment, term, billing_frequency, count(*)"
                " FROM offer_mappings GROUP BY ALL HAVING count(*) > 1"
            ).fetchall()
        ]
        # A decision is applied exactly when its audit row (and, for a mapping, the mapping)
        # exists; a pending one has neither.
        rows = con.execute(
            """
            SELECT d.decision_id, d.state,
                (SELECT count(*) FROM audit_log AS l WHERE l.decision_id = d.decision_id),
                (SELECT count(*) FROM offer_mappings AS m WHERE m.decision_id = d.decision_id)
            FROM decisions AS d WHERE d.kind <> 'reject' ORDER BY d.decision_id
            """
        ).fetchall()
    for decision_id, decision_state, audits, mappings in rows:
        if decision_state == "pending" and (audits or mappings):
            problems.append(
                f"pending decision {decision_id} has {audits} audit rows, {mappings} mappings"
            )
        if decision_state in ("applied", "failed") and audits != 1:
            problems.append(f"{decision_state} decision {decision_id} has {audits} audit rows")
        if decision_state == "failed" and mappings:
            problems.append(f"failed decision {decision_id} has a mapping")
    return problems
