"""Property: for random tenants and filters, the emulator answers what a reference evaluation says.

The reference below is written from the Autotask notes (docs/notes/autotask-api.md §5), not from the
emulator's code: field names and string values compare case-insensitively, a null field
satisfies no comparison (SQL-like), exist/notExist test for a value, an unknown operator drops
its condition, groups nest, and every page of at most MaxRecords records is followed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offermap.sandbox import SandboxServer

# -- random tenants -------------------------------------------------------------------------

WORDS = ("Microsoft", "365", "Azure", "Backup", "teams", "E3", "Plan", "Basic")
TYPES = {
    "name": "string",
    "sku": "string",
    "isActive": "boolean",
    "periodType": "integer",
    "unitPrice": "double",
    "unitCost": "double",
    "createDate": "datetime",
    "id": "integer",
}
PERIODS = (2, 3, 4, 5)
PRICES = (-5.0, 0.0, 1.5, 9.99, 22.0, 100.0)
DAYS = tuple(range(1, 10))


def _date(day: int) -> str:
    return f"2025-03-0{day}T10:00:00.000Z"


def _cased(text: str, flips: int) -> str:
    # Deterministic mixed casing: the same word in another case must still match.
    return "".join(c.upper() if (i + flips) % 3 == 0 else c.lower() for i, c in enumerate(text))


phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)


@st.composite
def tenants(draw: st.DrawFn) -> list[dict[str, Any]]:
    """0..30 services with gappy ascending ids and values that filters will hit."""
    size = draw(st.integers(min_value=0, max_value=30))
    gaps = draw(st.lists(st.integers(1, 5), min_size=size, max_size=size))
    records = []
    next_id = 1000
    for gap in gaps:
        next_id += gap
        records.append(
            {
                "id": next_id,
                "name": draw(phrases),
                "sku": draw(st.one_of(st.none(), st.just(""), st.sampled_from(WORDS))),
                "isActive": draw(st.booleans()),
                "periodType": draw(st.sampled_from(PERIODS)),
                "unitPrice": draw(st.sampled_from(PRICES)),
                "unitCost": draw(st.one_of(st.none(), st.sampled_from(PRICES))),
                "createDate": _date(draw(st.sampled_from(DAYS))),
                "billingCodeID": 29682801,
            }
        )
    return records


# -- random filters, as an abstract tree rendered two ways ------------------------------------


@dataclass(frozen=True)
class Cond:
    """A condition: op in Autotask's spelling, a field, and a value (None for exist ops)."""

    op: str
    field: str
    value: Any = None


@dataclass(frozen=True)
class Group:
    """An and/or group."""

    op: str
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Unknown:
    """A condition with an operator Autotask does not know (it is silently dropped)."""

    op: str
    field: str
    value: Any


Node = Cond | Group | Unknown

SCALAR_OPS = ("eq", "noteq", "gt", "gte", "lt", "lte")
TEXT_OPS = ("beginsWith", "endsWith", "contains")


def _values(field: str) -> st.SearchStrategy[Any]:
    kind = TYPES[field]
    if kind == "string":
        return st.one_of(st.sampled_from(WORDS), phrases, st.sampled_from(["a", "s", "3"])).flatmap(
            lambda text: st.integers(0, 2).map(lambda flips: _cased(text, flips))
        )
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", "FALSE"]))
    if kind == "integer":
        return st.sampled_from(PERIODS) if field == "periodType" else st.integers(995, 1200)
    if kind == "double":
        return st.one_of(st.sampled_from(PRICES), st.floats(-10, 120, allow_nan=False))
    # Dates as Autotask accepts them: with Z, with an offset, or naive (meaning UTC).
    return st.sampled_from(DAYS).flatmap(
        lambda d: st.sampled_from(
            [f"2025-03-0{d}T00:00:00Z", f"2025-03-0{d}T12:00:00+02:00", f"2025-03-0{d}T10:00:00"]
        )
    )


@st.composite
def conditions(draw: st.DrawFn) -> Node:
    field = draw(st.sampled_from(sorted(TYPES)))
    kind = TYPES[field]
    ops = ["exist", "notExist", "in", "notIn", "eq", "noteq"]
    if kind != "boolean":
        ops += ["gt", "gte", "lt", "lte"]
    if kind == "string":
        ops += list(TEXT_OPS)
    op = draw(st.sampled_from(ops))
    if draw(st.integers(0, 15)) == 0:
        return Unknown(draw(st.sampled_from(["ne", "like", "isNull"])), field, draw(_values(field)))
    if op in ("exist", "notExist"):
        return Cond(op, field)
    if op in ("in", "notIn"):
        return Cond(op, field, tuple(draw(st.lists(_values(field), min_size=1, max_size=3))))
    return Cond(op, field, draw(_values(field)))


