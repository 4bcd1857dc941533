"""The server-log check of the Prefect stack tests lets through only Prefect's own SQLite locks."""

from __future__ import annotations

from tests.prefect_server_log import server_errors

_LOCKED = """\
21:33:54.668 | ERROR   | docket.dependencies - mark_work_queues_ready(polled_work_queue_ids=...)
Traceback (most recent call last):
  File "prefect/server/models/work_queues.py", line 708, in record_work_queue_polls
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked
"""
_OURS = """\
21:34:01.002 | ERROR   | prefect.server.api.flow_runs - Failed to set state
Traceback (most recent call last):
ValueError: bad state
"""
_INFO = "21:33:50.100 | INFO    | prefect.server - Server started\n"
_RECORDER = """\
23:51:31.875 | ERROR   | prefect.server.services.task_run_recorder - Error flushing 1 events \
(1 to retry, 0 dropped)
Traceback (most recent call last):
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked
"""


def test_prefects_own_sqlite_lock_passes_and_any_other_error_counts() -> None:
    assert server_errors(_INFO + _LOCKED + _INFO) == []
    assert server_errors(_INFO + _LOCKED + _OURS) == [_OURS]
    locked_elsewhere = _LOCKED.replace("docket.dependencies", "prefect.server.api.flow_runs")
    assert server_errors(locked_elsewhere) == [locked_elsewhere]


def test_the_task_run_recorder_passes_while_it_keeps_every_event_for_a_retry() -> None:
    assert server_errors(_INFO + _RECORDER + _INFO) == []
    dropped = _RECORDER.replace("(1 to retry, 0 dropped)", "(0 to retry, 1 dropped)")
    assert server_errors(dropped) == [dropped]
    other_error = _RECORDER.replace("database is locked", "disk I/O error")
    assert server_errors(other_error) == [other_error]


def test_a_traceback_counts_at_any_level_and_before_the_first_record() -> None:
    warning = _OURS.replace("ERROR  ", "WARNING")
    assert server_errors(_INFO + warning) == [warning]
    banner = "Traceback (most recent call last):\nImportError: no app\n"
    assert server_errors(banner) == [banner]
    assert server_errors("") == []
    assert server_errors(_INFO) == []
