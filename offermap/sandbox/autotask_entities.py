"""Autotask entities in the emulator: field metadata, picklists, records and Services writes."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from offermap.sandbox.autotask_query import EntityShape, Predicate, QueryError, coerce

API_RESOURCE_ID = 29682833

NO_RECORD = (
    "No matching records found. The logged in Resource may not have the required permissions "
    "to update the data."
)


@dataclass(frozen=True)
class FieldSpec:
    """One row of `/entityInformation/fields`."""

    name: str
    data_type: str
    length: int = 0
    required: bool = False
    read_only: bool = False
    reference: str = ""
    picklist: bool = False

    def describe(self, picklist_values: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The field as Autotask's FieldInformationModel."""
        return {
            "name": self.name,
            "dataType": self.data_type,
            "length": self.length,
            "isRequired": self.required,
            "isReadOnly": self.read_only,
            "isQueryable": True,
            "isReference": bool(self.reference),
            "referenceEntityType": self.reference,
            "isPickList": self.picklist,
            "picklistValues": picklist_values if self.picklist else None,
            "picklistParentValueField": "",
            "isSupportedWebhookField": False,
        }


@dataclass(frozen=True)
class UdfSpec:
    """One user-defined field, as `/entityInformation/userDefinedFields` describes it."""

    name: str
    data_type: str
    length: int = 0

    def describe(self) -> dict[str, Any]:
        """The UDF as Autotask's UserDefinedField model (label = name; no picklist)."""
        return {
            "name": self.name,
            "label": self.name,
            "type": self.data_type,
            "length": self.length,
            "description": "",
            "isRequired": False,
            "isReadOnly": False,
            "isQueryable": True,
            "isReference": False,
            "referenceEntityType": "",
            "isPickList": False,
            "picklistValues": None,
            "picklistParentValueField": "",
            "defaultValue": "",
            "isSupportedWebhookField": False,
        }


COMPANY_UDFS: tuple[UdfSpec, ...] = (
    UdfSpec("Number of Employees", "integer"),
    UdfSpec("Customer Tier", "string", 50),
)
_TIERS = ("Gold", "Silver", "Bronze", None)


