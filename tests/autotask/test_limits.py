"""Concurrency cap per (integration code, entity) and the hourly request budget."""

from __future__ import annotations

import threading

import pytest

from offermap.autotask import PacingPolicy
from offermap.autotask.limits import EndpointGate, TenantLimits, shared_limits
from offermap.autotask.models import ThresholdInfo

from .fake_server import CODE, USERNAME, service, slow_handler, thread_threshold


def test_concurrent_requests_per_entity_never_exceed_the_cap(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 31)]
    hook, state = slow_handler(fake, hold=0.02)
    fake.before_serving = hook
    client = client_factory(max_concurrency=2)
    client.zone()
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def read() -> None:
        try:
            start.wait()
            results.append(len(list(client.iter_services(max_records=10))))
        except BaseException as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [30] * 6
    assert 1 <= state["max"] <= 2
    assert client.requests_made == 1 + 6 * 4


def test_the_cap_is_shared_by_clients_with_the_same_integration_code(fake, client_factory):
    first, second = client_factory(max_concurrency=2), client_factory(max_concurrency=2)
    assert first._requester._limits is second._requester._limits
    other = client_factory(integration_code="ANOTHER-CODE-0000000000000")
    assert other._requester._limits is not first._requester._limits


def test_gates_are_per_entity_case_insensitive():
    limits = TenantLimits(max_concurrency=3)
    assert limits.gate("Services") is limits.gate("services")
    assert limits.gate("Services") is not limits.gate("Companies")


def test_registry_does_not_hold_the_integration_code_in_clear():
    from offermap.autotask import limits as module

    shared_limits(USERNAME, CODE, 3)
    assert all(CODE not in repr(key) for key in module._REGISTRY)


def test_threshold_is_read_first_then_every_n_requests_not_per_request(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 101)]
    client = client_factory(pacing=PacingPolicy(check_every=4))
    list(client.iter_services(max_records=10))  # count + 10 pages
    reads = [i for i, s in enumerate(fake.seen) if "thresholdinformation" in s.url.lower()]
    # Before the first data request (index 0 is the zone lookup), then after 4 and 8 requests.
    assert reads == [1, 6, 11]
    assert client.requests_made == 1 + 11 + 3


def test_the_default_policy_reads_usage_once_before_the_first_request(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 4)]
    first = client_factory(pacing=PacingPolicy())
    second = client_factory(pacing=PacingPolicy())
    first.count("Services")
    second.count("Services")
    # One read for the process (the limits are shared), none again before 100 requests.
    assert [s.url.split("/V1.0/")[-1] for s in fake.seen[1:]] == [
        "ThresholdInformation",
        "Services/query/count",
        "Services/query/count",
    ]


def test_a_tenant_already_near_its_threshold_is_paced_from_the_first_request(
    fake, client_factory, sleeps
):
    fake.threshold_count = 9_000  # other integrations spent 90 % before we started
    client = client_factory(pacing=PacingPolicy(max_delay=2.0))
    client.count("Services")
    assert len(sleeps.calls) == 1 and 1.6 <= sleeps.calls[0] < 1.7


def test_slows_down_in_proportion_as_tenant_usage_nears_its_threshold(fake, client_factory, sleeps):
    fake.records["Services"] = [service(i) for i in range(1, 41)]
    fake.threshold_count = 8000  # 80 % of 10,000 used by the tenant
    client = client_factory(pacing=PacingPolicy(check_every=2, max_delay=2.0))
    list(client.iter_services(max_records=10, count_first=False))

    pauses = [s for s in sleeps.calls if s > 0]
    assert pauses, "no slow-down at 80 % usage"
    # 80 % is 60 % of the way from 50 % to 100 %: about 0.6 * 2 s, a little more as we add requests.
    assert all(1.2 <= p < 1.3 for p in pauses)


def test_no_slow_down_while_usage_is_low(fake, client_factory, sleeps):
    fake.records["Services"] = [service(i) for i in range(1, 41)]
    client = client_factory(pacing=PacingPolicy(check_every=2))
    list(client.iter_services(max_records=10))
    assert sleeps.calls == []


