"""Run ids: one per sync or apply, sortable by time and readable in the audit log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_run_id(prefix: str = "run") -> str:
    """A fresh run id such as `sync-20261124T084512Z-3fa2c1`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}-{stamp}-{secrets.token_hex(3)}"
