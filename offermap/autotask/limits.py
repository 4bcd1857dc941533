"""Autotask's limits shared by every client in the process: threads per endpoint, requests an hour.

Autotask allows 3 concurrent requests per (integration code, endpoint) and 10,000 requests an
hour per database, shared by every integration of the tenant. Both are process-wide here, so
several clients (or Prefect task threads) using one integration code respect them together.
Reference: https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/General/ThreadLimiting.htm
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from dataclasses import dataclass

from offermap.autotask.models import ThresholdInfo

DEFAULT_WINDOW_SECONDS = 3600.0
# Successes in a row before a gate lowered by a thread-threshold refusal allows one more thread.
DEFAULT_REGROW_AFTER = 20


@dataclass(frozen=True)
class PacingPolicy:
    """When and how much to slow down as the hourly budget is used up.

    Attributes:
        check_every: requests between two ThresholdInformation calls (it counts as a request).
        check_first: read ThresholdInformation before the first request of the process, so a
            tenant already near its threshold (other integrations share it) is paced at once.
        slow_from: fraction of the budget (ours or the tenant's) where slowing down starts.
        max_delay: the pause before each request when the budget is almost spent; the pause
            grows in proportion from 0 at `slow_from` to this at 100 %.
        exhausted_delay: the pause before re-reading the tenant's usage once it is at its threshold.
    """

    check_every: int = 100
    check_first: bool = True
    slow_from: float = 0.5
    max_delay: float = 2.0
    exhausted_delay: float = 60.0


@dataclass(frozen=True)
class Pace:
    """How long to wait before the next request, and whether the budget is spent."""

    delay: float
    usage: float
    exhausted: bool = False
    tenant_exhausted: bool = False


class EndpointGate:
    """Caps concurrent requests to one endpoint, and lowers the cap under back-pressure.

    Autotask counts threads per integration code, so another process or integration using
    the same code shares our 3. A "thread threshold exceeded" refusal therefore lowers the
    cap by one (never below 1); `regrow_after` successes in a row raise it again by one.
    """

    def __init__(self, cap: int, regrow_after: int = DEFAULT_REGROW_AFTER) -> None:
        self.cap = cap
        self._limit = cap
        self._regrow_after = regrow_after
        self._in_use = 0
        self._successes = 0
        self._ready = threading.Condition()

    @property
    def limit(self) -> int:
        """How many requests may be in flight now (the cap, or less after refusals)."""
        with self._ready:
            return self._limit

    def acquire(self) -> None:
        """Wait for a free slot and take it."""
        with self._ready:
            while self._in_use >= self._limit:
                self._ready.wait()
            self._in_use += 1

    def release(self) -> None:
        """Give a slot back."""
        with self._ready:
            self._in_use -= 1
            self._ready.notify()

    def refused(self) -> int:
        """Autotask said the thread threshold was exceeded: lower the cap; return the new one."""
        with self._ready:
            self._limit = max(1, self._limit - 1)
            self._successes = 0
            return self._limit

    def succeeded(self) -> None:
        """Count a success; after enough in a row, allow one more request in flight."""
        with self._ready:
            if self._limit >= self.cap:
                return
            self._successes += 1
            if self._successes >= self._regrow_after:
                self._limit += 1
                self._successes = 0
                self._ready.notify()


class TenantLimits:
    """Gates per endpoint, our request times and the tenant's last known usage."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self._lock = threading.Lock()
        self._gates: dict[str, EndpointGate] = {}
        self._sent: deque[float] = deque()
        self._threshold: ThresholdInfo | None = None
        self._sent_since_check = 0
        self._checking = False
        self._checked = False
        self._stale = False

    def gate(self, entity: str) -> EndpointGate:
        """The gate capping concurrent requests to `entity` (case-insensitive)."""
        key = entity.lower()
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = EndpointGate(self.max_concurrency)
                self._gates[key] = gate
            return gate

    def record_request(self, now: float) -> None:
        """Count one request sent at `now` (monotonic seconds)."""
        with self._lock:
            self._sent.append(now)
            self._sent_since_check += 1

    def claim_threshold_check(self, check_every: int, check_first: bool = False) -> bool:
        """True for exactly one caller once a check is due.

        A check is due when `check_every` requests passed since the last one, when the usage
        was marked stale, or (with `check_first`) when usage was never read yet.
        """
        with self._lock:
            first = check_first and not self._checked
            due = first or self._stale or self._sent_since_check >= check_every
            if due and not self._checking:
                self._checking = True
                return True
            return False

    def update_threshold(self, info: ThresholdInfo | None) -> None:
        """Store the tenant's usage (None when reading it failed) and restart the count."""
        with self._lock:
            if info is not None:
                self._threshold = info
            self._sent_since_check = 0
            self._checking = False
            self._checked = True
            self._stale = False

    def mark_stale(self) -> None:
        """Ask for a fresh ThresholdInformation before the next request."""
        with self._lock:
            self._stale = True

    def pace(self, now: float, hourly_budget: int, policy: PacingPolicy) -> Pace:
        """How long to wait before sending a request at `now`.

        Usage is the larger of our share (requests in the window / `hourly_budget`) and the
        tenant's (last ThresholdInformation count plus our requests since / its threshold).
        """
        with self._lock:
            threshold = self._threshold
            window = DEFAULT_WINDOW_SECONDS
            if threshold is not None and threshold.request_threshold_timeframe > 0:
                window = threshold.request_threshold_timeframe * 60.0
            while self._sent and self._sent[0] <= now - window:
                self._sent.popleft()
            ours = len(self._sent)
            oldest_needed = self._sent[ours - hourly_budget] if ours >= hourly_budget else None
            tenant = 0.0
            if threshold is not None and threshold.external_request_threshold > 0:
                used = threshold.current_timeframe_request_count + self._sent_since_check
                tenant = used / threshold.external_request_threshold
        own = ours / hourly_budget
        usage = max(own, tenant)
        if oldest_needed is not None:
            # Our share is spent: wait until enough of our requests leave the window.
            wait = oldest_needed + window - now
            return Pace(max(wait, policy.max_delay), usage, exhausted=True)
        if tenant >= 1.0:
            return Pace(policy.exhausted_delay, usage, exhausted=True, tenant_exhausted=True)
        if usage < policy.slow_from:
            return Pace(0.0, usage)
        span = max(1e-9, 1.0 - policy.slow_from)
        return Pace(policy.max_delay * (usage - policy.slow_from) / span, usage)


_REGISTRY_LOCK = threading.Lock()
_REGISTRY: dict[tuple[str, str], TenantLimits] = {}


def shared_limits(username: str, integration_code: str, max_concurrency: int) -> TenantLimits:
    """The process-wide limits for one API user and integration code.

    The code is hashed so the registry never holds it in clear. The first caller's
    `max_concurrency` sizes the semaphores.
    """
    digest = hashlib.sha256(integration_code.encode("utf-8")).hexdigest()
    key = (username.lower(), digest)
    with _REGISTRY_LOCK:
        limits = _REGISTRY.get(key)
        if limits is None:
            limits = TenantLimits(max_concurrency)
            _REGISTRY[key] = limits
        return limits


def clear_shared_limits() -> None:
    """Forget every tenant's semaphores and counts (tests)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
