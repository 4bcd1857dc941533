"""The `offermap` application: command registration and friendly errors."""

from __future__ import annotations

import sys

import typer

from offermap.cli import audit, bench, manual, pipeline, review, sandbox
from offermap.cli.common import errors

app = typer.Typer(
    name="offermap",
    help=(
        "Map the Microsoft offers your customers bought through CloudCockpit to your Autotask "
        "Recurring Services, under CloudCockpit's mapping rules, with an audit trail.\n\n"
        "Typical round: `offermap sync` (read both sides, propose services), "
        "`offermap proposals` (review), `offermap approve` / `offermap reject`, "
        "`offermap apply` (write the approved mappings), `offermap audit` (what happened)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox.app, name="sandbox")
app.command("sync")(pipeline.sync)
app.command("apply")(pipeline.apply)
app.command("proposals")(review.proposals)
app.command("approve")(review.approve)
app.command("reject")(review.reject)
app.command("map")(manual.map_offer)
app.command("unmap")(manual.unmap_offer)
app.command("audit")(audit.audit)
app.command("demo")(pipeline.demo)
app.command("bench")(bench.bench)


def _known_errors() -> tuple[type[BaseException], ...]:
    from offermap.autotask import AutotaskError
    from offermap.cloudcockpit import CloudCockpitError
    from offermap.extract.publish import InputValidationError
    from offermap.review import ReviewError
    from offermap.settings import SettingsError
    from offermap.store import StoreError

    return (
        AutotaskError,
        CloudCockpitError,
        InputValidationError,
        ReviewError,
        SettingsError,
        StoreError,
    )


def main(argv: list[str] | None = None) -> None:
    """Run the command line; expected failures print one clear line and exit with status 1."""
    try:
        app(args=argv, prog_name="offermap")
    except _known_errors() as exc:
        errors.print(f"[bold red]offermap:[/] {exc}", markup=True, highlight=False)
        sys.exit(1)
