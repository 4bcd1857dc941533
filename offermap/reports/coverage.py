"""Review coverage and queue: where each acquired variant stands, by product family and segment.

The analyst's notebook reads these; like mapping health they open the database read-only and
return DataFrames with fixed columns, so an empty connection still draws an (empty) chart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from offermap import rules
from offermap.reports.mapping_health import reading
from offermap.store import fetch_dicts, sql
from offermap.store.customers import customer_names
from offermap.store.proposals import open_proposals
from offermap.variants import ambiguous_provider_ids, handle_of

# The order coverage is stacked and tabulated in: done, to do, stuck, then out of scope.
COVERAGE_STATES: tuple[str, ...] = ("mapped", "pending", "abstained", "not_required", "unsupported")

# Product families, first match wins: the order matters where a name mentions two families
# ("Microsoft Defender for Office 365" is security, "Microsoft 365 ... (no Teams)" is M365).
PRODUCT_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Azure", re.compile(r"\bazure\b|\bvirtual machines?\b|\breserv", re.I)),
    ("Dynamics 365", re.compile(r"\bdynamics\b|\bbusiness central\b", re.I)),
    (
        "Power Platform",
        re.compile(r"\bpower (bi|apps|automate|pages|virtual agents)\b|\bdataverse\b", re.I),
    ),
    (
        "Security & identity",
        re.compile(r"\bdefender\b|\bentra\b|\bintune\b|\benterprise mobility\b|\bpurview\b", re.I),
    ),
    ("Office 365", re.compile(r"\boffice 365\b|\bo365\b", re.I)),
    ("Microsoft 365", re.compile(r"\bmicrosoft 365\b|\bm365\b", re.I)),
    ("Teams", re.compile(r"\bteams\b", re.I)),
    ("Exchange & OneDrive", re.compile(r"\bexchange\b|\bonedrive\b|\bsharepoint\b", re.I)),
    ("Windows", re.compile(r"\bwindows\b", re.I)),
    ("Project & Visio", re.compile(r"\bproject\b|\bvisio\b|\bplanner\b", re.I)),
)
OTHER_FAMILY = "Other"
_AZURE_TYPES = frozenset(t.value for t in rules.OfferType if t.value.startswith("Azure"))

VARIANT_COLUMNS: tuple[str, ...] = (
    "variant",
    "offer_name",
    "provider_offer_id",
    "offer_type",
    "product_family",
    "segment",
    "term",
    "billing_frequency",
    "customers",
    "seats",
    "coverage",
    "support_rule",
    "support_reason",
    "mapped_service_id",
    "best_open_score",
    "awaiting_apply",
    "offer_id",
)
QUEUE_COLUMNS: tuple[str, ...] = (
    "proposal_id",
    "variant",
    "offer_name",
    "provider_offer_id",
    "offer_type",
    "product_family",
    "segment",
    "term",
    "billing_frequency",
    "customers",
    "seats",
    "rank",
    "status",
    "score",
    "service_id",
    "service_name",
    "period_type_label",
    "reasons",
    "removed_by_rule",
    "variant_status",
    "offer_id",
)
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "variant",
    "offer_name",
    "customer_name",
    "customer_id",
    "subscriptions",
    "seats",
    "statuses",
    "mapped_service_id",
    "mapped_service_name",
    "provider_offer_id",
    "offer_type",
    "segment",
    "term",
    "billing_frequency",
    "offer_id",
)
PROPOSAL_STATE_COLUMNS: tuple[str, ...] = (
    "proposal_id",
    "state",
    "detail",
    "variant",
    "offer_name",
    "service_id",
    "service_name",
    "decision_id",
)
# What `proposal_states` can say about a proposal id, in the order a reader meets them.
PROPOSAL_STATES: tuple[str, ...] = (
    "open",
    "decided",
    "mapped",
    "awaiting_apply",
    "closed",
    "unknown",
)
# Columns holding ids or counts: nullable integers, so a missing one never turns them to floats.
_INTEGER_COLUMNS = frozenset(
    {
        "proposal_id",
        "decision_id",
        "service_id",
        "mapped_service_id",
        "rank",
        "customers",
        "subscriptions",
        "seats",
    }
)
_VERBS = {"approve": "approved", "reject": "rejected", "unmap": "unmapped"}


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a frame with fixed columns; id and count columns as nullable integers."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in _INTEGER_COLUMNS.intersection(columns):
        frame[column] = frame[column].astype("Int64")
    return frame


def _handles(con: Any, connection_id: str, rows: list[dict[str, Any]]) -> list[str]:
    """Each row's handle, with ambiguity judged among every offer the connection's customers hold.

    A provider id that names two offers of the connection is not usable in a handle even when
    only one of them appears in `rows`: the handle must resolve the same way on the command line.
    """
    ambiguous = ambiguous_provider_ids(
        fetch_dicts(con, sql("coverage_offer_ids"), {"connection_id": connection_id})
    )
    return [handle_of(row, ambiguous) for row in rows]


def product_family(offer_name: str | None, offer_type: str | None = None) -> str:
    """The product family an offer belongs to, read from its name (Azure offers by type too)."""
    if offer_type in _AZURE_TYPES:
        return "Azure"
    for family, pattern in PRODUCT_FAMILIES:
        if offer_name and pattern.search(offer_name):
            return family
    return OTHER_FAMILY


def coverage_variants(db_path: Path | str, connection_id: str) -> pd.DataFrame:
    """Every acquired variant with its coverage state (see COVERAGE_STATES) and product family."""
    with reading(db_path, connection_id) as con:
        rows = fetch_dicts(con, sql("coverage_variants"), {"connection_id": connection_id})
        handles = _handles(con, connection_id, rows)
    for row, handle in zip(rows, handles, strict=True):
        row["variant"] = handle
        row["product_family"] = product_family(row["offer_name"], row["offer_type"])
    return _frame(rows, VARIANT_COLUMNS)


def coverage_table(variants: pd.DataFrame, by: str = "product_family") -> pd.DataFrame:
    """Variants per `by` value (rows) and coverage state (columns, in order), with a total.

    Args:
        variants: the frame `coverage_variants` returns (possibly filtered).
        by: the column to group by, e.g. "product_family" or "segment".
    """
    if by not in variants.columns:
        raise ValueError(f"cannot group coverage by {by!r}: use one of {list(variants.columns)}")
    table = (
        variants.groupby([by, "coverage"]).size().unstack("coverage", fill_value=0)
        if len(variants)
        else pd.DataFrame(index=pd.Index([], name=by))
    )
    table = table.reindex(columns=list(COVERAGE_STATES), fill_value=0).astype("int64")
    table.columns.name = "coverage"
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False, kind="stable")


def _removed(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    return ", ".join(f"{code}: {count}" for code, count in sorted(value.items()))


def review_queue(db_path: Path | str, connection_id: str) -> pd.DataFrame:
    """Open proposals (proposed first choices, runners-up and alternatives not proposed).

    `reasons` is the matcher's evidence joined in one string, `removed_by_rule` how many
    services each rule took out of the running for the variant, `variant_status` the matcher's
    verdict on the variant. Rows come variant by variant, best rank first.
    """
    with reading(db_path, connection_id) as con:
        rows = open_proposals(con, connection_id)
        handles = _handles(con, connection_id, rows)
    out = []
    for row, handle in zip(rows, handles, strict=True):
        explained = json.loads(row["reasons"]) if row["reasons"] else {}
        out.append(
            {
                **row,
                "variant": handle,
                "product_family": product_family(row["offer_name"], row["offer_type"]),
                "reasons": "; ".join(explained.get("reasons", [])),
                "removed_by_rule": _removed(explained.get("removed_by_rule")),
                "variant_status": explained.get("variant_status"),
            }
        )
    return _frame(out, QUEUE_COLUMNS)


def filter_queue(
    queue: pd.DataFrame,
    *,
    segment: str | None = None,
    offer_type: str | None = None,
    product_family: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
) -> pd.DataFrame:
    """The queue narrowed by segment, offer type, family (exact, case-insensitive) and score."""
    keep = pd.Series(True, index=queue.index)
    for column, wanted in (
        ("segment", segment),
        ("offer_type", offer_type),
        ("product_family", product_family),
    ):
        if wanted:
            keep &= queue[column].astype(str).str.lower() == wanted.lower()
    if min_score is not None:
        keep &= queue["score"] >= min_score
    if max_score is not None:
        keep &= queue["score"] <= max_score
    return queue[keep]


def first_choices(queue: pd.DataFrame, *, abstained: bool = False) -> pd.DataFrame:
    """One row per variant with an open proposal: its best-ranked one, the others summarised.

    `alternatives` lists the variant's other open candidates as "name (id) score [status]",
    best first, so the analyst sees what else the matcher considered before approving. When
    the first choice was rejected, the runner-up still waiting is the variant's row.

    Args:
        queue: the review queue (`review_queue`, possibly filtered).
        abstained: also give a row to each variant the matcher abstained on (nothing proposed),
            led by its nearest candidate not proposed, so an analyst can still decide on it.
    """
    ordered = queue.sort_values(["variant", "rank"], kind="stable")
    if abstained:
        # Proposed candidates lead their variant; a variant without one is led by its nearest.
        leading = ordered.assign(_held_back=ordered["status"] != "proposed")
        chosen = (
            leading.sort_values(["variant", "_held_back", "rank"], kind="stable")
            .drop_duplicates("variant")
            .drop(columns="_held_back")
        )
    else:
        chosen = ordered[ordered["status"] == "proposed"].drop_duplicates("variant").copy()
    picked = set(chosen["proposal_id"].tolist())
    others: dict[str, list[str]] = {}
    for row in ordered.to_dict("records"):
        if row["proposal_id"] not in picked:
            others.setdefault(str(row["variant"]), []).append(
                f"{row['service_name']} ({row['service_id']}) {float(row['score']):.2f} "
                f"[{row['status']}]"
            )
    chosen["alternatives"] = ["; ".join(others.get(str(v), [])) for v in chosen["variant"]]
    return chosen.sort_values("score", ascending=False, kind="stable")


def variant_customers(db_path: Path | str, connection_id: str) -> pd.DataFrame:
    """Which customers hold each acquired offer variant: one row per variant and customer.

    Counted over the subscriptions that make a variant acquired (Active and Suspended, rule
    R9), with how many subscriptions and seats the customer holds, their statuses, and the
    service the variant is mapped to, if any. Customers are named (`customer_name`) by the
    company names the latest sync read from CloudCockpit, as `offermap offers` names them (the
    id when CloudCockpit named none), and listed in name order within each variant.
    """
    with reading(db_path, connection_id) as con:
        rows = fetch_dicts(
            con,
            sql("coverage_customers"),
            {
                "connection_id": connection_id,
                "acquired_statuses": sorted(rules.ACQUIRED_SUBSCRIPTION_STATUSES),
            },
        )
        handles = _handles(con, connection_id, rows)
        names = customer_names(con, connection_id)
    for row, handle in zip(rows, handles, strict=True):
        row["variant"] = handle
        row["customer_name"] = names.name(row["customer_id"])
    # The query's variant order; customers by name within a variant, as the CLI lists them.
    rows.sort(
        key=lambda r: (
            r["offer_name"],
            r["segment"],
            r["term"],
            r["billing_frequency"],
            names.sort_key(r["customer_id"], r["customer_name"]),
        )
    )
    return _frame(rows, CUSTOMER_COLUMNS)


def filter_customers(
    customers: pd.DataFrame, *, offer: str | None = None, customer: str | None = None
) -> pd.DataFrame:
    """`variant_customers` narrowed to an offer and/or a customer (case-insensitive).

    Args:
        customers: the frame `variant_customers` returns.
        offer: a handle, or part of one or of the offer's name ("business premium").
        customer: a customer id, exactly, or a part of a customer's name.
    """
    keep = pd.Series(True, index=customers.index)
    if offer:
        wanted = offer.strip().lower()
        keep &= customers["variant"].astype(str).str.lower().str.contains(
            wanted, regex=False
        ) | customers["offer_name"].astype(str).str.lower().str.contains(wanted, regex=False)
    if customer:
        wanted = customer.strip().lower()
        keep &= (customers["customer_id"].astype(str).str.lower() == wanted) | customers[
            "customer_name"
        ].astype(str).str.lower().str.contains(wanted, regex=False)
    return customers[keep]


def _state_of(row: dict[str, Any], open_ids: set[int]) -> tuple[str, str]:
    """(state, what to tell the analyst) for one row of coverage_proposal_states."""
    if int(row["proposal_id"]) in open_ids:
        return "open", "awaits a decision"
    decided = row["decision_id"] is not None
    # A rejection, or an approval waiting or applied, is the answer to "what became of it";
    # a failed approval says less than the mapping or approval that came after it.
    if decided and (row["kind"] == "reject" or row["state"] in ("pending", "applied")):
        return "decided", _decided_text(row)
    if row["mapped_service_id"] is not None:
        return "mapped", (
            f"its offer variant is already mapped to "
            f"{_service(row['mapped_service_name'], row['mapped_service_id'])}"
        )
    if row["pending_decision_id"] is not None:
        return "awaiting_apply", (
            f"decision {row['pending_decision_id']} already approved "
            f"{_service(None, row['pending_service_id'])} for its offer variant; it waits for "
            "`offermap apply`"
        )
    if decided:
        return "decided", _decided_text(row)
    if row["offer_id"] is None:
        return "unknown", "no such proposal: pick an id from the review queue"
    return "closed", "no longer open (its offer variant is no longer acquired, or was decided)"


def _decided_text(row: dict[str, Any]) -> str:
    when = row["decided_at"]
    if isinstance(when, datetime) and when.tzinfo is not None:
        when = when.astimezone(UTC)
    stamp = f" on {when:%Y-%m-%d %H:%M} UTC" if isinstance(when, datetime) else ""
    verb = _VERBS.get(str(row["kind"]), str(row["kind"]))
    return (
        f"already {verb} by {row['actor']}{stamp} (decision {row['decision_id']}, {row['state']})"
    )


def _service(name: Any, service_id: Any) -> str:
    return f"service {name} ({service_id})" if name else f"service {service_id}"


def proposal_states(
    db_path: Path | str, connection_id: str, proposal_ids: Sequence[int]
) -> pd.DataFrame:
    """Where each of these proposals stands, one row per id (in the order first given).

    `state` is one of PROPOSAL_STATES: *open* (it can be decided now), *decided* (a decision
    on it, or on the same offer variant and service under an earlier sync's id, exists),
    *mapped* (its variant is mapped), *awaiting_apply* (another service was approved for its
    variant), *closed* (no longer open for another reason) or *unknown* (no proposal or decision
    has this id). `detail` says it in words, with who decided and when.
    """
    wanted = [int(i) for i in dict.fromkeys(int(i) for i in proposal_ids)]
    if not wanted:
        return _frame([], PROPOSAL_STATE_COLUMNS)
    with reading(db_path, connection_id) as con:
        rows = fetch_dicts(
            con,
            sql("coverage_proposal_states"),
            {"connection_id": connection_id, "proposal_ids": wanted},
        )
        open_ids = {int(r["proposal_id"]) for r in open_proposals(con, connection_id)}
        known = [r for r in rows if r["offer_id"] is not None]
        handles = dict(
            zip(
                (int(r["proposal_id"]) for r in known),
                _handles(con, connection_id, known),
                strict=True,
            )
        )
    by_id = {int(r["proposal_id"]): r for r in rows}
    out = []
    for proposal_id in wanted:
        row = by_id[proposal_id]
        state, detail = _state_of(row, open_ids)
        out.append(
            {
                "proposal_id": proposal_id,
                "state": state,
                "detail": detail,
                "variant": handles.get(proposal_id),
                "offer_name": row["offer_name"],
                "service_id": row["service_id"],
                "service_name": row["service_name"],
                "decision_id": row["decision_id"],
            }
        )
    return _frame(out, PROPOSAL_STATE_COLUMNS)
