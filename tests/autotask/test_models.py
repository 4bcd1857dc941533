"""Wire models: camelCase in, tolerant of nulls and extra fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from offermap.autotask import FieldInfo, Service, ThresholdInfo, ZoneInfo

from .fake_server import service


def test_service_reads_every_camel_case_wire_field():
    wire = service(3) | {"externalID": "EXT-3", "catalogNumberPartNumber": "CAT-3"}
    got = Service.model_validate(wire)
    assert (got.id, got.name, got.period_type, got.unit_cost, got.unit_price) == (
        3,
        "Microsoft 365 Business Premium 3",
        1,
        18.5,
        22.0,
    )
    assert got.is_active is True
    assert got.sku == "CFQ7TTC0LCHC:0003"
    assert got.catalog_number_part_number == "CAT-3"
    assert got.manufacturer_service_provider_product_number == "CFQ7TTC0LCHC"
    assert (got.external_id, got.internal_id) == ("EXT-3", "INT-3")
    assert (got.vendor_company_id, got.billing_code_id) == (0, 29682801)
    assert got.invoice_description == "M365 BP seat 3"
    assert got.last_modified_date == datetime(2026, 7, 28, 10, 11, 12, 123000, tzinfo=UTC)


def test_service_tolerates_nulls_and_unknown_fields():
    got = Service.model_validate(
        {
            "id": 1,
            "name": "x",
            "unitCost": None,
            "periodType": None,
            "isActive": None,
            "brandNewField": {"a": 1},
            "lastModifiedDate": None,
        }
    )
    assert got.unit_cost is None and got.period_type is None and got.is_active is None


def test_naive_last_modified_date_is_read_as_utc():
    got = Service.model_validate({"id": 1, "name": "x", "lastModifiedDate": "2026-01-02T03:04:05"})
    assert got.last_modified_date == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("wire", [{"name": "no id"}, {"id": 1}, {"id": 1, "name": None}])
def test_service_without_id_or_name_is_invalid(wire):
    with pytest.raises(ValidationError):
        Service.model_validate(wire)


def test_picklist_value_string_on_the_wire_is_kept_and_labels_read():
    info = FieldInfo.model_validate(
        {
            "name": "periodType",
            "isPickList": True,
            "referenceEntityType": "",
            "picklistValues": [{"value": "4", "label": "Yearly", "isActive": True}],
        }
    )
    assert info.is_pick_list is True
    assert info.picklist_values is not None
    assert (info.picklist_values[0].value, info.picklist_values[0].label) == ("4", "Yearly")


def test_zone_and_threshold_read_camel_case():
    zone = ZoneInfo.model_validate(
        {
            "zoneName": "EU1",
            "url": "https://webservices19.autotask.net/ATServicesRest/",
            "webUrl": "https://ww19.autotask.net/",
            "ci": 3,
        }
    )
    assert (zone.zone_name, zone.ci) == ("EU1", 3)
    threshold = ThresholdInfo.model_validate(
        {
            "externalRequestThreshold": 10000,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": 124,
        }
    )
    assert threshold.current_timeframe_request_count == 124
