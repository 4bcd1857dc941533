"""The Autotask client against the sandbox emulator over loopback."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offermap.autotask import (
    AutotaskAuthError,
    AutotaskClient,
    AutotaskError,
    F,
    Filter,
    PacingPolicy,
)
from offermap.autotask.filters import query_body
from offermap.autotask.limits import clear_shared_limits, shared_limits
from offermap.autotask.zone import clear_zone_cache
from offermap.sandbox import SandboxServer, build_tenant
from offermap.sandbox.autotask_app import AutotaskKnobs
from offermap.sandbox.limits import FAULT_KINDS
from offermap.settings import load_autotask_settings
from tests.sandbox.test_autotask_property import (
    Cond,
    Group,
    Node,
    Unknown,
    filters,
    reference,
    tenants,
)


@pytest.fixture(autouse=True)
def _fresh_client_state() -> None:
    clear_zone_cache()
    clear_shared_limits()


def test_reads_every_service_through_zone_lookup(
    sandbox: Any, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOTASK_API_URL")
    with AutotaskClient.from_settings(load_autotask_settings()) as client:
        assert client.zone().url == sandbox_env["AUTOTASK_API_URL"]
        services = list(client.iter_services())
    expected = {s["id"] for s in sandbox.tenant.autotask_services}
    assert {s.id for s in services} == expected
    assert len(services) == len(expected)


def test_period_type_labels_come_from_the_picklist(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    with AutotaskClient.from_settings(load_autotask_settings()) as client:
        labels = client.picklist_labels("Services", "periodType")
    assert set(labels.values()) == {"Monthly", "Quarterly", "Semi-Annual", "Yearly"}
    assert {label: value for value, label in labels.items()} == dict(sandbox.tenant.period_types)


def test_filters_are_evaluated_by_the_emulator(sandbox: Any, sandbox_env: dict[str, str]) -> None:
    with AutotaskClient.from_settings(load_autotask_settings()) as client:
        active = list(
            client.query("Services", F.eq("isActive", True), include_fields=["id", "isActive"])
        )
        either = list(
            client.query(
                "Services",
                F.or_(F.begins_with("name", "microsoft 365"), F.in_("id", [1, 2, 3])),
                include_fields=["id", "name"],
            )
        )
        count = client.count("Services", F.eq("isActive", True))
    assert active and all(item["isActive"] for item in active) and count == len(active)
    assert all(
        item["name"].lower().startswith("microsoft 365") or item["id"] in (1, 2, 3)
        for item in either
    )


def test_a_wrong_secret_is_an_auth_error_that_names_the_setting_not_the_secret(
    sandbox: Any, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_SECRET", "canary-wrong-secret")
    with (
        pytest.raises(AutotaskAuthError) as info,
        AutotaskClient.from_settings(load_autotask_settings()) as client,
    ):
        list(client.iter_services())
    assert "AUTOTASK_SECRET" in str(info.value)
    assert "canary-wrong-secret" not in str(info.value) + repr(info.value)


def test_a_wrong_integration_code_is_reported_as_such(
    sandbox: Any, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", "canary-wrong-code")
    with (
        pytest.raises(AutotaskAuthError, match="AUTOTASK_INTEGRATION_CODE") as info,
        AutotaskClient.from_settings(load_autotask_settings()) as client,
    ):
        list(client.iter_services())
    assert "canary-wrong-code" not in str(info.value)


def test_an_unknown_field_is_autotasks_own_error(sandbox: Any, sandbox_env: dict[str, str]) -> None:
    with (
        pytest.raises(AutotaskError, match="Unable to find nosuchfield"),
        AutotaskClient.from_settings(load_autotask_settings()) as client,
    ):
        list(client.query("Services", F.eq("nosuchfield", 1)))


def test_paging_survives_every_fault_kind_and_never_exceeds_three_concurrent(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    knobs = sandbox.autotask.knobs
    saved = dataclasses.asdict(knobs)
    knobs.fault_rate, knobs.fault_kinds, knobs.seed = 0.4, FAULT_KINDS, 1
    knobs.retry_after_seconds, knobs.slow_seconds = 0, 0.05
    sandbox.autotask.stats.reset()
    try:
        settings = load_autotask_settings(max_retries=12)
        with AutotaskClient(settings, sleep=lambda _s: None) as client:
            services = list(client.query("Services", max_records=3))
    finally:
        knobs.__dict__.update(saved)
    faults = dict(sandbox.autotask.stats.faults)
    assert set(faults) == set(FAULT_KINDS), faults  # the seed met every kind
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) == len(sandbox.tenant.autotask_services)
    assert max(sandbox.autotask.stats.peak_concurrency.values()) <= 3


# -- against a server of this module's own, whose data and knobs the tests may change ---------


@pytest.fixture(scope="module")
def own_server() -> Iterator[SandboxServer]:
    with SandboxServer(tenant=build_tenant("small", seed=7), port=0) as server:
        yield server


@pytest.fixture
def emulator(own_server: SandboxServer) -> Iterator[SandboxServer]:
    original = own_server.autotask.entities["services"].records()
    yield own_server
    own_server.autotask.load("Services", original)
    own_server.autotask.knobs.__dict__.update(dataclasses.asdict(AutotaskKnobs()))
    own_server.autotask.stats.reset()


class FakeSleep:
    """Records waits instead of sleeping (Retry-After and pacing would otherwise take minutes)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(server: SandboxServer, sleep: Callable[[float], None] = time.sleep, **overrides: Any):
    env = server.env()
    values: dict[str, Any] = {
        "username": env["AUTOTASK_USERNAME"],
        "secret": env["AUTOTASK_SECRET"],
        "integration_code": env["AUTOTASK_INTEGRATION_CODE"],
        "api_url": env["AUTOTASK_API_URL"],
    }
    pacing = overrides.pop("pacing", None)
    return AutotaskClient(load_autotask_settings(**values, **overrides), sleep=sleep, pacing=pacing)


