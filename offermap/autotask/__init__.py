"""Autotask PSA REST client: zone lookup, auth, filters, paging, retries and limits."""

from offermap.autotask.client import AutotaskClient, OnPage
from offermap.autotask.errors import (
    AutotaskAuthError,
    AutotaskError,
    AutotaskFatalError,
    AutotaskRateLimitedError,
    AutotaskTransientError,
)
from offermap.autotask.filters import F, Filter, Op
from offermap.autotask.limits import PacingPolicy, clear_shared_limits
from offermap.autotask.models import FieldInfo, PicklistValue, Service, ThresholdInfo, ZoneInfo
from offermap.autotask.requester import BeforeRequest
from offermap.autotask.zone import clear_zone_cache

__all__ = [
    "AutotaskAuthError",
    "AutotaskClient",
    "AutotaskError",
    "AutotaskFatalError",
    "AutotaskRateLimitedError",
    "AutotaskTransientError",
    "BeforeRequest",
    "F",
    "FieldInfo",
    "Filter",
    "OnPage",
    "Op",
    "PacingPolicy",
    "PicklistValue",
    "Service",
    "ThresholdInfo",
    "ZoneInfo",
    "clear_shared_limits",
    "clear_zone_cache",
]
