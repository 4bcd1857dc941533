"""A typed builder for Autotask's query filter language and query bodies.

Reference: https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_Basic_Query_Calls.htm
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

MAX_PAGE_SIZE = 500

Scalar = str | int | float | bool | Decimal | datetime | date
JsonScalar = str | int | float | bool


class Op(StrEnum):
    """Operators Autotask understands; anything else it silently ignores, returning everything."""

    EQ = "eq"
    NOTEQ = "noteq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BEGINS_WITH = "beginsWith"
    ENDS_WITH = "endsWith"
    CONTAINS = "contains"
    EXIST = "exist"
    NOT_EXIST = "notExist"
    IN = "in"
    NOT_IN = "notIn"
    AND = "and"
    OR = "or"


_COMPARISONS = frozenset(
    {Op.EQ, Op.NOTEQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BEGINS_WITH, Op.ENDS_WITH, Op.CONTAINS}
)
_NO_VALUE = frozenset({Op.EXIST, Op.NOT_EXIST})
_LISTS = frozenset({Op.IN, Op.NOT_IN})
_GROUPS = frozenset({Op.AND, Op.OR})


def _json_scalar(value: Scalar, where: str) -> JsonScalar:
    # bool is an int subclass: test it first so True stays a JSON boolean.
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{where}: datetime {value.isoformat()} has no time zone")
        # Autotask stores UTC and takes yyyy-mm-ddThh:mm:ss.ms.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    if isinstance(value, date):
        # Date-only fields are stored at midnight; send midnight of the intended day.
        return f"{value.isoformat()}T00:00:00"
    raise TypeError(f"{where}: {type(value).__name__} is not a filter value")


@dataclass(frozen=True)
class Filter:
    """One node of an Autotask filter: a condition on a field, or an and/or group of nodes.

    Build these with `F` rather than directly; the constructor checks the shape.
    """

    op: Op
    field: str | None = None
    value: JsonScalar | tuple[JsonScalar, ...] | None = None
    udf: bool = False
    items: tuple[Filter, ...] = ()

    def __post_init__(self) -> None:
        if self.op in _GROUPS:
            if not self.items:
                raise ValueError(f"an '{self.op}' group needs at least one filter")
            if self.field is not None or self.value is not None:
                raise ValueError(f"an '{self.op}' group takes items, not a field or value")
            return
        if not self.field or not self.field.strip():
            raise ValueError(f"'{self.op}' needs a field name")
        if self.items:
            raise ValueError(f"'{self.op}' on {self.field} cannot have items")
        if self.op in _NO_VALUE and self.value is not None:
            raise ValueError(f"'{self.op}' on {self.field} takes no value")
        if self.op in _COMPARISONS and (self.value is None or isinstance(self.value, tuple)):
            raise ValueError(f"'{self.op}' on {self.field} needs one value (Autotask rejects null)")
        if self.op in _LISTS and not (isinstance(self.value, tuple) and self.value):
            raise ValueError(f"'{self.op}' on {self.field} needs a non-empty list of values")

    def to_json(self) -> dict[str, Any]:
        """Serialise to Autotask's JSON filter object."""
        if self.op in _GROUPS:
            return {"op": self.op.value, "items": [item.to_json() for item in self.items]}
        out: dict[str, Any] = {"op": self.op.value, "field": self.field}
        if isinstance(self.value, tuple):
            out["value"] = list(self.value)
        elif self.value is not None:
            out["value"] = self.value
        if self.udf:
            out["udf"] = True
        return out

    def udf_fields(self) -> set[str]:
        """Names of the user-defined fields this filter (and its groups) query."""
        found = {self.field.lower()} if self.udf and self.field else set()
        for item in self.items:
            found |= item.udf_fields()
        return found


def _cmp(op: Op, name: str, value: Scalar, udf: bool) -> Filter:
    return Filter(op, name, _json_scalar(value, f"{op} {name}"), udf)


