"""`offermap sandbox`: local emulators of the Autotask and CloudCockpit APIs."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="Local emulators of both APIs, seeded with realistic data.", no_args_is_help=True
)


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 8787,
    scale: Annotated[
        str, typer.Option(help="Tenant size: small (the demo), large or xl.")
    ] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the generated tenant.")] = 7,
) -> None:
    """Serve the emulators and print the `export` lines that point offermap at them.

    Run `eval "$(offermap sandbox serve --port 0 | grep ^export)"` in another shell, or copy
    the lines printed; stop with Ctrl-C.
    """
    from offermap.sandbox import serve_forever

    serve_forever(port=port, scale=scale, seed=seed)
