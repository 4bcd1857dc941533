"""Autotask emulator: pages of at most 500, nextPageUrl followed with the first request's verb."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

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
