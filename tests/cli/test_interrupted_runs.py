"""Ctrl-C during `offermap sync` or `offermap apply`: one line saying what stayed, exit 130.

Prefect's flow engine lets the KeyboardInterrupt through (tried by hand against the sandbox:
the command ended with status 130 and stopped its temporary server); here the flow is replaced
by one that is interrupted at once, so that only the command's handling is under test.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap import settings
from offermap.cli import app, prefect_runtime

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
