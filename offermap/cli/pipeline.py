"""`offermap sync`, `offermap apply` and `offermap demo`: the pipeline, run as Prefect flows."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from offermap.cli.common import (
    INTERRUPTED,
    ConnectionOption,
    DbOption,
    JsonOption,
    errors,
    print_json,
    progress_bars,
    target,
)
from offermap.cli.run_summaries import print_apply_result, print_sync_summary
from offermap.store import require_database

VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        help="Print Prefect's own log lines as they happen (by default they go to "
        "logs/<command>.log next to the database).",
    ),
]
AcceptShrinkOption = Annotated[
    bool,
    typer.Option(
        "--accept-shrink",
        help="Publish even if more services or subscriptions are gone than "
        "OFFERMAP_MAX_SNAPSHOT_SHRINK allows (default: half): they really are gone.",
    ),
]


# What stays after Ctrl-C, by command: both write each stage in one transaction.
_AFTER_INTERRUPT = {
    "sync": "the sync stopped; nothing it had not finished was published (each stage commits "
    "whole or not at all): run `offermap sync` again",
    "apply": "the apply stopped; no decision is half-applied (the batch commits whole or not at "
    "all) and what was not applied still waits (`offermap decisions` lists it): run "
    "`offermap apply` again",
}


@contextmanager
def _interruptible(command: str) -> Iterator[None]:
    """On Ctrl-C, say in one line what stayed as it was, and exit 130 (the shell's code).

    A step that is running (or waiting to run again after an outage) is a thread Prefect
    waits for, so the first Ctrl-C says so at once; a second one stops the command there and
    then: every stage commits whole or not at all, and the temporary Prefect server dies with
    the command.
    """
    from rich.text import Text

    def interrupted() -> Text:
        return Text(f"offermap: interrupted: {_AFTER_INTERRUPT[command]}.", style="bold red")

    def first(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, again)
        errors.print(
            Text("offermap: stopping once the running step ends; Ctrl-C again stops now."),
            highlight=False,
        )
        raise KeyboardInterrupt

    def again(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        errors.print(interrupted(), highlight=False)
        sys.stderr.flush()
        os._exit(INTERRUPTED)  # threads Prefect would wait for are not waited for

    # A shell job started with & ignores Ctrl-C: leave that as it is.
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:
        signal.signal(signal.SIGINT, first)
    try:
        yield
    except KeyboardInterrupt:
        # A second Ctrl-C must not cut the line short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        errors.print(interrupted(), highlight=False)
        sys.exit(INTERRUPTED)
    else:
        signal.signal(signal.SIGINT, previous)


def _say(line: str) -> None:
    """A line a run tells a person while it runs, printed literally on stderr."""
    from rich.text import Text

    errors.print(Text(line), highlight=False)


def sync(
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    verbose: VerboseOption = False,
    accept_shrink: AcceptShrinkOption = False,
) -> None:
    """Read both APIs, validate, publish the snapshots, and propose services for unmapped offers.

    Runs the `sync` Prefect flow in this process, with a progress bar per extraction (pages
    of Autotask services and CloudCockpit subscriptions) and per later step. Credentials come
    from the environment or `.env` (see the README). A failed or partial extract never
    replaces the last good snapshot, nor does one that lost more than half of the services or
    subscriptions (OFFERMAP_MAX_SNAPSHOT_SHRINK) unless you pass --accept-shrink.

    Examples:

      offermap sync

      offermap sync --connection acme --db /data/acme.duckdb --json

      offermap sync --accept-shrink
    """
    from offermap.cli.prefect_runtime import command_runtime
    from offermap.settings import check_api_settings

    db_path, connection_id = target(db, connection)
    check_api_settings()  # every missing setting named at once, before Prefect starts
    with (
        _interruptible("sync"),
        command_runtime("sync", db_path, verbose=verbose, say=_say, announce=_say),
    ):
        from flows.sync import sync as sync_flow
        from tasks.progress import listening

        with progress_bars() as report, listening(report, messages=_say):
            summary = sync_flow(
                connection_id=connection_id, db_path=str(db_path), accept_shrink=accept_shrink
            )
    if json:
        from offermap.reports.mapping_health import health_summary

        # The drift the table output prints as a line, for scripts: counts per rule.
        health = health_summary(db_path, connection_id)
        summary["mapping_health"] = {
            key: health[key] for key in ("mappings", "healthy", "drifted", "drift_by_rule")
        }
        print_json(summary)
        return
    print_sync_summary(summary)


def apply(
    db: DbOption = None,
    connection: ConnectionOption = None,
    json: JsonOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Check approved decisions against the rules; write the passing mappings and audit rows.

    Runs the `apply` Prefect flow in this process: every pending decision (approvals from
    `offermap approve`, picks from `offermap map`, `offermap unmap`) is checked as one batch
    against the rules suite; passing ones are written with a Succeeded audit row, refused ones
    get a Failed row naming the rule. Running it twice changes nothing the second time.

    Examples:

      offermap apply

      offermap apply --connection acme --json
    """
    from offermap.cli.prefect_runtime import command_runtime

    db_path, connection_id = target(db, connection)
    # Nothing to apply in a database that does not exist: say so before Prefect starts.
    require_database(db_path)
    with (
        _interruptible("apply"),
        command_runtime("apply", db_path, verbose=verbose, say=_say, announce=_say),
    ):
        from flows.apply import apply as apply_flow
        from tasks.progress import listening

        with progress_bars() as report, listening(report, messages=_say):
            result = apply_flow(connection_id=connection_id, db_path=str(db_path))
    if json:
        print_json(result)
        return
    print_apply_result(result)


def demo(verbose: VerboseOption = False) -> None:
    """Run the whole round against the sandbox: sync, approve, apply, summary.

    Starts local emulators of Autotask and CloudCockpit on a loopback port, so no credentials
    are needed; the data goes to the connection `demo` in OFFERMAP_DB.

    Example:

      offermap demo
    """
    from offermap.cli.demo import run_demo
    from offermap.cli.prefect_runtime import command_runtime
    from offermap.settings import load_offermap_settings

    with command_runtime(
        "demo", load_offermap_settings().db, verbose=verbose, say=_say, announce=_say
    ):
        code = run_demo()
    raise typer.Exit(code)
