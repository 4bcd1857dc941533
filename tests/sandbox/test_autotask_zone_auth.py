"""Autotask emulator: zone lookup, versions, thresholds, authentication and path handling."""

from __future__ import annotations


def test_zone_information_returns_zone_root_for_known_user_without_credentials(env, client):
    response = client.get(
        env["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/ZoneInformation",
        params={"user": env["AUTOTASK_USERNAME"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == env["AUTOTASK_API_URL"]
    assert body["url"].endswith("/ATServicesRest/")
    assert set(body) == {"zoneName", "url", "webUrl", "ci"}


def test_zone_information_for_unknown_or_blank_user_is_500_with_errors(env, client):
    for user in ("nobody@example.invalid", ""):
        response = client.get(
            env["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/ZoneInformation", params={"user": user}
        )
        assert response.status_code == 500
        assert response.json() == {"errors": ["Zone information could not be determined"]}


def test_paths_are_case_insensitive(env, client, at_headers):
    lower = env["AUTOTASK_ZONE_LOOKUP_URL"].replace("ATServicesRest", "atservicesrest")
    zone = client.get(lower + "v1.0/zoneinformation", params={"user": env["AUTOTASK_USERNAME"]})
    assert zone.status_code == 200
    body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 1}
    upper = client.post(
        env["AUTOTASK_API_URL"] + "V1.0/Services/query", headers=at_headers, json=body
    )
    mixed = client.post(
        env["AUTOTASK_API_URL"].replace("ATServicesRest", "atservicesrest") + "v1.0/services/QUERY",
        headers=at_headers,
        json=body,
    )
    assert upper.status_code == mixed.status_code == 200
    assert upper.json()["items"] == mixed.json()["items"]


def test_version_information_lists_api_versions(env, client):
    response = client.get(env["AUTOTASK_ZONE_LOOKUP_URL"] + "VersionInformation")
    assert response.json() == {"apiVersions": ["1.0"]}


def test_threshold_information_counts_the_call_itself(at_url, client, at_headers):
    first = client.get(at_url + "V1.0/ThresholdInformation", headers=at_headers).json()
    second = client.get(at_url + "V1.0/ThresholdInformation", headers=at_headers).json()
    assert first["externalRequestThreshold"] == 10000
    assert first["requestThresholdTimeframe"] == 60
    assert second["currentTimeframeRequestCount"] == first["currentTimeframeRequestCount"] + 1


def test_wrong_secret_or_user_is_401(at_url, client, at_headers):
    for header, value in (("Secret", "wrong"), ("UserName", "someone@else.invalid")):
        headers = {**at_headers, header: value}
        response = client.get(at_url + "V1.0/Services/entityInformation", headers=headers)
        assert response.status_code == 401


def test_wrong_or_missing_integration_code_is_500_with_message(at_url, client, at_headers):
    wrong = {**at_headers, "ApiIntegrationCode": "WRONGCODE"}
    missing = {k: v for k, v in at_headers.items() if k != "ApiIntegrationCode"}
    for headers in (wrong, missing):
        response = client.get(at_url + "V1.0/Services/entityInformation", headers=headers)
        assert response.status_code == 500
        assert response.json() == {"errors": ["IntegrationCode is invalid."]}


def test_auth_header_names_are_case_insensitive(at_url, client, at_headers):
    headers = {
        "apiintegrationcode": at_headers["ApiIntegrationCode"],
        "USERNAME": at_headers["UserName"],
        "secret": at_headers["Secret"],
    }
    response = client.get(at_url + "V1.0/Services/entityInformation", headers=headers)
    assert response.status_code == 200


def test_data_calls_on_the_lookup_host_are_refused(env, client, at_headers):
    response = client.get(
        env["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/Services/entityInformation", headers=at_headers
    )
    assert response.status_code == 401


def test_unknown_entity_is_404_html(at_url, client, at_headers):
    response = client.get(
        at_url + "V1.0/NotificationTemplates/entityInformation", headers=at_headers
    )
    assert response.status_code == 404
    assert "404 - File or directory not found." in response.text


def test_collection_root_get_is_405_with_message(at_url, client, at_headers):
    response = client.get(at_url + "V1.0/Services", headers=at_headers)
    assert response.status_code == 405
    assert response.json() == {
        "Message": "The requested resource does not support http method 'GET'."
    }


def test_stats_count_requests_by_method_and_path_kind(server, at_url, client, at_headers):
    client.get(at_url + "V1.0/Services/123", headers=at_headers)
    client.get(at_url + "V1.0/Services/456", headers=at_headers)
    assert server.autotask.stats.count("GET", "Services/{id}") == 2
