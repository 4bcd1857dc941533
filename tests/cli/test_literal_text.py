"""Text from the APIs and from users is printed literally, never read as rich markup.

Issue 13: a service named `... [/]` crashed `offermap proposals` with a MarkupError, and a name
holding `[link=https://evil.example]click[/link]` showed the reviewer a hidden hyperlink.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.cli.common import console, errors
from tests.factories import service, subscription
from tests.review.review_data import propose_again
from tests.store_helpers import publish_snapshot

runner = CliRunner()
OFFER = "Contoso [link=https://evil.example]click[/link] Suite"
SERVICE = "Microsoft 365 [/]"
OTHER = "[bold red]Stolen[/] service"
NOTE = "[link=https://evil.example]see[/link]"
HANDLE = "CONTOSO:0001/Commercial/OneYear/Monthly"
# The escape sequence a terminal hyperlink starts with (OSC 8).
HYPERLINK = "\x1b]8;"


def _publish(path: Path, *, active: bool = True) -> None:
    publish_snapshot(
        path,
        "default",
        "sync-1",
        [service(1, SERVICE, is_active=active), service(2, OTHER)],
        [subscription("contoso", OFFER, provider_offer_id="CONTOSO:0001")],
    )


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    _publish(path)
    propose_again(
        path,
        [(("contoso", "Commercial", "OneYear", "Monthly"), 1, 1, 0.95, [f"name {SERVICE} [/b]"])],
    )
    # A terminal, where markup would become colours and hyperlinks.
    monkeypatch.setattr(console, "_force_terminal", True)
    monkeypatch.setattr(errors, "_force_terminal", True)
    return path


def _literal(args: list[str], width: int, exit_code: int = 0) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": str(width)})
    assert result.exit_code == exit_code, result.output
    assert HYPERLINK not in result.output
    # Colour codes may cut a name; without them the text must read exactly as stored.
    import re

    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", result.output).split())


@pytest.mark.parametrize("width", [80, 200])
def test_names_with_markup_are_shown_as_they_are_everywhere(db: Path, width: int) -> None:
    assert OFFER in _literal(["offers"], width)
    proposals = _literal(["proposals", "--all"], width)
    assert OFFER in proposals and SERVICE in proposals and "[/b]" in proposals
    found = _literal(["services", "search", "Microsoft", "-o", HANDLE], width)
    assert SERVICE in found and OFFER in found
    assert SERVICE in _literal(["approve", "--min-score", "0.9", "--dry-run"], width)


def test_names_with_markup_are_shown_as_they_are_after_decisions(db: Path) -> None:
    mapped = _literal(["map", HANDLE, "1", "--note", NOTE], 80)
    assert OFFER in mapped and SERVICE in mapped
    refused = _literal(["map", "CONTOSO:0001/Commercial/OneYear/Monthly", "2"], 80, exit_code=1)
    assert OTHER in refused or "R4" in refused
    assert SERVICE in refused  # R4 names the service the variant has
    for width in (80, 200):
        audit = _literal(["audit"], width)
        # A table may wrap a name between words; each word is whole and literal.
        for word in (*OFFER.split(), *SERVICE.split(), NOTE):
            assert word in audit, (word, width)
    assert OFFER in _literal(["offers", "--show-mapped"], 80)


def test_a_drifted_mapping_with_markup_is_shown_as_it_is(db: Path) -> None:
    assert runner.invoke(app, ["map", HANDLE, "1"]).exit_code == 0
    _publish(db, active=False)  # the next snapshot has the service deactivated (R2)
    for width in (80, 200):
        health = _literal(["health"], width)
        assert SERVICE in health and OFFER in health and "R2" in health
        assert "DRIFT R2" in _literal(["offers", "--show-mapped"], width)
