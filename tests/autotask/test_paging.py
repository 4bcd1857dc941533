"""Reading every page: nextPageUrl POSTed with the same body, guards against loops and bad pages."""

from __future__ import annotations

import json

import httpx
import pytest

from offermap.autotask import AutotaskError, F

from .fake_server import ZONE_ROOT, FakeAutotask, json_response, service


def test_reads_1234_services_through_paging_each_exactly_once(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 1235)]
    client = client_factory()

    ids = [s.id for s in client.iter_services()]

    assert len(ids) == 1234
    assert sorted(ids) == list(range(1, 1235))
    pages = fake.requests_to("/Services/query")
    assert [p.url.split("/Services/")[1].split("?")[0] for p in pages] == [
        "query/count",
        "query",
        "query/next",
        "query/next",
    ]
    assert client.requests_made == 5  # zone lookup, count, three pages


def test_follows_next_page_url_with_post_and_the_same_body(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 12)]
    client = client_factory()

    list(client.iter_services(F.gte("id", 1), max_records=5, count_first=False))

    pages = fake.requests_to("/Services/query")
    assert [p.method for p in pages] == ["POST", "POST", "POST"]
    assert pages[1].url.startswith(f"{ZONE_ROOT}V1.0/Services/query/next?paging=")
    assert pages[0].body == pages[1].body == pages[2].body
    assert pages[0].body == {"filter": [{"op": "gte", "field": "id", "value": 1}], "MaxRecords": 5}


def test_reports_progress_after_each_page_with_the_counted_total(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 1235)]
    progress: list[tuple[int, int | None]] = []

    list(client_factory().iter_services(on_page=lambda done, total: progress.append((done, total))))

    assert progress == [(500, 1234), (1000, 1234), (1234, 1234)]


def test_iter_services_without_count_first_sends_no_count(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 4)]
    progress: list[tuple[int, int | None]] = []

    got = list(
        client_factory().iter_services(count_first=False, on_page=lambda *a: progress.append(a))
    )

    assert len(got) == 3
    assert fake.requests_to("query/count") == []
    assert progress == [(3, None)]


def test_query_returns_raw_dicts_over_all_pages_with_include_fields(fake, client_factory):
    fake.records["Companies"] = [
        {
            "id": i,
            "companyName": f"Contoso {i}" if i % 3 else f"Fabrikam {i}",
            "isActive": i % 5 != 0,
        }
        for i in range(1, 1300)
    ]
    client = client_factory()

    rows = list(
        client.query(
            "Companies",
            F.and_(F.eq("isActive", True), F.begins_with("companyName", "Contoso")),
            include_fields=["companyName"],
            max_records=500,
        )
    )

    expected = [i for i in range(1, 1300) if i % 3 and i % 5]
    assert [row["id"] for row in rows] == expected
    assert set(rows[0]) == {"id", "companyName"}
    assert len(fake.requests_to("/Companies/query")) == 2


def test_count_reads_query_count(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 101)]
    assert client_factory().count("Services", F.gt("id", 90)) == 10


def test_max_records_out_of_range_is_refused_before_any_request(fake, client_factory):
    client = client_factory()
    with pytest.raises(ValueError, match="between 1 and 500"):
        client.query("Companies", max_records=501)
    with pytest.raises(ValueError, match="between 1 and 500"):
        client.iter_services(max_records=0)
    assert fake.seen == []


def test_entity_names_that_would_change_the_path_are_refused(fake, client_factory):
    with pytest.raises(ValueError, match="not an Autotask entity"):
        client_factory().query("Services/../Companies")


