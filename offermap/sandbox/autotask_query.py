"""Autotask's query language for the emulator: filters, IncludeFields, MaxRecords, paging."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

PAGE_SIZE = 500
COMPARISON_OPS = {"eq", "noteq", "gt", "gte", "lt", "lte"}
STRING_OPS = {"beginswith", "endswith", "contains"}
EXIST_OPS = {"exist", "notexist"}
LIST_OPS = {"in", "notin"}
GROUP_OPS = {"and", "or"}


class QueryError(Exception):
    """A query Autotask answers with HTTP 500 and `{"errors": [message]}`."""


@dataclass(frozen=True)
class EntityShape:
    """What the query engine needs to know about an entity: its name and field types."""

    name: str
    fields: dict[str, str]  # canonical field name -> Autotask dataType

    def resolve(self, field: str) -> str:
        """The canonical name of a field given in any case.

        Raises:
            QueryError: "Unable to find {field} in the {Entity} Entity" for an unknown field.
        """
        lowered = field.lower()
        for name in self.fields:
            if name.lower() == lowered:
                return name
        raise QueryError(f"Unable to find {field} in the {self.name} Entity")


@dataclass(frozen=True)
class Query:
    """A parsed query body: the filter predicate, projection and page size."""

    predicate: Predicate
    include_fields: tuple[str, ...] | None
    max_records: int
    has_filter: bool


def _lower_keys(obj: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()}


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(text)
    # Autotask interprets dates without an offset as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def coerce(data_type: str, value: Any) -> Any:
    """Convert a filter or record value to a comparable Python value of the field's type.

    Raises:
        ValueError: when the value cannot be read as that type.
    """
    if value is None:
        return None
    if data_type in ("integer", "long"):
        if isinstance(value, bool):
            raise ValueError("boolean given for a number")
        return int(str(value).strip()) if not isinstance(value, int) else value
    if data_type in ("decimal", "double"):
        if isinstance(value, bool):
            raise ValueError("boolean given for a number")
        return float(value)
    if data_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError("booleans must be true or false")
    if data_type == "datetime":
        return _parse_datetime(value)
    # Autotask compares strings case-insensitively.
    return str(value).lower()


def _condition(shape: EntityShape, cond: dict[str, Any]) -> Predicate | None:
    c = _lower_keys(cond)
    op = str(c.get("op", "")).lower()
    if op in GROUP_OPS:
        children = [p for p in (_condition(shape, _as_dict(i)) for i in c.get("items") or []) if p]
        if not children:
            return None
        if op == "and":
            return lambda r: all(p(r) for p in children)
        return lambda r: any(p(r) for p in children)
    known = COMPARISON_OPS | STRING_OPS | EXIST_OPS | LIST_OPS
    if op not in known:
        # Autotask silently drops conditions with an unknown operator ("ne" is the classic).
        return None
    if c.get("udf"):
        raise QueryError(f"Unable to find {c.get('field')} in the {shape.name} Entity")
    field = shape.resolve(str(c.get("field", "")))
    data_type = shape.fields[field]
    if op in EXIST_OPS:
        want = op == "exist"
        return lambda r: (r.get(field) not in (None, "")) is want
    raw = c.get("value")
    try:
        if op in LIST_OPS:
            values = raw if isinstance(raw, list) else [raw]
            wanted = {coerce(data_type, v) for v in values}
            negate = op == "notin"
            return lambda r: (
                _not_null(r, field) and ((coerce(data_type, r[field]) in wanted) != negate)
            )
        if op in STRING_OPS:
            needle = str(raw).lower()
            test = {
                "beginswith": str.startswith,
                "endswith": str.endswith,
                "contains": str.__contains__,
            }[op]
            return lambda r: _not_null(r, field) and test(str(r[field]).lower(), needle)
        target = coerce(data_type, raw)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"Invalid value for {field}: {raw!r} ({exc})") from None
    compare: Callable[[Any, Any], bool] = {
        "eq": lambda a, b: a == b,
        "noteq": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }[op]
    if target is None:
        # eq null behaves like notExist, noteq null like exist.
        return lambda r: (r.get(field) is None) is (op == "eq")
    # Like SQL, a null field matches no comparison (not even noteq).
    return lambda r: _not_null(r, field) and compare(coerce(data_type, r[field]), target)


def _not_null(record: Record, field: str) -> bool:
    return record.get(field) is not None


def _as_dict(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise QueryError(f"Each filter must be an object, got {json.dumps(obj)[:80]}")
    return obj


def parse_query(shape: EntityShape, body: Any) -> Query:
    """Parse a query body (POST body or the `search` JSON) for an entity.

    Raises:
        QueryError: for a malformed body, an unknown field or MaxRecords outside 1..500.
    """
    if not isinstance(body, dict):
        raise QueryError("The query must be a JSON object with a filter")
    b = _lower_keys(body)
    raw_filter = b.get("filter") or []
    if not isinstance(raw_filter, list):
        raw_filter = [raw_filter]
    predicates = [p for p in (_condition(shape, _as_dict(c)) for c in raw_filter) if p]
    max_records = PAGE_SIZE
    if b.get("maxrecords") is not None:
        try:
            max_records = int(b["maxrecords"])
        except (TypeError, ValueError):
            raise QueryError("maxCountOfRecordsToReturn must be between 1 and 500") from None
        if not 1 <= max_records <= PAGE_SIZE:
            raise QueryError("maxCountOfRecordsToReturn must be between 1 and 500")
    include: tuple[str, ...] | None = None
    raw_include = b.get("includefields")
    if raw_include:
        resolved = []
        for name in raw_include:
            try:
                resolved.append(shape.resolve(str(name)))
            except QueryError:
                continue  # unknown projected fields are left out, not an error
        include = tuple(resolved) or None
    return Query(
        predicate=lambda r: all(p(r) for p in predicates),
        include_fields=include,
        max_records=max_records,
        has_filter=bool(raw_filter),
    )


def project(record: Record, include: tuple[str, ...] | None) -> Record:
    """The record as the API returns it, limited to `include` when given."""
    out = dict(record) if include is None else {k: record.get(k) for k in include}
    out["userDefinedFields"] = []
    return out


@dataclass(frozen=True)
class Paging:
    """The state carried in a `nextPageUrl`'s `paging` parameter."""

    page_size: int
    previous_ids: tuple[int, ...]
    next_ids: tuple[int, ...]

    def encode(self) -> str:
        """The JSON text Autotask puts in the `paging` query parameter."""
        return json.dumps(
            {
                "pageSize": self.page_size,
                "previousIds": list(self.previous_ids),
                "nextIds": list(self.next_ids),
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> Paging:
        """Read a `paging` parameter.

        Raises:
            QueryError: when it is not the JSON the emulator wrote.
        """
        try:
            data = _lower_keys(json.loads(text))
            return cls(
                page_size=int(data["pagesize"]),
                previous_ids=tuple(int(i) for i in data.get("previousids") or []),
                next_ids=tuple(int(i) for i in data["nextids"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise QueryError("The paging parameter is not valid.") from None
