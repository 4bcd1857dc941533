"""Ctrl-C during `offermap sync` or `offermap apply`: one line saying what stayed, exit 130.

Prefect's flow engine lets the KeyboardInterrupt through (tried by hand against the sandbox:
the command ended with status 130 and stopped its temporary server); here the flow is replaced
by one that is interrupted at once, so that only the command's handling is under test.
"""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap import settings
from offermap.cli import app, prefect_runtime
from offermap.store import open_store

runner = CliRunner()


@pytest.fixture
def sigint_restored() -> Iterator[None]:
    """The command ignores a second Ctrl-C while it reports; the test process must not."""
    saved = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, saved)


@pytest.mark.parametrize(
    ("command", "flow_module", "stayed"),
    [
        ("sync", "flows.sync", "nothing it had not finished was published"),
        ("apply", "flows.apply", "no decision is half-applied"),
    ],
)
def test_ctrl_c_says_in_one_line_what_stayed_and_exits_130(
    command: str,
    flow_module: str,
    stayed: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sigint_restored: None,
) -> None:
    monkeypatch.setenv("OFFERMAP_DB", str(tmp_path / "offermap.duckdb"))
    with open_store(tmp_path / "offermap.duckdb"):
        pass  # apply refuses a database that does not exist before it runs anything
    monkeypatch.setattr(settings, "check_api_settings", lambda: None)
    monkeypatch.setattr(prefect_runtime, "command_runtime", lambda *a, **k: nullcontext())

    def interrupted(**_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(flow_module), command, interrupted)
    result = runner.invoke(app, [command])
    assert result.exit_code == 130, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("offermap: interrupted: "), result.stderr
    assert stayed in lines[0] and f"run `offermap {command}` again" in lines[0]
    assert "Traceback" not in result.output


_BLOCKED_STEP = """
import threading, time
from offermap.cli.pipeline import _interruptible
with _interruptible("sync"):
    ended = threading.Event()
    step = threading.Thread(target=lambda: (time.sleep(60), ended.set()), daemon=True)
    step.start()  # a step waiting to run again after an outage
    try:
        print("running", flush=True)  # in the try: the Ctrl-C may come while it prints
        ended.wait()
    except KeyboardInterrupt:
        ended.wait()  # as Prefect does: it waits for the step to end
        raise
"""


def test_a_second_ctrl_c_stops_at_once_while_a_step_is_waiting() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _BLOCKED_STEP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A child of a shell job started with & would ignore Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    assert child.stdout is not None and child.stdout.readline() == "running\n"
    child.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert child.poll() is None  # the first Ctrl-C waits for the step, and says so
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=20)

    assert child.returncode == 130
    lines = err.strip().splitlines()
    assert lines[0] == "offermap: stopping once the running step ends; Ctrl-C again stops now."
    assert lines[1].startswith("offermap: interrupted: the sync stopped") and len(lines) == 2
