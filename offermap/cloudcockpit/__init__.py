"""Typed httpx client of the CloudCockpit API (OAuth client credentials, paging, retries)."""

from offermap.cloudcockpit.client import CloudCockpitClient, OnPage
from offermap.cloudcockpit.errors import (
    CloudCockpitAuthError,
    CloudCockpitError,
    CloudCockpitFatalError,
    CloudCockpitRateLimitedError,
    CloudCockpitTransientError,
    PropertyError,
)
from offermap.cloudcockpit.models import Customer, Money, Offer, OfferPrice, Subscription

__all__ = [
    "CloudCockpitAuthError",
    "CloudCockpitClient",
    "CloudCockpitError",
    "CloudCockpitFatalError",
    "CloudCockpitRateLimitedError",
    "CloudCockpitTransientError",
    "Customer",
    "Money",
    "Offer",
    "OfferPrice",
    "OnPage",
    "PropertyError",
    "Subscription",
]
