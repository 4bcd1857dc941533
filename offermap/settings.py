"""Settings of offermap, read from the environment (or `.env`) when asked for, never at import.

Every setting has one environment variable; the README lists them all with their defaults.
Secrets are `SecretStr`, so a settings object never shows them in a repr, a log or a traceback.
Credentials and header values must be printable ASCII: a secret read from a file often ends in
a newline or a CR, and the HTTP layer would otherwise refuse it with the value in its error.
"""

from __future__ import annotations

import getpass
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from offermap.errors import OffermapError

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/"
DEFAULT_CLOUDCOCKPIT_API_URL = "https://api.cloudcockpit.com/"
DEFAULT_DB_PATH = ".offermap/offermap.duckdb"


class SettingsError(OffermapError, ValueError):
    """A setting is missing or malformed; the message names the environment variables.

    It never quotes a value: a malformed value may be a secret.
    """


class _Base(BaseSettings):
    # pydantic quotes the offending input in a ValidationError's text: never here, it may be
    # a secret.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, hide_input_in_errors=True
    )


# Visible ASCII and space: what an HTTP header value may carry, and what a credential is.
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_NOT_PRINTABLE = (
    "has control or non-ASCII characters (a trailing newline or CR from a file?): set it again "
    "with printable ASCII only"
)


def _printable(value: Any) -> Any:
    """Refuse a credential with control or non-ASCII characters, without quoting it."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(raw, str) and not _PRINTABLE.fullmatch(raw):
        raise ValueError(_NOT_PRINTABLE)
    return value


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class AutotaskSettings(_Base):
    """How to reach one Autotask database: credentials, zone and limits."""

    model_config = SettingsConfigDict(
        env_prefix="AUTOTASK_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    username: str = Field(min_length=1)
    secret: SecretStr
    integration_code: SecretStr
    # The zone's REST root ending in /ATServicesRest/, as ZoneInformation returns it.
    # When unset, the zone is looked up from zone_lookup_url for the user.
    api_url: str | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    timeout_seconds: float = Field(default=30.0, gt=0)
    # Autotask allows 3 concurrent requests per integration code and endpoint.
    max_concurrency: int = Field(default=3, ge=1, le=3)
    max_retries: int = Field(default=6, ge=0)
    retry_budget_seconds: float = Field(default=300.0, gt=0)
    # Part of the tenant's 10,000 requests an hour that offermap may spend.
    hourly_request_budget: int = Field(default=5000, ge=1)

    # Sent as the UserName, Secret and ApiIntegrationCode headers.
    _credentials = field_validator("username", "secret", "integration_code", mode="before")(
        _printable
    )

    @field_validator("api_url", "zone_lookup_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return _with_slash(value)


class CloudCockpitSettings(_Base):
    """How to reach CloudCockpit for one context (a CSP, or a reseller under it)."""

    model_config = SettingsConfigDict(
        env_prefix="CLOUDCOCKPIT_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    api_url: str = DEFAULT_CLOUDCOCKPIT_API_URL
    token_url: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    # The Entra application scope the token is asked for, e.g. api://<app-id>/.default.
    scope: str = ""
    tenant: str = Field(min_length=1)
    # Empty means the CSP context; a reseller id reads that reseller's subscriptions only.
    reseller_id: str | None = None
    page_size: int = Field(default=1000, ge=1, le=2000)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=6, ge=0)
    retry_budget_seconds: float = Field(default=300.0, gt=0)

    # The client id and secret go to the token endpoint; the tenant is the X-Tenant header.
    _credentials = field_validator("client_id", "client_secret", "tenant", mode="before")(
        _printable
    )

    @field_validator("api_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return _with_slash(value)

    @field_validator("reseller_id")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None


class OffermapSettings(_Base):
    """Where offermap keeps its data and which connection it works on."""

    model_config = SettingsConfigDict(
        env_prefix="OFFERMAP_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    db: Path = Path(DEFAULT_DB_PATH)
    connection: str = Field(default="default", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    actor: str = Field(default_factory=lambda: _default_actor())
    # Proposals scoring below this are not made: the matcher abstains instead.
    proposal_threshold: float = Field(default=0.6, ge=0, le=1)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; an actor is still needed for audit rows
        return "offermap"


_S = TypeVar("_S", bound=BaseSettings)


def _load(cls: type[_S], prefix: str, **overrides: Any) -> _S:
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = f"{prefix}{field}".upper()
            if error["type"] == "missing":
                message = "is not set"
            elif error["type"] == "value_error":
                # Our own validators' text, without pydantic's "Value error, " prefix.
                message = str(error.get("ctx", {}).get("error", error["msg"]))
            else:
                message = error["msg"]
            # The offending input is left out on purpose: it may be a secret.
            problems.append(f"{name} {message}")
        raise SettingsError("; ".join(problems)) from None


def load_autotask_settings(**overrides: Any) -> AutotaskSettings:
    """Read the Autotask settings from the environment (or `.env`).

    Raises:
        SettingsError: naming each missing or malformed AUTOTASK_* variable.
    """
    return _load(AutotaskSettings, "AUTOTASK_", **overrides)


def load_cloudcockpit_settings(**overrides: Any) -> CloudCockpitSettings:
    """Read the CloudCockpit settings from the environment (or `.env`).

    Raises:
        SettingsError: naming each missing or malformed CLOUDCOCKPIT_* variable.
    """
    return _load(CloudCockpitSettings, "CLOUDCOCKPIT_", **overrides)


def load_offermap_settings(**overrides: Any) -> OffermapSettings:
    """Read offermap's own settings (database file, connection, actor, threshold).

    Raises:
        SettingsError: naming each malformed OFFERMAP_* variable.
    """
    return _load(OffermapSettings, "OFFERMAP_", **overrides)
