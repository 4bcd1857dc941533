"""`offermap bench demo`: cold `make demo` time, Prefect start-up included, stage by stage."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from offermap.bench.report import BenchReport

# The demo's own output marks where each stage ends: the command's announcement of Prefect's
# temporary server, then the demo's section rules (its banner follows Prefect's start-up).
STAGE_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("python and CLI start-up", re.compile(r"Starting a temporary Prefect server")),
    ("Prefect start-up", re.compile(r"─ offermap demo ─")),
    ("sandbox start", re.compile(r"─ 1\. sync\b")),
    ("sync flow", re.compile(r"─ 2\. review\b")),
    ("review (CLI commands)", re.compile(r"─ 3\. apply\b")),
    ("apply flow", re.compile(r"─ summary ─")),
)
LAST_STAGE = "summary, sandbox and Prefect shutdown"
_TIMEOUT_SECONDS = 600.0
_SETTING_PREFIXES = ("AUTOTASK_", "CLOUDCOCKPIT_", "OFFERMAP_", "PREFECT_")


@dataclass(frozen=True)
class TimedLine:
    """One line the demo printed and when it arrived, in seconds after the process started."""

    at: float
    text: str


def demo_environment(prefect_home: Path) -> dict[str, str]:
    """The environment `make demo` gives the demo, with a fresh PREFECT_HOME.

    The caller's offermap and Prefect settings are dropped so a configured Prefect server or
    database cannot make the run warm; output is unbuffered so lines arrive when printed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    env.update(
        {
            # As the Makefile sets them.
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
            "GX_ANALYTICS_ENABLED": "False",
            "DO_NOT_TRACK": "1",
            # The flow-run log line is a stage marker.
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "140",
        }
    )
    return env


def run_timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, list[TimedLine]]:
    """Run a command, stamping each line of its output (stdout and stderr) as it arrives.

    Raises:
        TimeoutError: the command ran longer than 600 s; it is killed.
    """
    started = time.monotonic()
    lines: list[TimedLine] = []
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        # A hung demo prints nothing, so the limit cannot be checked between lines.
        watchdog = threading.Timer(_TIMEOUT_SECONDS, process.kill)
        watchdog.start()
        try:
            for text in process.stdout:
                lines.append(TimedLine(time.monotonic() - started, text.rstrip("\n")))
            returncode = process.wait()
        finally:
            watchdog.cancel()
    lines.append(TimedLine(time.monotonic() - started, ""))
    if lines[-1].at >= _TIMEOUT_SECONDS:
        raise TimeoutError(f"{' '.join(command)} ran longer than {_TIMEOUT_SECONDS:g} s")
    return returncode, lines


def split_stages(lines: list[TimedLine]) -> tuple[list[tuple[str, float]], list[str]]:
    """Cut the timeline at each stage marker: [(stage, seconds)], and the markers not seen.

    A stage whose marker is missing is counted in the next stage that has one, so the
    seconds always add up to the whole run.
    """
    stages: list[tuple[str, float]] = []
    missing: list[str] = []
    since = 0.0
    pending: list[str] = []
    position = 0
    for name, marker in STAGE_MARKERS:
        found = next((i for i in range(position, len(lines)) if marker.search(lines[i].text)), None)
        if found is None:
            missing.append(name)
            pending.append(name)
            continue
        position = found
        label = " + ".join([*pending, name])
        stages.append((label, lines[found].at - since))
        since = lines[found].at
        pending = []
    end = lines[-1].at if lines else 0.0
    stages.append((" + ".join([*pending, LAST_STAGE]), end - since))
    return stages, missing


def time_demo(folder: Path) -> list[TimedLine]:
    """Run `python -m offermap demo` cold in `folder` (a fresh PREFECT_HOME inside it).

    Raises:
        RuntimeError: the demo failed; the end of its output is in the message.
    """
    env = demo_environment(folder / "prefect")
    returncode, lines = run_timed([sys.executable, "-m", "offermap", "demo"], folder, env)
    if returncode != 0:
        tail = "\n".join(line.text for line in lines[-30:])
        raise RuntimeError(f"the demo exited with status {returncode}:\n{tail}")
    return lines


def report_of(lines: list[TimedLine]) -> BenchReport:
    """The stages of a timed demo run as a report."""
    report = BenchReport(name="demo", title="Cold `make demo` (offermap demo), stage by stage")
    stages, missing = split_stages(lines)
    total = lines[-1].at
    report.rows = [
        {"stage": name, "seconds": round(seconds, 2), "share": f"{seconds / total:.0%}"}
        for name, seconds in stages
    ]
    report.rows.append({"stage": "total", "seconds": round(total, 2), "share": "100%"})
    if missing:
        report.notes.append(f"markers not seen (merged into the next stage): {missing}")
    report.notes.append(
        "bytecode is compiled at install time (make install), as `make demo` runs it"
    )
    report.figures = {
        "total_seconds": round(total, 3),
        "stages": {name: round(seconds, 3) for name, seconds in stages},
        "missing_markers": missing,
        "output_lines": len(lines) - 1,
    }
    return report


def run(*, quick: bool = False) -> BenchReport:
    """Run the demo cold (fresh folder, fresh PREFECT_HOME) and time its stages.

    `quick` changes nothing: the demo has one size, and it is the thing measured.

    Raises:
        RuntimeError: the demo failed; the end of its output is in the message.
    """
    with tempfile.TemporaryDirectory(prefix="offermap-bench-demo-") as folder:
        return report_of(time_demo(Path(folder)))
