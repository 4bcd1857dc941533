"""`offermap bench cli`: the administrator's commands on the large tenant, timed side by side.

Each command runs as a person runs it: a fresh `offermap` process, output to a pipe (so no
pager), against a database of the large sandbox tenant where half of the confident
proposals were approved and applied (so that `audit` has rows and `proposals` still has a
queue). Every command runs several times; the table gives the median, the spread, and its
ratio to the reads' median. Goals (printed, never asserted): a read within 1 s, a write
(`map`, `unmap`, `approve`) within twice a read.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offermap.bench.common import SandboxProcess, Stopwatch, isolated_run
from offermap.bench.report import BenchReport

CONNECTION = "bench"
READ_GOAL_SECONDS = 1.0
WRITE_GOAL_RATIO = 2.0
# Approve and apply the confident first choices of every other variant before measuring.
MIN_SCORE = 0.9


@dataclass(frozen=True)
class Timed:
    """One command's runs: what it is, and its wall times in seconds."""

    command: str
    kind: str  # read | write | start-up
    seconds: list[float]

    @property
    def median(self) -> float:
        """The median wall time."""
        return statistics.median(self.seconds)


def _prepare(db: Path) -> dict[str, Any]:
    """Sync the tenant into `db` with the library's stages (no Prefect, no GX), propose, and
    approve and apply the confident first choice of every other variant."""
    from concurrent.futures import ThreadPoolExecutor

    from offermap.acquired.derive import derive
    from offermap.apply.batch import apply_decisions
    from offermap.apply.rule_check import check_decision_facts
    from offermap.extract.autotask_services import extract_services
    from offermap.extract.cloudcockpit_subscriptions import extract_subscriptions
    from offermap.extract.publish import publish_snapshots, start_sync
    from offermap.propose.proposer import propose
    from offermap.review.approvals import approve, list_open_proposals

    run_id = "sync-bench-cli"
    start_sync(db, CONNECTION, run_id)
    with ThreadPoolExecutor(max_workers=2) as pool:
        services = pool.submit(extract_services, db, CONNECTION, run_id)
        subscriptions = pool.submit(extract_subscriptions, db, CONNECTION, run_id)
        services.result(), subscriptions.result()
    publish_snapshots(db, CONNECTION, run_id)
    variants = derive(db, CONNECTION, run_id)
    propose(db, CONNECTION, run_id)
    firsts = [
        row
        for row in list_open_proposals(db, CONNECTION)
        if row["rank"] == 1 and float(row["score"]) >= MIN_SCORE
    ]
    chosen = [int(row["proposal_id"]) for row in firsts[::2]]
    approve(db, CONNECTION, chosen, actor="bench-analyst")
    applied = apply_decisions(db, CONNECTION, "apply-bench-cli", rules_check=check_decision_facts)
    return {"variants": sum(variants.values()), "mapped": len(applied.applied)}


def _targets(db: Path) -> dict[str, Any]:
    """What the measured commands act on: open first choices to map and approve."""
    from offermap.review.queue import list_proposals

    firsts = [row for row in list_proposals(db, CONNECTION) if row["rank"] == 1]
    if len(firsts) < 3:
        raise RuntimeError("the tenant left fewer than three open proposals to measure with")
    # Searched for: an unmapped variant no measured command maps (the usual case: the
    # latest sync's ranking answers); mapped and approved: the others.
    return {"search": firsts[0], "approves": firsts[1:2], "maps": firsts[2:]}


def _time(args: Sequence[str], env: dict[str, str], folder: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "offermap", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"offermap {' '.join(args)} failed: {done.stderr.strip()[-300:]}")
    return elapsed


