"""CloudCockpit emulator: Entra tokens, bearer and X-Tenant checks, paging, filters, errors."""

from __future__ import annotations

import base64

import pytest


def token_form(env, **overrides):
    form = {
        "grant_type": "client_credentials",
        "client_id": env["CLOUDCOCKPIT_CLIENT_ID"],
        "client_secret": env["CLOUDCOCKPIT_CLIENT_SECRET"],
        "scope": env["CLOUDCOCKPIT_SCOPE"],
    }
    form.update(overrides)
    return form


def assert_error_body(response, status, correlation=None):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"statusCode", "type", "description", "correlationId", "errors"}
    assert body["statusCode"] == status
    if correlation is not None:
        assert body["correlationId"] == correlation
    return body


def test_token_endpoint_issues_bearer_token(env, client):
    response = client.post(env["CLOUDCOCKPIT_TOKEN_URL"], data=token_form(env))
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    assert len(body["access_token"]) > 20


def test_token_endpoint_accepts_client_secret_basic(env, client):
    raw = f"{env['CLOUDCOCKPIT_CLIENT_ID']}:{env['CLOUDCOCKPIT_CLIENT_SECRET']}".encode()
    response = client.post(
        env["CLOUDCOCKPIT_TOKEN_URL"],
        data={"grant_type": "client_credentials", "scope": env["CLOUDCOCKPIT_SCOPE"]},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
    )
    assert response.status_code == 200