def _serve(router, pages):
    """Route the zone's query endpoints to a fixed list of page bodies (dicts or raw text)."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        page = pages[min(len(calls) - 1, len(pages) - 1)]
        if isinstance(page, str):
            return httpx.Response(200, text=page)
        return json_response(200, page)

    router.route(host="webservices15.autotask.net").mock(side_effect=handler)
    return calls


def _page(ids, next_url=None, **extra):
    return {"items": [service(i) for i in ids], "pageDetails": {"nextPageUrl": next_url}, **extra}


NEXT = f"{ZONE_ROOT}V1.0/Services/query/next?paging=%7B%22p%22%3A2%7D"


def test_refuses_next_page_url_on_another_origin_without_sending_credentials(
    router, fake, client_factory
):
    evil = router.route(host="evil.example").mock(return_value=json_response(200, _page([])))
    _serve(
        router, [_page([1, 2], "https://evil.example/ATServicesRest/V1.0/Services/query/next?x=1")]
    )
    client = client_factory()

    got = []
    with pytest.raises(AutotaskError, match="not the zone's origin") as caught:
        got.extend(s.id for s in client.iter_services(count_first=False))

    assert got == [1, 2]
    assert not evil.called
    assert caught.value.entity == "Services"


@pytest.mark.parametrize(
    "url",
    [
        "http://webservices15.autotask.net/ATServicesRest/V1.0/Services/query/next",  # downgrade
        "https://webservices15.autotask.net:8443/ATServicesRest/V1.0/Services/query/next",
        "ftp://webservices15.autotask.net/next",
        "/ATServicesRest/V1.0/Services/query/next",
    ],
)
def test_refuses_next_page_url_that_is_not_the_zone_origin_over_http(
    router, fake, client_factory, url
):
    calls = _serve(router, [_page([1], url)])
    with pytest.raises(AutotaskError, match="page 1"):
        list(client_factory().iter_services(count_first=False))
    assert len(calls) == 1


def test_next_page_url_seen_twice_is_reported_as_a_loop(router, fake, client_factory):
    calls = _serve(router, [_page([1], NEXT), _page([2], NEXT)])
    with pytest.raises(AutotaskError, match="already followed; paging loops"):
        list(client_factory().iter_services(count_first=False))
    assert len(calls) == 2


def test_page_repeating_ids_is_an_error_and_yields_nothing_from_that_page(
    router, fake, client_factory
):
    _serve(router, [_page([1, 2], NEXT), _page([2, 3])])
    got: list[int] = []
    with pytest.raises(AutotaskError, match=r"page 2 repeats 1 record id\(s\).*\[2\]"):
        got.extend(s.id for s in client_factory().iter_services(count_first=False))
    assert got == [1, 2]


def test_page_with_a_duplicate_inside_it_is_an_error(router, fake, client_factory):
    _serve(router, [_page([5, 5])])
    with pytest.raises(AutotaskError, match="page 1 repeats"):
        list(client_factory().query("Services"))


BAD_SECOND_PAGES = {
    "not an object": json.dumps([1, 2]),
    "no items": {"pageDetails": {"nextPageUrl": None}},
    "items not a list": {"items": {"id": 3}, "pageDetails": {"nextPageUrl": None}},
    "item not an object": {"items": [service(3), 7], "pageDetails": {"nextPageUrl": None}},
    "record without id": {"items": [service(3), {"name": "x"}], "pageDetails": {}},
    "no pageDetails": {"items": [service(3)]},
    "nextPageUrl not a string": {"items": [service(3)], "pageDetails": {"nextPageUrl": 5}},
}


@pytest.mark.parametrize("bad", list(BAD_SECOND_PAGES.values()), ids=list(BAD_SECOND_PAGES))
def test_malformed_page_is_an_error_naming_entity_and_page_before_yielding_it(
    router, fake, client_factory, bad
):
    _serve(router, [_page([1, 2], NEXT), bad])
    got: list[int] = []
    with pytest.raises(AutotaskError, match="Services query page 2") as caught:
        got.extend(s.id for s in client_factory().iter_services(count_first=False))
    assert got == [1, 2]
    assert caught.value.entity == "Services"


@pytest.mark.parametrize("missing", ["name", "id"])
def test_service_missing_id_or_name_fails_its_page_naming_the_record(
    router, fake, client_factory, missing
):
    broken = service(4)
    del broken[missing]
    _serve(router, [_page([1], NEXT), {"items": [service(3), broken], "pageDetails": {}}])
    got: list[int] = []
    with pytest.raises(AutotaskError, match="page 2") as caught:
        got.extend(s.id for s in client_factory().iter_services(count_first=False))
    assert got == [1]
    assert "record 1" in str(caught.value)


def test_service_with_wrong_typed_field_names_the_record_and_field(router, fake, client_factory):
    _serve(router, [{"items": [service(1) | {"unitPrice": "lots"}], "pageDetails": {}}])
    with pytest.raises(
        AutotaskError, match=r"page 1: record 0 \(id 1\) is not a valid Service: unitPrice"
    ):
        list(client_factory().iter_services(count_first=False))


def test_empty_result_reads_one_page(fake, client_factory):
    assert list(client_factory().iter_services(F.gt("id", 10**9))) == []
    assert len(fake.requests_to("/Services/query")) == 2  # count and one page


def test_page_sizes_follow_server_not_assumed_500(fake: FakeAutotask, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 21)]
    fake.page_size = 7  # a server that pages below 500 must still be read completely
    assert [s.id for s in client_factory().iter_services()] == list(range(1, 21))


def test_a_cut_short_page_is_asked_for_again_and_read_once(router, fake, client_factory, sleeps):
    calls = _serve(router, [_page([1, 2], NEXT), '{"items": [{"id": 3, "na', _page([3, 4])])
    got = [s.id for s in client_factory().iter_services(count_first=False)]
    assert got == [1, 2, 3, 4]
    assert len(calls) == 3 and calls[1].content == calls[2].content  # same POST body again
    assert len(sleeps.calls) == 1


def test_a_page_that_stays_non_json_fails_naming_entity_status_and_path(
    router, fake, client_factory, sleeps
):
    _serve(router, [_page([1, 2], NEXT), "<html>oops</html>"])
    got: list[int] = []
    with pytest.raises(AutotaskError) as caught:
        got.extend(s.id for s in client_factory(max_retries=2).iter_services(count_first=False))
    assert got == [1, 2]
    text = str(caught.value)
    assert "Services POST /ATServicesRest/V1.0/Services/query/next" in text
    assert "HTTP 200 with a body that is not JSON" in text and "gave up after 3 attempts" in text
    assert caught.value.status == 200 and caught.value.entity == "Services"
