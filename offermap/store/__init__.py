"""DuckDB storage: connections, migrations, and the SQL that reads and writes each table."""

from offermap.store.db import (
    StoreBusyError,
    StoreError,
    ensure_folder,
    fetch_dicts,
    open_store,
    require_database,
    run_script,
    sql,
    transaction,
)

__all__ = [
    "StoreBusyError",
    "StoreError",
    "ensure_folder",
    "fetch_dicts",
    "open_store",
    "require_database",
    "run_script",
    "sql",
    "transaction",
]