def test_wrong_client_secret_is_401_invalid_client(env, client):
    response = client.post(
        env["CLOUDCOCKPIT_TOKEN_URL"], data=token_form(env, client_secret="nope")
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "nope" not in response.text


def test_wrong_grant_or_scope_is_400(env, client):
    bad_grant = client.post(
        env["CLOUDCOCKPIT_TOKEN_URL"], data=token_form(env, grant_type="password")
    )
    bad_scope = client.post(
        env["CLOUDCOCKPIT_TOKEN_URL"], data=token_form(env, scope="api://x/.default")
    )
    assert (bad_grant.status_code, bad_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (bad_scope.status_code, bad_scope.json()["error"]) == (400, "invalid_scope")


def test_an_expired_token_is_401_on_the_emulator_clock(server, env, client, monkeypatch):
    now = [5000.0]
    monkeypatch.setattr(server.cloudcockpit, "clock", lambda: now[0])
    server.cloudcockpit.knobs.token_lifetime_seconds = 60
    token = client.post(env["CLOUDCOCKPIT_TOKEN_URL"], data=token_form(env)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Tenant": env["CLOUDCOCKPIT_TENANT"]}
    url = env["CLOUDCOCKPIT_API_URL"] + "v1/Customers"

    now[0] += 59.9
    assert client.get(url, headers=headers).status_code == 200
    now[0] += 0.1  # the emulator's clock, injected: no real wait, no race with a busy machine
    response = client.get(url, headers=headers)

    body = assert_error_body(response, 401)
    assert "expired" in body["description"]


def test_missing_or_unknown_bearer_is_401_with_error_body(env, client):
    url = env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions"
    tenant = {
        "X-Tenant": env["CLOUDCOCKPIT_TENANT"],
        "X-Correlation-Id": "c0ffee00-0000-4000-8000-000000000001",
    }
    assert_error_body(client.get(url, headers=tenant), 401, tenant["X-Correlation-Id"])
    forged = {**tenant, "Authorization": "Bearer forged"}
    assert_error_body(client.get(url, headers=forged), 401, tenant["X-Correlation-Id"])


def test_x_tenant_missing_is_400_and_wrong_is_403(env, client, cc_headers):
    url = env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions"
    missing = {"Authorization": cc_headers["Authorization"]}
    body = assert_error_body(client.get(url, headers=missing), 400)
    assert body["errors"][0]["propertyName"] == "X-Tenant"
    wrong = {**cc_headers, "X-Tenant": "portal.other.invalid"}
    assert_error_body(client.get(url, headers=wrong), 403)


def test_subscriptions_page_through_all_with_enum_objects(env, client, cc_headers, tenant):
    url = env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions"
    seen = []
    page = 1
    while True:
        body = client.get(
            url, headers=cc_headers, params={"pageNumber": page, "pageSize": 40}
        ).json()
        assert body["totalCount"] == len(tenant.cc_subscriptions)
        assert (body["pageNumber"], body["pageSize"]) == (page, 40)
        seen.extend(body["items"])
        if page * 40 >= body["totalCount"]:
            break
        page += 1
    assert [s["id"] for s in seen] == [s["id"] for s in tenant.cc_subscriptions]
    first = seen[0]
    for key in ("billingFrequency", "termDuration", "segment", "offerType", "subscriptionStatus"):
        assert set(first[key]) == {"name"}
    assert set(first["listPrice"]) == {"value", "currency"}
    assert first["listPrice"]["currency"] == {"name": "EUR"}


def test_default_page_size_is_25(env, client, cc_headers):
    body = client.get(env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions", headers=cc_headers).json()
    assert (body["pageNumber"], body["pageSize"], len(body["items"])) == (1, 25, 25)


@pytest.mark.parametrize("size", [0, 2001, "many"])
def test_page_size_outside_1_to_2000_is_400_error_body(env, client, cc_headers, size):
    response = client.get(
        env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions",
        headers=cc_headers,
        params={"pageSize": size},
    )
    body = assert_error_body(response, 400)
    assert body["errors"][0]["propertyName"] == "PageSize"


def test_page_size_2000_is_accepted(env, client, cc_headers, tenant):
    response = client.get(
        env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions",
        headers=cc_headers,
        params={"pageSize": 2000},
    )
    assert len(response.json()["items"]) == len(tenant.cc_subscriptions)


def test_customer_subscriptions_filter_by_statuses_and_offer(env, client, cc_headers, tenant):
    counts: dict[str, int] = {}
    for sub in tenant.cc_subscriptions:
        counts[sub["customerId"]] = counts.get(sub["customerId"], 0) + 1
    customer_id = max(counts, key=lambda c: counts[c])
    mine = [s for s in tenant.cc_subscriptions if s["customerId"] == customer_id]
    url = env["CLOUDCOCKPIT_API_URL"] + f"V1/Customers/{customer_id.upper()}/Subscriptions"
    body = client.get(
        url, headers=cc_headers, params={"statuses": "Active|Suspended", "pageSize": 2000}
    ).json()
    assert {s["id"] for s in body["items"]} == {
        s["id"] for s in mine if s["subscriptionStatus"]["name"] in ("Active", "Suspended")
    }
    offer_id = mine[0]["offerId"]
    by_offer = client.get(
        url, headers=cc_headers, params={"offerId": offer_id, "pageSize": 2000}
    ).json()
    assert {s["id"] for s in by_offer["items"]} == {
        s["id"] for s in mine if s["offerId"] == offer_id
    }


def test_customers_filter_by_reseller(env, client, cc_headers, tenant):
    reseller = next(c["resellerId"] for c in tenant.cc_customers if c["resellerId"])
    body = client.get(
        env["CLOUDCOCKPIT_API_URL"] + "v1/Customers",
        headers=cc_headers,
        params={"resellerId": reseller, "pageSize": 100},
    ).json()
    assert body["items"]
    assert all(c["resellerId"] == reseller for c in body["items"])
    assert body["totalCount"] == sum(c["resellerId"] == reseller for c in tenant.cc_customers)


def test_unknown_customer_is_404_error_body(env, client, cc_headers):
    url = (
        env["CLOUDCOCKPIT_API_URL"]
        + "v1/customers/00000000-0000-0000-0000-000000000000/subscriptions"
    )
    assert_error_body(client.get(url, headers=cc_headers), 404)


def test_offers_require_segment_and_offer_types(env, client, cc_headers):
    response = client.get(env["CLOUDCOCKPIT_API_URL"] + "v1/Offers", headers=cc_headers)
    body = assert_error_body(response, 400)
    assert {e["propertyName"] for e in body["errors"]} == {"Segment", "OfferTypes"}


def test_offers_filter_by_segment_and_types(env, client, cc_headers):
    response = client.get(
        env["CLOUDCOCKPIT_API_URL"] + "v1/Offers",
        headers=cc_headers,
        params={"Segment": "Education", "OfferTypes": "License|AzurePlan", "pageSize": 500},
    )
    items = response.json()["items"]
    assert items
    for offer in items:
        assert offer["offerType"]["name"] in ("License", "AzurePlan")
        assert {p["segment"]["name"] for p in offer["prices"]} == {"Education"}


def test_cloudcockpit_stats_record_peak_concurrency(server, env, client, cc_headers):
    client.get(env["CLOUDCOCKPIT_API_URL"] + "v1/Customers", headers=cc_headers)
    assert server.cloudcockpit.stats.count("GET", "v1/customers") == 1
    assert server.cloudcockpit.stats.peak_concurrency["v1/customers"] == 1


def test_cloudcockpit_fault_injection_rate_limits_with_retry_after(server, env, client, cc_headers):
    server.cloudcockpit.knobs.fault_rate = 1.0
    server.cloudcockpit.knobs.fault_kinds = ("rate_limited",)
    response = client.get(env["CLOUDCOCKPIT_API_URL"] + "v1/Customers", headers=cc_headers)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
