"""While a command's run waits (a retry, a step that runs again, a busy database), the terminal
says so in one line; everything else of the run's log goes to its file."""

from __future__ import annotations

import logging

import pytest

from offermap.cli.prefect_runtime import _ForPeople, _WaitingNotices


def _record(name: str, level: int, msg: str, args: tuple[object, ...] = (), **extra: object):
    record = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


RETRY = _record(
    "offermap.cloudcockpit",
    logging.WARNING,
    "%s; retry %d of %d in %.1fs",
    ("CloudCockpit GET v1/subscriptions failed: ConnectError to api.example: refused", 2, 6, 3.5),
)
STEP_AGAIN = _record(
    "prefect.task_runs",
    logging.INFO,
    "Task run failed with %s: %r - Retry %s/%s will start %s",
    ("exception", ValueError("CloudCockpit unreachable"), 1, 2, "60 second(s) from now"),
    task_name="extract-cloudcockpit-subscriptions",
)


@pytest.mark.parametrize(
    ("record", "shown"),
    [
        (RETRY, True),
        (STEP_AGAIN, True),
        (_record("offermap.store.db", logging.WARNING, "waiting for the database"), True),
        (_record("offermap.extract.landing", logging.WARNING, "extraction failed"), False),
        (_record("offermap.cloudcockpit", logging.ERROR, "gave up; retry %d of %d"), False),
        (_record("prefect.task_runs", logging.INFO, "Finished in state Completed()"), False),
        (_record("prefect.flow_runs", logging.INFO, "Beginning flow run"), False),
    ],
)
def test_only_waits_reach_the_terminal(record: logging.LogRecord, shown: bool) -> None:
    assert _WaitingNotices().filter(record) is shown


def test_a_retry_reads_as_one_line_naming_what_waits_and_for_how_long() -> None:
    line = _ForPeople().format(RETRY)
    assert line == (
        "CloudCockpit GET v1/subscriptions failed: ConnectError to api.example: refused; "
        "retry 2 of 6 in 3.5s"
    )


def test_a_step_that_runs_again_is_said_in_words_not_as_prefects_repr() -> None:
    line = _ForPeople().format(STEP_AGAIN)
    assert line == (
        "extract-cloudcockpit-subscriptions failed: CloudCockpit unreachable; it runs again "
        "60 second(s) from now (retry 1 of 2)"
    )
