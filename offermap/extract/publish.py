"""Validate a run's staged inputs with the input suites, then publish both snapshots at once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offermap.errors import OffermapError
from offermap.quality.gx_runner import validate_frame
from offermap.settings import load_offermap_settings
from offermap.store import open_store
from offermap.store.snapshots import (
    SnapshotShrinkError,
    begin_sync,
    mark_failed,
    period_labels,
    publish,
    register_connection,
    staged_frame,
)

if TYPE_CHECKING:
    import great_expectations as gx

# The column that names a row of each source's staging table.
ID_COLUMNS: dict[str, str] = {"autotask": "service_id", "cloudcockpit": "subscription_id"}


class InputValidationError(OffermapError):
    """A source's records broke its input suite; the run was not published."""

    def __init__(self, message: str, reports: dict[str, dict[str, Any]]) -> None:
        super().__init__(message)
        self.reports = reports


def start_sync(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    tenant: str | None = None,
    reseller_id: str | None = None,
) -> None:
    """Register the connection and supersede any unpublished earlier run of it."""
    with open_store(db_path) as con:
        register_connection(con, connection_id, tenant=tenant, reseller_id=reseller_id)
        begin_sync(con, connection_id, run_id)


def _describe(source: str, report: dict[str, Any]) -> str:
    parts = []
    for failed in report.get("failed", []):
        examples = ", ".join(map(str, failed.get("examples", [])[:5]))
        parts.append(
            f"{failed.get('expectation_type')} on {failed.get('column')}: "
            f"{failed.get('unexpected_count')} records"
            + (f" (e.g. {examples})" if examples else "")
        )
    return f"{source}: " + "; ".join(parts)


def _staged_frames(db_path: Path | str, run_id: str) -> dict[str, Any]:
    with open_store(db_path) as con:
        return {source: staged_frame(con, source, run_id) for source in ID_COLUMNS}  # type: ignore[arg-type]


def _mark_failed(db_path: Path | str, run_id: str, message: str) -> None:
    with open_store(db_path) as con:
        mark_failed(con, run_id, message)


def run_period_labels(db_path: Path | str, run_id: str) -> list[str] | None:
    """The periodType labels the run's Autotask extraction read from the tenant's picklist.

    Pass them to the input suites (`expectations.suites.input_suites(period_labels=...)`):
    a tenant may have renamed Autotask's standard labels. None when the run recorded none.
    """
    with open_store(db_path, read_only=True) as con:
        return period_labels(con, run_id)


def validate_inputs(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    suites: Mapping[str, gx.ExpectationSuite],
) -> dict[str, dict[str, Any]]:
    """Run the input suites on what the run staged.

    Args:
        suites: each source's suite ("autotask", "cloudcockpit"), e.g.
            `expectations.suites.input_suites(...)`.

    Returns:
        Each source's validation report (JSON-safe), all passing.

    Raises:
        InputValidationError: a suite failed; the run is marked failed and its staging rows are
            dropped, so the last good snapshot stays published.
    """
    frames = _staged_frames(db_path, run_id)
    reports = {}
    for source, id_column in ID_COLUMNS.items():
        reports[source] = validate_frame(suites[source], frames[source], id_column).to_dict()
    failed = [source for source, report in reports.items() if not report["success"]]
    if failed:
        message = "input validation failed, the snapshot was not replaced: " + " | ".join(
            _describe(source, reports[source]) for source in failed
        )
        _mark_failed(db_path, run_id, message)
        raise InputValidationError(message, reports)
    return reports


def abandon_run(db_path: Path | str, run_id: str, reason: str) -> None:
    """Fail every unpublished source of a run and drop its staging rows.

    When one source fails, the other may already have landed; it must not wait in staging
    as 'landed' for a publish that will never come.
    """
    _mark_failed(db_path, run_id, reason)


def _publish(
    db_path: Path | str, connection_id: str, run_id: str, max_shrink: float, accept_shrink: bool
) -> None:
    with open_store(db_path) as con:
        publish(con, connection_id, run_id, max_shrink=max_shrink, accept_shrink=accept_shrink)


def publish_snapshots(
    db_path: Path | str,
    connection_id: str,
    run_id: str,
    *,
    accept_shrink: bool = False,
    max_shrink: float | None = None,
) -> None:
    """Swap the run's validated staging rows in as the connection's snapshots, atomically.

    Args:
        accept_shrink: publish even when a snapshot shrinks past the limit: the operator
            knows the services or subscriptions are really gone.
        max_shrink: the share of a snapshot's records that may go at once (default:
            OFFERMAP_MAX_SNAPSHOT_SHRINK).

    Raises:
        SnapshotShrinkError: a snapshot would shrink past the limit; the run is marked failed
            with that reason and its staging rows dropped, so the last good snapshot stays.
        SettingsError: OFFERMAP_MAX_SNAPSHOT_SHRINK is malformed.
    """
    if max_shrink is None:
        max_shrink = 1.0 if accept_shrink else load_offermap_settings().max_snapshot_shrink
    try:
        _publish(db_path, connection_id, run_id, max_shrink, accept_shrink)
    except SnapshotShrinkError as exc:
        _mark_failed(db_path, run_id, str(exc))
        raise
