"""Credentials in task runs: the environment (or `.env`), secrets optionally from Secret blocks.

A worker that serves several connections cannot hold every connection's secrets in one
environment, so each secret may come from a Secret block named
`offermap-<connection>-<system>-<field>` (e.g. `offermap-acme-autotask-secret`). A block, when
it exists, wins over the environment. Secrets are read here, inside the task that uses them:
they are never flow or task parameters, never logged, and never returned.
"""

from __future__ import annotations

from prefect.blocks.system import Secret
from prefect.exceptions import ObjectNotFound
from prefect.logging import get_run_logger

from offermap.settings import (
    AutotaskSettings,
    CloudCockpitSettings,
    load_autotask_settings,
    load_cloudcockpit_settings,
)

# Settings field -> the last part of its Secret block's name.
AUTOTASK_SECRET_FIELDS = {"secret": "secret", "integration_code": "integration-code"}
CLOUDCOCKPIT_SECRET_FIELDS = {"client_secret": "client-secret"}


def secret_block_name(connection_id: str, system: str, field: str) -> str:
    """The Secret block that holds one secret of one connection."""
    return f"offermap-{connection_id}-{system}-{field}"


def _block_value(name: str) -> str | None:
    try:
        block = Secret.load(name)
    except ValueError as exc:
        # Secret.load turns the API's 404 into a ValueError; anything else is a real problem.
        if isinstance(exc.__cause__, ObjectNotFound):
            return None
        raise
    # Tasks are synchronous, so load() returns the block itself rather than a coroutine.
    if not isinstance(block, Secret):
        raise TypeError(f"Secret block {name} was loaded from async code; load it synchronously")
    return str(block.get())


def _from_blocks(connection_id: str, system: str, fields: dict[str, str]) -> dict[str, str]:
    found = {}
    for field, suffix in fields.items():
        name = secret_block_name(connection_id, system, suffix)
        value = _block_value(name)
        if value is not None:
            found[field] = value
            get_run_logger().info("%s %s comes from Secret block %s", system, field, name)
    return found


def autotask_settings(connection_id: str) -> AutotaskSettings:
    """The connection's Autotask settings: environment, with secrets from Secret blocks if any."""
    return load_autotask_settings(**_from_blocks(connection_id, "autotask", AUTOTASK_SECRET_FIELDS))


def cloudcockpit_settings(connection_id: str) -> CloudCockpitSettings:
    """The connection's CloudCockpit settings: environment, with the client secret from a block."""
    return load_cloudcockpit_settings(
        **_from_blocks(connection_id, "cloudcockpit", CLOUDCOCKPIT_SECRET_FIELDS)
    )
