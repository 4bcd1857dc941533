"""A read that query/count does not confirm fails, one line, instead of passing as complete."""

from __future__ import annotations

import logging

from offermap.autotask import AutotaskError
from offermap.http import FatalApiError, is_transient

from .fake_server import json_response, service


def page(records: list[dict], next_url: str | None = None):
    """A 200 query page as Autotask answers it."""
    details = {"count": len(records), "requestCount": 500, "prevPageUrl": None}
    return json_response(
        200, {"items": records, "pageDetails": {**details, "nextPageUrl": next_url}}
    )


def read_all(client) -> tuple[list[int], BaseException | None]:
    got: list[int] = []
    try:
        for record in client.iter_services():
            got.append(record.id)
    except AutotaskError as exc:
        return got, exc
    return got, None


def test_a_first_page_without_its_next_page_url_fails_the_read(fake, client_factory):
    # Live: nextPageUrl dropped on page 1 while query/count said 5,000; 500 were published.
    fake.records["Services"] = [service(i) for i in range(1, 1235)]
    fake.faults.extend([None, page([service(i) for i in range(1, 501)])])

    got, error = read_all(client_factory())

    assert len(got) == 500  # the caller saw the page, and must now drop it
    assert isinstance(error, FatalApiError) and not is_transient(error)
    text = str(error)
    assert "held 500 services but query/count says 1234 (and 1234 when asked again)" in text
    assert "run the sync again" in text and "\n" not in text
    assert len(fake.requests_to("query/count")) == 2


def test_an_empty_first_page_against_a_count_fails_the_read(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 76)]
    fake.faults.extend([None, page([])])

    got, error = read_all(client_factory())

    assert got == []
    assert error is not None and "held 0 services but query/count says 75" in str(error)


def test_a_count_that_changed_during_the_read_is_accepted_when_a_second_count_agrees(
    fake, client_factory, caplog
):
    fake.records["Services"] = [service(i) for i in range(1, 11)]
    fake.faults.append(json_response(200, {"queryCount": 12}))  # two services deleted since

    with caplog.at_level(logging.WARNING):
        got, error = read_all(client_factory())

    assert error is None and got == list(range(1, 11))
    assert "a second count agrees with the read" in caplog.text


def test_no_count_no_check(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 11)]
    fake.faults.append(page([service(1)]))

    got = [s.id for s in client_factory().iter_services(count_first=False)]

    assert got == [1]
    assert fake.requests_to("query/count") == []
