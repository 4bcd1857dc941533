"""Listings fit the terminal: no column lost, ids never split, paged when long on a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.cli import app, tables
from tests.factories import service, subscription
from tests.review.review_data import propose_again
from tests.store_helpers import publish_snapshot

runner = CliRunner()
# A provider offer id shared by two offers: their handles carry the 36-character offer id.
LONG_OFFER = "5f1c2a9e-0b7d-4e61-a5f4-5a4d8b0c0001"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(path))
    long_name = "Microsoft 365 Business Premium and Office 365 Extra File Storage Add-on"
    publish_snapshot(
        path,
        "default",
        "sync-1",
        [
            service(1, f"{long_name} - Annual Commitment (Billed Monthly) [CFQ7TTC0LCHC:0002]"),
            service(2, "Dynamics 365 Business Central Essentials (3 Year)", "Yearly"),
            *(service(10 + i, f"Filler service number {i}") for i in range(60)),
        ],
        [
            subscription("bp", long_name, provider_offer_id="CFQ7TTC0LCHC:0002"),
            subscription(
                LONG_OFFER,
                "Contoso Add-on",
                provider_offer_id="DUP0:0001",
                segment="NonProfit",
                term="ThreeYears",
                billing_frequency="Annual",
            ),
            subscription("other-dup", "Contoso Add-on (new)", provider_offer_id="DUP0:0001"),
            *(
                subscription(f"o{i}", f"Offer {i}", provider_offer_id=f"OFFER{i:04d}:0001")
                for i in range(60)
            ),
        ],
    )
    propose_again(
        path,
        [
            (("bp", "Commercial", "OneYear", "Monthly"), 1, 1, 0.97),
            ((LONG_OFFER, "NonProfit", "ThreeYears", "Annual"), 2, 1, 0.81),
            *(((f"o{i}", "Commercial", "OneYear", "Monthly"), 10 + i, 1, 0.9) for i in range(60)),
        ],
    )
    return path


LONG_HANDLE = f"{LONG_OFFER}/NonProfit/ThreeYears/Annual"
HEADERS = {
    "offers": ["offer", "handle", "customers", "status", "mapped service"],
    "proposals": ["id", "offer", "handle", "service", "score", "rank", "why"],
}


def _run(args: list[str], width: int) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", [80, 100, 200])
@pytest.mark.parametrize("command", [["offers", "--limit", "0"], ["proposals", "--limit", "0"]])
def test_ids_are_never_split_and_no_line_is_wider_than_the_terminal(
    db: Path, command: list[str], width: int
) -> None:
    out = _run(command, width)
    # Every handle, provider offer id and service id is on one line, whole.
    assert LONG_HANDLE in out
    assert "CFQ7TTC0LCHC:0002/Commercial/OneYear/Monthly" in out
    for i in range(60):
        assert f"OFFER{i:04d}:0001/Commercial/OneYear/Monthly" in out
    if command[0] == "proposals":
        assert "#1" in out or " 1 " in out
    # An id line may run past the edge only if the id alone is longer than the terminal.
    for line in out.splitlines():
        if len(line.rstrip()) > width:
            assert LONG_HANDLE in line and len(LONG_HANDLE) + 10 > width, line


@pytest.mark.parametrize("command", ["offers", "proposals"])
def test_a_wide_terminal_shows_every_column_with_its_header(db: Path, command: str) -> None:
    out = _run([command, "--limit", "5"], 200)
    header = next(line for line in out.splitlines() if "handle" in line)
    for name in HEADERS[command]:
        assert name in header, (name, header)
    # No column is squeezed to nothing: every header word is whole, each row's cells present.
    assert not re.search(r"│\s*│", out)


def test_a_narrow_terminal_shows_blocks_with_the_names_not_a_squeezed_table(db: Path) -> None:
    out = _run(["offers", "--limit", "3"], 80)
    assert "Microsoft 365 Business Premium and Office 365 Extra File Storage Add-on" in " ".join(
        out.split()
    )
    assert "━" not in out and "─" * 20 not in out  # no table rules: blocks


@pytest.mark.parametrize("command", ["offers", "proposals"])
def test_blocks_copy_without_spaces_padded_to_the_edge(db: Path, command: str) -> None:
    out = _run([command, "--limit", "0"], 80)
    assert [line for line in out.splitlines() if line != line.rstrip()] == []
    assert any(line.startswith("    ") for line in out.splitlines())  # indented lines kept


def test_limit_and_offset_page_through_and_say_where_they_are(db: Path) -> None:
    out = _run(["offers", "--limit", "10", "--offset", "10"], 200)
    assert "Showing 11-20 of 63." in out and "--offset 20" in out
    default = _run(["offers"], 200)
    assert f"Showing 1-{tables.DEFAULT_LIMIT} of 63." in default


def test_a_long_listing_goes_through_the_pager_only_on_a_terminal(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("OFFERMAP_PAGER", f"cat > {paged}")
    monkeypatch.setattr(tables, "stdout_is_terminal", lambda: True)
    out = _run(["offers"], 200)
    assert out == ""
    assert "OFFER0000:0001/Commercial/OneYear/Monthly" in paged.read_text()
    # --no-pager, or a short listing, prints directly.
    paged.unlink()
    assert "OFFER0000:0001" in _run(["offers", "--no-pager"], 200)
    assert "OFFER0000:0001" in _run(["offers", "-s", "OFFER0000"], 200)
    assert not paged.exists()
    # Not a terminal (a pipe, a file): never paged.
    monkeypatch.setattr(tables, "stdout_is_terminal", lambda: False)
    assert "OFFER0000:0001" in _run(["offers"], 200)
    assert not paged.exists()
