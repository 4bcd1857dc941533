"""Extract every Autotask service of a connection into staging."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from offermap.autotask import AutotaskClient
from offermap.extract.landing import ExtractResult, ProgressCallback, land_stream
from offermap.settings import AutotaskSettings, load_autotask_settings
from offermap.store import open_store
from offermap.store.snapshots import record_period_labels


def _record_labels(db_path: Path | str, run_id: str, labels: dict[int, str]) -> None:
    with open_store(db_path) as con:
        record_period_labels(con, run_id, list(labels.values()))


def _rows(
    db_path: Path | str,
    run_id: str,
    client: AutotaskClient,
    progress: ProgressCallback | None,
) -> Iterator[dict[str, Any]]:
    # Period types are a per-tenant picklist: labels are read from the API, never assumed.
    # They are kept with the run, so that validation checks services against this tenant's
    # labels; a value missing from the picklist lands without a label and fails validation.
    labels = client.picklist_labels("Services", "periodType")
    _record_labels(db_path, run_id, labels)
    for service in client.iter_services(on_page=progress):
        yield {
            "service_id": service.id,
            "name": service.name,
            "description": service.description,
            "invoice_description": service.invoice_description,
            "period_type": service.period_type,
            "period_type_label": labels.get(service.period_type)
            if service.period_type is not None
            else None,
            "unit_cost": service.unit_cost,
            "unit_price": service.unit_price,
            "is_active": service.is_active,
            "sku": service.sku,
            "catalog_number_part_number": service.catalog_number_part_number,
            "manufacturer_service_provider_product_number": (
                service.manufacturer_service_provider_product_number
            ),
            "external_id": service.external_id,
            "internal_id": service.internal_id,
            "vendor_company_id": service.vendor_company_id,
            "last_modified_date": service.last_modified_date,
        }


def extract_services(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    settings: AutotaskSettings | None = None,
    client: AutotaskClient | None = None,
    progress: ProgressCallback | None = None,
) -> ExtractResult:
    """Land every Autotask service of the connection into staging for this run.

    Args:
        settings: Autotask settings; read from the environment when neither they nor a client
            are given.
        client: an open client to use instead of one built from settings (tests, benchmarks).
        progress: called with (services so far, total if known) after each page.
    """
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(
                AutotaskClient.from_settings(settings or load_autotask_settings())
            )
        return land_stream(
            db_path,
            "autotask",
            connection_id,
            run_id,
            _rows(db_path, run_id, client, progress),
            lambda: client.requests_made,
        )