def _measure(folder: Path, db: Path, repeats: int) -> list[Timed]:
    env = {**os.environ, "OFFERMAP_DB": str(db), "OFFERMAP_CONNECTION": CONNECTION}
    env["COLUMNS"] = "120"
    targets = _targets(db)
    search = targets["search"]
    words = " ".join(str(search["service_name"]).split()[:2])
    reads = {
        "offers": ["offers"],
        "proposals": ["proposals"],
        "audit": ["audit"],
        "services search": ["services", "search", words, "--offer", search["handle"]],
    }
    timed: list[Timed] = [
        Timed(
            "python start-up + import",
            "start-up",
            [_time(["--help"], env, folder) for _ in range(repeats)],
        )
    ]
    # Reads and writes interleaved round by round, so that a busy moment of the machine
    # weighs on both alike.
    seconds: dict[str, list[float]] = {name: [] for name in [*reads, "map", "unmap", "approve"]}
    maps = targets["maps"]
    for round_ in range(repeats):
        for name, args in reads.items():
            seconds[name].append(_time(args, env, folder))
        pick = maps[round_ % len(maps)]
        seconds["map"].append(_time(["map", pick["handle"], str(pick["service_id"])], env, folder))
        seconds["unmap"].append(_time(["unmap", pick["handle"]], env, folder))
    # An approval stays recorded; approve distinct first choices, one per run.
    for pick in (targets["approves"] + maps)[:repeats]:
        seconds["approve"].append(_time(["approve", str(pick["proposal_id"])], env, folder))
    for name, values in seconds.items():
        timed.append(Timed(name, "read" if name in reads else "write", values))
    return timed


def _rows(timed: list[Timed]) -> tuple[list[dict[str, Any]], float]:
    reads = [t.median for t in timed if t.kind == "read"]
    read = statistics.median(reads)
    rows = []
    for item in timed:
        if item.kind == "read":
            goal = f"<= {READ_GOAL_SECONDS:g} s"
            met = item.median <= READ_GOAL_SECONDS
        elif item.kind == "write":
            goal = f"<= {WRITE_GOAL_RATIO:g} x read ({WRITE_GOAL_RATIO * read:.2f} s)"
            met = item.median <= WRITE_GOAL_RATIO * read
        else:
            goal, met = "", None
        rows.append(
            {
                "command": item.command,
                "kind": item.kind,
                "median s": round(item.median, 2),
                "min s": round(min(item.seconds), 2),
                "max s": round(max(item.seconds), 2),
                "x read": round(item.median / read, 2),
                "goal": goal,
                "met": "" if met is None else ("yes" if met else "NO"),
            }
        )
    return rows, read


def run(*, quick: bool = False) -> BenchReport:
    """Time the read and write commands on the large tenant (small when quick)."""
    scale = "small" if quick else "large"
    repeats = 1 if quick else 5
    watch = Stopwatch()
    report = BenchReport(
        name="cli", title=f"Interactive commands on the {scale} tenant, fresh process each"
    )
    with SandboxProcess(scale) as sandbox:
        settings = {**sandbox.env, "OFFERMAP_CONNECTION": CONNECTION, "OFFERMAP_ACTOR": "bench"}
        with isolated_run(settings) as folder:
            db = folder / "offermap.duckdb"
            with watch.stage("prepare (sync, propose, half approved and applied)"):
                prepared = _prepare(db)
            timed = _measure(folder, db, repeats)
    rows, read = _rows(timed)
    report.rows = rows
    report.notes = [
        f"{prepared['variants']:,} acquired variants, {prepared['mapped']:,} mapped before "
        f"measuring; {repeats} runs each; prepared in {watch.seconds(watch.stages[0].name):.1f} s.",
        f"Goals: a read within {READ_GOAL_SECONDS:g} s; map, unmap and approve within "
        f"{WRITE_GOAL_RATIO:g} x the reads' median ({read:.2f} s here). Figures of one machine "
        "at one moment: compare them side by side, not across runs.",
    ]
    report.figures = {
        "scale": scale,
        "repeats": repeats,
        "read_median_seconds": read,
        "commands": {t.command: {"kind": t.kind, "seconds": t.seconds} for t in timed},
        **prepared,
    }
    return report
