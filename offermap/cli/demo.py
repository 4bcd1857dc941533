"""`make demo`: the whole round against the sandbox, as a new user would run it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from offermap.cli.run_summaries import print_apply_result, print_sync_summary
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
            console.print(f"  [dim]{line.strip()}[/]", soft_wrap=True)
        elif env:
            break
        if "CLOUDCOCKPIT_TENANT" in env and "AUTOTASK_API_URL" in env:
            break
    if not env:
        process.terminate()
        raise RuntimeError("the sandbox did not start: it printed no settings")
    return process, env


def _cli(args: list[str], env: dict[str, str], *, check: bool = True) -> int:
    console.print(f"[bold]$ offermap {' '.join(shlex.quote(a) for a in args)}[/]", soft_wrap=True)
    done = subprocess.run([sys.executable, "-m", "offermap", *args], env=env, check=check)
    return done.returncode


def _rule_breaking_pair(db_path: Path) -> tuple[str, int] | None:
    """An Azure plan variant and a priced service: what an analyst might pick by mistake (R6)."""
    from offermap.acquired.listing import list_acquired
    from offermap.review.service_search import list_services

    plans = [v for v in list_acquired(db_path, DEMO_CONNECTION) if v["offer_type"] == "AzurePlan"]
    priced = [
        s
        for s in list_services(db_path, DEMO_CONNECTION, active_only=True)
        if "azure plan" in s["name"].lower()
        and (s["unit_price"] or 0) > 0
        and s["period_type_label"] == "Monthly"
    ]
    if not plans or not priced:
        return None
    return plans[0]["handle"], int(priced[0]["service_id"])


def _summary(db_path: Path, result: dict[str, Any], since: datetime) -> None:
    from offermap.acquired.derive import counts
    from offermap.reports.audit_log import read_audit

    table = Table(title="Acquired offer variants by status, after apply")
    table.add_column("status")
    table.add_column("variants", justify="right")
    for status, count in sorted(counts(db_path, DEMO_CONNECTION).items()):
        table.add_row(status, str(count))
    console.print(table)
    mapped = counts(db_path, DEMO_CONNECTION).get("mapped", 0)
    console.print(
        f"Mappings made by this run: [bold]{len(result['applied'])}[/]; "
        f"variants mapped in all: [bold]{mapped}[/]."
    )
    if mapped > len(result["applied"]):
        console.print(
            "[dim](An earlier demo run made the others: run it again and nothing is mapped "
            "twice.)[/]"
        )
    refused = [
        row
        for row in read_audit(db_path, connection_id=DEMO_CONNECTION, status="Failed")
        if datetime.fromisoformat(row["occurred_at"]) >= since
    ]
    if refused:
        # One block per refusal, so that a handle is never split at a table's column edge.
        console.print(f"Refused decisions (Failed audit rows): {len(refused)}")
        for row in refused:
            offer = Text("  ")
            offer.append(str(row.get("offer_name") or ""), style="bold")
            offer.append(f"  {row.get('handle') or ''}")
            service = Text(f"    → {row.get('service_name') or ''} #{row['service_id']}")
            reason = Text(f"    {row['details'].get('reason') or ''}")
            for line in (offer, service, reason):
                console.print(line, highlight=False)
    else:
        console.print("Refused decisions: none.")
    console.print(f"The demo's DuckDB file: [bold]{db_path}[/]")
    console.print("See its audit trail with: [bold].venv/bin/offermap audit[/]")


def run_demo() -> int:
    """Start the sandbox, sync, approve confident proposals, apply, summarise; return 0."""
    from flows.apply import apply
    from flows.sync import sync

    db_path = load_offermap_settings().db
    started = datetime.now(UTC)
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
        print_sync_summary(summary)
        console.rule("2. review: an analyst approves the confident proposals")
        console.print(
            f"The analyst approves every first-ranked proposal scoring at least {DEMO_MIN_SCORE}, "
            "and leaves the rest for a closer look:"
        )
        # Wide enough for the review tables when the output is not a terminal.
        env = {
            **os.environ,
            "OFFERMAP_ACTOR": "demo-analyst",
            "COLUMNS": os.environ.get("COLUMNS", "140"),
        }
        _cli(["proposals", "--limit", "8"], env)
        # --yes: the demo is the analyst's decision already made (approve asks above 20).
        _cli(["approve", "--min-score", str(DEMO_MIN_SCORE), "--yes"], env)
        mistake = _rule_breaking_pair(db_path)
        if mistake:
            console.print(
                "By hand, the analyst also maps the Azure plan to a service that has a price, "
                "which CloudCockpit's rule R6 forbids; offermap refuses it and audits why:"
            )
            _cli(["map", mistake[0], str(mistake[1])], env, check=False)
        console.rule("3. apply: check the rules, write mappings and audit rows")
        result = apply(connection_id=DEMO_CONNECTION, db_path=str(db_path))
        print_apply_result(result)
        console.rule("summary")
        _summary(db_path, result, started)
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
