"""Price list import: Microsoft's NCE export and a distributor's list, read into catalogue offers;
a malformed file is refused with its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from offermap.catalogue.pricelist import (
    PriceListError,
    distributor_title,
    read_price_list,
)

MICROSOFT_HEADER = (
    "ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,"
    "BillingPlan,Market,Currency,UnitPrice,EffectiveStartDate,EffectiveEndDate,Tags,ERP Price,"
    "Segment"
)
DISTRIBUTOR_HEADER = (
    "provider_offer_id,term,billing_frequency,segment,distributor_name,microsoft_title,price_usd"
)


def _write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _microsoft_row(
    product: str = "CFQ7TTC0CON1",
    sku: str = "0001",
    title: str = "Contoso Insights",
    term: str = "P1Y",
    plan: str = "Monthly",
    segment: str = "Commercial",
) -> str:
    return (
        f"Contoso Insights,{product},{sku},{title},Microsoft Corporation,,Licenses,{term},"
        f"{plan},US,USD,10.00,2026-03-01,,,12.00,{segment}"
    )


def test_microsoft_export_rows_become_offers_per_sku_and_segment(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "nce.csv",
        MICROSOFT_HEADER,
        _microsoft_row(term="P1Y", plan="Monthly"),
        _microsoft_row(term="P1Y", plan="Annual"),
        _microsoft_row(term="P1M", plan="Monthly"),
        _microsoft_row(sku="0002", title="Contoso Insights (Education Faculty Pricing)",
                       segment="Education"),
        _microsoft_row(sku="0003", title="Contoso Insights (Nonprofit Staff Pricing)",
                       term="P3Y", plan="Triennial", segment="Charity"),
    )  # fmt: skip

    price_list = read_price_list(path)

    assert price_list.kind == "microsoft"
    offers = {(o.provider_offer_id, o.segment): o for o in price_list.offers()}
    assert set(offers) == {
        ("CFQ7TTC0CON1:0001", "Commercial"),
        ("CFQ7TTC0CON1:0002", "Education"),
        ("CFQ7TTC0CON1:0003", "NonProfit"),
    }
    plain = offers[("CFQ7TTC0CON1:0001", "Commercial")]
    assert plain.name == "Contoso Insights"
    assert plain.terms == (("OneYear", "Monthly"), ("OneYear", "Annual"), ("OneMonth", "Monthly"))
    assert offers[("CFQ7TTC0CON1:0003", "NonProfit")].terms == (("ThreeYears", "Triennial"),)


def test_distributor_list_takes_microsofts_title_or_its_own_without_the_code(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path / "distributor.csv",
        DISTRIBUTOR_HEADER,
        "CFQ7TTC0FAB1:0001,OneYear,Annual,Commercial,Fabrikam Vault P1 (NCE COM ANN),"
        "Fabrikam Vault Plan 1,9.5",
        "CFQ7TTC0FAB1:0001,OneMonth,Monthly,Commercial,Fabrikam Vault P1 (NCE COM MTH),,1.2",
        'CFQ7TTC0FAB2:0001,P1Y,Monthly,NonProfit,"Fabrikam Vault P2 (NCE NFP MTH) +10",,2',
    )

    price_list = read_price_list(path)

    assert price_list.kind == "distributor"
    rows = price_list.rows
    assert [r.title for r in rows] == [
        "Fabrikam Vault Plan 1",
        "Fabrikam Vault P1",
        "Fabrikam Vault P2",
    ]
    assert rows[0].distributor_title == "Fabrikam Vault P1 (NCE COM ANN)"
    assert [r.microsoft_title for r in rows] == [True, False, False]
    assert rows[2].term == "OneYear" and rows[2].line == 4
    offers = {o.provider_offer_id: o for o in price_list.offers()}
    # Microsoft's title wins over the distributor's for the same SKU.
    assert offers["CFQ7TTC0FAB1:0001"].name == "Fabrikam Vault Plan 1"


def test_distributor_codes_and_promotions_are_cut_from_titles() -> None:
    assert distributor_title("Contoso Suite E3 (NCE COM MTH)") == "Contoso Suite E3"
    assert distributor_title("Contoso Suite (no Teams) (NCE EDU ANN) Promo") == (
        "Contoso Suite (no Teams)"
    )
    assert distributor_title("Contoso Suite") == "Contoso Suite"


@pytest.mark.parametrize(
    ("row", "where"),
    [
        (_microsoft_row(term="P2W"), "line 3, column TermDuration: 'P2W' is not a term"),
        (_microsoft_row(plan="Weekly"), "line 3, column BillingPlan: 'Weekly' is not a billing"),
        (_microsoft_row(segment="Retail"), "line 3, column Segment: 'Retail' is not a segment"),
        (_microsoft_row(product="CFQ7"), "line 3, column ProductId: 'CFQ7' is not a 12-char"),
        (_microsoft_row(sku="1"), "line 3, column SkuId: '1' is not a 4-character SKU id"),
    ],
)
def test_a_bad_value_is_named_by_line_and_column(tmp_path: Path, row: str, where: str) -> None:
    path = _write(tmp_path / "nce.csv", MICROSOFT_HEADER, _microsoft_row(), row)

    with pytest.raises(PriceListError) as caught:
        read_price_list(path)

    assert f"nce.csv, {where}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unclosed_quote_is_blamed_on_its_own_line_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "distributor.csv",
        DISTRIBUTOR_HEADER,
        "CFQ7TTC0FAB1:0001,OneYear,Annual,Commercial,Fabrikam Vault P1 (NCE COM ANN),,1",
        'CFQ7TTC0FAB1:0001,OneMonth,Monthly,Commercial,"Fabrikam Vault P1 (NCE COM MTH),,1',
        "CFQ7TTC0FAB2:0001,OneYear,Annual,Commercial,Fabrikam Vault P2 (NCE COM ANN),,1",
    )

    with pytest.raises(PriceListError, match=r"line 3, column distributor_name: a quote"):
        read_price_list(path)


def test_a_file_of_neither_kind_says_which_headers_it_reads(tmp_path: Path) -> None:
    path = _write(tmp_path / "other.csv", "sku,name,price", "A,B,1")

    with pytest.raises(PriceListError) as caught:
        read_price_list(path)

    message = str(caught.value)
    assert "other.csv, line 1: missing column(s) provider_offer_id" in message
    assert "ProductId,SkuId" in message and "(Microsoft's NCE export)" in message


def test_a_distributor_row_needs_a_product_and_sku_and_some_title(tmp_path: Path) -> None:
    no_sku = _write(tmp_path / "a.csv", DISTRIBUTOR_HEADER, "CFQ7TTC0FAB1,OneYear,Annual,"
                    "Commercial,Fabrikam,,1")  # fmt: skip
    no_title = _write(tmp_path / "b.csv", DISTRIBUTOR_HEADER, "CFQ7TTC0FAB1:0001,OneYear,"
                      "Annual,Commercial,,,1")  # fmt: skip

    with pytest.raises(PriceListError, match=r"a.csv, line 2, column provider_offer_id"):
        read_price_list(no_sku)
    with pytest.raises(PriceListError, match=r"b.csv, line 2, column distributor_name"):
        read_price_list(no_title)


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    header_only = _write(tmp_path / "h.csv", DISTRIBUTOR_HEADER)

    with pytest.raises(PriceListError, match="has a header but no rows"):
        read_price_list(header_only)
    with pytest.raises(PriceListError, match=r"nowhere\.csv: cannot be read"):
        read_price_list(tmp_path / "nowhere.csv")


def test_a_microsoft_export_needs_one_title_column_not_both(tmp_path: Path) -> None:
    sku_title_only = _write(
        tmp_path / "sku.csv",
        "ProductId,SkuId,SkuTitle,TermDuration,BillingPlan,Segment",
        "CFQ7TTC0CON1,0001,Contoso Insights,P1Y,Monthly,Commercial",
    )
    no_title = _write(
        tmp_path / "none.csv",
        "ProductId,SkuId,TermDuration,BillingPlan,Segment",
        "CFQ7TTC0CON1,0001,P1Y,Monthly,Commercial",
    )

    [offer] = read_price_list(sku_title_only).offers()
    assert offer.name == "Contoso Insights"
    with pytest.raises(PriceListError) as caught:
        read_price_list(no_title)
    assert "none.csv, line 1: missing column SkuTitle (or ProductTitle)" in str(caught.value)


def test_a_bad_term_names_the_codes_the_column_takes(tmp_path: Path) -> None:
    path = _write(tmp_path / "nce.csv", MICROSOFT_HEADER, _microsoft_row(term="P7Q"))

    with pytest.raises(PriceListError) as caught:
        read_price_list(path)

    assert "'P7Q' is not a term: use P1M, P1Y, P3Y or P5Y" in str(caught.value)
    assert "OneMonth" not in str(caught.value)


def test_a_file_that_is_not_utf8_is_blamed_on_its_line_and_character(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (MICROSOFT_HEADER + "\n" + _microsoft_row() + "\n").encode("utf-8")
        + "Contoso Señal,CFQ7TTC0CON2".encode("latin-1")
    )

    with pytest.raises(PriceListError) as caught:
        read_price_list(path)

    assert "latin1.csv, line 3, character 11: not UTF-8 text" in str(caught.value)
