"""Autotask emulator: Services writes, thread and hourly thresholds, latency and fault injection."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest

NEW = {"name": "Sandbox Test Service", "billingCodeID": 29682801, "periodType": 2, "unitPrice": 9.5}


def test_create_service_returns_item_id_and_is_queryable(client, at_url, at_headers):
    response = client.post(
        at_url + "V1.0/Services", headers=at_headers, json={**NEW, "unitCost": 5}
    )
    assert response.status_code == 200
    item_id = response.json()["itemId"]
    item = client.get(at_url + f"V1.0/Services/{item_id}", headers=at_headers).json()["item"]
    assert item["name"] == NEW["name"]
    assert item["isActive"] is True
    assert item["createDate"].endswith("Z")
    assert item["markupRate"] == pytest.approx(90.0)


def test_create_without_required_fields_is_500_listing_them(client, at_url, at_headers):
    response = client.post(at_url + "V1.0/Services", headers=at_headers, json={"name": "x"})
    assert response.status_code == 500
    message = " ".join(response.json()["errors"])
    for field in ("billingCodeID", "periodType", "unitPrice"):
        assert field in message


def test_create_with_unknown_billing_code_is_500(client, at_url, at_headers):
    response = client.post(
        at_url + "V1.0/Services", headers=at_headers, json={**NEW, "billingCodeID": 1}
    )
    assert response.status_code == 500
    assert "billingCodeID" in response.json()["errors"][0]


def test_patch_updates_given_fields_and_ignores_read_only_period(client, at_url, at_headers):
    item_id = client.post(at_url + "V1.0/Services", headers=at_headers, json=NEW).json()["itemId"]
    response = client.patch(
        at_url + "V1.0/Services",
        headers=at_headers,
        json={"id": item_id, "isActive": False, "periodType": 5},
    )
    assert response.json() == {"itemId": item_id}
    item = client.get(at_url + f"V1.0/Services/{item_id}", headers=at_headers).json()["item"]
    assert item["isActive"] is False
    assert item["periodType"] == 2
    assert item["name"] == NEW["name"]


def test_patch_of_unknown_id_is_500(client, at_url, at_headers):
    response = client.patch(
        at_url + "V1.0/Services", headers=at_headers, json={"id": 1, "name": "x"}
    )
    assert response.status_code == 500


def _concurrent_gets(url: str, headers: dict[str, str], n: int) -> list[httpx.Response]:
    def one(_: int) -> httpx.Response:
        with httpx.Client(timeout=10) as c:
            return c.get(url, headers=headers)

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_more_than_three_concurrent_requests_per_endpoint_hit_thread_threshold(
    server, at_url, at_headers
):
    # Three requests are held in flight by the gate, so the other three overlap them by
    # construction, however slow the machine.
    gate = server.autotask.gate
    gate.close()
    url = at_url + "V1.0/Services/entityInformation"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_concurrent_gets, url, at_headers, 6)
        try:
            assert gate.wait_until_held(3), "three requests never reached the emulator"
            deadline = time.monotonic() + 30
            while server.autotask.stats.rejections["thread_threshold"] < 3:
                assert time.monotonic() < deadline, "the other three were never refused"
                time.sleep(0.01)
        finally:
            gate.open()
        responses = pending.result()
    rejected = [r for r in responses if r.status_code == 500]
    assert len(rejected) == 3
    assert "Thread Threshold Exceeded" in rejected[0].json()["errors"][0]
    assert sum(r.status_code == 200 for r in responses) == 3
    # Each refusal is counted in flight (4) and leaves at once, before the next arrives.
    assert server.autotask.stats.peak_concurrency["Services"] == 4


def test_three_concurrent_requests_are_allowed(server, at_url, at_headers):
    server.autotask.knobs.latency_seconds = 0.3
    responses = _concurrent_gets(at_url + "V1.0/Services/entityInformation", at_headers, 3)
    assert [r.status_code for r in responses] == [200, 200, 200]


def test_hourly_threshold_gives_429_with_retry_after(server, client, at_url, at_headers):
    count = client.get(at_url + "V1.0/ThresholdInformation", headers=at_headers).json()
    server.autotask.knobs.hourly_threshold = count["currentTimeframeRequestCount"] + 1
    server.autotask.knobs.retry_after_seconds = 7
    assert (
        client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers).status_code
        == 200
    )
    response = client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("rate_limited", lambda r: r.status_code == 429 and "Retry-After" in r.headers),
        ("server_error", lambda r: r.status_code == 503),
        ("malformed", lambda r: r.status_code == 200 and not _is_json(r)),
    ],
)
def test_fault_injection_returns_the_chosen_fault(server, client, at_url, at_headers, kind, check):
    server.autotask.knobs.fault_rate = 1.0
    server.autotask.knobs.fault_kinds = (kind,)
    response = client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers)
    assert check(response)
    assert server.autotask.stats.faults[kind] == 1


def test_dropped_connection_fault_breaks_the_response(server, client, at_url, at_headers):
    server.autotask.knobs.fault_rate = 1.0
    server.autotask.knobs.fault_kinds = ("dropped",)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers)


def test_fault_sequence_is_reproducible_for_a_seed(server, client, at_url, at_headers):
    knobs = server.autotask.knobs
    knobs.fault_rate, knobs.fault_kinds = 0.5, ("server_error",)

    def run(seed: int) -> list[int]:
        knobs.seed = seed
        return [
            client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers).status_code
            for _ in range(12)
        ]

    first = run(11)
    knobs.seed = 99
    client.get(at_url + "V1.0/Services/entityInformation", headers=at_headers)
    assert run(11) == first
    assert set(first) == {200, 503}


def _is_json(response: httpx.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def test_usage_latency_steps_apply_once_usage_reaches_them(server, client, at_url, at_headers):
    knobs = server.autotask.knobs
    # At least ten requests counted, so that the thresholds below give the shares they say
    # whichever tests ran on this server before (with one, int(1 / 0.6) would be 100 %).
    for _ in range(10):
        client.get(at_url + "V1.0/ThresholdInformation", headers=at_headers)
    used = client.get(at_url + "V1.0/ThresholdInformation", headers=at_headers).json()[
        "currentTimeframeRequestCount"
    ]
    assert used >= 10
    knobs.usage_latency = ((0.5, 0.5), (0.75, 1.0))
    assert server.autotask.usage_latency() == 0.0  # 10,000 an hour: far below 50 %
    knobs.hourly_threshold = used * 3  # a third used
    assert server.autotask.usage_latency() == 0.0
    knobs.hourly_threshold = int(used / 0.6)
    assert server.autotask.usage_latency() == 0.5
    knobs.hourly_threshold = used
    assert server.autotask.usage_latency() == 1.0


def test_thread_threshold_counts_per_integration_code_and_endpoint(server, at_url, at_headers):
    server.autotask.knobs.latency_seconds = 0.4
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        services = [
            pool.submit(
                _concurrent_gets, at_url + "V1.0/Services/entityInformation", at_headers, 3
            ),
            pool.submit(
                _concurrent_gets, at_url + "V1.0/Companies/entityInformation", at_headers, 3
            ),
        ]
        results = [r for future in services for r in future.result()]
    # Three on each endpoint at once: each endpoint has its own three threads.
    assert [r.status_code for r in results] == [200] * 6


def test_put_replaces_the_record_nulling_omitted_fields_and_needs_required_ones(
    client, at_url, at_headers
):
    created = client.post(
        at_url + "V1.0/Services", headers=at_headers, json={**NEW, "description": "old"}
    )
    item_id = created.json()["itemId"]
    missing = client.put(
        at_url + "V1.0/Services", headers=at_headers, json={"id": item_id, "name": "only a name"}
    )
    assert missing.status_code == 500
    assert "unitPrice is required." in missing.json()["errors"][0]
    replaced = client.put(
        at_url + "V1.0/Services", headers=at_headers, json={**NEW, "id": item_id, "unitPrice": 3}
    )
    assert replaced.json() == {"itemId": item_id}
    item = client.get(at_url + f"V1.0/Services/{item_id}", headers=at_headers).json()["item"]
    assert item["description"] is None and item["unitPrice"] == 3.0
    assert item["periodType"] == NEW["periodType"]  # read-only after create: kept


def test_services_cannot_be_deleted(client, at_url, at_headers):
    response = client.delete(at_url + "V1.0/Services", headers=at_headers)
    assert response.status_code == 405
