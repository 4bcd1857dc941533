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
    assert response.json() == {"errors": ["Unable to find projectID in the Service Entity."]}


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


def _udf(company, name):
    return next(u["value"] for u in company["userDefinedFields"] if u["name"] == name)


def test_companies_describe_their_user_defined_fields(client, at_url, at_headers):
    udfs = client.get(
        at_url + "V1.0/Companies/entityInformation/userDefinedFields", headers=at_headers
    ).json()["fields"]
    assert {(u["name"], u["type"]) for u in udfs} == {
        ("Number of Employees", "integer"),
        ("Customer Tier", "string"),
    }
    info = client.get(at_url + "V1.0/Companies/entityInformation", headers=at_headers).json()
    assert info["info"]["hasUserDefinedFields"] is True
    services = client.get(
        at_url + "V1.0/Services/entityInformation/userDefinedFields", headers=at_headers
    ).json()
    assert services == {"fields": []}


def test_udf_filter_compares_the_udf_value_case_insensitively(client, at_url, at_headers):
    everything = client.post(
        at_url + "V1.0/Companies/query",
        headers=at_headers,
        json={"filter": [{"op": "gte", "field": "id", "value": 0}]},
    ).json()["items"]
    body = {
        "filter": [
            {"op": "eq", "field": "customer tier", "value": "GOLD", "udf": True},
            {"op": "gte", "field": "id", "value": 1},
        ]
    }
    got = client.post(at_url + "V1.0/Companies/query", headers=at_headers, json=body).json()
    want = [c["id"] for c in everything if c["id"] >= 1 and _udf(c, "Customer Tier") == "Gold"]
    assert want and [c["id"] for c in got["items"]] == want
    assert all(len(c["userDefinedFields"]) == 2 for c in got["items"])


def test_numeric_udf_filter_and_exist(client, at_url, at_headers):
    def ids(condition):
        response = client.post(
            at_url + "V1.0/Companies/query", headers=at_headers, json={"filter": [condition]}
        )
        assert response.status_code == 200, response.text
        return {c["id"]: c for c in response.json()["items"]}

    big = ids({"op": "gt", "field": "Number of Employees", "value": 250, "udf": True})
    none = ids({"op": "notExist", "field": "Number of Employees", "udf": True})
    assert big and all(int(_udf(c, "Number of Employees")) > 250 for c in big.values())
    assert none and all(_udf(c, "Number of Employees") is None for c in none.values())


def test_two_udfs_in_one_query_is_500(client, at_url, at_headers):
    body = {
        "filter": [
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "Customer Tier", "value": "Gold", "udf": True},
                    {"op": "gt", "field": "Number of Employees", "value": 5, "udf": True},
                ],
            }
        ]
    }
    response = client.post(at_url + "V1.0/Companies/query", headers=at_headers, json=body)
    assert response.status_code == 500
    assert response.json() == {
        "errors": ["You can only query by one user-defined field at a time."]
    }


def test_unknown_udf_is_500_like_an_unknown_field(client, at_url, at_headers):
    body = {"filter": [{"op": "eq", "field": "Tier", "value": "x", "udf": True}]}
    response = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body)
    assert response.status_code == 500
    assert response.json() == {"errors": ["Unable to find Tier in the Service Entity."]}


# ServiceModel of Autotask's published OpenAPI (api-evangelist/kaseya,
# openapi/kaseya-services-api-openapi.yml @ 2d0352c5): field -> (type, format).
OPENAPI_SERVICE = {
    "id": ("integer", "int64"),
    "billingCodeID": ("integer", "int32"),
    "createDate": ("string", "date-time"),
    "creatorResourceID": ("integer", "int32"),
    "description": ("string", None),
    "invoiceDescription": ("string", None),
    "isActive": ("boolean", None),
    "lastModifiedDate": ("string", "date-time"),
    "markupRate": ("number", "double"),
    "name": ("string", None),
    "periodType": ("integer", "int32"),
    "serviceLevelAgreementID": ("integer", "int64"),
    "unitCost": ("number", "double"),
    "unitPrice": ("number", "double"),
    "updateResourceID": ("integer", "int32"),
    "vendorCompanyID": ("integer", "int32"),
    "manufacturerServiceProvider": ("string", None),
    "manufacturerServiceProviderProductNumber": ("string", None),
    "catalogNumberPartNumber": ("string", None),
    "sku": ("string", None),
    "internalID": ("string", None),
    "externalID": ("string", None),
    "url": ("string", None),
}
# How entityInformation/fields names those OpenAPI types.
DATA_TYPES = {
    ("integer", "int64"): "long",
    ("integer", "int32"): "integer",
    ("number", "double"): "double",
    ("string", "date-time"): "datetime",
    ("string", None): "string",
    ("boolean", None): "boolean",
}


def test_service_fields_and_types_match_the_published_openapi(client, at_url, at_headers):
    fields = client.get(
        at_url + "V1.0/Services/entityInformation/fields", headers=at_headers
    ).json()["fields"]
    described = {f["name"]: f["dataType"] for f in fields}
    assert described == {name: DATA_TYPES[kind] for name, kind in OPENAPI_SERVICE.items()}
    item = query(
        client, at_url, at_headers, {"op": "gte", "field": "id", "value": 0}, MaxRecords=1
    ).json()["items"][0]
    assert set(item) == set(OPENAPI_SERVICE) | {"userDefinedFields"}
    python_types = {"long": int, "integer": int, "double": float, "string": str}
    for name, data_type in described.items():
        if item[name] is not None and data_type in python_types:
            assert isinstance(item[name], python_types[data_type]), name
