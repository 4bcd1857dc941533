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
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from offermap.errors import OffermapError

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/"
DEFAULT_CLOUDCOCKPIT_API_URL = "https://api.cloudcockpit.com/"
DEFAULT_DB_PATH = ".offermap/offermap.duckdb"
DEFAULT_MAX_SNAPSHOT_SHRINK = 0.5


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


def _absolute_url(url: str) -> str:
    """Refuse a URL the clients could not call (no http(s) scheme or no host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an absolute http(s) URL: write it as https://host/path")
    return url


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
        return _with_slash(_absolute_url(value))


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
        return _with_slash(_absolute_url(value))

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        return _absolute_url(value)

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
    connection: str = "default"
    actor: str = Field(default_factory=lambda: _default_actor())
    # Proposals scoring below this are not made: the matcher abstains instead.
    proposal_threshold: float = Field(default=0.6, ge=0, le=1)
    # A sync whose services or subscriptions would lose more than this share of the published
    # snapshot is refused (a partial answer must not replace a good snapshot); 1 turns it off.
    max_snapshot_shrink: float = Field(default=DEFAULT_MAX_SNAPSHOT_SHRINK, ge=0, le=1)

    @field_validator("connection")
    @classmethod
    def _slug(cls, value: str) -> str:
        problem = connection_slug_problem(value)
        if problem:
            raise ValueError(problem)
        return value


# A connection id names files, Prefect limits and deployments: a short lower-case slug.
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def connection_slug_problem(value: str) -> str | None:
    """Why `value` is not a connection slug, in words (None when it is one).

    Connection ids are checked here and only here, whether they come from --connection or
    OFFERMAP_CONNECTION, before anything runs.
    """
    if _SLUG.fullmatch(value):
        return None
    return (
        f"{value!r} is not a connection id: use lower-case letters, digits and hyphens, "
        "starting with a letter or digit, at most 63 characters (e.g. acme or acme-eur)"
    )


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; an actor is still needed for audit rows
        return "offermap"


_S = TypeVar("_S", bound=BaseSettings)


# Where a user who meets missing settings goes next.
_SETUP_HINT = (
    "set them in the environment or in .env (start from .env.example: "
    "`cp .env.example .env`), or try offermap without credentials against the local "
    "emulators: `offermap sandbox serve --port 0` prints the lines to paste"
)


def _problems_of(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    """Every missing or malformed setting of a failed load as (variable, what is wrong)."""
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
        problems.append((name, message))
    return problems


def _problems(cls: type[BaseSettings], prefix: str) -> list[tuple[str, str]]:
    try:
        cls()
    except ValidationError as exc:
        return _problems_of(exc, prefix)
    return []


def _explain(problems: list[tuple[str, str]]) -> str:
    """One line naming every problem: the malformed settings, then the missing ones together
    with where to set them."""
    missing = [name for name, message in problems if message == "is not set"]
    others = [f"{name} {message}" for name, message in problems if message != "is not set"]
    parts = list(others)
    if missing:
        parts.append("; ".join(f"{name} is not set" for name in missing) + f": {_SETUP_HINT}")
    return "; ".join(parts)


def _load(cls: type[_S], prefix: str, **overrides: Any) -> _S:
    try:
        return cls(**overrides)
    except ValidationError as exc:
        raise SettingsError(_explain(_problems_of(exc, prefix))) from None


# Secrets a Prefect Secret block may hold instead of the environment (tasks/credentials.py).
BLOCK_SECRETS = frozenset(
    {"AUTOTASK_SECRET", "AUTOTASK_INTEGRATION_CODE", "CLOUDCOCKPIT_CLIENT_SECRET"}
)


def check_api_settings(elsewhere: frozenset[str] = BLOCK_SECRETS) -> None:
    """Check the settings of both APIs at once, before a sync reads anything.

    Args:
        elsewhere: variables that may be missing here because the run reads them from
            somewhere else (Prefect Secret blocks): alone they are not a problem; beside
            another problem they are named too, as the setup is incomplete anyway.

    Raises:
        SettingsError: naming every missing or malformed AUTOTASK_* and CLOUDCOCKPIT_*
            variable in one line, with where to set them and how to try the sandbox instead.
    """
    problems = _problems(AutotaskSettings, "AUTOTASK_") + _problems(
        CloudCockpitSettings, "CLOUDCOCKPIT_"
    )
    if any(not (name in elsewhere and msg == "is not set") for name, msg in problems):
        raise SettingsError(_explain(problems))


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