def _spellable(node: Node) -> Node:
    # The builder cannot spell an unknown operator: use exist on the same field instead.
    if isinstance(node, Group):
        return Group(node.op, tuple(_spellable(item) for item in node.items))
    return Cond("exist", node.field) if isinstance(node, Unknown) else node


def _to_filter(node: Node) -> Filter:
    if isinstance(node, Group):
        items = [_to_filter(item) for item in node.items]
        return F.and_(*items) if node.op == "and" else F.or_(*items)
    assert isinstance(node, Cond)
    build = {
        "eq": F.eq,
        "noteq": F.noteq,
        "gt": F.gt,
        "gte": F.gte,
        "lt": F.lt,
        "lte": F.lte,
        "beginsWith": F.begins_with,
        "endsWith": F.ends_with,
        "contains": F.contains,
    }
    if node.op == "exist":
        return F.exist(node.field)
    if node.op == "notExist":
        return F.not_exist(node.field)
    if node.op == "in":
        return F.in_(node.field, node.value)
    if node.op == "notIn":
        return F.not_in(node.field, node.value)
    return build[node.op](node.field, node.value)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=tenants(),
    nodes=st.lists(filters, min_size=1, max_size=3),
    page=st.integers(min_value=1, max_value=12),
)
def test_client_paged_result_equals_the_unpaged_set(emulator, records, nodes, page):
    emulator.autotask.load("Services", records)
    nodes = [_spellable(node) for node in nodes]
    built = [_to_filter(node) for node in nodes]
    with _client(emulator) as client:
        paged = [row["id"] for row in client.query("Services", built, max_records=page)]
        counted = client.count("Services", built)
    env = emulator.env()
    headers = {
        "ApiIntegrationCode": env["AUTOTASK_INTEGRATION_CODE"],
        "UserName": env["AUTOTASK_USERNAME"],
        "Secret": env["AUTOTASK_SECRET"],
    }
    unpaged = httpx.post(
        env["AUTOTASK_API_URL"] + "V1.0/Services/query",
        headers=headers,
        json=query_body(built, max_records=500),
        timeout=10,
    ).json()
    assert unpaged["pageDetails"]["nextPageUrl"] is None  # the whole answer in one page
    expected = [item["id"] for item in unpaged["items"]]
    assert paged == expected
    assert counted == len(expected)
    # The builder's filters mean what the reference evaluation says they mean.
    assert expected == reference(records, nodes)


