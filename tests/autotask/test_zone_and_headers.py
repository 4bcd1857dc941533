"""Zone discovery (uncredentialed, cached per user), auth headers, picklists and thresholds."""

from __future__ import annotations

import httpx
import pytest

from offermap.autotask import AutotaskAuthError, AutotaskError
from offermap.autotask.zone import ZoneCache

from .fake_server import CODE, LOOKUP_ROOT, SECRET, USERNAME, ZONE_ROOT, json_response, service


def test_sends_auth_headers_and_json_content_type_on_every_call(fake, client_factory):
    fake.records["Services"] = [service(i) for i in range(1, 8)]
    client = client_factory()
    client.picklist_labels("Services", "periodType")
    client.threshold()
    list(client.iter_services(max_records=3))

    calls = [s for s in fake.seen if "zoneinformation" not in s.url.lower()]
    assert len(calls) == 6  # fields, threshold, count, three pages
    for call in calls:
        assert call.headers["apiintegrationcode"] == CODE
        assert call.headers["username"] == USERNAME
        assert call.headers["secret"] == SECRET
        assert call.headers["content-type"] == "application/json"
        assert call.url.startswith(f"{ZONE_ROOT}V1.0/")


def test_zone_lookup_asks_for_the_user_without_credentials(fake, client_factory):
    zone = client_factory().zone()
    (lookup,) = fake.requests_to("ZoneInformation")
    assert lookup.method == "GET"
    assert lookup.url == f"{LOOKUP_ROOT}V1.0/ZoneInformation?user=api-user%40contoso.example"
    assert not {"apiintegrationcode", "username", "secret"} & set(lookup.headers)
    assert (zone.zone_name, zone.url, zone.ci) == ("America West", ZONE_ROOT, 7)


def test_two_clients_for_one_user_share_one_zone_lookup(fake, client_factory):
    first, second = client_factory(), client_factory()
    assert first.count("Services") == second.count("Services") == 0
    assert len(fake.requests_to("ZoneInformation")) == 1
    assert second.requests_made == 1  # only its own count


def test_cached_zone_expires_after_its_ttl(fake, client_factory, sleeps):
    cache = ZoneCache(clock=sleeps.clock)
    client_factory(zone_cache=cache, zone_ttl_seconds=60).zone()
    client_factory(zone_cache=cache, zone_ttl_seconds=60).zone()
    sleeps.now += 61
    client_factory(zone_cache=cache, zone_ttl_seconds=60).zone()
    assert len(fake.requests_to("ZoneInformation")) == 2


def test_explicit_api_url_skips_the_zone_lookup(fake, client_factory):
    client = client_factory(api_url=ZONE_ROOT)
    assert client.count("Services") == 0
    assert fake.requests_to("ZoneInformation") == []
    assert client.zone().url == ZONE_ROOT


def test_unknown_user_gets_a_clear_error_naming_the_user(fake, client_factory):
    client = client_factory(username="nobody@contoso.example")
    with pytest.raises(
        AutotaskAuthError, match=r"zone of API user 'nobody@contoso\.example'"
    ) as caught:
        client.count("Services")
    assert caught.value.status == 500
    assert caught.value.messages == ["Zone information could not be determined"]
    assert "AUTOTASK_USERNAME" in str(caught.value)
    assert len(fake.requests_to("ZoneInformation")) == 1  # not retried


@pytest.mark.parametrize(
    "url",
    [
        "ftp://webservices15.autotask.net/ATServicesRest/",
        "webservices15.autotask.net/ATServicesRest/",
        None,
    ],
)
def test_zone_answer_without_an_http_url_is_refused(router, client_factory, url):
    router.get(f"{LOOKUP_ROOT}V1.0/ZoneInformation").mock(
        return_value=json_response(200, {"zoneName": "X", "url": url, "webUrl": None, "ci": 1})
    )
    with pytest.raises(AutotaskError, match=r"ZoneInformation for user .* is unusable"):
        client_factory().zone()


def test_zone_url_without_trailing_slash_is_normalised(router, fake, client_factory):
    router.get(f"{LOOKUP_ROOT}V1.0/ZoneInformation").mock(
        return_value=json_response(200, {"zoneName": "X", "url": ZONE_ROOT.rstrip("/"), "ci": 1})
    )
    client = client_factory()
    assert client.zone().url == ZONE_ROOT
    assert client.count("Services") == 0


