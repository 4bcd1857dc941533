"""Apply: check pending decisions against the rules, then write them in one transaction.

Every pending decision gets exactly one audit row: Succeeded, or Failed naming the rule and
why. Passing approvals become mappings in the same transaction, so a crash leaves either all
of a batch or none of it; decisions leave the pending state only by being applied, which is
what makes a second run change nothing.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from offermap import rules
from offermap.apply.rule_check import check_decision_facts
from offermap.quality.report import RowFailure
from offermap.store import open_store, transaction
from offermap.store.acquired import known_variants
from offermap.store.audit import AuditBatch, AuditEntry, append_audit
from offermap.store.decisions import (
    approval_batch,
    pending_actors,
    pending_unmaps,
    resolve_decisions,
)
from offermap.store.mappings import delete_mapping, insert_mappings
from offermap.store.snapshots import latest_correlation_id
from offermap.variants import VariantKey, ambiguous_provider_ids, handle_of

RulesCheck = Callable[[pd.DataFrame], dict[int, list[RowFailure]]]
"""Judges a batch of decision facts (rules.DECISION_COLUMNS): each decision_id's broken rules.

The apply flow passes the GX rules suite (`expectations.suites.validate_decisions`); a single
hand-made map may pass `check_decision_facts`, proven to give the suite's verdicts.
"""
_ALL_RULES = [rule.code for rule in rules.RULES]


@dataclass
class ApplyResult:
    """What an apply run did."""

    run_id: str
    correlation_id: str
    applied: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def decisions(self) -> int:
        """How many decisions this run resolved."""
        return len(self.applied) + len(self.unchanged) + len(self.failed) + len(self.unmapped)


@dataclass
class _Writes:
    """What one apply run writes, gathered in decision order and then written set-based.

    One statement per table instead of three per decision: at 50,000 decisions the
    single-row statements alone took minutes. Everything still happens in one transaction.
    """

    audit: AuditBatch = field(default_factory=AuditBatch)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    states: dict[int, Literal["applied", "failed"]] = field(default_factory=dict)
    # Each variant's mapping as this batch leaves it so far (None: unmapped in this batch), so
    # that a second unmap of the same variant, or an unmap of a pair mapped earlier in the
    # batch, sees what the batch did before it.
    current: dict[VariantKey, int | None] = field(default_factory=dict)
    # Provider offer ids naming several offers of the connection (not usable in handles).
    ambiguous: frozenset[str] = frozenset()


def _with_batch_claims(frame: pd.DataFrame, failing: set[int]) -> pd.DataFrame:
    """Add the R3/R4 facts about claims between decisions of the same batch.

    In decision order, the first decision that passes every other rule claims its service and
    its variant; a later decision for the same service (another variant) or the same variant
    (another service) then breaks R3 or R4. The same pair twice is a harmless repeat.
    """
    services: dict[int, tuple[VariantKey, int]] = {}
    variants: dict[VariantKey, tuple[int, int]] = {}
    service_claimed, variant_claimed, repeated = [], [], []
    service_claimant: list[int | None] = []
    variant_claimant: list[int | None] = []
    columns = ["decision_id", "service_id", *VariantKey._fields]
    for record in frame[columns].to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        key, service_id = VariantKey.of(row), int(row["service_id"])
        s_claim = service_id in services and services[service_id][0] != key
        v_claim = key in variants and variants[key][0] != service_id
        repeat = key in variants and variants[key][0] == service_id
        service_claimed.append(s_claim)
        variant_claimed.append(v_claim)
        repeated.append(repeat)
        # Which decision claimed first, so that a refusal can name it.
        service_claimant.append(services[service_id][1] if s_claim else None)
        variant_claimant.append(variants[key][1] if v_claim else None)
        decision_id = int(row["decision_id"])
        if decision_id not in failing and not (s_claim or v_claim or repeat):
            services[service_id] = (key, decision_id)
            variants[key] = (service_id, decision_id)
    out = frame.copy()
    out["service_claimed_earlier_in_batch"] = service_claimed
    out["variant_claimed_earlier_in_batch"] = variant_claimed
    out["repeats_earlier_decision"] = repeated
    out["claimed_by_decision"] = pd.array(service_claimant, dtype="Int64")
    out["claimed_variant_by_decision"] = pd.array(variant_claimant, dtype="Int64")
    return out


def _checked(
    frame: pd.DataFrame, rules_check: RulesCheck
) -> tuple[pd.DataFrame, dict[int, list[RowFailure]]]:
    """The batch with its claim facts, and each decision's rule failures (empty: passes).

    Which decisions may claim a service or a variant depends on which are otherwise valid, so
    the fast check (same verdicts as the suite, proven by a property test) decides that
    first; `rules_check` then judges the final batch once.
    """
    unclaimed = frame.assign(
        service_claimed_earlier_in_batch=False,
        variant_claimed_earlier_in_batch=False,
        repeats_earlier_decision=False,
    )
    first = check_decision_facts(unclaimed)
    failing = {decision_id for decision_id, failures in first.items() if failures}
    claimed = _with_batch_claims(frame, failing)
    return claimed, rules_check(claimed)


def _plain(value: Any) -> Any:
    """A frame cell as a plain Python value: NaN, NA and NaT become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _details(row: dict[str, Any], failures: list[Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Audit details: every rule's verdict, and for a refusal each broken rule with its reason."""
    broken = sorted({f.rule for f in failures if f.rule}, key=lambda code: int(code[1:]))
    verdicts = {code: ("failed" if code in broken else "passed") for code in _ALL_RULES}
    details: dict[str, Any] = {
        "decision_id": int(row["decision_id"]),
        "verdicts": verdicts,
        **extra,
    }
    if failures:
        reasons = [{"rule": code, "reason": rules.explain_failure(code, row)} for code in broken]
        unnamed = sorted({str(f.reason) for f in failures if not f.rule})
        reasons += [{"rule": None, "reason": text} for text in unnamed]
        details["rule"] = broken[0] if broken else None
        details["rules"] = broken
        details["reasons"] = reasons
        details["reason"] = "; ".join(
            f"{r['rule']}: {r['reason']}" if r["rule"] else r["reason"] for r in reasons
        )
        details["expectations"] = sorted({f.expectation_type for f in failures})
    return details


def apply_decisions(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    rules_check: RulesCheck,
    correlation_id: str | None = None,
    decision_ids: list[int] | None = None,
) -> ApplyResult:
    """Apply the connection's pending decisions (approvals and unmaps).

    Approvals are checked as a batch by the rules suite; passing ones are mapped and failing
    ones recorded as Failed with the rule and the reason, all in one transaction with one audit
    row per decision. Running it again with nothing pending changes nothing.

    Args:
        rules_check: what judges the approvals: the GX rules suite in the apply flow. It runs
            inside the write lock, so load it first (`expectations.suites.warm_up`).
        decision_ids: apply only these pending decisions (the manual path maps one at a time);
            None applies every pending decision of the connection.

    Returns:
        What was applied, left unchanged (already mapped that way), refused, and unmapped.
    """
    with open_store(db_path) as con:
        return apply_open(
            con,
            connection_id,
            run_id,
            rules_check=rules_check,
            correlation_id=correlation_id,
            decision_ids=decision_ids,
        )


def apply_open(
    con: duckdb.DuckDBPyConnection,
    connection_id: str,
    run_id: str,
    *,
    rules_check: RulesCheck,
    correlation_id: str | None = None,
    decision_ids: list[int] | None = None,
    in_transaction: bool = False,
) -> ApplyResult:
    """`apply_decisions` on a connection the caller holds open.

    Args:
        in_transaction: the caller has begun a transaction and commits it: a decision recorded
            in it and its application then stand or fall together (the manual path), and no
            other process can resolve the decision in between.
    """
    # Audit rows carry the correlation id of the CloudCockpit read the decisions were
    # checked against, so CloudCockpit's audit log joins to ours.
    correlation_id = correlation_id or latest_correlation_id(con, connection_id)
    result = ApplyResult(run_id=run_id, correlation_id=correlation_id or str(uuid.uuid4()))
    frame = approval_batch(con, connection_id, decision_ids)
    unmaps = pending_unmaps(con, connection_id, decision_ids)
    if frame.empty and not unmaps:
        return result
    actors = pending_actors(con, connection_id)
    # Handles as people type them: a provider offer id shared by two offers is not usable.
    ambiguous = ambiguous_provider_ids(known_variants(con, connection_id))
    claims, verdicts = _checked(frame, rules_check) if not frame.empty else (frame, {})
    now = datetime.now(UTC)
    with nullcontext() if in_transaction else _writing(con):
        writes = _Writes(ambiguous=ambiguous)
        rows = [
            {str(k): _plain(v) for k, v in record.items()} for record in claims.to_dict("records")
        ]
        handles = {int(r["decision_id"]): handle_of(r, ambiguous) for r in rows}
        for row in rows:
            row["handle"] = handles[int(row["decision_id"])]
            row["claimed_by_handle"] = handles.get(int(row["claimed_by_decision"] or 0))
            if row.get("holder_offer_id"):
                row["holder_handle"] = handle_of(
                    {
                        "offer_id": row["holder_offer_id"],
                        "provider_offer_id": row.get("holder_provider_offer_id"),
                        "segment": row["holder_segment"],
                        "term": row["holder_term"],
                        "billing_frequency": row["holder_billing_frequency"],
                    },
                    ambiguous,
                )
            _apply_approval(writes, connection_id, run_id, row, verdicts, actors, now, result)
        # Mappings are stored before unmaps delete theirs, as they were decided in order.
        insert_mappings(con, writes.mappings)
        for unmap in unmaps:
            _apply_unmap(con, writes, connection_id, run_id, unmap, now, result)
        writes.audit.write(con)
        resolve_decisions(con, writes.states, run_id, now)
    return result


@contextmanager
def _writing(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    with transaction(con):
        yield


def _audit(
    batch: AuditBatch,
    connection_id: str,
    run_id: str,
    row: dict[str, Any],
    operation: str,
    status: str,
    actor: str,
    service_id: int | None,
    details: dict[str, Any],
    now: datetime,
    correlation_id: str,
    service_name: str | None = None,
) -> None:
    append_audit(
        batch,
        AuditEntry(
            occurred_at=now,
            connection_id=connection_id,
            operation=operation,
            status=status,
            actor=actor,
            run_id=run_id,
            offer_id=row["offer_id"],
            segment=row["segment"],
            term=row["term"],
            billing_frequency=row["billing_frequency"],
            service_id=service_id,
            decision_id=int(row["decision_id"]),
            details=details,
            correlation_id=correlation_id,
            handle=row.get("handle"),
            offer_name=_plain(row.get("offer_name")),
            provider_offer_id=_plain(row.get("provider_offer_id")),
            service_name=service_name,
            note=_plain(row.get("note")),
        ),
    )


def _apply_approval(
    writes: _Writes,
    connection_id: str,
    run_id: str,
    row: dict[str, Any],
    verdicts: dict[int, list[RowFailure]],
    actors: dict[int, str],
    now: datetime,
    result: ApplyResult,
) -> None:
    decision_id = int(row["decision_id"])
    service_id = int(row["service_id"])
    failures = verdicts.get(decision_id, [])
    actor = actors.get(decision_id, "offermap")
    summary = {
        "decision_id": decision_id,
        "variant": VariantKey.of(row),
        "handle": row["handle"],
        "offer_name": row.get("offer_name"),
        "service_id": service_id,
        "service_name": row.get("service_name"),
    }
    if failures:
        details = _details(row, failures, {})
        _audit(
            writes.audit,
            connection_id,
            run_id,
            row,
            rules.AUDIT_CREATE_MAPPING,
            "Failed",
            actor,
            service_id,
            details,
            now,
            result.correlation_id,
            row.get("service_name"),
        )
        writes.states[decision_id] = "failed"
        result.failed.append(
            {
                **summary,
                "rule": details["rule"],
                "rules": details["rules"],
                "reason": details["reason"],
            }
        )
        return
    unchanged = bool(row["already_mapped_identically"]) or bool(row["repeats_earlier_decision"])
    if not unchanged:
        offer_id, segment, term, billing_frequency = VariantKey.of(row)
        writes.current[VariantKey.of(row)] = service_id
        writes.mappings.append(
            {
                "connection_id": connection_id,
                "offer_id": offer_id,
                "segment": segment,
                "term": term,
                "billing_frequency": billing_frequency,
                "service_id": service_id,
                "decision_id": decision_id,
                "mapped_by": actor,
                "mapped_at": now,
                "run_id": run_id,
            }
        )
    outcome = {"outcome": "already mapped to this service; nothing changed"} if unchanged else {}
    _audit(
        writes.audit,
        connection_id,
        run_id,
        row,
        rules.AUDIT_CREATE_MAPPING,
        "Succeeded",
        actor,
        service_id,
        _details(row, [], outcome),
        now,
        result.correlation_id,
        row.get("service_name"),
    )
    writes.states[decision_id] = "applied"
    (result.unchanged if unchanged else result.applied).append(summary)


def _apply_unmap(
    con: Any,
    writes: _Writes,
    connection_id: str,
    run_id: str,
    row: dict[str, Any],
    now: datetime,
    result: ApplyResult,
) -> None:
    decision_id = int(row["decision_id"])
    variant = VariantKey.of(row)
    row = {**row, "handle": handle_of(row, writes.ambiguous)}
    mapped = writes.current.get(variant, row["mapped_service_id"])
    requested = row["requested_service_id"]
    # The mapped service's name, unless this batch remapped the variant (then it is unknown).
    mapped_name = row["mapped_service_name"] if mapped == row["mapped_service_id"] else None
    summary = {
        "decision_id": decision_id,
        "variant": variant,
        "handle": row["handle"],
        "offer_name": row.get("offer_name"),
        "service_id": mapped,
        "service_name": mapped_name,
    }
    if mapped is None or (requested is not None and int(requested) != int(mapped)):
        reason = (
            f"{row['handle']} is not mapped: there is nothing to unmap"
            if mapped is None
            else f"{row['handle']} is mapped to service {mapped}, not {requested}"
        )
        _audit(
            writes.audit,
            connection_id,
            run_id,
            row,
            rules.AUDIT_DELETE_MAPPING,
            "Failed",
            row["actor"],
            requested,
            {"decision_id": decision_id, "reason": reason},
            now,
            result.correlation_id,
            row.get("requested_service_name"),
        )
        writes.states[decision_id] = "failed"
        result.failed.append({**summary, "rule": None, "rules": [], "reason": reason})
        return
    delete_mapping(con, connection_id=connection_id, variant=variant)
    writes.current[variant] = None
    _audit(
        writes.audit,
        connection_id,
        run_id,
        row,
        rules.AUDIT_DELETE_MAPPING,
        "Succeeded",
        row["actor"],
        int(mapped),
        {"decision_id": decision_id},
        now,
        result.correlation_id,
        mapped_name,
    )
    writes.states[decision_id] = "applied"
    result.unmapped.append(summary)
