"""Extract the CloudCockpit subscriptions visible in a connection's context into staging.

The customers' company names are staged in the same run, after the subscriptions, so a
listing can name the customers holding an offer (see ``cloudcockpit_customers``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from offermap.cloudcockpit import CloudCockpitClient, Customer
from offermap.extract.cloudcockpit_customers import read_customers, stage_customer_names
from offermap.extract.landing import ExtractResult, ProgressCallback, land_stream
from offermap.settings import CloudCockpitSettings, load_cloudcockpit_settings


def _rows(
    client: CloudCockpitClient,
    progress: ProgressCallback | None,
    customers_read: list[Customer],
) -> Iterator[dict[str, Any]]:
    # The reseller context reads its customers to reach their subscriptions: keep them.
    for sub in client.iter_subscriptions(on_page=progress, on_customers=customers_read.extend):
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
    """Land the connection's CloudCockpit subscriptions (CSP or reseller context) into staging,
    with the names of its customers.

    The customers are read after the subscriptions (in the reseller context, the list the
    subscriptions read already fetched is used, not read again). A customers read that fails
    does not fail the extraction: the result's ``customers`` is then None and the published
    names stay as they were.

    Args:
        settings: CloudCockpit settings; read from the environment when neither they nor a
            client are given.
        client: an open client to use instead of one built from settings.
        progress: called with (subscriptions so far, total if known) after each page.

    Returns:
        The subscriptions landed, the requests made (customer pages included) and how many
        customers were named.
    """
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(
                CloudCockpitClient.from_settings(settings or load_cloudcockpit_settings())
            )
        open_client = client
        reseller_customers: list[Customer] = []
        staged: list[int] = []

        def stage_names() -> None:
            already = reseller_customers if open_client.context == "reseller" else None
            customers = read_customers(open_client, already)
            if customers is not None:
                staged.append(stage_customer_names(db_path, connection_id, run_id, customers))

        result = land_stream(
            db_path,
            "cloudcockpit",
            connection_id,
            run_id,
            _rows(client, progress, reseller_customers),
            lambda: open_client.requests_made,
            correlation_id=client.correlation_id,
            then=stage_names,
        )
        return dataclasses.replace(result, customers=staged[0] if staged else None)
