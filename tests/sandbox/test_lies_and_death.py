"""The lies both APIs were seen to tell, a death mid-run, and the knobs on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from offermap.sandbox import Rehearsal, SandboxServer, build_tenant

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def test_drop_next_page_on_answers_no_next_page_although_records_follow(
    server, client, at_url, at_headers
):
    server.autotask.knobs.drop_next_page_on = 1
    count = client.post(at_url + "V1.0/Services/query/count", headers=at_headers, json=ALL)
    page = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL).json()

    assert count.json()["queryCount"] > 500
    assert len(page["items"]) == 500 and page["pageDetails"]["nextPageUrl"] is None


def test_drop_next_page_on_a_later_page(server, client, at_url, at_headers):
    server.autotask.knobs.drop_next_page_on = 2
    first = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL).json()
    second = client.post(first["pageDetails"]["nextPageUrl"], headers=at_headers, json=ALL)

    assert first["pageDetails"]["nextPageUrl"] is not None
    assert second.json()["pageDetails"]["nextPageUrl"] is None


def test_empty_query_pages_answer_nothing_while_the_count_tells_the_truth(
    server, client, at_url, at_headers
):
    server.autotask.knobs.empty_query_pages = True
    count = client.post(at_url + "V1.0/Services/query/count", headers=at_headers, json=ALL)
    page = client.post(at_url + "V1.0/Services/query", headers=at_headers, json=ALL).json()

    assert count.json()["queryCount"] > 0
    assert page["items"] == [] and page["pageDetails"]["nextPageUrl"] is None


def test_empty_without_total_answers_an_empty_list_without_a_total(server, env, client, cc_headers):
    server.cloudcockpit.knobs.empty_without_total = True
    url = env["CLOUDCOCKPIT_API_URL"] + "v1/subscriptions"

    response = client.get(url, headers=cc_headers, params={"pageSize": "10"})

    assert response.status_code == 200 and response.json() == {"items": []}


def test_an_emulator_that_dies_drops_the_request_then_stops_listening():
    with SandboxServer(tenant=build_tenant("small", seed=7), port=0) as server:
        env = server.env()
        server.autotask.knobs.die_after_requests = 2
        lookup = env["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/ZoneInformation"
        params = {"user": env["AUTOTASK_USERNAME"]}
        with httpx.Client(timeout=5) as client:
            assert client.get(lookup, params=params).status_code == 200
            assert client.get(lookup, params=params).status_code == 200
            with pytest.raises(httpx.TransportError):
                client.get(lookup, params=params)
        refused = None
        for _ in range(100):  # uvicorn notices should_exit within a tenth of a second
            try:
                httpx.get(lookup, params=params, timeout=1)
            except httpx.ConnectError as exc:
                refused = exc
                break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        assert refused is not None, "the dead server still accepted connections"
        assert server.autotask.lifeline.dead


def test_a_rehearsal_refuses_knobs_no_emulator_can_act_on():
    with pytest.raises(ValueError, match="fault rate must be between 0 and 1"):
        Rehearsal(fault_rate=1.5)
    with pytest.raises(ValueError, match="unknown fault kinds meteor"):
        Rehearsal(fault_kinds=("slow", "meteor"))
    with pytest.raises(ValueError, match="thresholds must be at least 1"):
        Rehearsal(thread_threshold=0)


def test_a_rehearsal_sets_both_emulators_knobs():
    with SandboxServer(tenant=build_tenant("small", seed=7), port=0) as server:
        rehearsal = Rehearsal(
            latency_seconds=0.2,
            fault_rate=0.3,
            fault_kinds=("slow",),
            hourly_threshold=50,
            thread_threshold=1,
            drop_next_page_on=1,
            empty_without_total=True,
            autotask_dies_after=9,
        )
        rehearsal.apply(server.autotask, server.cloudcockpit)
        at, cc = server.autotask.knobs, server.cloudcockpit.knobs

    assert (at.latency_seconds, cc.latency_seconds, at.fault_rate, cc.fault_kinds) == (
        0.2,
        0.2,
        0.3,
        ("slow",),
    )
    assert (at.hourly_threshold, at.thread_threshold, at.drop_next_page_on) == (50, 1, 1)
    assert cc.empty_without_total and at.die_after_requests == 9 and cc.die_after_requests == 0
    assert "hourly_threshold=50" in rehearsal.describe()


def _serve(*flags: str) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "offermap", "sandbox", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert process.stdout is not None
    env: dict[str, str] = {}
    notes: list[str] = []
    deadline = time.monotonic() + 60
    while "CLOUDCOCKPIT_TENANT" not in env and time.monotonic() < deadline:
        line = process.stdout.readline().strip()
        if line.startswith("export "):
            name, _, value = line[7:].partition("=")
            env[name] = value
    if flags:
        notes.append(process.stdout.readline().strip())
    return process, env, notes


def test_serve_flags_rehearse_an_hourly_threshold_and_a_death_from_the_command_line():
    process, env, notes = _serve("--hourly-threshold", "2", "--autotask-dies-after", "4")
    try:
        assert notes == ["# rehearsing: hourly_threshold=2 autotask_dies_after=4"]
        headers = {
            "ApiIntegrationCode": env["AUTOTASK_INTEGRATION_CODE"],
            "UserName": env["AUTOTASK_USERNAME"],
            "Secret": env["AUTOTASK_SECRET"],
        }
        url = env["AUTOTASK_API_URL"] + "V1.0/ThresholdInformation"
        with httpx.Client(timeout=10) as client:
            statuses = [client.get(url, headers=headers).status_code for _ in range(3)]
            assert statuses == [200, 200, 429]
            client.get(url, headers=headers)  # the fourth request: the last one answered
            with pytest.raises(httpx.TransportError):
                client.get(url, headers=headers)
        assert process.wait(timeout=15) == 0  # the process died as rehearsed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_refuses_an_unknown_fault_kind_in_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "offermap", "sandbox", "serve", "--fault-kinds", "meteor"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown fault kinds meteor" in result.stderr
