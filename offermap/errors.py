"""The one root of every error a user of offermap can meet.

Each error's text is one line that says what went wrong and what to do about it; the command
line prints exactly that line (the traceback only with `--debug`). Errors raised for a bug in
offermap itself are not `OffermapError`s and keep their traceback.

    OffermapError
    ├── http.ApiError (both API clients; see offermap/http/errors.py)
    │   ├── TransientError ── RateLimitedError
    │   ├── AuthError
    │   └── FatalApiError
    ├── SettingsError, StoreError, ReviewError, ApplyError, ...
    └── InputError (a file or row a user gave: names the file, line and column)
"""

from __future__ import annotations


class OffermapError(Exception):
    """An error a user can meet; `str()` is one line saying what happened and what to do."""


class InputError(OffermapError, ValueError):
    """Something a user gave (a file, a row, an argument) cannot be read; nothing was written."""
