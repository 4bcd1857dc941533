"""Propose services for a connection's unmapped variants and store them in the review table."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offermap.catalogue.connection import connection_offers
from offermap.matching import MatchConfig, ServiceRecord, Variant, VariantResult, match
from offermap.store import open_store
from offermap.store.db import fetch_dicts, sql
from offermap.store.proposals import matcher_inputs, replace_proposals
from offermap.variants import VariantKey


@dataclass(frozen=True)
class ProposeSummary:
    """What a propose step did: variants per matcher status, rows written, and how many
    offers the connection's imported catalogue held (0: no price list imported)."""

    run_id: str
    variants_by_status: dict[str, int] = field(default_factory=dict)
    proposals_written: int = 0
    catalogue_offers: int = 0


def _key(row: dict[str, Any]) -> VariantKey:
    return VariantKey.of(row)


def _rows(connection_id: str, run_id: str, results: list[VariantResult]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for result in results:
        offer_id, segment, term, billing_frequency = result.variant.key
        for candidate in result.candidates:
            rows.append(
                {
                    "connection_id": connection_id,
                    "run_id": run_id,
                    "offer_id": offer_id,
                    "segment": segment,
                    "term": term,
                    "billing_frequency": billing_frequency,
                    "rank": candidate.rank,
                    "service_id": candidate.service_id,
                    "score": float(candidate.score),
                    "status": candidate.status,
                    "reasons": json.dumps(
                        {
                            "variant_status": result.status,
                            "reasons": list(candidate.reasons),
                            "removed_by_rule": dict(result.removed),
                        }
                    ),
                    "created_at": now,
                }
            )
    return rows


_VARIANT_FIELDS = (
    "offer_id",
    "provider_offer_id",
    "offer_name",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
)


def _service(row: dict[str, Any]) -> ServiceRecord:
    fields = {k: v for k, v in row.items() if k not in _VARIANT_FIELDS}
    return ServiceRecord(
        **{**fields, "service_id": int(row["service_id"]), "is_active": bool(row["is_active"])}
    )


def approved_pairs(rows: list[dict[str, Any]]) -> list[tuple[Variant, ServiceRecord]]:
    """(variant, service) pairs of `matcher_inputs_approved.sql` rows, for the matcher to learn
    the connection's naming conventions from."""
    return [(Variant(**{k: row[k] or "" for k in _VARIANT_FIELDS}), _service(row)) for row in rows]


def propose(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    config: MatchConfig | None = None,
) -> ProposeSummary:
    """Match the connection's acquired variants to its services and replace its proposals.

    Mapped variants, approvals waiting for apply and rejected pairs are respected, the
    connection's stored mappings teach the matcher its naming conventions, and its imported
    catalogue (`offermap catalogue import`) tells it every offer's siblings; the database is
    held only to read the inputs and to write the result, not while matching.
    """
    with open_store(db_path) as con:
        inputs = matcher_inputs(con, connection_id)
        approved_rows = fetch_dicts(
            con, sql("matcher_inputs_approved"), {"connection_id": connection_id}
        )
        catalogue = connection_offers(con, connection_id)
    variants = [Variant(**row) for row in inputs["variants"]]
    services = [_service(row) for row in inputs["services"]]
    existing: dict[VariantKey, int] = {}
    for row in inputs["taken"]:
        existing.setdefault(_key(row), int(row["service_id"]))
    rejected = {(_key(row), int(row["service_id"])) for row in inputs["rejected"]}
    results = match(
        variants,
        services,
        existing=existing,
        rejected=rejected,
        approved=approved_pairs(approved_rows),
        catalogue=catalogue,
        config=config or MatchConfig(),
    )
    rows = _rows(connection_id, run_id, results)
    with open_store(db_path) as con:
        written = replace_proposals(con, connection_id, rows)
    return ProposeSummary(
        run_id=run_id,
        variants_by_status=dict(Counter(result.status for result in results)),
        proposals_written=written,
        catalogue_offers=len(catalogue),
    )
