"""Autotask emulator: the query language, projections, counts, items and field metadata."""

from __future__ import annotations

import json

import pytest


def query(client, at_url, at_headers, *filters, **extra):
    body = {"filter": list(filters), **extra}
    return client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body)


def ids(response):
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def expected(tenant, predicate):
    return sorted(int(s["id"]) for s in tenant.autotask_services if predicate(s))


@pytest.mark.parametrize(
    ("condition", "predicate"),
    [
        ({"op": "eq", "field": "periodType", "value": 5}, lambda s: s["periodType"] == 5),
        ({"op": "noteq", "field": "periodType", "value": 2}, lambda s: s["periodType"] != 2),
        ({"op": "gt", "field": "unitPrice", "value": 100}, lambda s: s["unitPrice"] > 100),
        ({"op": "gte", "field": "unitPrice", "value": 125}, lambda s: s["unitPrice"] >= 125),
        ({"op": "lt", "field": "unitPrice", "value": 3}, lambda s: s["unitPrice"] < 3),
        ({"op": "lte", "field": "unitPrice", "value": 3}, lambda s: s["unitPrice"] <= 3),
        (
            {"op": "beginsWith", "field": "name", "value": "MICROSOFT 365 b"},
            lambda s: s["name"].lower().startswith("microsoft 365 b"),
        ),
        (
            {"op": "endsWith", "field": "name", "value": "(BILLED MONTHLY)"},
            lambda s: s["name"].lower().endswith("(billed monthly)"),
        ),
        ({"op": "contains", "field": "name", "value": "nce"}, lambda s: "nce" in s["name"].lower()),
        ({"op": "exist", "field": "sku"}, lambda s: s["sku"] is not None),
        ({"op": "notExist", "field": "sku"}, lambda s: s["sku"] is None),
        ({"op": "in", "field": "periodType", "value": [3, 4]}, lambda s: s["periodType"] in (3, 4)),
        ({"op": "notIn", "field": "periodType", "value": [2]}, lambda s: s["periodType"] != 2),
        ({"op": "eq", "field": "isActive", "value": False}, lambda s: s["isActive"] is False),
        (
            {"op": "gt", "field": "createDate", "value": "2025-01-01T00:00:00Z"},
            lambda s: s["createDate"] > "2025-01-01T00:00:00.000Z",
        ),
    ],
)
def test_each_operator_filters_like_autotask(
    client, at_url, at_headers, tenant, condition, predicate
):
    got = ids(query(client, at_url, at_headers, condition))
    want = expected(tenant, predicate)
    assert want, "the tenant should contain matches for every operator"
    assert got == want[:500]


def test_top_level_conditions_are_anded(client, at_url, at_headers, tenant):
    got = ids(
        query(
            client,
            at_url,
            at_headers,
            {"op": "eq", "field": "periodType", "value": 2},
            {"op": "eq", "field": "isActive", "value": True},
            {"op": "contains", "field": "name", "value": "365"},
        )
    )
    assert got == expected(
        tenant, lambda s: s["periodType"] == 2 and s["isActive"] and "365" in s["name"].lower()
    )


def test_nested_or_inside_and_groups(client, at_url, at_headers, tenant):
    condition = {
        "op": "and",
        "items": [
            {"op": "eq", "field": "isActive", "value": True},
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "periodType", "value": 3},
                    {"op": "beginsWith", "field": "name", "value": "azure"},
                ],
            },
        ],
    }
    got = ids(query(client, at_url, at_headers, condition))
    want = expected(
        tenant,
        lambda s: s["isActive"] and (s["periodType"] == 3 or s["name"].lower().startswith("azure")),
    )
    assert got == want
    assert len(want) >= 3


def test_field_names_op_names_and_body_keys_are_case_insensitive(
    client, at_url, at_headers, tenant
):
    body = {
        "Filter": [{"OP": "BEGINSWITH", "Field": "NAME", "Value": "azure"}],
        "IncludeFields": ["ID", "Name"],
        "MAXRECORDS": 10,
    }
    response = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body)
    assert ids(response) == expected(tenant, lambda s: s["name"].lower().startswith("azure"))
    assert set(response.json()["items"][0]) == {"id", "name", "userDefinedFields"}


def test_unknown_operator_drops_the_condition(client, at_url, at_headers, tenant):
    got = ids(
        query(
            client,
            at_url,
            at_headers,
            {"op": "ne", "field": "periodType", "value": 2},
            {"op": "eq", "field": "periodType", "value": 5},
        )
    )
    assert got == expected(tenant, lambda s: s["periodType"] == 5)


