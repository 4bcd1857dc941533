"""`make demo`: the whole round against the sandbox, as a new user would run it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from offermap.settings import load_offermap_settings

DEMO_CONNECTION = "demo"
# The confidence above which the demo's analyst approves proposals without looking closer.
DEMO_MIN_SCORE = 0.9
_SANDBOX_START_TIMEOUT = 60.0

console = Console()


def _start_sandbox() -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "offermap", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    env: dict[str, str] = {}
    deadline = time.monotonic() + _SANDBOX_START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("export "):
            name, _, value = line[len("export ") :].strip().partition("=")
            env[name] = shlex.split(value)[0] if value else ""
            console.print(f"  [dim]{line.strip()}[/]")
        elif env:
            break
        if "CLOUDCOCKPIT_TENANT" in env and "AUTOTASK_API_URL" in env:
            break
    if not env:
        process.terminate()
        raise RuntimeError("the sandbox did not start: it printed no settings")
    return process, env


def _cli(args: list[str], env: dict[str, str]) -> None:
    console.print(f"[bold]$ offermap {' '.join(shlex.quote(a) for a in args)}[/]")
    subprocess.run([sys.executable, "-m", "offermap", *args], env=env, check=True)


def _summary(db_path: Path, sync: dict[str, Any], result: dict[str, Any]) -> None:
    from offermap.acquired import counts

    table = Table(title="Acquired offer variants by status, after apply")
    table.add_column("status")
    table.add_column("variants", justify="right")
    for status, count in sorted(counts(db_path, DEMO_CONNECTION).items()):
        table.add_row(status, str(count))
    console.print(table)
    console.print(
        f"Mappings made: [bold]{len(result['applied'])}[/]"
        f" ({len(result['unchanged'])} were already in place)."
    )
    if result["failed"]:
        failures = Table(title="Refused decisions")
        for column in ("offer variant", "service", "rule", "reason"):
            failures.add_column(column, overflow="fold")
        for failed in result["failed"]:
            failures.add_row(
                " / ".join(failed["variant"]),
                str(failed["service_id"]),
                failed.get("rule") or "",
                failed.get("reason") or "",
            )
        console.print(failures)
    else:
        console.print("Refused decisions: none.")
    console.print(f"The demo's DuckDB file: [bold]{db_path}[/]")
    console.print("See its audit trail with: [bold].venv/bin/offermap audit[/]")


def run_demo() -> int:
    """Start the sandbox, sync, approve confident proposals, apply, summarise; return 0."""
    from flows.apply import apply
    from flows.sync import sync

    db_path = load_offermap_settings().db
    console.rule("offermap demo")
    console.print("Starting the sandbox (local emulators of Autotask and CloudCockpit):")
    sandbox, sandbox_env = _start_sandbox()
    saved = dict(os.environ)
    try:
        os.environ.update(sandbox_env)
        os.environ["OFFERMAP_CONNECTION"] = DEMO_CONNECTION
        os.environ["OFFERMAP_DB"] = str(db_path)
        console.rule("1. sync: read both APIs, validate, publish, propose")
        summary = sync(connection_id=DEMO_CONNECTION, db_path=str(db_path))
        from offermap.cli.pipeline import print_sync_summary

        print_sync_summary(summary)
        console.rule("2. review: an analyst approves the confident proposals")
        console.print(
            f"The analyst approves every first-ranked proposal scoring at least {DEMO_MIN_SCORE}, "
            "and leaves the rest for a closer look:"
        )
        env = {**os.environ, "OFFERMAP_ACTOR": "demo-analyst"}
        _cli(["proposals"], env)
        _cli(["approve", "--min-score", str(DEMO_MIN_SCORE)], env)
        console.rule("3. apply: check the rules, write mappings and audit rows")
        result = apply(connection_id=DEMO_CONNECTION, db_path=str(db_path))
        console.rule("summary")
        _summary(db_path, summary, result)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sandbox.terminate()
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        console.print("Sandbox stopped.")
    return 0