def test_thread_threshold_from_another_process_lowers_the_client_cap_and_loses_nothing(
    emulator,
):
    # Another process holds two of the integration code's three Services threads.
    emulator.autotask.knobs.thread_threshold = 1
    emulator.autotask.knobs.latency_seconds = 0.02
    records = sorted(s["id"] for s in emulator.tenant.autotask_services)
    results: list[list[int]] = []
    with _client(emulator, sleep=FakeSleep(), max_retries=20) as client:
        client.zone()

        def read() -> None:
            results.append([s.id for s in client.iter_services(max_records=10)])

        threads = [threading.Thread(target=read) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    env = emulator.env()
    code = env["AUTOTASK_INTEGRATION_CODE"]
    assert results == [records] * 3
    assert emulator.autotask.stats.rejections["thread_threshold"] >= 1
    assert shared_limits(env["AUTOTASK_USERNAME"], code, 3).gate("Services").limit < 3


def test_hourly_threshold_429_is_retried_after_retry_after_then_reported(emulator):
    knobs = emulator.autotask.knobs
    with _client(emulator, sleep=FakeSleep()) as probe:
        used = probe.threshold().current_timeframe_request_count
    knobs.hourly_threshold = used + 1  # the next request is the last one allowed
    knobs.retry_after_seconds = 42
    sleep = FakeSleep()
    pacing = PacingPolicy(check_first=False, check_every=10_000)  # only the 429 path here
    with _client(emulator, sleep=sleep, max_retries=2, pacing=pacing) as client:
        assert client.count("Services") == len(emulator.tenant.autotask_services)
        with pytest.raises(AutotaskError) as caught:
            client.count("Services")
    assert caught.value.status == 429 and caught.value.entity == "Services"
    assert "API Threshold Exceeded" in str(caught.value)
    assert "gave up after 3 attempts" in str(caught.value)
    assert len(sleep.calls) == 2 and all(42 <= s < 43 for s in sleep.calls)


def test_client_slows_down_when_threshold_information_shows_the_tenant_busy(emulator):
    knobs = emulator.autotask.knobs
    with _client(emulator, sleep=FakeSleep()) as probe:
        # Enough requests in the hour that rounding the threshold cannot move the share much,
        # whichever tests used this emulator before.
        for _ in range(20):
            used = probe.threshold().current_timeframe_request_count
    assert used >= 20
    knobs.hourly_threshold = math.ceil((used + 1) / 0.75)  # other integrations spent ~75 %
    clear_shared_limits()  # a fresh process: it has not read the tenant's usage yet
    sleep = FakeSleep()
    with _client(emulator, sleep=sleep, pacing=PacingPolicy(max_delay=2.0)) as client:
        services = list(client.iter_services())
    assert len(services) == len(emulator.tenant.autotask_services)
    assert emulator.autotask.stats.rejections["hourly_threshold"] == 0
    # One pause before each request after the usage read (count and the page), each growing.
    assert len(sleep.calls) == 2
    assert 0.7 < sleep.calls[0] <= sleep.calls[1] < 2.0


def test_udf_filter_built_by_the_client_is_evaluated_by_the_emulator(emulator):
    with _client(emulator) as client:
        companies = list(client.query("Companies"))
        gold = list(client.query("Companies", F.eq("customer tier", "gold", udf=True)))

    def tier(company: dict[str, Any]) -> Any:
        return {u["name"]: u["value"] for u in company["userDefinedFields"]}["Customer Tier"]

    assert gold and [c["id"] for c in gold] == [c["id"] for c in companies if tier(c) == "Gold"]


@pytest.mark.parametrize(("knob", "read"), [("drop_next_page_on", 1), ("empty_query_pages", True)])
def test_the_client_refuses_a_read_its_count_does_not_confirm(
    sandbox: Any, knob: str, read: Any
) -> None:
    # The lies live Autotask told (issue 14), served by the emulator over loopback.
    setattr(sandbox.autotask.knobs, knob, read)
    try:
        with _client(sandbox) as client, pytest.raises(AutotaskError) as caught:
            list(client.iter_services(max_records=50))
    finally:
        setattr(sandbox.autotask.knobs, knob, getattr(AutotaskKnobs(), knob))
    total = len(sandbox.tenant.autotask_services)
    assert f"query/count says {total} (and {total} when asked again)" in str(caught.value)