filters = st.recursive(
    conditions(),
    lambda children: st.builds(
        Group, st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3).map(tuple)
    ),
    max_leaves=6,
)


def wire(node: Node, flips: int) -> dict[str, Any]:
    """The node as Autotask JSON, with field, op and key names in a random case."""
    if isinstance(node, Group):
        return {_cased("op", flips): node.op, "items": [wire(i, flips + 1) for i in node.items]}
    out: dict[str, Any] = {"op": _cased(node.op, flips), "field": _cased(node.field, flips)}
    if node.value is not None:
        out["value"] = list(node.value) if isinstance(node.value, tuple) else node.value
    return out


# -- the reference evaluation ------------------------------------------------------------------


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _norm(kind: str, value: Any) -> Any:
    if kind == "string":
        return str(value).casefold()
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "datetime":
        return _instant(value)
    return float(value)


def holds(node: Node, record: dict[str, Any]) -> bool | None:
    """True/False, or None for a condition Autotask drops (unknown operator, empty group)."""
    if isinstance(node, Unknown):
        return None
    if isinstance(node, Group):
        results = [r for r in (holds(i, record) for i in node.items) if r is not None]
        if not results:
            return None
        return all(results) if node.op == "and" else any(results)
    actual = record.get(node.field)
    if node.op == "exist":
        return actual is not None and actual != ""
    if node.op == "notExist":
        return actual is None or actual == ""
    if actual is None:
        return False
    kind = TYPES[node.field]
    have = _norm(kind, actual)
    if node.op in ("in", "notIn"):
        member = have in {_norm(kind, v) for v in node.value}
        return member if node.op == "in" else not member
    want = _norm(kind, node.value)
    text = {"beginsWith": str.startswith, "endsWith": str.endswith}
    if node.op in text:
        return bool(text[node.op](have, want))
    if node.op == "contains":
        return want in have
    return {
        "eq": have == want,
        "noteq": have != want,
        "gt": have > want,
        "gte": have >= want,
        "lt": have < want,
        "lte": have <= want,
    }[node.op]


def reference(records: list[dict[str, Any]], nodes: list[Node]) -> list[int]:
    """Ids of the records every top-level node accepts (dropped nodes accept all)."""
    return [r["id"] for r in records if all(holds(n, r) is not False for n in nodes)]


# -- the property ------------------------------------------------------------------------------


@pytest.fixture
def services_swapped(server: SandboxServer) -> Iterator[SandboxServer]:
    original = server.autotask.entities["services"].records()
    yield server
    server.autotask.load("Services", original)


# The longest URL live Autotask (IIS) accepts: docs/notes/autotask-api.md.
_LIVE_URL_LIMIT = 2048


def read_all(
    client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any], via_get: bool
) -> list[int]:
    """Every id of a query, following nextPageUrl with the first request's verb.

    A GET whose URL is longer than live Autotask takes (about 2,048 characters) must be
    answered 404, as live; the query is then read by POST, as a client has to.
    """
    if via_get:
        response = client.get(url, headers=headers, params={"search": json.dumps(body)})
        if len(str(response.request.url)) > _LIVE_URL_LIMIT:
            assert response.status_code == 404, response.text
            via_get = False
    if not via_get:
        response = client.post(url, headers=headers, json=body)
    ids: list[int] = []
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= body["MaxRecords"]
        ids.extend(item["id"] for item in page["items"])
        next_url = page["pageDetails"]["nextPageUrl"]
        if next_url is None:
            return ids
        response = (
            client.get(next_url, headers=headers)
            if via_get
            else client.post(next_url, headers=headers, json=body)
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=tenants(),
    nodes=st.lists(filters, min_size=1, max_size=3),
    page=st.integers(min_value=2, max_value=12),
    flips=st.integers(0, 2),
    via_get=st.booleans(),
)
def test_emulator_answers_like_the_reference_on_every_page_and_in_its_count(
    services_swapped, client, at_url, at_headers, records, nodes, page, flips, via_get
):
    # Each example in an hour of its own: Hypothesis's shrinking can run hundreds of examples,
    # and a window filled by them would answer 429 and hide the failure being shrunk.
    services_swapped.autotask.forget_hour()
    services_swapped.autotask.load("Services", records)
    body = {"filter": [wire(n, flips) for n in nodes], "MaxRecords": page}
    want = reference(records, nodes)

    got = read_all(client, at_url + "V1.0/Services/query", at_headers, body, via_get)
    count = client.post(
        at_url + "V1.0/Services/query/count", headers=at_headers, json={"filter": body["filter"]}
    )

    assert got == want
    assert count.json() == {"queryCount": len(want)}
