"""Paging: pageNumber/pageSize until a short page or the total, and the guards."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitError
from offermap.cloudcockpit.paging import iter_pages

from .support import API_URL, paged, subscription

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"


def test_reads_2500_subscriptions_at_page_size_1000_each_exactly_once(
    api, token_endpoint, make_client
):
    records = [subscription(n) for n in range(2500)]
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged(records))
    progress: list[tuple[int, int | None]] = []
    client = make_client(page_size=1000)

    read = list(client.iter_subscriptions(on_page=lambda *args: progress.append(args)))

    ids = Counter(record.id for record in read)
    assert len(read) == 2500
    assert set(ids) == {record["id"] for record in records}
    assert max(ids.values()) == 1
    assert [
        (call.request.url.params["pageNumber"], call.request.url.params["pageSize"])
        for call in route.calls
    ] == [("1", "1000"), ("2", "1000"), ("3", "1000")]
    assert progress == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert client.requests_made == 3


def test_stops_at_an_exactly_full_last_page_once_the_total_is_read(
    api, token_endpoint, make_client
):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(n) for n in range(4)]))

    read = list(make_client(page_size=2).iter_subscriptions())

    assert len(read) == 4
    assert route.call_count == 2  # the total says there is no third page


@pytest.mark.parametrize(
    "body",
    [{"items": []}, {"items": [subscription(1)]}, {"items": [], "totalCount": None}],
    ids=["empty", "short", "null-total"],
)
def test_a_page_without_a_verifiable_total_is_refused(api, token_endpoint, make_client, body):
    # An empty answer without a total once published an empty snapshot over 150 subscriptions.
    api.get(SUBSCRIPTIONS).mock(return_value=httpx.Response(200, json=body))
    read: list[object] = []

    with pytest.raises(CloudCockpitError, match=r"page 1 answered .* without a total count") as e:
        read.extend(make_client().iter_subscriptions())

    assert read == []
    assert "\n" not in str(e.value) and "run it again" in str(e.value)


def test_an_empty_first_page_against_a_total_is_refused(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(200, json={"items": [], "totalCount": 75})
    )

    with pytest.raises(CloudCockpitError, match="after 0 records but the API reported 75"):
        list(make_client().iter_subscriptions())


def test_a_total_that_changes_between_pages_is_refused(api, token_endpoint, make_client):
    pages = [
        {"items": [subscription(1), subscription(2)], "totalCount": 4},
        {"items": [subscription(3), subscription(4)], "totalCount": 5},
    ]
    api.get(SUBSCRIPTIONS).mock(side_effect=[httpx.Response(200, json=p) for p in pages])

    with pytest.raises(CloudCockpitError, match="page 2 reports 5 records but page 1 reported 4"):
        list(make_client(page_size=2).iter_subscriptions())


def test_pages_running_past_the_total_are_refused(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(
            200, json={"items": [subscription(1), subscription(2)], "totalCount": 1}
        )
    )

    with pytest.raises(CloudCockpitError, match="to 2 records but the API reported 1"):
        list(make_client(page_size=2).iter_subscriptions())


@pytest.mark.parametrize("total_key", ["totalCount", "totalItems", "count"])
def test_stops_once_the_reported_total_is_reached(api, token_endpoint, make_client, total_key):
    records = [subscription(n) for n in range(4)]
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged(records, total_key=total_key))
    progress: list[tuple[int, int | None]] = []

    read = list(
        make_client(page_size=2).iter_subscriptions(on_page=lambda *args: progress.append(args))
    )

    assert len(read) == 4
    assert route.call_count == 2
    assert progress == [(2, 4), (4, 4)]


def test_empty_list_is_one_request(api, token_endpoint, make_client):
    route = api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(200, json={"items": [], "totalCount": 0})
    )

    assert list(make_client().iter_subscriptions()) == []
    assert route.call_count == 1


def test_fails_when_the_api_repeats_the_same_page(api, token_endpoint, make_client):
    # A server that ignores pageNumber would answer page 1 forever.
    same_page = {"items": [subscription(1), subscription(2)], "totalCount": 4}
    route = api.get(SUBSCRIPTIONS).mock(return_value=httpx.Response(200, json=same_page))

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client(page_size=2).iter_subscriptions())

    assert route.call_count == 2
    message = str(caught.value)
    assert "GET v1/subscriptions page 2" in message
    assert subscription(1)["id"] in message
    assert "already returned on GET v1/subscriptions page 1" in message


def test_fails_when_a_record_comes_back_on_a_later_page(api, token_endpoint, make_client):
    pages = [
        {"items": [subscription(1), subscription(2)], "totalCount": 4},
        {"items": [subscription(2), subscription(3)], "totalCount": 4},
    ]
    api.get(SUBSCRIPTIONS).mock(side_effect=[httpx.Response(200, json=p) for p in pages])

    with pytest.raises(CloudCockpitError, match=subscription(2)["id"]):
        list(make_client(page_size=2).iter_subscriptions())


def test_fails_when_pages_end_before_the_reported_total(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(200, json={"items": [subscription(1)], "totalCount": 3})
    )

    with pytest.raises(CloudCockpitError, match="after 1 records but the API reported 3"):
        list(make_client(page_size=2).iter_subscriptions())


@pytest.mark.parametrize(
    ("body", "found"),
    [([subscription(1)], "list"), ({"value": []}, "no items list"), ({"items": None}, "no items")],
)
def test_fails_on_a_body_without_items_list(api, token_endpoint, make_client, body, found):
    api.get(SUBSCRIPTIONS).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(CloudCockpitError, match=f"expected a JSON object.*{found}"):
        list(make_client().iter_subscriptions())


def test_fails_on_an_item_that_is_not_an_object(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(200, json={"items": [subscription(1), "oops"], "totalCount": 2})
    )

    with pytest.raises(CloudCockpitError, match="page 1: record #2 is a str"):
        list(make_client().iter_subscriptions())


def test_stops_after_max_pages_of_full_pages():
    def endless(page_number: int) -> dict[str, object]:
        return {
            "items": [{"id": f"{page_number}-a"}, {"id": f"{page_number}-b"}],
            "totalCount": 1_000_000,
        }

    pages = iter_pages(endless, endpoint="GET v1/subscriptions", page_size=2, max_pages=5)

    with pytest.raises(CloudCockpitError, match="full pages after 5 pages"):
        for _ in pages:
            pass


def test_rejects_page_size_beyond_the_api_limit():
    with pytest.raises(ValueError, match="between 1 and 2000"):
        next(iter_pages(lambda n: {"items": []}, endpoint="GET x", page_size=2001))
