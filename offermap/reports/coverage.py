"""Review coverage and queue: where each acquired variant stands, by product family and segment.

The analyst's notebook reads these; like mapping health they open the database read-only and
return DataFrames with fixed columns, so an empty connection still draws an (empty) chart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from offermap import rules
from offermap.reports.mapping_health import reading, variant_handle
from offermap.store import fetch_dicts, sql
from offermap.store.proposals import open_proposals

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
    for row in rows:
        row["variant"] = variant_handle(row)
        row["product_family"] = product_family(row["offer_name"], row["offer_type"])
    return pd.DataFrame(rows, columns=list(VARIANT_COLUMNS))


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
    out = []
    for row in rows:
        explained = json.loads(row["reasons"]) if row["reasons"] else {}
        out.append(
            {
                **row,
                "variant": variant_handle(row),
                "product_family": product_family(row["offer_name"], row["offer_type"]),
                "reasons": "; ".join(explained.get("reasons", [])),
                "removed_by_rule": _removed(explained.get("removed_by_rule")),
                "variant_status": explained.get("variant_status"),
            }
        )
    return pd.DataFrame(out, columns=list(QUEUE_COLUMNS))


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


def first_choices(queue: pd.DataFrame) -> pd.DataFrame:
    """One row per variant with an open proposal: its best-ranked one, the others summarised.

    `alternatives` lists the variant's other open candidates as "name (id) score [status]",
    best first, so the analyst sees what else the matcher considered before approving. When
    the first choice was rejected, the runner-up still waiting is the variant's row.
    """
    ordered = queue.sort_values(["variant", "rank"], kind="stable")
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
