"""Knobs, counters, request limits and fault injection shared by both emulators."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

FAULT_KINDS = ("server_error", "rate_limited", "dropped", "slow", "malformed")


@dataclass
class Knobs:
    """Mutable behaviour switches a test may change while the server runs.

    Attributes:
        latency_seconds: added to every counted request, inside the concurrency window,
            so that concurrent requests really overlap.
        fault_rate: share (0..1) of counted requests that get a fault instead of an answer.
        fault_kinds: which faults to draw from (see `FAULT_KINDS`).
        seed: seed of the fault generator; changing it restarts the sequence.
        hourly_threshold: requests allowed in any rolling hour before 429s.
        thread_threshold: concurrent requests allowed per (credential, endpoint).
        retry_after_seconds: the Retry-After sent with 429s.
        slow_seconds: delay of a "slow" fault before the normal answer.
        die_after_requests: after this many requests the emulator dies (0: never): every
            later request has its connection dropped, and a server hosting it stops
            listening, as a crashed API process would.
    """

    latency_seconds: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    hourly_threshold: int = 10_000
    thread_threshold: int = 3
    retry_after_seconds: int = 30
    slow_seconds: float = 2.0
    die_after_requests: int = 0


@dataclass
class Stats:
    """Counters a test can read: requests by (method, path kind), peak concurrency, faults."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    peak_concurrency: dict[str, int] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def total(self) -> int:
        """Number of requests counted so far."""
        with self._lock:
            return sum(self.requests.values())

    def count(self, method: str, kind: str) -> int:
        """Requests seen for one method and path kind (e.g. "POST", "Services/query")."""
        with self._lock:
            return self.requests[(method.upper(), kind)]

    def reset(self) -> None:
        """Forget every counter."""
        with self._lock:
            self.requests.clear()
            self.peak_concurrency.clear()
            self.faults.clear()
            self.rejections.clear()

    def record(self, method: str, kind: str) -> None:
        """Count one request."""
        with self._lock:
            self.requests[(method.upper(), kind)] += 1


class Limiter:
    """Tracks in-flight requests per key and a rolling one-hour request window."""

    def __init__(self, stats: Stats) -> None:
        """Create a limiter that reports peaks into `stats`."""
        self._stats = stats
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._window: deque[float] = deque()

    def hourly_count(self) -> int:
        """Requests accepted in the last 60 minutes."""
        horizon = time.monotonic() - 3600
        while self._window and self._window[0] < horizon:
            self._window.popleft()
        return len(self._window)

    def forget_hour(self) -> None:
        """Forget the requests of the rolling hour, as if an hour had passed without any."""
        self._window.clear()

    def over_hourly(self, threshold: int) -> bool:
        """Whether one more request would exceed the hourly threshold."""
        return self.hourly_count() >= threshold

    def note_request(self) -> None:
        """Count one accepted request in the rolling hour."""
        self._window.append(time.monotonic())

    def enter(self, owner: str, endpoint: str) -> int:
        """Mark a request in flight and return how many are now in flight for that key."""
        key = (owner, endpoint)
        self._in_flight[key] += 1
        now = self._in_flight[key]
        with self._stats._lock:
            if now > self._stats.peak_concurrency.get(endpoint, 0):
                self._stats.peak_concurrency[endpoint] = now
        return now

    def leave(self, owner: str, endpoint: str) -> None:
        """Mark a request finished."""
        self._in_flight[(owner, endpoint)] -= 1


class Gate:
    """Holds admitted requests inside the concurrency window until a test opens it.

    Tests of concurrency limits make requests overlap by construction (close the gate, send
    them, wait until the expected number is held, open it) instead of by a latency long
    enough on a loaded machine, which is a race.
    """

    def __init__(self) -> None:
        """An open gate: requests pass straight through."""
        self._open = threading.Event()
        self._open.set()
        self._changed = threading.Condition()
        self._held = 0

    def close(self) -> None:
        """Hold every request admitted from now on until `open` is called."""
        self._open.clear()

    def open(self) -> None:
        """Let every held request go on, and later ones pass straight through."""
        self._open.set()

    def wait_until_held(self, count: int, timeout: float = 30.0) -> bool:
        """Block until at least `count` requests are held; False when `timeout` passes first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._held >= count, timeout)

    async def pass_through(self) -> None:
        """Return at once when open; otherwise wait (without blocking the loop) until opened."""
        if self._open.is_set():
            return
        with self._changed:
            self._held += 1
            self._changed.notify_all()
        try:
            while not self._open.is_set():
                await asyncio.sleep(0.005)
        finally:
            with self._changed:
                self._held -= 1
                self._changed.notify_all()


class DroppedResponse(Response):
    """Announces a body, sends part of it and returns: the server then drops the connection."""

    def __init__(self) -> None:
        """A response that never completes."""
        super().__init__(content=b"", media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send headers with a Content-Length that the body never reaches."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"items": [', "more_body": True})


class Lifeline:
    """Counts an emulator's requests against `knobs.die_after_requests`, and says when it died.

    Callbacks in `on_death` run once, at the death (a server stops listening there).
    """

    def __init__(self, knobs: Knobs) -> None:
        """Bind to the knobs; alive until `die_after_requests` requests were answered."""
        self._knobs = knobs
        self._lock = threading.Lock()
        self._answered = 0
        self.dead = False
        self.on_death: list[Callable[[], None]] = []

    def dies_now(self) -> bool:
        """Count one request; True when the emulator is dead and must not answer it."""
        with self._lock:
            if not self.dead:
                limit = self._knobs.die_after_requests
                if limit <= 0 or self._answered < limit:
                    self._answered += 1
                    return False
                self.dead = True
                callbacks = list(self.on_death)
            else:
                callbacks = []
        for callback in callbacks:
            callback()
        return True


class FaultInjector:
    """Draws faults from a seeded generator so that a run can be replayed."""

    def __init__(self, knobs: Knobs) -> None:
        """Bind to the knobs; the generator restarts whenever `knobs.seed` changes."""
        self._knobs = knobs
        self._seed = knobs.seed
        self._rng = random.Random(knobs.seed)

    def draw(self) -> str | None:
        """Return the fault kind to inject for this request, or None for a normal answer.

        Raises:
            ValueError: when `fault_kinds` names an unknown kind.
        """
        knobs = self._knobs
        if knobs.seed != self._seed:
            self._seed = knobs.seed
            self._rng = random.Random(knobs.seed)
        if knobs.fault_rate <= 0 or not knobs.fault_kinds:
            return None
        unknown = [k for k in knobs.fault_kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; use {', '.join(FAULT_KINDS)}")
        if self._rng.random() >= knobs.fault_rate:
            return None
        return self._rng.choice(knobs.fault_kinds)


def malformed_json() -> Response:
    """A 200 whose JSON body is cut short."""
    return Response(b'{"items": [{"id": 1, "name": "trunc', media_type="application/json")


async def pause(seconds: float) -> None:
    """Sleep without blocking the server's event loop (no-op for zero)."""
    if seconds > 0:
        await asyncio.sleep(seconds)
