"""The `offermap` application: command registration and friendly errors."""

from __future__ import annotations

import sys

import typer

from offermap.cli import (
    audit,
    bench,
    catalogue,
    health,
    manual,
    offers,
    pipeline,
    review,
    sandbox,
    search_services,
)
from offermap.cli.common import errors
from offermap.cli.help_text import PLAIN_HELP, prepare_help
from offermap.cli.match import match_command

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP,
    name="offermap",
    help=(
        "Map the Microsoft offers your customers bought through CloudCockpit to your Autotask "
        "Recurring Services, under CloudCockpit's mapping rules, with an audit trail.\n\n"
        "The proposal path: `offermap sync` (read both sides, propose services), "
        "`offermap proposals` (review), `offermap approve` / `offermap reject`, "
        "`offermap apply` (write the approved mappings), `offermap audit` (what happened); "
        "`offermap decisions` and `offermap withdraw` list and take back decisions before "
        "apply.\n\n"
        "The manual path, as CloudCockpit's Offer Mapping page: `offermap offers` (acquired "
        'offers, mapped ones hidden), `offermap services search "<first words>" --offer '
        "HANDLE`, `offermap map HANDLE SERVICE_ID`, `offermap unmap HANDLE`.\n\n"
        "`offermap health` lists mappings that no longer hold against the latest snapshots.\n\n"
        "Every listing takes --json and --csv; every command's --help has examples."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(search_services.app, name="services")
app.add_typer(catalogue.app, name="catalogue")
app.command("offers")(offers.offers)
app.command("sync")(pipeline.sync)
app.command("apply")(pipeline.apply)
app.command("proposals")(review.proposals)
app.command("approve")(review.approve)
app.command("reject")(review.reject)
app.command("decisions")(review.decisions)
app.command("withdraw")(review.withdraw)
app.command("map")(manual.map_offer)
app.command("unmap")(manual.unmap_offer)
app.command("audit")(audit.audit)
app.command("health")(health.health)
app.command("demo")(pipeline.demo)
app.command("bench")(bench.bench)
app.command("match")(match_command)
prepare_help(app)


@app.callback()
def _options(
    debug: bool = typer.Option(
        False, "--debug", help="On an error, print the traceback as well as the one-line reason."
    ),
) -> None:
    """Options every command shares (read before typer runs: see `main`)."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line; an error a user can meet prints one line and exits with status 1.

    Errors are `OffermapError`s, whose text says what happened and what to do; it is printed
    literally (never as markup: it may quote API or user text). `--debug`, anywhere on the
    command line, adds the traceback. A command line that does not parse (an unknown option,
    a bad value) is one line too, naming the command's --help, with status 2.
    """
    from typer import Abort

    # Typer's copy of click: its usage errors are not exported under another name.
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    from offermap.errors import OffermapError

    given = list(sys.argv[1:] if argv is None else argv)
    args = [arg for arg in given if arg != "--debug"]
    debug = len(args) != len(given)
    try:
        code = app(args=args, prog_name="offermap", standalone_mode=False)
    except OffermapError as exc:
        if debug:
            errors.print_exception(show_locals=False)
        _say_error(" ".join(str(exc).split()) or type(exc).__name__)
        sys.exit(1)
    except NoArgsIsHelpError as exc:
        exc.show()  # a group given no command: its help, as click prints it
        sys.exit(exc.exit_code)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "offermap"
        _say_error(f"{' '.join(exc.format_message().split())} (see `{where} --help`)")
        sys.exit(exc.exit_code)
    except Abort:
        _say_error("aborted: nothing was done.")
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)


def _say_error(text: str) -> None:
    from rich.text import Text

    message = Text("offermap: ", style="bold red")
    message.append(text)
    errors.print(message, highlight=False)