def test_own_hourly_budget_slows_then_waits_for_the_window(fake, client_factory, sleeps):
    fake.records["Services"] = [service(i) for i in range(1, 11)]
    client = client_factory(hourly_request_budget=4, pacing=PacingPolicy(check_every=1000))
    list(client.iter_services(max_records=1, count_first=False))  # 10 pages

    assert len(fake.requests_to("/Services/query")) == 10
    slow = [s for s in sleeps.calls if s < 100]
    waits = [s for s in sleeps.calls if s >= 100]
    assert slow and all(0 < s <= 2.0 for s in slow)
    assert waits, "the budget of 4 an hour was passed without waiting for the window"
    assert all(w <= 3600 for w in waits)


def test_exhausted_tenant_threshold_waits_and_rereads_usage(fake, client_factory, sleeps):
    fake.threshold_count = 10_000

    def usage_drops_on_second_read() -> None:
        if len(fake.requests_to("ThresholdInformation")) >= 2:
            fake.threshold_count = 100

    fake.before_serving = usage_drops_on_second_read
    client = client_factory(
        pacing=PacingPolicy(check_every=1, check_first=False, exhausted_delay=60.0)
    )
    client.count("Services")
    client.count("Services")

    assert sleeps.calls == [60.0]
    assert len(fake.requests_to("ThresholdInformation")) == 2
    assert len(fake.requests_to("query/count")) == 2


def test_failing_threshold_information_does_not_stop_the_read(fake, client_factory, caplog):
    from .fake_server import json_response

    fake.records["Services"] = [service(i) for i in range(1, 6)]
    fake.faults.extend([None, None, json_response(404, {"errors": ["not here"]})])
    client = client_factory(pacing=PacingPolicy(check_every=2, check_first=False))
    got = [s.id for s in client.iter_services(max_records=1)]
    assert got == [1, 2, 3, 4, 5]
    assert "ThresholdInformation unavailable" in caplog.text


@pytest.mark.parametrize(
    ("usage", "expected"),
    [(0.0, 0.0), (0.49, 0.0), (0.5, 0.0), (0.75, 1.0), (0.99, 1.96)],
)
def test_pace_grows_linearly_from_half_to_full_usage(usage, expected):
    limits = TenantLimits(3)
    limits.update_threshold(
        ThresholdInfo(
            external_request_threshold=10_000,
            request_threshold_timeframe=60,
            current_timeframe_request_count=int(usage * 10_000),
        )
    )
    pace = limits.pace(now=0.0, hourly_budget=5000, policy=PacingPolicy(max_delay=2.0))
    assert pace.delay == pytest.approx(expected, abs=0.01)
    assert not pace.exhausted


def test_gate_lowers_its_cap_on_refusal_never_below_one_and_regrows_after_successes():
    gate = EndpointGate(cap=3, regrow_after=2)
    assert [gate.refused(), gate.refused(), gate.refused()] == [2, 1, 1]
    gate.succeeded()
    assert gate.limit == 1
    gate.succeeded()
    assert gate.limit == 2
    gate.refused()
    gate.succeeded()  # a refusal restarts the run of successes
    assert gate.limit == 1


def test_gate_admits_no_more_than_its_lowered_cap():
    gate = EndpointGate(cap=3)
    gate.refused()
    gate.acquire()
    gate.acquire()
    third = threading.Thread(target=gate.acquire)
    third.start()
    third.join(timeout=0.2)
    assert third.is_alive(), "a third request got in while the cap was 2"
    gate.release()
    third.join(timeout=5)
    assert not third.is_alive()


def test_thread_threshold_refusal_lowers_the_endpoint_cap_for_every_client(fake, client_factory):
    fake.faults.append(thread_threshold(500))
    client = client_factory()
    client.count("Services")
    limits = shared_limits(USERNAME, CODE, 3)
    assert limits.gate("Services").limit == 2
    assert limits.gate("Companies").limit == 3


def test_with_a_lowered_cap_concurrent_readers_stay_under_it(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 31)]
    hook, state = slow_handler(fake, hold=0.02)
    client = client_factory()
    client.zone()
    fake.faults.extend([thread_threshold(500), thread_threshold(500)])
    client.count("Services")  # two refusals: the cap drops from 3 to 1
    fake.before_serving = hook
    threads = [
        threading.Thread(target=lambda: list(client.iter_services(max_records=10)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["max"] == 1
