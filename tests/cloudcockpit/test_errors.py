"""CloudCockpit error bodies become clear exceptions carrying every field."""

from __future__ import annotations

import httpx
import pytest

from offermap.cloudcockpit import CloudCockpitAuthError, CloudCockpitError, PropertyError

from .support import API_URL, TENANT, error_body

SUBSCRIPTIONS = f"{API_URL}v1/subscriptions"
OFFERS = f"{API_URL}v1/Offers"


def test_surfaces_every_field_of_the_error_body(api, token_endpoint, make_client):
    body = error_body(
        400,
        "One or more validation errors occurred.",
        errors=[
            {"propertyName": "PageSize", "description": ["Must be between 1 and 2000."]},
            {
                "propertyName": "Segment",
                "description": ["Segment is required.", "Unknown segment 'Retail'."],
            },
        ],
    )
    api.get(OFFERS).mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(CloudCockpitError) as caught:
        make_client().list_offers("Commercial", ["License"])

    error = caught.value
    assert not isinstance(error, CloudCockpitAuthError)
    assert error.endpoint == "GET v1/Offers"
    assert error.status == 400
    assert error.type == "ValidationError"
    assert error.description == "One or more validation errors occurred."
    assert error.correlation_id == "5a1f6c1e-1111-4222-8333-944445555666"
    assert error.errors == (
        PropertyError("PageSize", ("Must be between 1 and 2000.",)),
        PropertyError("Segment", ("Segment is required.", "Unknown segment 'Retail'.")),
    )
    message = str(error)
    assert "GET v1/Offers failed with 400 Bad Request" in message
    assert "One or more validation errors occurred." in message
    assert "PageSize: Must be between 1 and 2000." in message
    assert "Segment: Segment is required.; Unknown segment 'Retail'." in message
    assert "5a1f6c1e-1111-4222-8333-944445555666" in message


def test_reads_problem_details_errors_of_model_binding(api, token_endpoint, make_client):
    body = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"OfferTypes": ["The OfferTypes field is required."]},
    }
    api.get(OFFERS).mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(CloudCockpitError) as caught:
        make_client().list_offers("Commercial", ["License"])

    assert caught.value.description == "One or more validation errors occurred."
    assert caught.value.errors == (
        PropertyError("OfferTypes", ("The OfferTypes field is required.",)),
    )
    assert "OfferTypes: The OfferTypes field is required." in str(caught.value)


def test_forbidden_in_csp_context_points_at_tenant_and_csp_role(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(403, json=error_body(403, "Forbidden.", type="Forbidden"))
    )

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client().iter_subscriptions())

    message = str(caught.value)
    assert caught.value.status == 403
    assert "X-Tenant" in message
    assert TENANT in message
    assert "csp role" in message
    assert "CLOUDCOCKPIT_RESELLER_ID" in message


def test_forbidden_in_reseller_context_names_the_reseller(api, token_endpoint, make_client):
    api.get(f"{API_URL}v1/Customers").mock(
        return_value=httpx.Response(403, json=error_body(403, "No relation with reseller."))
    )

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client(reseller_id="r-42").iter_subscriptions())

    message = str(caught.value)
    assert "GET v1/Customers failed with 403 Forbidden: No relation with reseller." in message
    assert "CLOUDCOCKPIT_RESELLER_ID=r-42" in message
    assert "X-Tenant" in message


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_client_errors_are_not_retried(api, token_endpoint, make_client, clock, status):
    route = api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(status, json=error_body(status, "No."))
    )
    client = make_client()

    with pytest.raises(CloudCockpitError) as caught:
        list(client.iter_subscriptions())

    assert caught.value.status == status
    assert route.call_count == 1
    assert client.retries_made == 0
    assert clock.sleeps == []


def test_non_json_error_body_is_quoted_shortly(api, token_endpoint, make_client):
    page = "<html><body>" + "Not Found " * 100 + "</body></html>"
    api.get(SUBSCRIPTIONS).mock(return_value=httpx.Response(404, text=page))

    with pytest.raises(CloudCockpitError) as caught:
        list(make_client().iter_subscriptions())

    assert caught.value.status == 404
    assert caught.value.type is None
    assert "GET v1/subscriptions failed with 404 Not Found: <html><body>Not Found" in str(
        caught.value
    )
    assert len(str(caught.value)) < 500


def test_success_with_a_body_that_is_not_json_points_at_api_url(api, token_endpoint, make_client):
    api.get(SUBSCRIPTIONS).mock(
        return_value=httpx.Response(200, text="<html/>", headers={"Content-Type": "text/html"})
    )

    with pytest.raises(CloudCockpitError, match=r"not JSON \(text/html\).*CLOUDCOCKPIT_API_URL"):
        list(make_client().iter_subscriptions())
