"""Every `--help` reads whole in an 80-column terminal: nothing cut, nothing run over."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from offermap.cli import app
from offermap.cli.help_text import keep_examples_whole, summary

runner = CliRunner()


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    # Typer builds on its own copy of click, so its groups are known by their commands.
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


COMMAND_PATHS = list(_command_paths(typer.main.get_command(app)))


def _help(path: tuple[str, ...], columns: int) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_walk_reaches_every_command_and_group() -> None:
    assert ("sandbox", "serve") in COMMAND_PATHS
    assert ("catalogue", "import") in COMMAND_PATHS
    assert ("match",) in COMMAND_PATHS
    assert len(COMMAND_PATHS) >= 20


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "offermap")
def test_help_fits_80_columns_and_cuts_nothing(path: tuple[str, ...]) -> None:
    text = _help(path, 80)
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, too_long
    # Rich's option panels cut a long option name with "…"; click's listing cuts a
    # summary with "...".
    assert "…" not in text
    if "Commands:" in text:
        listing = text.split("Commands:", 1)[1].splitlines()
        assert not [line for line in listing if line.rstrip().endswith("...")]


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "offermap")
def test_examples_are_whole_command_lines(path: tuple[str, ...]) -> None:
    text = _help(path, 80)
    if "Examples:" not in text:
        return
    previous = ""
    for line in text.split("Examples:", 1)[1].splitlines():
        if line and not line.startswith(" "):
            break  # the next section ("Arguments:", "Options:")
        if line.strip():
            # A line is a command, or the continuation its previous line announced with "\".
            assert line.lstrip().startswith("offermap ") or previous.endswith("\\"), line
            previous = line.rstrip()


def test_a_long_summary_is_listed_whole_and_rewrapped() -> None:
    text = _help((), 80)
    listing = " ".join(text.split("Commands:", 1)[1].split())
    assert "propose services for unmapped offers." in listing
    assert 'Connection Offer Mapping" row.' in listing


@pytest.mark.parametrize("columns", [80, 60])
def test_the_installed_command_wraps_to_the_terminal(columns: int) -> None:
    # CliRunner pins the width at 80; a terminal is read by the real command only.
    result = subprocess.run(
        [sys.executable, "-m", "offermap", "offers", "--help"],
        env={**os.environ, "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        check=True,
    )
    prose, examples = result.stdout.split("Examples:", 1)
    assert max(map(len, prose.splitlines())) <= columns
    # Example lines are kept as written (at most 80 columns), never cut in two.
    assert 'offermap offers --search "business premium" --show-mapped\n' in examples


def test_indented_paragraphs_are_marked_to_stay_as_written() -> None:
    text = keep_examples_whole(
        """Do a thing.

        Some prose
        over two lines.

          offermap thing --a \\
            --b
        """
    )
    paragraphs = text.split("\n\n")
    assert paragraphs[1] == "Some prose\nover two lines."
    assert paragraphs[2].startswith("\b\n  offermap thing")


def test_summary_is_the_first_paragraph_on_one_line() -> None:
    assert summary("Run it,\n    now.\n\n    More.") == "Run it, now."
    assert summary("") is None
    assert summary(None) is None
