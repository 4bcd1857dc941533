"""The emulator is not kinder than Autotask: cursors, URL length, quotes, wording, auth order."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def first_page(client, at_url, at_headers, body=ALL):
    response = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_next_page_url_carries_a_cursor_of_about_300_characters_not_id_lists(
    client, at_url, at_headers
):
    page = first_page(client, at_url, at_headers)
    next_url = page["pageDetails"]["nextPageUrl"]
    paging = parse_qs(urlsplit(next_url).query)["paging"][0]

    assert 200 <= len(paging) <= 400, len(paging)
    assert str(page["items"][-1]["id"]) not in next_url  # no ids in clear
    assert "previousIds" not in next_url and "nextIds" not in next_url


def test_an_altered_cursor_is_refused(client, at_url, at_headers):
    next_url = first_page(client, at_url, at_headers)["pageDetails"]["nextPageUrl"]
    paging = parse_qs(urlsplit(next_url).query)["paging"][0]
    forged = paging[:-6] + ("A" if paging[-6] != "A" else "B") + paging[-5:]
    url = next_url.split("?")[0] + "?paging=" + quote(forged, safe="")

    response = client.post(url, headers=at_headers, json=ALL)

    assert response.status_code == 500
    assert response.json() == {"errors": ["The paging parameter is not valid."]}


def test_a_cursor_is_refused_for_another_query(client, at_url, at_headers):
    next_url = first_page(client, at_url, at_headers)["pageDetails"]["nextPageUrl"]
    other = {"filter": [{"op": "gte", "field": "id", "value": 1}]}

    response = client.post(next_url, headers=at_headers, json=other)

    assert response.status_code == 500


def test_previous_page_url_leads_back_to_the_previous_page(client, at_url, at_headers):
    first = first_page(client, at_url, at_headers)
    second = client.post(first["pageDetails"]["nextPageUrl"], headers=at_headers, json=ALL).json()
    back = client.post(second["pageDetails"]["prevPageUrl"], headers=at_headers, json=ALL).json()

    assert [r["id"] for r in back["items"]] == [r["id"] for r in first["items"]]
    assert first["pageDetails"]["prevPageUrl"] is None


def _search_url(at_url: str, search: dict) -> str:
    return at_url + "V1.0/Services/query?search=" + quote(json.dumps(search), safe="")


def test_a_get_search_longer_than_2048_characters_is_404_as_live(client, at_url, at_headers):
    ids = list(range(1, 2000))
    short = {"filter": [{"op": "in", "field": "id", "value": ids[:50]}]}
    long = {"filter": [{"op": "in", "field": "id", "value": ids[:600]}]}
    assert len(_search_url(at_url, short)) < 2048 < len(_search_url(at_url, long))

    ok = client.get(_search_url(at_url, short), headers=at_headers)
    refused = client.get(_search_url(at_url, long), headers=at_headers)

    assert ok.status_code == 200
    assert refused.status_code == 404
    assert "404 - File or directory not found." in refused.text


def test_the_same_long_filter_by_post_is_answered(client, at_url, at_headers):
    long = {"filter": [{"op": "in", "field": "id", "value": list(range(1, 600))}]}
    assert client.post(at_url + "V1.0/Services/query", headers=at_headers, json=long).is_success


@pytest.mark.parametrize("how", ["post", "get"])
def test_a_search_written_with_single_quotes_is_accepted_as_live(client, at_url, at_headers, how):
    text = "{'filter':[{'op':'beginsWith','field':'name','value':'Paging Filler'}],'MaxRecords':3}"
    if how == "post":
        headers = {**at_headers, "Content-Type": "application/json"}
        response = client.post(at_url + "V1.0/Services/query", headers=headers, content=text)
    else:
        response = client.get(
            at_url + "V1.0/Services/query", headers=at_headers, params={"search": text}
        )

    assert response.status_code == 200, response.text
    names = [item["name"] for item in response.json()["items"]]
    assert len(names) == 3 and all(name.startswith("Paging Filler") for name in names)


def test_single_quotes_inside_double_quoted_values_survive(client, at_url, at_headers):
    text = '{"filter":[{"op":"eq","field":"name","value":"O\'Brien\'s"}]}'
    response = client.post(
        at_url + "V1.0/Services/query",
        headers={**at_headers, "Content-Type": "application/json"},
        content=text,
    )
    assert response.status_code == 200 and response.json()["items"] == []


def test_broken_json_is_still_refused(client, at_url, at_headers):
    response = client.post(
        at_url + "V1.0/Services/query",
        headers={**at_headers, "Content-Type": "application/json"},
        content="{'filter': [",
    )
    assert response.status_code == 500
    assert response.json() == {"errors": ["The request body is not valid JSON."]}


def test_the_unknown_field_error_uses_the_singular_entity_and_a_final_period(
    client, at_url, at_headers
):
    body = {"filter": [{"op": "eq", "field": "nosuch", "value": 1}]}
    response = client.post(at_url + "V1.0/Companies/query", headers=at_headers, json=body)
    assert response.json() == {"errors": ["Unable to find nosuch in the Company Entity."]}


@pytest.mark.parametrize(
    "path", ["V1.0/Tickets/query", "V1.0/NotificationTemplates/entityInformation"]
)
def test_an_entity_the_emulator_lacks_checks_credentials_before_answering_404(
    client, at_url, at_headers, path
):
    anonymous = client.get(at_url + path)
    wrong = client.get(at_url + path, headers={**at_headers, "Secret": "wrong"})
    known = client.get(at_url + path, headers=at_headers)

    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert known.status_code == 404 and "File or directory not found" in known.text
