"""OAuth2 client credentials: token fetch, caching, expiry, renewal and refusals."""

from __future__ import annotations

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitAuthError, CloudCockpitError

from .support import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    SCOPE,
    TOKEN_URL,
    TokenEndpoint,
    error_body,
    paged,
    subscription,
    token_value,
)

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"


def bearer_of(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def test_fetches_token_with_client_credentials_form(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(1)]))

    list(make_client().iter_subscriptions())

    assert token_endpoint.forms == [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": SCOPE,
        }
    ]
    token_call = api.calls[0].request
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "X-Tenant" not in token_call.headers
    assert "Authorization" not in token_call.headers


def test_leaves_scope_out_when_not_configured(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(side_effect=paged([]))

    list(make_client(scope="").iter_subscriptions())

    assert "scope" not in token_endpoint.forms[0]


def test_reuses_cached_token_across_pages(api, token_endpoint, make_client):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(n) for n in range(5)]))
    client = make_client(page_size=2)

    list(client.iter_subscriptions())
    list(client.iter_subscriptions())

    assert route.call_count == 6
    assert client.token_requests == 1
    assert {bearer_of(call.request) for call in route.calls} == {token_value(1)}


def test_renews_token_shortly_before_expiry(api, token_endpoint, make_client, clock):
    route = api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(1)]))
    client = make_client()

    list(client.iter_subscriptions())
    clock.advance(3600 - 121)  # still outside the renewal margin
    list(client.iter_subscriptions())
    assert client.token_requests == 1

    clock.advance(2)  # inside the last two minutes of the token's life
    list(client.iter_subscriptions())

    assert client.token_requests == 2
    assert [bearer_of(call.request) for call in route.calls] == [
        token_value(1),
        token_value(1),
        token_value(2),
    ]


def test_renews_short_lived_token_at_half_its_life(api, make_client, clock):
    endpoint = TokenEndpoint(expires_in="60")  # Entra v1 sends expires_in as a string
    api.post(TOKEN_URL).mock(side_effect=endpoint)
    api.get(SUBSCRIPTIONS).mock(side_effect=paged([]))
    client = make_client()

    list(client.iter_subscriptions())
    clock.advance(29)
    list(client.iter_subscriptions())
    assert client.token_requests == 1
    clock.advance(2)
    list(client.iter_subscriptions())

    assert client.token_requests == 2


def test_renews_token_once_and_retries_once_after_401(api, token_endpoint, make_client):
    refused = httpx.Response(401, json=error_body(401, "The token is expired."))
    route = api.get(SUBSCRIPTIONS).mock(
        side_effect=[
            refused,
            httpx.Response(200, json={"items": [subscription(1)], "totalCount": 1}),
        ]
    )
    client = make_client()

    records = list(client.iter_subscriptions())

    assert [record.id for record in records] == [subscription(1)["id"]]
    assert [bearer_of(call.request) for call in route.calls] == [token_value(1), token_value(2)]
    assert client.token_requests == 2
    assert client.requests_made == 2


def test_reports_refusal_of_renewed_token_without_third_try(api, token_endpoint, make_client):
    refused = httpx.Response(
        401, json=error_body(401, "Unauthorized.", type="Unauthorized", errors=[])
    )
    route = api.get(SUBSCRIPTIONS).mock(return_value=refused)
    client = make_client()

    with pytest.raises(CloudCockpitAuthError) as caught:
        list(client.iter_subscriptions())

    assert route.call_count == 2
    assert client.token_requests == 2
    error = caught.value
    assert error.status == 401
    assert error.endpoint == "GET v1/subscriptions"
    assert "freshly issued token" in str(error)
    assert "CLOUDCOCKPIT_CLIENT_ID" in str(error)


@pytest.mark.parametrize("status", [400, 401])
def test_refused_credentials_name_settings_without_the_secret(api, make_client, status):
    api.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            status,
            json={
                "error": "invalid_client",
                "error_description": (
                    "AADSTS7000215: Invalid client secret provided.\r\n"
                    "Trace ID: 0b1c Correlation ID: 9d8e Timestamp: 2025-01-01 10:00:00Z"
                ),
                "error_codes": [7000215],
                "correlation_id": "9d8e0000-1111-4222-8333-444455556666",
            },
        )
    )
    api_route = api.get(SUBSCRIPTIONS).mock(side_effect=paged([]))
    client = make_client()

    with pytest.raises(CloudCockpitAuthError) as caught:
        list(client.iter_subscriptions())

    message = str(caught.value)
    assert "CLOUDCOCKPIT_CLIENT_ID" in message
    assert "CLOUDCOCKPIT_CLIENT_SECRET" in message
    assert "AADSTS7000215: Invalid client secret provided." in message
    assert "Trace ID" not in message
    assert CLIENT_SECRET not in message
    assert caught.value.status == status
    assert caught.value.type == "invalid_client"
    assert caught.value.correlation_id == "9d8e0000-1111-4222-8333-444455556666"
    assert client.token_requests == 1  # a refusal is never retried
    assert not api_route.called


def test_invalid_scope_points_at_scope_setting(api, make_client):
    api.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            400,
            json={
                "error": "invalid_scope",
                "error_description": "AADSTS70011: The provided value for scope is not valid.",
            },
        )
    )

    with pytest.raises(CloudCockpitAuthError, match="CLOUDCOCKPIT_SCOPE"):
        list(make_client().iter_subscriptions())


def test_token_answer_without_access_token_points_at_token_url(api, make_client):
    api.post(TOKEN_URL).mock(return_value=httpx.Response(200, text="<html>login</html>"))

    with pytest.raises(CloudCockpitAuthError, match="CLOUDCOCKPIT_TOKEN_URL"):
        list(make_client().iter_subscriptions())


def test_retries_token_endpoint_on_503(api, make_client, clock):
    api.post(TOKEN_URL).mock(
        side_effect=[httpx.Response(503), TokenEndpoint()],
    )
    api.get(SUBSCRIPTIONS).mock(side_effect=paged([subscription(1)]))
    client = make_client()

    assert len(list(client.iter_subscriptions())) == 1
    assert client.token_requests == 2
    assert client.retries_made == 1
    assert len(clock.sleeps) == 1


def test_unreachable_token_endpoint_is_a_plain_error_after_retries(api, make_client):
    api.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client(max_retries=2).iter_subscriptions())

    assert not isinstance(caught.value, CloudCockpitAuthError)
    assert "ConnectError" in str(caught.value)
    assert "gave up after 3 attempts" in str(caught.value)
