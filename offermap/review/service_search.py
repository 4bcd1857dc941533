"""Reading the connection's Autotask service snapshot, and searching it for one offer variant."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offermap import rules
from offermap.acquired.listing import find_acquired
from offermap.errors import InputError
from offermap.matching import (
    Candidate,
    MatchConfig,
    ServiceRecord,
    Variant,
    VariantResult,
    match,
)
from offermap.store import fetch_dicts, open_store, sql
from offermap.store.acquired import acquired_offers, known_variants
from offermap.store.proposals import matcher_inputs
from offermap.variants import VariantKey, ambiguous_provider_ids, handle_of, with_handles


class ServiceSearchError(InputError):
    """Services cannot be searched for this offer variant; the message says why."""


@dataclass(frozen=True)
class ServiceSearch:
    """What `search_services` found for one offer variant.

    Attributes:
        variant: the acquired variant (with its handle, status and mapped service).
        period_label: the Autotask period its billing needs (R5).
        services: active services with that period whose name begins with the words, each
            with `would_break` (rule codes a mapping would be refused under: R3, R6) and
            `mapped_to` (the handle of the variant it is mapped to, if any).
    """

    variant: dict[str, Any]
    period_label: str
    services: list[dict[str, Any]] = field(default_factory=list)


def list_services(
    db_path: Path | str, connection_id: str, *, active_only: bool = False
) -> list[dict[str, Any]]:
    """The connection's services from its latest snapshot (read-only), by name."""
    with open_store(db_path, read_only=True) as con:
        return fetch_dicts(
            con, sql("list_services"), {"connection_id": connection_id, "active_only": active_only}
        )


def _mappable_variant(db_path: Path | str, connection_id: str, key: VariantKey) -> dict[str, Any]:
    variant = find_acquired(db_path, connection_id, key)
    if variant is None:
        raise ServiceSearchError(
            f"{' / '.join(key)} is not an acquired offer variant of connection "
            f"{connection_id!r} (R9): list them with `offermap offers --show-mapped`"
        )
    if variant["mapping_status"] in ("not_required", "unsupported"):
        raise ServiceSearchError(
            f"{variant['handle']} cannot be mapped ({variant['mapping_status']}): "
            f"{variant['support_rule']}: {variant['support_reason']}"
        )
    return variant


def _prefix(words: str) -> str:
    # CloudCockpit matches the beginning of the name; spacing and case do not matter.
    return re.sub(r"\s+", " ", words.strip()).lower()


def search_services(
    db_path: Path | str, connection_id: str, key: VariantKey, words: str
) -> ServiceSearch:
    """Active services whose name begins with `words`, with the period the variant's billing needs.

    This is CloudCockpit's manual search: case-insensitive, from the start of the name,
    Monthly offers against Monthly services and Annual ones against Yearly services (R5).
    Services a mapping would still be refused for are listed, with the rule (R3, R6).

    Raises:
        ServiceSearchError: the variant is not acquired (R9), needs no mapping (R7) or cannot
            be mapped (R5, R8).
    """
    variant = _mappable_variant(db_path, connection_id, key)
    period = rules.required_period_label(variant["billing_frequency"])
    if period is None:  # unsupported variants were refused above; this guards the rules table
        raise ServiceSearchError(f"{variant['billing_frequency']} billing is not supported (R5)")
    params = {"connection_id": connection_id, "period_label": period, "prefix": _prefix(words)}
    with open_store(db_path, read_only=True) as con:
        found = fetch_dicts(con, sql("search_services"), params)
        handles = {
            (r["offer_id"], r["segment"], r["term"], r["billing_frequency"]): r["handle"]
            for r in with_handles(acquired_offers(con, connection_id))
        }
    services = []
    for row in found:
        offer, segment, term, billing = (
            row.pop(f"mapped_{k}") for k in ("offer_id", "segment", "term", "billing_frequency")
        )
        mapped_key = None if offer is None else VariantKey(offer, segment, term, billing)
        mapped_to = None if mapped_key is None else handles.get(mapped_key, "/".join(mapped_key))
        breaks = [
            code
            for code, _ in rules.service_violations(
                offer_type=variant["offer_type"],
                billing_frequency=variant["billing_frequency"],
                service_is_active=True,
                service_period_label=row["period_type_label"],
                service_unit_cost=row["unit_cost"],
                service_unit_price=row["unit_price"],
            )
        ]
        if mapped_key is not None and mapped_key != key:
            breaks.append("R3")
        services.append({**row, "mapped_to": mapped_to, "would_break": sorted(breaks)})
    return ServiceSearch(variant=variant, period_label=period, services=services)


