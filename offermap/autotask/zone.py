"""Zone discovery cache and the URL checks that keep credentials on the zone's origin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from offermap.autotask.models import ZoneInfo

DEFAULT_ZONE_TTL_SECONDS = 3600.0

Origin = tuple[str, str, int]


def http_url(url: str, what: str) -> httpx.URL:
    """Parse `url` and insist on http(s) with a host.

    Args:
        url: the URL to check.
        what: what the URL is, for the error ("zone URL", "nextPageUrl").

    Raises:
        ValueError: the URL is not an absolute http(s) URL.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"{what} {url!r} is not a URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"{what} {url!r} is not an absolute http(s) URL")
    return parsed


def origin(url: httpx.URL) -> Origin:
    """(scheme, host, port) with the default port filled in, for same-origin checks."""
    port = url.port if url.port is not None else (443 if url.scheme == "https" else 80)
    return (url.scheme, url.host.lower(), port)


def rest_root(url: str, what: str) -> str:
    """A zone REST root (".../ATServicesRest/") checked and ending in a slash."""
    http_url(url, what)
    return url if url.endswith("/") else url + "/"


class ZoneCache:
    """Thread-safe cache of looked-up zones keyed by (lookup URL, username), with a TTL."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[ZoneInfo, float]] = {}
        self._lookups: dict[tuple[str, str], threading.Lock] = {}

    def lookup_lock(self, lookup_url: str, username: str) -> threading.Lock:
        """A lock per user, so clients starting together look the zone up once."""
        key = (lookup_url, username.lower())
        with self._lock:
            return self._lookups.setdefault(key, threading.Lock())

    def get(self, lookup_url: str, username: str) -> ZoneInfo | None:
        """The cached zone, or None when absent or expired."""
        key = (lookup_url, username.lower())
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            zone, expires = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            return zone

    def put(self, lookup_url: str, username: str, zone: ZoneInfo, ttl_seconds: float) -> None:
        """Remember `zone` for `ttl_seconds`."""
        with self._lock:
            self._entries[(lookup_url, username.lower())] = (zone, self._clock() + ttl_seconds)

    def invalidate(self, lookup_url: str, username: str) -> None:
        """Forget the zone (after a 401: the database may have moved)."""
        with self._lock:
            self._entries.pop((lookup_url, username.lower()), None)

    def clear(self) -> None:
        """Forget every zone."""
        with self._lock:
            self._entries.clear()


# Process-wide, so every client (and every Prefect task thread) shares one lookup per user.
ZONES = ZoneCache()


def clear_zone_cache() -> None:
    """Forget every cached zone (tests, or after moving a database)."""
    ZONES.clear()