def company_udfs(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Deterministic UDF values for a sandbox company (the tenant generator has none)."""
    cid = int(record["id"])
    employees = None if cid % 7 == 0 else 5 + (cid * 37) % 495
    return [
        {"name": "Number of Employees", "value": None if employees is None else str(employees)},
        {"name": "Customer Tier", "value": _TIERS[cid % len(_TIERS)]},
    ]


SERVICE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "long", required=True, read_only=True),
    FieldSpec("billingCodeID", "integer", required=True, reference="BillingCode"),
    FieldSpec("createDate", "datetime", read_only=True),
    FieldSpec("creatorResourceID", "integer", read_only=True, reference="Resource"),
    FieldSpec("description", "string", 400),
    FieldSpec("invoiceDescription", "string", 1000),
    FieldSpec("isActive", "boolean"),
    FieldSpec("lastModifiedDate", "datetime", read_only=True),
    FieldSpec("markupRate", "double", read_only=True),
    FieldSpec("name", "string", 100, required=True),
    FieldSpec("periodType", "integer", required=True, read_only=True, picklist=True),
    FieldSpec("serviceLevelAgreementID", "long", picklist=True),
    FieldSpec("unitCost", "double"),
    FieldSpec("unitPrice", "double", required=True),
    FieldSpec("updateResourceID", "integer", read_only=True, reference="Resource"),
    FieldSpec("vendorCompanyID", "integer", reference="Company"),
    FieldSpec("manufacturerServiceProvider", "string", 100),
    FieldSpec("manufacturerServiceProviderProductNumber", "string", 100),
    FieldSpec("catalogNumberPartNumber", "string", 50),
    FieldSpec("sku", "string", 50),
    FieldSpec("internalID", "string", 100),
    FieldSpec("externalID", "string", 100),
    FieldSpec("url", "string", 500),
)

COMPANY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "long", required=True, read_only=True),
    FieldSpec("companyName", "string", 100, required=True),
    FieldSpec("companyNumber", "string", 50),
    FieldSpec("companyType", "integer", required=True, picklist=True),
    FieldSpec("isActive", "boolean"),
    FieldSpec("phone", "string", 25, required=True),
    FieldSpec("webAddress", "string", 255),
    FieldSpec("city", "string", 30),
    FieldSpec("ownerResourceID", "integer", required=True, reference="Resource"),
    FieldSpec("createDate", "datetime", read_only=True),
    FieldSpec("lastActivityDate", "datetime", read_only=True),
)

COMPANY_TYPES = {
    "Customer": 1,
    "Lead": 2,
    "Prospect": 3,
    "Dead": 4,
    "Vendor": 5,
    "Cancelation": 6,
    "Partner": 7,
}
SLA_LABELS = {"Standard SLA": 1, "Premium SLA": 2, "Critical SLA": 3}


def picklist(labels: dict[str, int], default: str | None = None) -> list[dict[str, Any]]:
    """Picklist values as Autotask returns them: the value is a string even for integer fields."""
    return [
        {
            "value": str(value),
            "label": label,
            "isDefaultValue": label == default,
            "sortOrder": order,
            "parentValue": "",
            "isActive": True,
            "isSystem": True,
        }
        for order, (label, value) in enumerate(labels.items(), start=1)
    ]


def now_iso() -> str:
    """The current UTC time in Autotask's format (milliseconds and Z)."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class EntityStore:
    """Records of one entity, kept id-ascending, with the entity's metadata."""

    def __init__(
        self,
        name: str,
        singular: str,
        fields: tuple[FieldSpec, ...],
        records: list[dict[str, Any]],
        picklists: dict[str, list[dict[str, Any]]],
        *,
        can_create: bool,
        can_update: bool,
        udfs: tuple[UdfSpec, ...] = (),
    ) -> None:
        """Hold a copy of `records` so that writes never touch the tenant's lists.

        Records of an entity with `udfs` carry `userDefinedFields` as [{"name", "value"}].
        """
        self.name = name
        self.singular = singular
        self.fields = fields
        self.udfs = udfs
        # Autotask's messages name the entity in the singular ("in the Service Entity.").
        self.shape = EntityShape(
            singular, {f.name: f.data_type for f in fields}, {u.name: u.data_type for u in udfs}
        )
        self.picklists = picklists
        self.can_create = can_create
        self.can_update = can_update
        self._by_id = {int(r["id"]): dict(r) for r in records}
        self._ids = sorted(self._by_id)

    def replace(self, records: list[dict[str, Any]]) -> None:
        """Serve copies of `records` instead of the current ones (tests and benchmarks)."""
        by_id = {int(r["id"]): dict(r) for r in records}
        if len(by_id) != len(records):
            raise ValueError(f"{self.name}: records must have distinct ids")
        self._by_id = by_id
        self._ids = sorted(by_id)

    def records(self) -> list[dict[str, Any]]:
        """All records, id-ascending."""
        return [self._by_id[i] for i in self._ids]

    def get(self, record_id: int) -> dict[str, Any] | None:
        """One record or None."""
        return self._by_id.get(record_id)

    def count(self, predicate: Predicate) -> int:
        """How many records match."""
        return sum(1 for i in self._ids if predicate(self._by_id[i]))

    def scan(self, predicate: Predicate, after: int | None, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` matching records with ids above `after` (all ids when None), ascending.

        Starts at `after` through the sorted ids, so a page costs its own size, not the tenant's.
        """
        start = 0 if after is None else bisect.bisect_right(self._ids, after)
        found: list[dict[str, Any]] = []
        for record_id in islice(self._ids, start, None):
            record = self._by_id[record_id]
            if predicate(record):
                found.append(record)
                if len(found) >= limit:
                    break
        return found

    def scan_before(self, predicate: Predicate, before: int, limit: int) -> list[dict[str, Any]]:
        """The last `limit` matching records with ids below `before`, ascending (previous page)."""
        end = bisect.bisect_left(self._ids, before)
        found: list[dict[str, Any]] = []
        for record_id in reversed(self._ids[:end]):
            record = self._by_id[record_id]
            if predicate(record):
                found.append(record)
                if len(found) >= limit:
                    break
        return found[::-1]

    def pick(self, ids: Iterable[int], predicate: Predicate) -> list[dict[str, Any]]:
        """The records with these ids that still exist and still match, ascending."""
        chosen = (self._by_id.get(i) for i in sorted(ids))
        return [r for r in chosen if r is not None and predicate(r)]

    def info(self) -> dict[str, Any]:
        """The entity as `/entityInformation` describes it."""
        return {
            "info": {
                "name": self.singular,
                "canCreate": self.can_create,
                "canDelete": False,
                "canQuery": True,
                "canUpdate": self.can_update,
                "userAccessForCreate": 1 if self.can_create else 0,
                "userAccessForDelete": 0,
                "userAccessForQuery": 1,
                "userAccessForUpdate": 1 if self.can_update else 0,
                "hasUserDefinedFields": bool(self.udfs),
                "supportsWebhookCallouts": False,
            }
        }

    def field_info(self) -> dict[str, Any]:
        """The entity's fields as `/entityInformation/fields` describes them."""
        return {"fields": [f.describe(self.picklists.get(f.name)) for f in self.fields]}

    def udf_info(self) -> dict[str, Any]:
        """The entity's UDFs as `/entityInformation/userDefinedFields` describes them."""
        return {"fields": [u.describe() for u in self.udfs]}

    def _spec(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def _read_body(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise QueryError(f"The request body must be a {self.singular} object.")
        values: dict[str, Any] = {}
        for key, raw in body.items():
            try:
                name = self.shape.resolve(str(key))
            except QueryError:
                continue  # unknown properties are ignored, as the API's JSON binder does
            spec = self._spec(name)
            try:
                value = coerce(spec.data_type, raw)
            except (TypeError, ValueError):
                raise QueryError(f"Invalid value for {name}: {raw!r}.") from None
            if spec.data_type == "string" and value is not None:
                value = str(raw)
                if spec.length and len(value) > spec.length:
                    raise QueryError(
                        f"{name} exceeds the maximum length of {spec.length} characters."
                    )
            values[name] = value
        return values

    def _check_references(self, values: dict[str, Any], valid_refs: dict[str, set[int]]) -> None:
        for name, allowed in valid_refs.items():
            value = values.get(name)
            if value is not None and value not in allowed:
                raise QueryError(f"Value does not reference an existing entity for {name} . ")
        for name, options in self.picklists.items():
            value = values.get(name)
            if value is not None and str(value) not in {o["value"] for o in options}:
                raise QueryError(f"Value {value} is not a valid picklist value for {name}.")

    def _derive(self, record: dict[str, Any]) -> None:
        if "markupRate" in self.shape.fields:
            cost, price = record.get("unitCost"), record.get("unitPrice")
            record["markupRate"] = (
                round((price - cost) / cost * 100, 4) if cost and price is not None else None
            )

    def create(self, body: Any, valid_refs: dict[str, set[int]]) -> int:
        """Create a record from a POST body and return its id.

        Raises:
            QueryError: listing every missing required field, or naming a bad value.
        """
        values = self._read_body(body)
        missing = [
            f.name
            for f in self.fields
            if f.required and f.name != "id" and values.get(f.name) is None
        ]
        if missing:
            raise QueryError("; ".join(f"{name} is required." for name in missing))
        self._check_references(values, valid_refs)
        new_id = (self._ids[-1] if self._ids else 0) + 1
        record: dict[str, Any] = {f.name: None for f in self.fields}
        writable = {f.name for f in self.fields if not f.read_only} | {"periodType"}
        record.update({k: v for k, v in values.items() if k in writable})
        stamp = now_iso()
        record.update(
            id=new_id,
            createDate=stamp,
            lastModifiedDate=stamp,
            creatorResourceID=API_RESOURCE_ID,
            updateResourceID=API_RESOURCE_ID,
        )
        if record.get("isActive") is None:
            record["isActive"] = True  # new services are active by default
        if self.udfs:
            record["userDefinedFields"] = [{"name": u.name, "value": None} for u in self.udfs]
        self._derive(record)
        self._by_id[new_id] = record
        bisect.insort(self._ids, new_id)
        return new_id

    def update(
        self, body: Any, valid_refs: dict[str, set[int]], *, replace: bool, reject_read_only: bool
    ) -> int:
        """Apply a PATCH (only the given fields) or PUT (omitted writable fields become null).

        Raises:
            QueryError: when the id is missing or unknown, or a value is invalid.
        """
        values = self._read_body(body)
        record_id = values.pop("id", None)
        if record_id is None:
            raise QueryError("id is required.")
        record = self._by_id.get(int(record_id))
        if record is None:
            raise QueryError(NO_RECORD)
        read_only = {f.name for f in self.fields if f.read_only}
        given_read_only = sorted(k for k in values if k in read_only)
        if given_read_only and reject_read_only:
            raise QueryError(f"Read-only fields cannot be updated: {', '.join(given_read_only)}.")
        changes = {k: v for k, v in values.items() if k not in read_only}
        if replace:
            changes = {f.name: changes.get(f.name) for f in self.fields if f.name not in read_only}
        missing = [
            f.name
            for f in self.fields
            if f.required and f.name in changes and changes[f.name] is None
        ]
        if missing:
            raise QueryError("; ".join(f"{name} is required." for name in missing))
        self._check_references(changes, valid_refs)
        record.update(changes)
        record["lastModifiedDate"] = now_iso()
        record["updateResourceID"] = API_RESOURCE_ID
        self._derive(record)
        return int(record_id)
