"""Frames for the expectation tests: valid rows to break one fact at a time, DuckDB round trips."""

from __future__ import annotations

import warnings
from typing import Any

import duckdb
import pandas as pd

# The column types apply computes the decisions frame with (decision_rules docstring).
DECISION_SQL_TYPES: dict[str, str] = {
    "decision_id": "BIGINT",
    "connection_id": "VARCHAR",
    "offer_id": "VARCHAR",
    "segment": "VARCHAR",
    "term": "VARCHAR",
    "billing_frequency": "VARCHAR",
    "service_id": "BIGINT",
    "offer_type": "VARCHAR",
    "variant_acquired": "BOOLEAN",
    "service_in_snapshot": "BOOLEAN",
    "service_is_active": "BOOLEAN",
    "service_period_label": "VARCHAR",
    "service_unit_cost": "DOUBLE",
    "service_unit_price": "DOUBLE",
    "service_mapped_to_other_variant": "BOOLEAN",
    "service_claimed_earlier_in_batch": "BOOLEAN",
    "variant_mapped_to_other_service": "BOOLEAN",
    "variant_claimed_earlier_in_batch": "BOOLEAN",
}


def valid_decision(decision_id: int, **overrides: Any) -> dict[str, Any]:
    """A decision that passes every rule: a monthly licence to an active monthly service."""
    row: dict[str, Any] = {
        "decision_id": decision_id,
        "connection_id": "contoso",
        "offer_id": f"offer-{decision_id}",
        "segment": "Commercial",
        "term": "OneYear",
        "billing_frequency": "Monthly",
        "service_id": 1000 + decision_id,
        "offer_type": "License",
        "variant_acquired": True,
        "service_in_snapshot": True,
        "service_is_active": True,
        "service_period_label": "Monthly",
        "service_unit_cost": 8.0,
        "service_unit_price": 12.5,
        "service_mapped_to_other_variant": False,
        "service_claimed_earlier_in_batch": False,
        "variant_mapped_to_other_service": False,
        "variant_claimed_earlier_in_batch": False,
    }
    unknown = set(overrides) - set(row)
    assert not unknown, f"unknown decision columns {unknown}"
    row.update(overrides)
    return row


def valid_neighbours() -> list[dict[str, Any]]:
    """Valid decisions that exercise the conditional rules (annual billing, Azure plans)."""
    return [
        valid_decision(1),
        valid_decision(
            2, billing_frequency="Annual", term="OneYear", service_period_label="Yearly"
        ),
        valid_decision(
            3,
            offer_type="AzurePlan",
            term="NoTerm",
            service_unit_cost=0.0,
            service_unit_price=0.0,
        ),
        # Autotask leaves unitCost empty on services without a cost.
        valid_decision(4, offer_type="AzurePlan", service_unit_cost=None, service_unit_price=0.0),
        valid_decision(5, term="OneMonth", segment="Education", offer_type="SoftwareSubscription"),
    ]


def duckdb_frame(rows: list[dict[str, Any]], types: dict[str, str]) -> pd.DataFrame:
    """Rows stored in a typed DuckDB table and read back with `.df()`, as apply does."""
    con = duckdb.connect()
    try:
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in types.items())
        con.execute(f"CREATE TABLE t ({columns})")
        placeholders = ", ".join("?" for _ in types)
        if rows:
            con.executemany(
                f"INSERT INTO t VALUES ({placeholders})",
                [[row[name] for name in types] for row in rows],
            )
        with warnings.catch_warnings():
            # duckdb 2.0's .df() of TIMESTAMPTZ columns trips a pandas 3.1 deprecation of its own.
            warnings.filterwarnings("ignore", message="The inplace keyword", module="duckdb")
            return con.sql("SELECT * FROM t ORDER BY ALL").df()
    finally:
        con.close()


