"""Typed Autotask records read from the wire (camelCase JSON, extra fields ignored, nulls kept)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


class _Wire(BaseModel):
    # Autotask adds fields over time and returns extra ones (userDefinedFields): ignore them.
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class ZoneInfo(_Wire):
    """Where an API user's database lives, as `ZoneInformation?user=` answers."""

    zone_name: str | None = None
    url: str
    web_url: str | None = None
    ci: int | None = None


class ThresholdInfo(_Wire):
    """The tenant's hourly request threshold and how much of it is used (`ThresholdInformation`)."""

    external_request_threshold: int
    request_threshold_timeframe: int
    current_timeframe_request_count: int


class PicklistValue(_Wire):
    """One picklist entry; Autotask sends `value` as a string even for integer fields."""

    value: str
    label: str
    is_default_value: bool | None = None
    sort_order: int | None = None
    parent_value: str | None = None
    is_active: bool | None = None
    is_system: bool | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _value_as_text(cls, value: Any) -> Any:
        # Tolerate a number on the wire; the documented form is a string.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class FieldInfo(_Wire):
    """One field of an entity, from `/{Entity}/entityInformation/fields`."""

    name: str
    data_type: str | None = None
    length: int | None = None
    is_required: bool | None = None
    is_read_only: bool | None = None
    is_queryable: bool | None = None
    is_reference: bool | None = None
    reference_entity_type: str | None = None
    is_pick_list: bool | None = None
    picklist_values: list[PicklistValue] | None = None
    picklist_parent_value_field: str | None = None


def _utc(value: datetime | None) -> datetime | None:
    # Autotask returns UTC; some payloads omit the "Z", so a naive time is UTC too.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Service(_Wire):
    """An Autotask Service (a recurring billable item), as the Services query returns it.

    `period_type` is the picklist integer; its label comes from
    `AutotaskClient.picklist_labels("Services", "periodType")`.
    """

    id: int
    name: str
    description: str | None = None
    invoice_description: str | None = None
    period_type: int | None = None
    unit_cost: float | None = None
    unit_price: float | None = None
    is_active: bool | None = None
    sku: str | None = None
    catalog_number_part_number: str | None = None
    manufacturer_service_provider: str | None = None
    manufacturer_service_provider_product_number: str | None = None
    external_id: str | None = Field(
        default=None, validation_alias=AliasChoices("externalID", "external_id")
    )
    internal_id: str | None = Field(
        default=None, validation_alias=AliasChoices("internalID", "internal_id")
    )
    vendor_company_id: int | None = Field(
        default=None, validation_alias=AliasChoices("vendorCompanyID", "vendor_company_id")
    )
    billing_code_id: int | None = Field(
        default=None, validation_alias=AliasChoices("billingCodeID", "billing_code_id")
    )
    last_modified_date: datetime | None = None

    @field_validator("last_modified_date")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _utc(value)
