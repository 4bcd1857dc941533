"""Extract the CloudCockpit subscriptions visible in a connection's context into staging."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from offermap.cloudcockpit import CloudCockpitClient
from offermap.extract.landing import ExtractResult, ProgressCallback, land_stream
from offermap.settings import CloudCockpitSettings, load_cloudcockpit_settings


def _rows(
    client: CloudCockpitClient, progress: ProgressCallback | None
) -> Iterator[dict[str, Any]]:
    for sub in client.iter_subscriptions(on_page=progress):
        yield {
            "subscription_id": sub.id,
            "customer_id": sub.customer_id,
            "reseller_id": sub.reseller_id,
            "offer_id": sub.offer_id,
            "provider_offer_id": sub.provider_offer_id,
            "offer_name": sub.offer_name,
            "offer_type": sub.offer_type,
            "segment": sub.segment,
            "term": sub.term,
            "billing_frequency": sub.billing_frequency,
            "status": sub.status,
            "quantity": sub.quantity,
            "start_date": sub.start_date,
            "end_date": sub.end_date,
            "is_trial": sub.is_trial,
            "is_addon": sub.is_addon,
        }


def extract_subscriptions(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    settings: CloudCockpitSettings | None = None,
    client: CloudCockpitClient | None = None,
    progress: ProgressCallback | None = None,
) -> ExtractResult:
    """Land the connection's CloudCockpit subscriptions (CSP or reseller context) into staging.

    Args:
        settings: CloudCockpit settings; read from the environment when neither they nor a
            client are given.
        client: an open client to use instead of one built from settings.
        progress: called with (subscriptions so far, total if known) after each page.
    """
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(
                CloudCockpitClient.from_settings(settings or load_cloudcockpit_settings())
            )
        return land_stream(
            db_path,
            "cloudcockpit",
            connection_id,
            run_id,
            _rows(client, progress),
            lambda: client.requests_made,
            correlation_id=client.correlation_id,
        )
