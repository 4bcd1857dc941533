"""Fixed, obviously fake credentials and identifiers that the sandbox emulators accept."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxCredentials:
    """Every credential and identifier a client needs to talk to the sandbox.

    These are not secrets: the sandbox prints them so that a shell can export them.
    """

    autotask_username: str = "sandbox-api-user@offermap.invalid"
    autotask_secret: str = "sandbox-autotask-secret-NOT-A-REAL-SECRET"
    # 27 characters, like a real Autotask API tracking identifier.
    autotask_integration_code: str = "SANDBOXINTEGRATIONCODE00001"
    autotask_zone_name: str = "Sandbox Zone 15"
    autotask_zone_host: str = "webservices15"
    entra_tenant_id: str = "0f5a7d1e-5b1c-4d2e-9a3b-5a4d8b0c0001"
    cloudcockpit_client_id: str = "8c3f9e2a-0b7d-4e61-a5f4-5a4d8b0c0002"
    cloudcockpit_client_secret: str = "sandbox-cloudcockpit-secret-NOT-A-REAL-SECRET"
    cloudcockpit_app_id: str = "2e6b0c4d-7f18-4a93-b2c5-5a4d8b0c0003"
    cloudcockpit_tenant: str = "portal.sandbox.cloudcockpit.invalid"

    @property
    def cloudcockpit_scope(self) -> str:
        """The Entra scope the token must be asked for."""
        return f"api://{self.cloudcockpit_app_id}/.default"


SANDBOX_CREDENTIALS = SandboxCredentials()
