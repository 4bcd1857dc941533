"""Keeping secrets out of text that leaves a client: error messages, logs, quoted bodies.

Redaction always runs on the whole text before it is shortened: an error page that echoes a
secret near the cut would otherwise leak the part of it before the cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# Shorter fragments would mask ordinary words; settings refuse secrets this short anyway.
_MIN_FORM = 4
# Fragments of a malformed secret shorter than this stay: they would mask ordinary text.
_MIN_FRAGMENT = 6
_PRINTABLE_RUN = re.compile(r"[\x21-\x7e]+")
_TAGS = re.compile(r"<[^>]+>")


def _forms(secret: str) -> set[str]:
    # The secret as text could quote it: itself, trimmed (a value read with a trailing newline),
    # escaped as a repr or a bytes literal would print it, and URL-encoded.
    escaped = secret.encode("unicode_escape").decode("ascii")
    forms = {
        secret,
        secret.strip(),
        escaped,
        escaped.replace("'", "\\'"),
        quote(secret, safe=""),
        quote_plus(secret),
    }
    # Each printable run of a malformed secret (one with a CR, or a non-ASCII letter) as well:
    # an encoder escapes the rest in ways this list cannot all foresee.
    forms.update(run for run in _PRINTABLE_RUN.findall(secret) if len(run) >= _MIN_FRAGMENT)
    return {form for form in forms if len(form) >= _MIN_FORM}


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, in every form text could quote it, replaced by `***`.

    Args:
        text: a message about to leave the client.
        secrets: values that must never appear (passwords, integration codes, tokens).
    """
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    # Longest first, so a form that contains another is masked whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to at most `limit` characters with an ellipsis."""
    plain = " ".join(text.split())
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def excerpt(body: str, secrets: Iterable[str], limit: int = 300, *, html: bool = False) -> str:
    """A short, one-line, redacted quote of a response body for an error message.

    Args:
        body: the body as text.
        secrets: values to mask, masked before anything is cut.
        limit: the longest quote.
        html: reduce markup to its text first (IIS and gateway error pages).
    """
    kept = list(secrets)
    # Masked before the markup goes, so a secret inside a tag's attribute is masked too.
    text = redact(body, kept)
    if html:
        text = _TAGS.sub(" ", text)
    return shorten(text, limit)
