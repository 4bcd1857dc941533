"""Fixtures: one sandbox server per session (small tenant, plus extra services for paging tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from offermap.sandbox import SandboxServer, Tenant, build_tenant
from offermap.sandbox.autotask_app import AutotaskKnobs
from offermap.sandbox.cloudcockpit_app import CloudCockpitKnobs

EXTRA_SERVICES = 1100


def _extra_services(start_id: int) -> list[dict]:
    out = []
    for i in range(EXTRA_SERVICES):
        out.append(
            {
                "id": start_id + i,
                "name": f"Paging Filler Service {i:04d}",
                "description": None,
                "invoiceDescription": None,
                "billingCodeID": 29682801,
                "periodType": 2,
                "unitPrice": 1.0,
                "unitCost": 0.5,
                "markupRate": 100.0,
                "isActive": True,
                "serviceLevelAgreementID": None,
                "vendorCompanyID": None,
                "manufacturerServiceProvider": None,
                "manufacturerServiceProviderProductNumber": None,
                "catalogNumberPartNumber": None,
                "sku": None,
                "internalID": None,
                "externalID": None,
                "url": None,
                "createDate": "2024-06-01T00:00:00.000Z",
                "lastModifiedDate": "2025-01-02T00:00:00.000Z",
                "creatorResourceID": 29682833,
                "updateResourceID": 29682833,
            }
        )
    return out


@pytest.fixture(scope="session")
def tenant() -> Tenant:
    small = build_tenant("small", seed=7)
    top = max(int(s["id"]) for s in small.autotask_services)
    return dataclasses.replace(
        small, autotask_services=small.autotask_services + _extra_services(top + 1000)
    )


@pytest.fixture(scope="session")
def server(tenant: Tenant) -> Iterator[SandboxServer]:
    with SandboxServer(tenant=tenant, port=0) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_knobs(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        srv: SandboxServer = request.getfixturevalue("server")
        srv.autotask.knobs.__dict__.update(dataclasses.asdict(AutotaskKnobs()))
        srv.cloudcockpit.knobs.__dict__.update(dataclasses.asdict(CloudCockpitKnobs()))
        srv.autotask.stats.reset()
        srv.cloudcockpit.stats.reset()
        # The session's emulators would otherwise count every test's requests against one
        # hourly threshold: the property tests alone come near Autotask's 10,000.
        srv.autotask.forget_hour()
        srv.cloudcockpit.forget_hour()


@pytest.fixture
def env(server: SandboxServer) -> dict[str, str]:
    return server.env()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


@pytest.fixture
def at_headers(env: dict[str, str]) -> dict[str, str]:
    return {
        "ApiIntegrationCode": env["AUTOTASK_INTEGRATION_CODE"],
        "UserName": env["AUTOTASK_USERNAME"],
        "Secret": env["AUTOTASK_SECRET"],
        "Content-Type": "application/json",
    }


@pytest.fixture
def at_url(env: dict[str, str]) -> str:
    """The zone's REST root."""
    return env["AUTOTASK_API_URL"]


@pytest.fixture
def cc_token(env: dict[str, str], client: httpx.Client) -> str:
    response = client.post(
        env["CLOUDCOCKPIT_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": env["CLOUDCOCKPIT_CLIENT_ID"],
            "client_secret": env["CLOUDCOCKPIT_CLIENT_SECRET"],
            "scope": env["CLOUDCOCKPIT_SCOPE"],
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def cc_headers(env: dict[str, str], cc_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {cc_token}", "X-Tenant": env["CLOUDCOCKPIT_TENANT"]}
