"""Local emulators of the Autotask and CloudCockpit APIs, and a deterministic tenant generator."""

from offermap.sandbox.credentials import SANDBOX_CREDENTIALS, SandboxCredentials
from offermap.sandbox.server import Rehearsal, SandboxServer, sandbox_env, serve_forever
from offermap.sandbox.tenant import SCALES, Tenant, build_tenant

__all__ = [
    "SANDBOX_CREDENTIALS",
    "SCALES",
    "Rehearsal",
    "SandboxCredentials",
    "SandboxServer",
    "Tenant",
    "build_tenant",
    "sandbox_env",
    "serve_forever",
]