AT_SERVICE_SQL_TYPES: dict[str, str] = {
    "run_id": "VARCHAR",
    "connection_id": "VARCHAR",
    "extracted_at": "TIMESTAMPTZ",
    "service_id": "BIGINT",
    "name": "VARCHAR",
    "description": "VARCHAR",
    "invoice_description": "VARCHAR",
    "period_type": "INTEGER",
    "period_type_label": "VARCHAR",
    "unit_cost": "DOUBLE",
    "unit_price": "DOUBLE",
    "is_active": "BOOLEAN",
    "sku": "VARCHAR",
    "catalog_number_part_number": "VARCHAR",
    "manufacturer_service_provider_product_number": "VARCHAR",
    "external_id": "VARCHAR",
    "internal_id": "VARCHAR",
    "vendor_company_id": "BIGINT",
    "last_modified_date": "TIMESTAMPTZ",
}

CC_SUBSCRIPTION_SQL_TYPES: dict[str, str] = {
    "run_id": "VARCHAR",
    "connection_id": "VARCHAR",
    "extracted_at": "TIMESTAMPTZ",
    "subscription_id": "VARCHAR",
    "customer_id": "VARCHAR",
    "reseller_id": "VARCHAR",
    "offer_id": "VARCHAR",
    "provider_offer_id": "VARCHAR",
    "offer_name": "VARCHAR",
    "offer_type": "VARCHAR",
    "segment": "VARCHAR",
    "term": "VARCHAR",
    "billing_frequency": "VARCHAR",
    "status": "VARCHAR",
    "quantity": "BIGINT",
    "start_date": "TIMESTAMPTZ",
    "end_date": "TIMESTAMPTZ",
    "is_trial": "BOOLEAN",
    "is_addon": "BOOLEAN",
}


def at_service(service_id: int | None, **overrides: Any) -> dict[str, Any]:
    """An Autotask service row of stg_at_services that passes the at_services suite."""
    row: dict[str, Any] = {
        "run_id": "run-1",
        "connection_id": "contoso",
        "extracted_at": "2026-11-01 06:00:00+00",
        "service_id": service_id,
        "name": f"Microsoft 365 Business Premium {service_id}",
        "description": None,
        "invoice_description": "M365 BP",
        "period_type": 3,
        "period_type_label": "Monthly",
        "unit_cost": 18.0,
        "unit_price": 22.0,
        "is_active": True,
        "sku": "CFQ7TTC0LCHC:0002",
        "catalog_number_part_number": None,
        "manufacturer_service_provider_product_number": None,
        "external_id": None,
        "internal_id": None,
        "vendor_company_id": 42,
        "last_modified_date": "2026-10-30 12:00:00+00",
    }
    unknown = set(overrides) - set(row)
    assert not unknown, f"unknown service columns {unknown}"
    row.update(overrides)
    return row


def cc_subscription(subscription_id: str | None, **overrides: Any) -> dict[str, Any]:
    """A CloudCockpit subscription row of stg_cc_subscriptions that passes its suite."""
    row: dict[str, Any] = {
        "run_id": "run-1",
        "connection_id": "contoso",
        "extracted_at": "2026-11-01 06:00:00+00",
        "subscription_id": subscription_id,
        "customer_id": "cust-1",
        "reseller_id": None,
        "offer_id": "3b9a1c4e-0000-4000-8000-000000000001",
        "provider_offer_id": "CFQ7TTC0LCHC:0002",
        "offer_name": "Microsoft 365 Business Premium",
        "offer_type": "License",
        "segment": "Commercial",
        "term": "OneYear",
        "billing_frequency": "Monthly",
        "status": "Active",
        "quantity": 25,
        "start_date": "2026-01-01 00:00:00+00",
        "end_date": "2027-01-01 00:00:00+00",
        "is_trial": False,
        "is_addon": False,
    }
    unknown = set(overrides) - set(row)
    assert not unknown, f"unknown subscription columns {unknown}"
    row.update(overrides)
    return row
