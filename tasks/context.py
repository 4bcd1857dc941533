"""Which connection and database a flow run works on, and how a failure is told in artifacts."""

from __future__ import annotations

from offermap.settings import load_offermap_settings


def resolve_target(connection_id: str | None, db_path: str | None) -> tuple[str, str]:
    """The connection id and DuckDB path: explicit values win, OFFERMAP_* settings fill in."""
    if connection_id and db_path:
        return connection_id, db_path
    settings = load_offermap_settings()
    return connection_id or settings.connection, db_path or str(settings.db)


def failure_text(exc: BaseException) -> str:
    """A failure named for an artifact, whole: its kind and its text (which, from offermap's
    clients, carries no secrets: they redact before anything else)."""
    return f"{type(exc).__name__}: {exc}"