class F:
    """Filter builder: `F.and_(F.eq("isActive", True), F.begins_with("name", "Microsoft"))`."""

    @staticmethod
    def eq(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` equals `value`."""
        return _cmp(Op.EQ, name, value, udf)

    @staticmethod
    def noteq(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` differs from `value` (Autotask spells it noteq; `ne` is silently ignored)."""
        return _cmp(Op.NOTEQ, name, value, udf)

    @staticmethod
    def gt(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` is greater than `value`."""
        return _cmp(Op.GT, name, value, udf)

    @staticmethod
    def gte(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` is greater than or equal to `value`."""
        return _cmp(Op.GTE, name, value, udf)

    @staticmethod
    def lt(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` is less than `value`."""
        return _cmp(Op.LT, name, value, udf)

    @staticmethod
    def lte(name: str, value: Scalar, *, udf: bool = False) -> Filter:
        """`name` is less than or equal to `value`."""
        return _cmp(Op.LTE, name, value, udf)

    @staticmethod
    def begins_with(name: str, value: str, *, udf: bool = False) -> Filter:
        """`name` begins with `value`."""
        return _cmp(Op.BEGINS_WITH, name, value, udf)

    @staticmethod
    def ends_with(name: str, value: str, *, udf: bool = False) -> Filter:
        """`name` ends with `value`."""
        return _cmp(Op.ENDS_WITH, name, value, udf)

    @staticmethod
    def contains(name: str, value: str, *, udf: bool = False) -> Filter:
        """`name` contains `value`."""
        return _cmp(Op.CONTAINS, name, value, udf)

    @staticmethod
    def exist(name: str, *, udf: bool = False) -> Filter:
        """`name` has a value."""
        return Filter(Op.EXIST, name, None, udf)

    @staticmethod
    def not_exist(name: str, *, udf: bool = False) -> Filter:
        """`name` has no value."""
        return Filter(Op.NOT_EXIST, name, None, udf)

    @staticmethod
    def in_(name: str, values: Iterable[Scalar], *, udf: bool = False) -> Filter:
        """`name` is one of `values`."""
        return Filter(Op.IN, name, tuple(_json_scalar(v, f"in {name}") for v in values), udf)

    @staticmethod
    def not_in(name: str, values: Iterable[Scalar], *, udf: bool = False) -> Filter:
        """`name` is none of `values`."""
        return Filter(Op.NOT_IN, name, tuple(_json_scalar(v, f"notIn {name}") for v in values), udf)

    @staticmethod
    def and_(*items: Filter) -> Filter:
        """All of `items` hold."""
        return Filter(Op.AND, items=items)

    @staticmethod
    def or_(*items: Filter) -> Filter:
        """At least one of `items` holds."""
        return Filter(Op.OR, items=items)


FilterArg = Filter | Sequence[Filter] | None


def filter_list(filter: FilterArg) -> list[dict[str, Any]]:
    """The top-level filter list (an implicit AND) for a query body.

    An empty filter is never sent, because Autotask's handling of it is undocumented:
    `None` or `[]` becomes the catch-all `id gte 0`.

    Raises:
        ValueError: more than one user-defined field is queried (Autotask allows one).
    """
    if filter is None:
        filters: list[Filter] = []
    elif isinstance(filter, Filter):
        filters = [filter]
    else:
        filters = list(filter)
    if not filters:
        filters = [F.gte("id", 0)]
    udfs: set[str] = set()
    for item in filters:
        udfs |= item.udf_fields()
    if len(udfs) > 1:
        raise ValueError(f"Autotask queries one user-defined field at a time; got {sorted(udfs)}")
    return [item.to_json() for item in filters]


def query_body(
    filter: FilterArg,
    *,
    include_fields: Sequence[str] | None = None,
    max_records: int | None = None,
) -> dict[str, Any]:
    """The JSON body of POST `/{Entity}/query`.

    Args:
        filter: a filter, a list of filters (AND), or None for every record.
        include_fields: fields to return; `id` is added because Autotask requires it when a
            result spans pages, and the client needs it to detect repeated records.
        max_records: records per page (Autotask's MaxRecords), 1..500.

    Raises:
        ValueError: max_records outside 1..500, an empty field name, or more than one UDF.
    """
    body: dict[str, Any] = {"filter": filter_list(filter)}
    if include_fields is not None:
        fields = [name.strip() for name in include_fields]
        if any(not name for name in fields):
            raise ValueError("include_fields has an empty field name")
        if "id" not in {name.lower() for name in fields}:
            fields.insert(0, "id")
        body["IncludeFields"] = fields
    if max_records is not None:
        if isinstance(max_records, bool) or not 1 <= max_records <= MAX_PAGE_SIZE:
            raise ValueError(
                f"max_records must be between 1 and {MAX_PAGE_SIZE}, got {max_records}"
            )
        body["MaxRecords"] = max_records
    return body


def count_body(filter: FilterArg) -> dict[str, Any]:
    """The JSON body of POST `/{Entity}/query/count`."""
    return {"filter": filter_list(filter)}