def test_unknown_field_is_500_naming_field_and_entity(client, at_url, at_headers):
    response = query(client, at_url, at_headers, {"op": "eq", "field": "projectID", "value": 1})
    assert response.status_code == 500
    assert response.json() == {"errors": ["Unable to find projectID in the Services Entity"]}


@pytest.mark.parametrize("max_records", [0, 501, -1])
def test_max_records_outside_1_to_500_is_500(client, at_url, at_headers, max_records):
    response = query(
        client, at_url, at_headers, {"op": "gte", "field": "id", "value": 0}, MaxRecords=max_records
    )
    assert response.status_code == 500
    assert response.json() == {"errors": ["maxCountOfRecordsToReturn must be between 1 and 500"]}


def test_include_fields_projects_each_item(client, at_url, at_headers):
    response = query(
        client,
        at_url,
        at_headers,
        {"op": "gte", "field": "id", "value": 0},
        IncludeFields=["id", "sku"],
    )
    for item in response.json()["items"]:
        assert set(item) == {"id", "sku", "userDefinedFields"}


def test_items_carry_every_published_service_field(client, at_url, at_headers):
    item = query(
        client, at_url, at_headers, {"op": "gte", "field": "id", "value": 0}, MaxRecords=1
    ).json()["items"][0]
    published = set(
        [
            "id",
            "name",
            "description",
            "invoiceDescription",
            "billingCodeID",
            "periodType",
            "unitPrice",
            "unitCost",
            "markupRate",
            "isActive",
            "serviceLevelAgreementID",
            "vendorCompanyID",
            "manufacturerServiceProvider",
            "manufacturerServiceProviderProductNumber",
            "catalogNumberPartNumber",
            "sku",
            "internalID",
            "externalID",
            "url",
            "createDate",
            "lastModifiedDate",
            "creatorResourceID",
            "updateResourceID",
        ]
    )
    assert published <= set(item)
    assert item["createDate"].endswith("Z")


def test_get_query_with_search_parameter_matches_post(client, at_url, at_headers):
    search = {"filter": [{"op": "contains", "field": "name", "value": "teams"}]}
    via_get = client.get(
        at_url + "V1.0/Services/query", headers=at_headers, params={"search": json.dumps(search)}
    )
    via_post = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=search)
    assert ids(via_get) == ids(via_post)
    assert ids(via_get)


def test_count_returns_query_count(client, at_url, at_headers, tenant):
    body = {"filter": [{"op": "eq", "field": "isActive", "value": False}]}
    post = client.post(at_url + "V1.0/Services/query/count", headers=at_headers, json=body)
    get = client.get(
        at_url + "V1.0/Services/query/count",
        headers=at_headers,
        params={"search": json.dumps(body)},
    )
    want = len(expected(tenant, lambda s: not s["isActive"]))
    assert post.json() == get.json() == {"queryCount": want}


def test_item_by_id_and_null_for_missing(client, at_url, at_headers, tenant):
    service = tenant.autotask_services[3]
    found = client.get(at_url + f"V1.0/Services/{service['id']}", headers=at_headers)
    assert found.json()["item"]["name"] == service["name"]
    missing = client.get(at_url + "V1.0/Services/1", headers=at_headers)
    assert missing.status_code == 200
    assert missing.json() == {"item": None}


def test_entity_information_fields_has_period_type_picklist_with_string_values(
    client, at_url, at_headers
):
    fields = client.get(
        at_url + "V1.0/Services/entityInformation/fields", headers=at_headers
    ).json()["fields"]
    by_name = {f["name"]: f for f in fields}
    period = by_name["periodType"]
    assert period["isPickList"] and period["isRequired"]
    labels = {p["label"]: p["value"] for p in period["picklistValues"]}
    assert labels == {"Monthly": "2", "Quarterly": "3", "Semi-Annual": "4", "Yearly": "5"}
    assert by_name["name"]["picklistValues"] is None
    assert {"billingCodeID", "name", "periodType", "unitPrice"} == {
        f["name"] for f in fields if f["isRequired"] and f["name"] != "id"
    }


def test_entity_information_describes_services_capabilities(client, at_url, at_headers):
    info = client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers).json()["info"]
    assert info["canQuery"] and info["canCreate"] and info["canUpdate"]
    assert info["canDelete"] is False


def test_companies_can_be_queried_for_customers(client, at_url, at_headers, tenant):
    body = {"filter": [{"op": "eq", "field": "companyType", "value": 1}]}
    response = client.post(at_url + "V1.0/Companies/query", headers=at_headers, json=body)
    names = {c["companyName"] for c in response.json()["items"]}
    assert {c["companyName"] for c in tenant.cc_customers} <= names
