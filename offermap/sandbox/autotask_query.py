"""Autotask's query language for the emulator: filters, IncludeFields, MaxRecords, paging."""

from __future__ import annotations

import base64
import hashlib
import hmac
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
    """What the query engine needs to know about an entity: its fields and UDFs with types.

    `name` is the entity's singular name ("Service"), as Autotask's error messages use it.
    """

    name: str
    fields: dict[str, str]  # canonical field name -> Autotask dataType
    udfs: dict[str, str] = field(default_factory=dict)  # UDF name -> dataType

    def resolve(self, name: str) -> str:
        """The canonical name of a field given in any case.

        Raises:
            QueryError: "Unable to find {field} in the {Entity} Entity." for an unknown field,
                with the singular entity name, as live Autotask words it.
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
    raise QueryError(f"Unable to find {name} in the {entity} Entity.")


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


def loads_lenient(text: str | bytes) -> Any:
    """Parse a query as Autotask's JSON reader does: JSON, or JSON written with single quotes.

    Live Autotask (ASP.NET's JSON.NET) answers `{'filter':[{'op':'eq',...}]}`; so must the
    emulator, or a client that writes single quotes would pass here and be told otherwise.

    Raises:
        ValueError: neither reading works.
    """
    raw = text.decode("utf-8") if isinstance(text, bytes) else text
    try:
        return json.loads(raw)
    except ValueError:
        if "'" not in raw:
            raise
    return json.loads(_double_quoted(raw))


def _double_quoted(text: str) -> str:
    """`text` with every single-quoted string rewritten as a double-quoted one."""
    out: list[str] = []
    quote_char: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote_char is None:
            if char in "'\"":
                quote_char = char
                out.append('"')
            else:
                out.append(char)
        elif char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            # \' means a quote inside a single-quoted string; JSON has no such escape.
            out.append("'" if escaped == "'" else char + escaped)
            index += 1
        elif char == quote_char:
            quote_char = None
            out.append('"')
        elif char == '"':
            out.append('\\"')  # a double quote inside a single-quoted string
        else:
            out.append(char)
        index += 1
    return "".join(out)


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


# What a live cursor is about: Autotask's nextPageUrl carries an opaque `paging` value of about
# 300 characters, not the ids of the pages; a signed, base64 cursor of the same size keeps URLs
# as long as live ones (so the GET length limit bites where it would live).
_CURSOR_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    """Where a query's next (or previous) page starts, carried in a `nextPageUrl`.

    Attributes:
        entity: the entity queried (a cursor is refused for another one).
        query: a fingerprint of the query body, so a cursor is refused for another query.
        page_size: records per page (the first request's MaxRecords).
        number: the page number this cursor asks for (1 = the first page).
        after: the page holds records with ids above this one...
        before: ...or, for a previous page, the last records with ids below this one.
        issued: when the cursor was made (seconds since the epoch).
    """

    entity: str
    query: str
    page_size: int
    number: int
    after: int | None = None
    before: int | None = None
    issued: int = 0

    def encode(self, key: bytes) -> str:
        """The opaque, signed text put in the `paging` query parameter."""
        payload = json.dumps(
            {
                "v": _CURSOR_VERSION,
                "e": self.entity,
                "q": self.query,
                "s": self.page_size,
                "n": self.number,
                "a": self.after,
                "b": self.before,
                "t": self.issued,
            },
            separators=(",", ":"),
        ).encode()
        tag = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
        return base64.urlsafe_b64encode(payload + b"." + tag).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, key: bytes) -> Cursor:
        """Read a `paging` parameter this emulator wrote.

        Raises:
            QueryError: the text is not a cursor, or was altered.
        """
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            payload, _, tag = raw.rpartition(b".")
            expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
            if not payload or not hmac.compare_digest(tag, expected):
                raise ValueError("bad signature")
            data = json.loads(payload)
            if data["v"] != _CURSOR_VERSION:
                raise ValueError("unknown version")
            return cls(
                entity=str(data["e"]),
                query=str(data["q"]),
                page_size=int(data["s"]),
                number=int(data["n"]),
                after=None if data["a"] is None else int(data["a"]),
                before=None if data["b"] is None else int(data["b"]),
                issued=int(data["t"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise QueryError("The paging parameter is not valid.") from None


def query_fingerprint(body: Any) -> str:
    """A stable digest of a query body (its keys' case ignored), for cursors."""
    canonical = json.dumps(_lower_keys(body) if isinstance(body, dict) else body, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def page_payload(
    next_base: str,
    query: Query,
    page: list[Record],
    next_cursor: str | None,
    prev_cursor: str | None,
    search: str | None,
) -> dict[str, Any]:
    """A query page as Autotask answers it, with absolute `/query/next` URLs.

    Args:
        next_base: the absolute `.../V1.0/{Entity}/query/next` URL.
        query: the parsed query (projection and page size).
        page: this page's records.
        next_cursor: the encoded cursor of the next page, or None on the last page.
        prev_cursor: the encoded cursor of the previous page, or None on the first page.
        search: the search JSON of a GET-started query, carried into its page URLs.
    """

    def url(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        text = f"{next_base}?paging={quote(cursor, safe='')}"
        return text if search is None else f"{text}&search={quote(search, safe='')}"

    return {
        "items": [project(r, query.include_fields) for r in page],
        "pageDetails": {
            "count": len(page),
            "requestCount": query.max_records,
            "prevPageUrl": url(prev_cursor),
            "nextPageUrl": url(next_cursor),
        },
    }
