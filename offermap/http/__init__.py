"""The HTTP core both API clients share: errors by kind, one retry policy, redaction.

Each client (`offermap.autotask`, `offermap.cloudcockpit`) keeps only what is particular to
its API: which answer is transient, an auth failure or fatal, and its quirks.
"""

from offermap.http.errors import (
    ApiError,
    AuthError,
    FatalApiError,
    RateLimitedError,
    TransientError,
    is_transient,
    one_line,
)
from offermap.http.redact import excerpt, redact, shorten
from offermap.http.retry import Retrier, RetryPolicy
from offermap.http.retry_after import parse_retry_after
from offermap.http.transport import (
    describe_transport,
    is_transient_status,
    is_transient_transport,
    unsendable_header,
)

__all__ = [
    "ApiError",
    "AuthError",
    "FatalApiError",
    "RateLimitedError",
    "Retrier",
    "RetryPolicy",
    "TransientError",
    "describe_transport",
    "excerpt",
    "is_transient",
    "is_transient_status",
    "is_transient_transport",
    "one_line",
    "parse_retry_after",
    "redact",
    "shorten",
    "unsendable_header",
]
