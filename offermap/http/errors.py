"""The errors of both API clients, by what the caller can do about them.

    ApiError (OffermapError)
    ├── TransientError      the API or the network failed in a way that may pass: try again later
    │   └── RateLimitedError    the API asked us to slow down (429, thread threshold); retry_after
    ├── AuthError           the credentials were refused: fix the settings
    └── FatalApiError       the API refused the request or answered something unusable

Each client subclasses these under its own root (`AutotaskError`, `CloudCockpitError`), so that
`except AutotaskError` and `except TransientError` both work. Only the client knows which
response is which; this module only says what each kind means to a caller.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any, Self

from offermap.errors import OffermapError

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """`text` with every run of line breaks and control characters turned into one space.

    Other spaces are kept, so an API's message is quoted as it was sent.
    """
    return _BREAKS.sub(" ", text)


class ApiError(OffermapError):
    """An API call failed. `str()` is one line naming the API, endpoint, status and the API's
    own message (redacted), and what to do.

    Attributes:
        status: the HTTP status, or None when no response came (timeout, dropped connection).
        endpoint: what was called, e.g. "Services" or "GET v1/subscriptions".
        messages: the API's own text, redacted.
        retries_exhausted: set once a retry loop gave up on this error, so that an outer loop
            (a token fetch inside an API call) does not retry it again.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str | None = None,
        messages: Sequence[str] = (),
    ) -> None:
        super().__init__(one_line(message))
        self.status = status
        self.endpoint = endpoint
        self.messages = list(messages)
        self.retries_exhausted = False

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def with_note(self, note: str, *, exhausted: bool = False) -> Self:
        """A copy of this error whose text ends with `note` in parentheses.

        Args:
            note: e.g. "gave up after 3 attempts (max retries 2)".
            exhausted: mark the copy as already retried (see `retries_exhausted`).
        """
        noted = copy.copy(self)
        noted.args = (one_line(f"{self} ({note})"),)
        noted.retries_exhausted = exhausted or self.retries_exhausted
        return noted


class TransientError(ApiError):
    """A failure that may pass by itself: a timeout, a dropped connection, a 5xx, a cut body.

    Attributes:
        retry_after: seconds the API asked to wait (its Retry-After), if it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimitedError(TransientError):
    """The API pushed back (429, too many concurrent requests): wait longer before retrying."""


class AuthError(ApiError):
    """The API refused the credentials: retrying cannot help, the settings must change."""


class FatalApiError(ApiError):
    """The API refused the request or answered something unusable; the same call fails again."""


def is_transient(exc: BaseException | None) -> bool:
    """Whether `exc` is worth trying again later (a `TransientError`, retries spent or not).

    Meant for orchestrators: a Prefect task retries an extraction only when this is True, so an
    auth error or a lying API fails the run at once instead of being asked again.
    """
    return isinstance(exc, TransientError)
