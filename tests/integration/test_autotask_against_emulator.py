"""The Autotask client against the sandbox emulator over loopback."""

from __future__ import annotations

from typing import Any

import pytest

from offermap.autotask import AutotaskAuthError, AutotaskClient, AutotaskError, F
from offermap.autotask.limits import clear_shared_limits
from offermap.autotask.zone import clear_zone_cache
from offermap.settings import load_autotask_settings


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


def test_paging_survives_injected_faults_and_never_exceeds_three_concurrent(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    knobs = sandbox.autotask.knobs
    saved = (knobs.fault_rate, knobs.fault_kinds, knobs.seed)
    knobs.fault_rate, knobs.fault_kinds, knobs.seed = (
        0.3,
        ("server_error", "rate_limited", "dropped"),
        11,
    )
    knobs.retry_after_seconds = 0
    try:
        settings = load_autotask_settings(max_retries=12)
        with AutotaskClient(settings, sleep=lambda _s: None) as client:
            services = list(client.iter_services())
    finally:
        knobs.fault_rate, knobs.fault_kinds, knobs.seed = saved
    assert len(services) == len({s.id for s in services}) == len(sandbox.tenant.autotask_services)
    assert max(sandbox.autotask.stats.peak_concurrency.values()) <= 3
