"""Autotask emulator: pages of at most 500, nextPageUrl followed with the first request's verb."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def test_follows_next_page_url_with_post_and_same_body(client, at_url, at_headers, tenant):
    seen: list[int] = []
    response = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL)
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pageDetails"]["count"] == len(body["items"]) <= 500
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        next_url = body["pageDetails"]["nextPageUrl"]
        if next_url is None:
            break
        assert next_url.startswith(at_url + "V1.0/Services/query/next?paging=")
        response = client.post(next_url, headers=at_headers, json=ALL)
    assert pages == 3
    assert seen == sorted(int(s["id"]) for s in tenant.autotask_services)


def test_get_on_a_post_origin_next_page_is_405(client, at_url, at_headers):
    first = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL).json()
    response = client.get(first["pageDetails"]["nextPageUrl"], headers=at_headers)
    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'GET'."
    }


def test_get_origin_next_page_carries_search_and_is_followed_by_get(
    client, at_url, at_headers, tenant
):
    first = client.get(
        at_url + "V1.0/Services/query", headers=at_headers, params={"search": json.dumps(ALL)}
    ).json()
    next_url = first["pageDetails"]["nextPageUrl"]
    assert "search" in parse_qs(urlsplit(next_url).query)
    second = client.get(next_url, headers=at_headers)
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] > first["items"][-1]["id"]
    assert second.json()["pageDetails"]["prevPageUrl"] is not None


def test_filter_still_applies_on_later_pages(client, at_url, at_headers, tenant):
    body = {
        "filter": [{"op": "beginsWith", "field": "name", "value": "paging filler"}],
        "MaxRecords": 400,
    }
    first = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body).json()
    assert first["pageDetails"]["requestCount"] == 400
    assert len(first["items"]) == 400
    second = client.post(first["pageDetails"]["nextPageUrl"], headers=at_headers, json=body).json()
    names = [item["name"] for item in second["items"]]
    assert len(names) == 400
    assert all(name.startswith("Paging Filler") for name in names)


def test_post_next_page_without_body_is_rejected(client, at_url, at_headers):
    first = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL).json()
    response = client.post(first["pageDetails"]["nextPageUrl"], headers=at_headers)
    assert response.status_code == 500
    assert response.json()["errors"]


def test_post_on_a_get_origin_next_page_is_405(client, at_url, at_headers):
    first = client.get(
        at_url + "V1.0/Services/query", headers=at_headers, params={"search": json.dumps(ALL)}
    ).json()
    response = client.post(first["pageDetails"]["nextPageUrl"], headers=at_headers, json=ALL)
    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'POST'."
    }


def test_a_post_started_query_with_a_stray_search_parameter_still_pages_by_post(
    client, at_url, at_headers
):
    first = client.post(
        at_url + "V1.0/Services/query",
        headers=at_headers,
        params={"search": json.dumps(ALL)},
        json=ALL,
    ).json()
    next_url = first["pageDetails"]["nextPageUrl"]
    assert "search" not in parse_qs(urlsplit(next_url).query)
    assert client.post(next_url, headers=at_headers, json=ALL).status_code == 200


def test_records_deleted_between_pages_do_not_end_the_paging(server, client, at_url, at_headers):
    store = server.autotask.entities["services"]
    original = store.records()
    body = {**ALL, "MaxRecords": 10}
    try:
        first = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body).json()
        promised = [r for r in original if r["id"] > first["items"][-1]["id"]][:10]
        gone = {r["id"] for r in promised}
        server.autotask.load("Services", [r for r in original if r["id"] not in gone])
        seen = [item["id"] for item in first["items"]]
        url = first["pageDetails"]["nextPageUrl"]
        while url:
            page = client.post(url, headers=at_headers, json=body).json()
            seen.extend(item["id"] for item in page["items"])
            url = page["pageDetails"]["nextPageUrl"]
    finally:
        server.autotask.load("Services", original)
    assert seen == [r["id"] for r in original if r["id"] not in gone]


def test_load_refuses_records_sharing_an_id(server):
    record = server.autotask.entities["services"].records()[0]
    with pytest.raises(ValueError, match="distinct ids"):
        server.autotask.load("Services", [record, dict(record)])
    assert server.autotask.entities["services"].get(record["id"]) is not None
