"""Autotask's query language for the emulator: filters, IncludeFields, MaxRecords, paging."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

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
    """What the query engine needs to know about an entity: its fields and UDFs with types."""

    name: str
    fields: dict[str, str]  # canonical field name -> Autotask dataType
    udfs: dict[str, str] = field(default_factory=dict)  # UDF name -> dataType

    def resolve(self, name: str) -> str:
        """The canonical name of a field given in any case.

        Raises:
            QueryError: "Unable to find {field} in the {Entity} Entity" for an unknown field.
        """
        return _resolve(name, self.fields, self.name)

    def resolve_udf(self, name: str) -> str:
        """The canonical name of a user-defined field given in any case.

        Raises:
            QueryError: the same "Unable to find" message as for a field.
        """
        return _resolve(name, self.udfs, self.name)


def _resolve(name: str, known: dict[str, str], entity: str) -> str:
    lowered = name.lower()
    for canonical in known:
        if canonical.lower() == lowered:
            return canonical
    raise QueryError(f"Unable to find {name} in the {entity} Entity")


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


ONE_UDF = "You can only query by one user-defined field at a time."


class _Parser:
    """Turns filter JSON into predicates, remembering which UDFs the query touches."""

    def __init__(self, shape: EntityShape) -> None:
        self.shape = shape
        self.udfs: set[str] = set()

    def condition(self, cond: dict[str, Any]) -> Predicate | None:
        c = _lower_keys(cond)
        op = str(c.get("op", "")).lower()
        if op in GROUP_OPS:
            parsed = (self.condition(_as_dict(i)) for i in c.get("items") or [])
            children = [p for p in parsed if p]
            if not children:
                return None
            if op == "and":
                return lambda r: all(p(r) for p in children)
            return lambda r: any(p(r) for p in children)
        if op not in COMPARISON_OPS | STRING_OPS | EXIST_OPS | LIST_OPS:
            # Autotask silently drops conditions with an unknown operator ("ne" is the classic).
            return None
        name = str(c.get("field", ""))
        if _truthy(c.get("udf")):
            udf = self.shape.resolve_udf(name)
            self.udfs.add(udf)
            if len(self.udfs) > 1:
                raise QueryError(ONE_UDF)
            return _predicate(op, udf, self.shape.udfs[udf], c.get("value"), _udf_reader(udf))
        field_name = self.shape.resolve(name)
        return _predicate(
            op, field_name, self.shape.fields[field_name], c.get("value"), _field_reader(field_name)
        )


def _truthy(flag: Any) -> bool:
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")


def _field_reader(name: str) -> Callable[[Record], Any]:
    return lambda r: r.get(name)


def _udf_reader(name: str) -> Callable[[Record], Any]:
    def read(record: Record) -> Any:
        for udf in record.get("userDefinedFields") or ():
            if udf.get("name") == name:
                return udf.get("value")
        return None

    return read


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "noteq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_TEXT: dict[str, Callable[[str, str], bool]] = {
    "beginswith": str.startswith,
    "endswith": str.endswith,
    "contains": str.__contains__,
}


def _predicate(
    op: str, name: str, data_type: str, raw: Any, read: Callable[[Record], Any]
) -> Predicate:
    if op in EXIST_OPS:
        want = op == "exist"
        return lambda r: (read(r) not in (None, "")) is want
    try:
        if op in LIST_OPS:
            values = raw if isinstance(raw, list) else [raw]
            wanted = {coerce(data_type, v) for v in values}
            negate = op == "notin"
            # Like SQL's IN / NOT IN, a null value is in neither.
            return lambda r: (
                read(r) is not None and ((coerce(data_type, read(r)) in wanted) != negate)
            )
        if op in STRING_OPS:
            needle, test = str(raw).lower(), _TEXT[op]
            return lambda r: read(r) is not None and test(str(read(r)).lower(), needle)
        target = coerce(data_type, raw)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"Invalid value for {name}: {raw!r} ({exc})") from None
    compare = _COMPARE[op]
    if target is None:
        # eq null behaves like notExist, noteq null like exist.
        return lambda r: (read(r) is None) is (op == "eq")
    # Like SQL, a null field matches no comparison (not even noteq).
    return lambda r: read(r) is not None and compare(coerce(data_type, read(r)), target)


def _as_dict(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise QueryError(f"Each filter must be an object, got {json.dumps(obj)[:80]}")
    return obj


def parse_query(shape: EntityShape, body: Any) -> Query:
    """Parse a query body (POST body or the `search` JSON) for an entity.

    Raises:
        QueryError: for a malformed body, an unknown field, more than one UDF, or MaxRecords
            outside 1..500.
    """
    if not isinstance(body, dict):
        raise QueryError("The query must be a JSON object with a filter")
    b = _lower_keys(body)
    raw_filter = b.get("filter") or []
    if not isinstance(raw_filter, list):
        raw_filter = [raw_filter]
    parser = _Parser(shape)
    predicates = [p for p in (parser.condition(_as_dict(c)) for c in raw_filter) if p]
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
                continue  # unknown projected fields (and UDF names) are left out, not an error
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
    # Every item carries its UDFs (an empty list for entities without any), even when projected.
    out["userDefinedFields"] = [dict(u) for u in record.get("userDefinedFields") or ()]
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


def page_payload(
    next_base: str,
    query: Query,
    page: list[Record],
    following: list[Record],
    paging: Paging | None,
    search: str | None,
) -> dict[str, Any]:
    """A query page as Autotask answers it, with absolute `/query/next` URLs.

    Args:
        next_base: the absolute `.../V1.0/{Entity}/query/next` URL.
        query: the parsed query (projection and page size).
        page: this page's records.
        following: the next page's records (empty when this is the last page).
        paging: the paging state this page was asked with (None for the first page).
        search: the search JSON of a GET-started query, carried into its page URLs.
    """
    size = query.max_records if paging is None else paging.page_size

    def url(state: Paging) -> str:
        text = f"{next_base}?paging={quote(state.encode(), safe='')}"
        return text if search is None else f"{text}&search={quote(search, safe='')}"

    page_ids = tuple(int(r["id"]) for r in page)
    next_url = url(Paging(size, page_ids, tuple(int(r["id"]) for r in following)))
    prev_url = None
    if paging is not None and paging.previous_ids:
        prev_url = url(Paging(size, (), paging.previous_ids))
    return {
        "items": [project(r, query.include_fields) for r in page],
        "pageDetails": {
            "count": len(page),
            "requestCount": size,
            "prevPageUrl": prev_url,
            "nextPageUrl": next_url if following else None,
        },
    }
