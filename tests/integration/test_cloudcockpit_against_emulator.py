"""The CloudCockpit client against the sandbox emulator over loopback."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from offermap.cloudcockpit import CloudCockpitAuthError, CloudCockpitClient, CloudCockpitError
from offermap.settings import load_cloudcockpit_settings


def test_reads_every_subscription_once_across_pages(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    with CloudCockpitClient.from_settings(load_cloudcockpit_settings(page_size=40)) as client:
        subs = list(client.iter_subscriptions())
    assert len(subs) == len(sandbox.tenant.cc_subscriptions)
    assert len({s.id for s in subs}) == len(subs)
    assert client.requests_made >= len(subs) // 40


def test_enums_arrive_as_names(sandbox: Any, sandbox_env: dict[str, str]) -> None:
    with CloudCockpitClient.from_settings(load_cloudcockpit_settings()) as client:
        subs = list(client.iter_subscriptions())
    types = Counter(s.offer_type for s in subs)
    assert {"License", "AzurePlan", "AzureReservation", "LicenseLegacy"} <= set(types)
    assert {s.billing_frequency for s in subs} >= {"Monthly", "Annual", "Triennial"}
    assert {s.segment for s in subs} >= {"Commercial", "Education", "NonProfit"}


def test_a_reseller_context_sees_only_its_customers_subscriptions(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    resellers = {s["resellerId"] for s in sandbox.tenant.cc_subscriptions if s.get("resellerId")}
    reseller = sorted(resellers)[0]
    settings = load_cloudcockpit_settings(reseller_id=reseller)
    with CloudCockpitClient.from_settings(settings) as client:
        subs = list(client.iter_subscriptions())
    expected = [s for s in sandbox.tenant.cc_subscriptions if s.get("resellerId") == reseller]
    assert subs and len(subs) == len(expected)
    assert {s.reseller_id for s in subs} == {reseller}


def test_offers_need_segment_and_offer_types(sandbox: Any, sandbox_env: dict[str, str]) -> None:
    with CloudCockpitClient.from_settings(load_cloudcockpit_settings()) as client:
        offers = client.list_offers(segment="Commercial", offer_types=["License"])
    assert offers and all(o.offer_type == "License" for o in offers)


def test_a_wrong_client_secret_is_an_auth_error_without_the_secret(
    sandbox: Any, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDCOCKPIT_CLIENT_SECRET", "canary-wrong-secret")
    with (
        pytest.raises(CloudCockpitAuthError) as info,
        CloudCockpitClient.from_settings(load_cloudcockpit_settings()) as client,
    ):
        list(client.iter_subscriptions())
    assert "canary-wrong-secret" not in str(info.value)


def test_a_wrong_tenant_is_refused_clearly(
    sandbox: Any, sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDCOCKPIT_TENANT", "someone-else.example.com")
    with (
        pytest.raises(CloudCockpitError, match="403"),
        CloudCockpitClient.from_settings(load_cloudcockpit_settings()) as client,
    ):
        list(client.iter_subscriptions())


def test_an_empty_list_without_a_total_is_refused_not_read_as_empty(
    sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    # Once published as an empty snapshot over 150 subscriptions (issue 14).
    sandbox.cloudcockpit.knobs.empty_without_total = True
    try:
        with (
            CloudCockpitClient.from_settings(load_cloudcockpit_settings()) as client,
            pytest.raises(CloudCockpitError, match="without a total count"),
        ):
            list(client.iter_subscriptions())
    finally:
        sandbox.cloudcockpit.knobs.empty_without_total = False
