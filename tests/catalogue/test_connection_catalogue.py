"""`offermap catalogue import`: a price list stored per connection, used by the next proposals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from offermap.catalogue.connection import connection_offers, import_price_list
from offermap.catalogue.pricelist import PriceListError
from offermap.cli import app, main
from offermap.propose.proposer import propose
from offermap.store import open_store
from offermap.store.catalogue import catalogue_count
from offermap.store.proposals import open_proposals
from tests.factories import service, subscription
from tests.store_helpers import publish_snapshot

HEADER = "provider_offer_id,term,billing_frequency,segment,distributor_name,microsoft_title"
PORTAL = "Contoso Apps per app (1 app or portal)"
WEBSITE = "Contoso Apps per app (1 app or website)"


def _list(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _contoso(tmp_path: Path, name: str = "contoso.csv") -> Path:
    return _list(
        tmp_path / name,
        f"CFQ7TTC0CAP1:0001,OneYear,Monthly,Commercial,{WEBSITE} (NCE COM MTH),{WEBSITE}",
        f"CFQ7TTC0CAP1:0001,OneYear,Annual,Commercial,{WEBSITE} (NCE COM ANN),{WEBSITE}",
        f"CFQ7TTC0CAP1:0002,OneYear,Monthly,Commercial,{PORTAL} (NCE COM MTH),{PORTAL}",
        # A promotion line of the same variant: the first row is kept.
        f"CFQ7TTC0CAP1:0002,OneYear,Monthly,Commercial,{PORTAL} (NCE COM MTH) Promo,{PORTAL}",
    )


def test_import_stores_each_variant_once_and_the_matcher_reads_offers_back(
    tmp_path: Path,
) -> None:
    db = tmp_path / "o.duckdb"

    done = import_price_list(db, "acme", _contoso(tmp_path), now=datetime(2026, 3, 1, tzinfo=UTC))

    assert (done.kind, done.rows_read, done.variants_stored, done.skus) == (
        "distributor",
        4,
        3,
        2,
    )
    assert (done.catalogue_variants, done.catalogue_skus) == (3, 2)
    with open_store(db, read_only=True) as con:
        offers = {o.provider_offer_id: o for o in connection_offers(con, "acme")}
        assert connection_offers(con, "other") == ()
    assert offers["CFQ7TTC0CAP1:0002"].name == PORTAL
    assert set(offers["CFQ7TTC0CAP1:0001"].terms) == {("OneYear", "Monthly"), ("OneYear", "Annual")}


def test_a_later_import_replaces_the_variants_it_lists_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    db = tmp_path / "o.duckdb"
    import_price_list(db, "acme", _contoso(tmp_path))
    renamed = _list(
        tmp_path / "again.csv",
        f"CFQ7TTC0CAP1:0002,OneYear,Monthly,Commercial,X (NCE COM MTH),{PORTAL} renamed",
    )

    done = import_price_list(db, "acme", renamed)

    assert (done.variants_stored, done.catalogue_variants) == (1, 3)
    with open_store(db, read_only=True) as con:
        offers = {o.provider_offer_id: o for o in connection_offers(con, "acme")}
    assert offers["CFQ7TTC0CAP1:0002"].name == f"{PORTAL} renamed"
    assert offers["CFQ7TTC0CAP1:0001"].name == WEBSITE


def test_a_malformed_file_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    import_price_list(db, "acme", _contoso(tmp_path))
    bad = _list(
        tmp_path / "bad.csv",
        "CFQ7TTC0CAP1:0003,OneYear,Monthly,Commercial,New (NCE COM MTH),New",
        "CFQ7TTC0CAP1:0004,Fortnight,Monthly,Commercial,Newer (NCE COM MTH),Newer",
    )

    with pytest.raises(PriceListError, match=r"bad\.csv, line 3, column term: 'Fortnight'"):
        import_price_list(db, "acme", bad)

    with open_store(db, read_only=True) as con:
        assert catalogue_count(con, "acme") == (3, 2)


def test_the_command_imports_and_says_what_it_did(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    args = ["catalogue", "import", str(_contoso(tmp_path)), "--db", str(db), "-c", "acme"]

    result = CliRunner().invoke(app, args)
    as_json = CliRunner().invoke(app, [*args, "--json"])

    assert result.exit_code == 0, result.output
    assert "Imported 3 offer variants (2 SKUs)" in result.output
    assert "a distributor's list" in result.output and "acme" in result.output
    assert str(db) in " ".join(result.output.split())  # which database it went into
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["catalogue_variants"] == 3


def test_the_command_names_the_line_and_column_of_a_malformed_file_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _list(tmp_path / "bad.csv", 'CFQ7TTC0CAP1:0001,OneYear,Monthly,Commercial,"Unclosed,X')

    with pytest.raises(SystemExit) as exit_info:
        main(["catalogue", "import", str(bad), "--db", str(tmp_path / "o.duckdb")])

    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "bad.csv, line 2, column distributor_name: a quote" in err
    assert "Traceback" not in err


def test_propose_uses_the_imported_catalogue_to_spot_a_sibling(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    publish_snapshot(
        db,
        "acme",
        "sync-1",
        [service(1, f"{PORTAL} 1YR MTH")],
        [subscription("g-web", WEBSITE, provider_offer_id="CFQ7TTC0CAP1:0001")],
    )

    without = propose(db, "acme", "propose-1")
    with open_store(db, read_only=True) as con:
        before = {row["status"] for row in open_proposals(con, "acme")}
    import_price_list(db, "acme", _contoso(tmp_path))
    with_catalogue = propose(db, "acme", "propose-2")
    with open_store(db, read_only=True) as con:
        after = open_proposals(con, "acme")

    # The summary says whether a price list was there (the sync's hint to import one).
    assert without.catalogue_offers == 0 and with_catalogue.catalogue_offers > 0
    assert before == {"proposed"}  # alone, "portal" against "website" is one word off
    assert [row["status"] for row in after] == ["not_proposed"]
    reasons = json.loads(str(after[0]["reasons"]))["reasons"]
    assert any(f"fits the offer '{PORTAL}' better" in reason for reason in reasons)
