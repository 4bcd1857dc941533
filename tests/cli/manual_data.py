"""A small connection for the manual-path commands: offers of every status and services to find."""

from __future__ import annotations

from pathlib import Path

from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

BP_MONTHLY = "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly"
BP_ANNUAL = "CFQ7TTC0LCHC:0002/Commercial/OneYear/Annual"
BASIC = "CFQ7TTC0LH18:0001/Commercial/OneMonth/Monthly"
PLAN = "DZH318Z0BPS6:0001/Commercial/NoTerm/Monthly"


def publish_manual_connection(path: Path) -> None:
    """Publish the snapshot of connection `default` that the manual-path tests read."""
    publish_snapshot(
        path,
        "default",
        "sync-1",
        [
            service(1, "Microsoft 365 Business Premium 1YR paid monthly", sku="CFQ7TTC0LCHC:0002"),
            service(2, "Microsoft 365 Business Premium annual", period="Yearly"),
            service(3, "microsoft 365   business basic"),
            service(4, "Microsoft 365 Business Premium old", is_active=False),
            service(5, "Azure plan consumption", unit_cost=0.0, unit_price=0.0),
            service(6, "Azure plan priced", unit_cost=1.0, unit_price=1.5),
            service(7, "Office 365 E3"),
        ],
        [
            subscription(
                "guid-bp",
                "Microsoft 365 Business Premium",
                provider_offer_id="CFQ7TTC0LCHC:0002",
                customer_id="cust-1",
            ),
            subscription(
                "guid-bp",
                "Microsoft 365 Business Premium",
                provider_offer_id="CFQ7TTC0LCHC:0002",
                customer_id="cust-2",
            ),
            subscription(
                "guid-bp",
                "Microsoft 365 Business Premium",
                provider_offer_id="CFQ7TTC0LCHC:0002",
                billing_frequency="Annual",
            ),
            subscription(
                "guid-basic",
                "Microsoft 365 Business Basic",
                provider_offer_id="CFQ7TTC0LH18:0001",
                term="OneMonth",
            ),
            subscription(
                "guid-plan",
                "Azure plan",
                offer_type="AzurePlan",
                term="NoTerm",
                provider_offer_id="DZH318Z0BPS6:0001",
            ),
            subscription(
                "guid-res",
                "Azure Reservation VM",
                offer_type="AzureReservation",
                provider_offer_id="DZH318Z0BQ3Q:0001",
            ),
            # Two CloudCockpit offers sharing one provider offer id.
            subscription("guid-x1", "Contoso Add-on", provider_offer_id="DUP00000001:0001"),
            subscription("guid-x2", "Contoso Add-on (new)", provider_offer_id="DUP00000001:0001"),
        ],
    )