def test_401_forgets_the_cached_zone_so_the_next_client_looks_again(fake, client_factory):
    bad = client_factory(secret="wrong-secret-value")
    with pytest.raises(AutotaskAuthError):
        bad.count("Services")
    client_factory().count("Services")
    assert len(fake.requests_to("ZoneInformation")) == 2


def test_zone_lookup_is_retried_on_a_dropped_connection(router, client_factory, sleeps):
    route = router.get(f"{LOOKUP_ROOT}V1.0/ZoneInformation")
    route.side_effect = [
        httpx.ConnectError("reset"),
        json_response(200, {"zoneName": "X", "url": ZONE_ROOT, "ci": 1}),
    ]
    assert client_factory().zone().url == ZONE_ROOT
    assert len(sleeps.calls) == 1


def test_picklist_labels_come_from_entity_information_as_integers(fake, client_factory):
    client = client_factory()
    labels = client.picklist_labels("Services", "periodType")
    assert labels == {1: "Monthly", 2: "Quarterly", 3: "Semi-Annual", 4: "Yearly"}
    (call,) = fake.requests_to("entityInformation")
    assert call.method == "GET"
    assert call.url == f"{ZONE_ROOT}V1.0/Services/entityInformation/fields"
    assert client.picklist_labels("Services", "PERIODTYPE") == labels
    assert len(fake.requests_to("entityInformation")) == 1  # fields are cached


def test_picklist_of_unknown_or_plain_field_is_a_clear_error(fake, client_factory):
    client = client_factory()
    with pytest.raises(AutotaskError, match="Services has no field 'nosuch'"):
        client.picklist_labels("Services", "nosuch")
    with pytest.raises(AutotaskError, match=r"Services.id is not a picklist"):
        client.picklist_labels("Services", "id")


def test_picklist_value_that_is_not_an_integer_is_a_clear_error(router, client_factory):
    router.get(f"{ZONE_ROOT}V1.0/Services/entityInformation/fields").mock(
        return_value=json_response(
            200,
            {
                "fields": [
                    {
                        "name": "periodType",
                        "isPickList": True,
                        "picklistValues": [{"value": "M", "label": "Monthly"}],
                    }
                ]
            },
        )
    )
    with pytest.raises(AutotaskError, match=r"picklist value 'M' .*'Monthly'.* is not an integer"):
        client_factory(api_url=ZONE_ROOT).picklist_labels("Services", "periodType")


def test_malformed_fields_answer_is_a_clear_error(router, client_factory):
    router.get(f"{ZONE_ROOT}V1.0/Services/entityInformation/fields").mock(
        return_value=json_response(200, {"field": []})
    )
    with pytest.raises(AutotaskError, match="Services entityInformation/fields is malformed"):
        client_factory(api_url=ZONE_ROOT).fields("Services")


def test_threshold_reads_the_tenant_usage(fake, client_factory):
    fake.threshold_count = 4321
    info = client_factory().threshold()
    assert (info.external_request_threshold, info.request_threshold_timeframe) == (10000, 60)
    assert info.current_timeframe_request_count == 4321
    (call,) = fake.requests_to("ThresholdInformation")
    assert call.url == f"{ZONE_ROOT}V1.0/ThresholdInformation" and call.method == "GET"


def test_count_without_integer_query_count_is_a_clear_error(router, client_factory):
    router.post(f"{ZONE_ROOT}V1.0/Services/query/count").mock(
        return_value=json_response(200, {"queryCount": "many"})
    )
    with pytest.raises(AutotaskError, match="no integer queryCount"):
        client_factory(api_url=ZONE_ROOT).count("Services")


def test_a_zone_it_cannot_connect_to_is_named_with_the_settings_to_check(
    router, client_factory, sleeps
):
    router.get(f"{LOOKUP_ROOT}V1.0/ZoneInformation").mock(
        side_effect=httpx.ConnectError("[Errno 111] Connection refused")
    )

    with pytest.raises(AutotaskError) as caught:
        client_factory(max_retries=1).zone()

    message = str(caught.value)
    assert f"ConnectError to {httpx.URL(LOOKUP_ROOT).host}: [Errno 111]" in message
    assert "could not connect" in message and "AUTOTASK_ZONE_LOOKUP_URL" in message
