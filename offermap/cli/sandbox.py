"""`offermap sandbox`: local emulators of the Autotask and CloudCockpit APIs."""

from __future__ import annotations

from typing import Annotated

import typer

from offermap.cli.help_text import PLAIN_HELP

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP,
    help="Local emulators of both APIs, seeded with realistic data.",
    no_args_is_help=True,
)

_KINDS = "server_error, rate_limited, dropped, slow, malformed"


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 8787,
    scale: Annotated[
        str, typer.Option(help="Tenant size: small (the demo), large or xl.")
    ] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the generated tenant.")] = 7,
    latency: Annotated[
        float, typer.Option(help="Seconds added to every API request (both APIs).")
    ] = 0.0,
    fault_rate: Annotated[
        float, typer.Option(help="Share (0-1) of API requests answered with a fault.")
    ] = 0.0,
    fault_kinds: Annotated[
        str, typer.Option(help=f"Comma-separated faults to draw from: {_KINDS}.")
    ] = _KINDS.replace(" ", ""),
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault sequence (replayable).")] = 0,
    retry_after: Annotated[int, typer.Option(help="Retry-After seconds sent with every 429.")] = 30,
    hourly_threshold: Annotated[
        int, typer.Option(help="Autotask requests allowed per rolling hour before 429s.")
    ] = 10_000,
    thread_threshold: Annotated[
        int,
        typer.Option(help="Concurrent Autotask requests allowed per integration code and entity."),
    ] = 3,
    drop_next_page_on: Annotated[
        int,
        typer.Option(help="Lie: Autotask query page N answers no nextPageUrl (0: never)."),
    ] = 0,
    empty_query_pages: Annotated[
        bool,
        typer.Option(help="Lie: Autotask query pages answer no records; query/count is true."),
    ] = False,
    empty_without_total: Annotated[
        bool,
        typer.Option(help='Lie: every CloudCockpit list answers {"items": []} without a total.'),
    ] = False,
    autotask_dies_after: Annotated[
        int, typer.Option(help="The server dies after N Autotask requests (0: never).")
    ] = 0,
    cloudcockpit_dies_after: Annotated[
        int, typer.Option(help="The server dies after N CloudCockpit requests (0: never).")
    ] = 0,
) -> None:
    """Serve the emulators and print the `export` lines that point offermap at them.

    Run `eval "$(offermap sandbox serve --port 0 | grep ^export)"` in another shell, or copy
    the lines printed; stop with Ctrl-C. The other options rehearse an outage: latency,
    faults, Autotask's thresholds, the lies both APIs have been seen to tell, and a death.
    """
    from offermap.sandbox import Rehearsal, serve_forever

    kinds = tuple(kind.strip() for kind in fault_kinds.split(",") if kind.strip())
    try:
        rehearsal = Rehearsal(
            latency_seconds=latency,
            fault_rate=fault_rate,
            fault_kinds=kinds,
            fault_seed=fault_seed,
            hourly_threshold=hourly_threshold,
            thread_threshold=thread_threshold,
            retry_after_seconds=retry_after,
            drop_next_page_on=drop_next_page_on,
            empty_query_pages=empty_query_pages,
            empty_without_total=empty_without_total,
            autotask_dies_after=autotask_dies_after,
            cloudcockpit_dies_after=cloudcockpit_dies_after,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    serve_forever(port=port, scale=scale, seed=seed, rehearsal=rehearsal)
