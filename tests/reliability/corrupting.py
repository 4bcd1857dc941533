"""A loopback server of our own: both emulators, with one page of one list rewritten on the way."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from offermap.sandbox import SandboxServer, build_tenant

Mutation = Callable[[list[dict[str, Any]]], None]
"""Rewrites a page's records in place."""


def _is_services_page(path: str) -> bool:
    path = path.lower()
    return "/services/query" in path and not path.rstrip("/").endswith("/count")


def _is_subscriptions_page(path: str) -> bool:
    return path.lower().rstrip("/").endswith("/v1/subscriptions")


LISTS: dict[str, Callable[[str], bool]] = {
    "autotask": _is_services_page,
    "cloudcockpit": _is_subscriptions_page,
}


@dataclass
class Corruption:
    """Which page of which list to rewrite, and how (None: serve everything as it is)."""

    source: str = ""
    page: int = 0
    mutate: Mutation | None = None


class CorruptingApp:
    """ASGI middleware: counts the pages of a list and rewrites the JSON records of one page.

    The corruption and the page counters are reset between examples with `arm`.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the emulators' app."""
        self.app = app
        self.corruption = Corruption()
        self.pages = {source: 0 for source in LISTS}

    def arm(self, corruption: Corruption) -> None:
        """Rewrite from now on as `corruption` says, counting pages from the start again."""
        self.corruption = corruption
        self.pages = {source: 0 for source in LISTS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; buffer and rewrite the chosen page's body."""
        target = self.corruption
        if scope["type"] != "http" or target.mutate is None:
            await self.app(scope, receive, send)
            return
        if not LISTS[target.source](scope["path"]):
            await self.app(scope, receive, send)
            return
        self.pages[target.source] += 1
        if self.pages[target.source] != target.page:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
        if start["status"] == 200:
            payload = json.loads(body)
            target.mutate(payload["items"])
            body = json.dumps(payload).encode("utf-8")
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def corrupting_sandbox() -> tuple[SandboxServer, CorruptingApp]:
    """A sandbox of the small tenant served through a `CorruptingApp` (not started yet)."""
    server = SandboxServer(tenant=build_tenant(scale="small", seed=7), port=0)
    proxy = CorruptingApp(server.app)
    server.app = proxy  # type: ignore[assignment]
    return server, proxy
