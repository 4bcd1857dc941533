"""The `offermap` application: command registration and friendly errors."""

from __future__ import annotations

import sys

import typer

from offermap.cli import audit, bench, manual, offers, pipeline, review, sandbox, services
from offermap.cli.common import errors
from offermap.cli.match import match_command

app = typer.Typer(
    name="offermap",
    help=(
        "Map the Microsoft offers your customers bought through CloudCockpit to your Autotask "
        "Recurring Services, under CloudCockpit's mapping rules, with an audit trail.\n\n"
        "The proposal path: `offermap sync` (read both sides, propose services), "
        "`offermap proposals` (review), `offermap approve` / `offermap reject`, "
        "`offermap apply` (write the approved mappings), `offermap audit` (what happened).\n\n"
        "The manual path, as CloudCockpit's Offer Mapping page: `offermap offers` (acquired "
        'offers, mapped ones hidden), `offermap services search "<first words>" --offer '
        "HANDLE`, `offermap map HANDLE SERVICE_ID`, `offermap unmap HANDLE`.\n\n"
        "Every listing takes --json; every command's --help has examples."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(services.app, name="services")
app.command("offers")(offers.offers)
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
app.command("match")(match_command)


def _known_errors() -> tuple[type[BaseException], ...]:
    from offermap.autotask import AutotaskError
    from offermap.cloudcockpit import CloudCockpitError
    from offermap.extract.landing import RecordError
    from offermap.extract.publish import InputValidationError
    from offermap.review import ReviewError
    from offermap.services import ServiceSearchError
    from offermap.settings import SettingsError
    from offermap.store import StoreError

    return (
        AutotaskError,
        CloudCockpitError,
        InputValidationError,
        RecordError,
        ReviewError,
        ServiceSearchError,
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
