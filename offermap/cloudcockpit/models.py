"""Typed records of the CloudCockpit API: subscriptions, customers, offers and money.

The wire format is camelCase JSON; enumerations arrive as objects (``{"name": "Monthly"}``)
and money as ``{"value": 42.0, "currency": {"name": "EUR"}}``. Enumeration values are kept
as the strings CloudCockpit sent, even unknown ones: the input expectations, not the
client, decide whether a value is acceptable, so an extract never drops a record silently.
See https://developer.cloudcockpit.com/operation/operation-get-v1-subscriptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

from offermap.cloudcockpit.errors import CloudCockpitFatalError

_MAX_REPORTED_RECORDS = 5


def _enum_name(value: Any) -> Any:
    """Unwrap ``{"name": x}`` (or ``{"value": x}``) to ``x``; bare strings pass as they are."""
    if isinstance(value, dict):
        for key in ("name", "value"):
            if key in value:
                return value[key]
        return None
    return value


def _enum_names(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, list):
        return [_enum_name(item) for item in value]
    return [_enum_name(value)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


EnumName = Annotated[str | None, BeforeValidator(_enum_name)]
"""An enumeration sent as ``{"name": ...}`` or, defensively, as a bare string."""

EnumNames = Annotated[list[str], BeforeValidator(_enum_names)]
"""A list of enumerations such as ``billingFrequencies: [{"name": "Monthly"}]``."""


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        alias_generator=AliasGenerator(validation_alias=to_camel),
    )


class Money(_Record):
    """An amount with its currency, e.g. a subscription's list price for the whole term."""

    value: Decimal
    currency: EnumName = None

    @classmethod
    def parse(cls, raw: Any) -> Any:
        """Read money as sent (``{"value", "currency": {"name"}}``), a bare number, or null.

        Args:
            raw: the JSON value.

        Returns:
            None when there is no amount, else something ``Money`` validates.
        """
        if raw is None:
            return None
        if isinstance(raw, dict):
            if raw.get("value") is None:
                return None
            return raw
        if isinstance(raw, int | float | str) and not isinstance(raw, bool):
            return {"value": raw}
        return raw

    @field_validator("value", mode="before")
    @classmethod
    def _exact_decimal(cls, value: Any) -> Any:
        # A float such as 0.1 + 0.2 goes through its shortest repr, not its binary expansion.
        return str(value) if isinstance(value, float) else value


OptionalMoney = Annotated[Money | None, BeforeValidator(Money.parse)]


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        # CloudCockpit dates are UTC; a value without an offset is read as UTC, not local time.
        return value.replace(tzinfo=UTC)
    return value


class Subscription(_Record):
    """A subscription visible in the CSP or reseller context (list or single view)."""

    id: str
    customer_id: str | None = None
    reseller_id: str | None = None
    order_id: str | None = None
    provider_instance_id: str | None = None
    offer_id: str | None = None
    provider_offer_id: str | None = None
    offer_name: str | None = None
    subscription_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices("subscriptionName", "name"),
    )
    offer_type: EnumName = None
    segment: EnumName = None
    term: EnumName = Field(default=None, validation_alias=AliasChoices("termDuration", "term"))
    billing_frequency: EnumName = None
    billing_type: EnumName = None
    status: EnumName = Field(
        default=None, validation_alias=AliasChoices("subscriptionStatus", "status")
    )
    quantity: int | None = None
    assigned_licenses: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    cancellation_allowed_until: datetime | None = None
    is_trial: bool | None = Field(
        default=None, validation_alias=AliasChoices("isTrialOffer", "isTrial")
    )
    is_addon: bool | None = Field(
        default=None, validation_alias=AliasChoices("isAddonOffer", "isAddon")
    )
    list_price: OptionalMoney = None
    revenue_price: OptionalMoney = None
    erp_price: OptionalMoney = None

    @field_validator("start_date", "end_date", "cancellation_allowed_until", mode="before")
    @classmethod
    def _blank_date(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("start_date", "end_date", "cancellation_allowed_until")
    @classmethod
    def _date_in_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)


class Customer(_Record):
    """A customer of the CSP, or of a reseller under it."""

    id: str
    company_name: str | None = None
    reseller_id: str | None = None
    internal_identifier: str | None = None
    domain: str | None = None
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None


class OfferPrice(_Record):
    """One price row of an offer: segment, term and billing frequencies live here."""

    segment: EnumName = None
    term: EnumName = Field(default=None, validation_alias=AliasChoices("termDuration", "term"))
    region: EnumName = None
    billing_frequencies: EnumNames = Field(default_factory=list)
    cost_price: OptionalMoney = None
    revenue_price: OptionalMoney = None
    erp_price: OptionalMoney = None


class Offer(_Record):
    """An offer of the catalogue (``GET v1/Offers``)."""

    id: str
    name: str | None = None
    description: str | None = None
    provider_offer_id: str | None = None
    provider_name: str | None = None
    provider_instance_id: str | None = None
    offer_type: EnumName = None
    billing_type: EnumName = None
    is_addon: bool | None = None
    min_quantity: int | None = None
    max_quantity: int | None = None
    prices: list[OfferPrice] = Field(default_factory=list)

    @field_validator("prices", mode="before")
    @classmethod
    def _null_prices(cls, value: Any) -> Any:
        return [] if value is None else value


RecordT = TypeVar("RecordT", bound=_Record)


def parse_records(
    model: type[RecordT], items: Sequence[Any], *, endpoint: str, page_number: int
) -> list[RecordT]:
    """Validate one page of raw items into records, or fail naming every bad record.

    Args:
        model: the record class, e.g. ``Subscription``.
        items: the page's ``items``.
        endpoint: method and path, for the message.
        page_number: the page the items came from, for the message.

    Returns:
        The records in page order.

    Raises:
        CloudCockpitError: naming the page and the id (or position) of each record that
            could not be read, and what was wrong with it.
    """
    records: list[RecordT] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            records.append(model.model_validate(item))
        except ValidationError as exc:
            problems.append(f"{_record_label(item, index)}: {_summarise(exc)}")
    if problems:
        shown = "; ".join(problems[:_MAX_REPORTED_RECORDS])
        more = len(problems) - _MAX_REPORTED_RECORDS
        if more > 0:
            shown += f"; and {more} more"
        raise CloudCockpitFatalError(
            f"CloudCockpit {endpoint} page {page_number}: {len(problems)} "
            f"{model.__name__.lower()} record(s) could not be read: {shown}",
            endpoint=endpoint,
        )
    return records


def _record_label(item: Any, index: int) -> str:
    record_id = item.get("id") if isinstance(item, dict) else None
    if record_id is None:
        return f"record #{index + 1} (no id)"
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        # An id that is a list or an object names nothing: say where the record is.
        return f"record #{index + 1} (id is a {type(record_id).__name__})"
    return f"record {record_id}"


def _summarise(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "(record)"
        parts.append(f"{location}: {error['msg']} (got {type(error['input']).__name__})")
    return ", ".join(parts)