@dataclass(frozen=True)
class Ranking:
    """The matcher's ranking of the services for one variant, and where it comes from.

    Attributes:
        result: the ranking (candidates best first, with their reasons).
        source: "sync" (the ranking the latest sync's matcher made, run `run_id`) or "live"
            (ranked now: the variant is mapped, or its mapping changed since that sync).
        taken: service id -> the handle of the other variant it is mapped or approved to
            now (R3): such a candidate would be refused today.
    """

    result: VariantResult
    source: str
    run_id: str | None = None
    taken: dict[int, str] = field(default_factory=dict)


def _stored(con: Any, connection_id: str, key: VariantKey, variant: Variant) -> Ranking | None:
    """The latest sync's ranking of the variant, when it still speaks for it; else None."""
    params = {"connection_id": connection_id, **key._asdict()}
    (fresh,) = fetch_dicts(con, sql("ranking_freshness"), params)
    if fresh["proposed_at"] is None:
        return None  # never proposed: rank it now
    rows = fetch_dicts(con, sql("variant_ranking"), params)
    # Without stored rows, the variant was either mapped when the matcher ran (not ranked
    # then: rank it now) or unmapped (the matcher abstained: that is the answer).
    if not rows and fresh["change_before"] == "approve":
        return None
    candidates = []
    status = "abstained"
    removed: dict[str, int] = {}
    for row in rows:
        explained = json.loads(row["reasons"]) if isinstance(row["reasons"], str) else {}
        status = explained.get("variant_status") or status
        removed = explained.get("removed_by_rule") or removed
        candidates.append(
            Candidate(
                service_id=int(row["service_id"]),
                service_name=str(row["service_name"] or f"service {row['service_id']}"),
                score=float(row["score"]),
                rank=int(row["rank"]),
                status="proposed" if row["status"] == "proposed" else "not_proposed",
                reasons=tuple(explained.get("reasons") or ()),
            )
        )
    reason = (
        None
        if candidates
        else "abstained when the latest sync ran: no service shares a product word or id "
        "with the offer, or none scored high enough"
    )
    result = VariantResult(
        variant,
        "proposed" if any(c.status == "proposed" for c in candidates) else status,  # type: ignore[arg-type]
        tuple(candidates),
        removed,
        reason,
    )
    return Ranking(result, "sync", fresh["run_id"])


def rank_services(
    db_path: Path | str, connection_id: str, key: VariantKey, *, config: MatchConfig | None = None
) -> Ranking:
    """The matcher's ranking of the snapshot's services for one acquired variant.

    An unmapped variant gets the ranking the latest sync made for it (instant; it weighed
    every variant at once, so a service another variant fits better is shown as taken), with
    the services mapped or approved elsewhere since then in `taken`. A mapped variant, or one
    the latest sync did not rank (it was mapped then), is ranked now: other variants'
    mappings (and approvals waiting for apply) are respected, their services taken (R3); the
    variant's own mapping is left out, so a mapped variant is ranked too. Rejected pairs stay
    rejected.

    Raises:
        ServiceSearchError: the variant is not acquired, or cannot or need not be mapped.
    """
    acquired = _mappable_variant(db_path, connection_id, key)
    with open_store(db_path, read_only=True) as con:
        taken_rows = fetch_dicts(con, sql("matcher_inputs_taken"), {"connection_id": connection_id})
        ambiguous = ambiguous_provider_ids(acquired_offers(con, connection_id))
        names = {
            VariantKey.of(r): handle_of(r, ambiguous) for r in known_variants(con, connection_id)
        }
        variant = Variant(**{k: acquired[k] for k in _VARIANT_FIELDS})
        stored = None
        if acquired["mapping_status"] == "unmapped":
            stored = _stored(con, connection_id, key, variant)
        inputs = None if stored is not None else matcher_inputs(con, connection_id)
    taken = {
        int(r["service_id"]): names.get(VariantKey.of(r), "/".join(VariantKey.of(r)))
        for r in taken_rows
        if VariantKey.of(r) != key
    }
    if stored is not None:
        return Ranking(stored.result, stored.source, stored.run_id, taken)
    assert inputs is not None
    variants = [Variant(**row) for row in inputs["variants"] if VariantKey.of(row) == key]
    services = [
        ServiceRecord(
            **{**row, "service_id": int(row["service_id"]), "is_active": bool(row["is_active"])}
        )
        for row in inputs["services"]
    ]
    existing: dict[VariantKey, int] = {}
    for row in inputs["taken"]:
        if VariantKey.of(row) != key:
            existing.setdefault(VariantKey.of(row), int(row["service_id"]))
    rejected = {(VariantKey.of(row), int(row["service_id"])) for row in inputs["rejected"]}
    (result,) = match(variants, services, existing=existing, rejected=rejected, config=config)
    return Ranking(result, "live", None, taken)


_VARIANT_FIELDS = (
    "offer_id",
    "provider_offer_id",
    "offer_name",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
)
