"""What the HTTP layer may say about a request that could not be sent or answered.

httpx's own messages can quote what was being sent: h11 refuses a header value with a CR or LF
by printing it, secret included. So header values are checked before sending (and never
printed), and a transport failure is described by its type and a redacted message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import httpx

from offermap.http.errors import one_line
from offermap.http.redact import redact

# Visible ASCII and space: what every server accepts in a header value. Tabs, CR, LF and
# non-ASCII characters are refused (httpx would raise with the value in its message).
_SENDABLE = re.compile(r"[\x20-\x7e]*")

# Failures with no usable answer that may pass: the request may not have reached the server,
# or its answer was lost. A request httpx could not even form (LocalProtocolError) or a URL
# scheme it cannot speak (UnsupportedProtocol) fail the same way every time.
_TRANSIENT: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


def is_transient_status(status: int) -> bool:
    """Whether an HTTP status may pass if asked again: 429 and the 5xx a retry can cure.

    501 (Not Implemented) and 505 (HTTP Version Not Supported) answer the same every time.
    Clients narrow this with their API's quirks (Autotask's business errors come as 500).
    """
    return status == 429 or (500 <= status <= 599 and status not in (501, 505))


def unsendable_header(headers: Mapping[str, str]) -> str | None:
    """The name of the first header whose value cannot be sent as it is, or None.

    The value itself is never returned or shown: it is usually a credential.
    """
    for name, value in headers.items():
        if not _SENDABLE.fullmatch(value):
            return name
    return None


def is_transient_transport(exc: httpx.TransportError) -> bool:
    """Whether a transport failure may pass if the request is sent again."""
    return isinstance(exc, _TRANSIENT)


def describe_transport(exc: httpx.TransportError, secrets: Iterable[str]) -> str:
    """`Type: message` for a transport failure, on one line, with every secret masked.

    A LocalProtocolError is named without its message, which may quote a header value.
    """
    name = type(exc).__name__
    if isinstance(exc, httpx.LocalProtocolError):
        return f"{name} (the request could not be formed)"
    text = redact(one_line(str(exc)), secrets)
    host = _host_of(exc) if isinstance(exc, httpx.ConnectError) else None
    if host:
        # Which host could not be reached says whether a setting or the network is wrong.
        name = f"{name} to {host}"
    return f"{name}: {text}" if text else name


def _host_of(exc: httpx.TransportError) -> str | None:
    try:
        url = exc.request.url
    except RuntimeError:  # raised outside a request: no URL to name
        return None
    return f"{url.host}:{url.port}" if url.port is not None else url.host
