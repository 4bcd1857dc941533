"""More naming phenomena: numbers, glued codes, distributor suffixes, cut names, and renames."""

from __future__ import annotations

import pytest

from offermap.matching import match
from offermap.matching.features import analyse_name, build_vocabulary, service_profile
from offermap.matching.text import find_ids

from .factories import service, variant

VOCABULARY = build_vocabulary(
    [
        "Microsoft 365 E5",
        "Office 365 E3 Extra Capacity 1316",
        "Power Apps Premium Add-on 45",
        "Microsoft 365 Business Basic",
        "Exchange Online (Plan 2)",
    ]
)


def read(name: str):
    return analyse_name(name, VOCABULARY)


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("Microsoft 365E5 annual", ("m365", "e5")),
        ("O365 E3 Extra Capacity1316 NCE 12M", ("o365", "e3", "extra", "capacity", "1316")),
        ("Power Apps Premium Add-on45", ("power", "apps", "premium", "addon", "45")),
        # Sizes tell sibling SKUs apart: they stay, as one word with their unit.
        ("Dataverse Capacity (2 GB)", ("dataverse", "capacity", "2gb")),
        ("Windows 10/11 Enterprise E3", ("windows", "10", "11", "enterprise", "e3")),
    ],
)
def test_numbers_are_product_words_unless_they_are_sizes_and_glued_ones_are_split(name, core):
    assert read(name).core == core


def test_a_word_glued_to_a_number_is_not_taken_for_a_product_id():
    assert find_ids("O365 E3 Capacity1316").products == frozenset()
    assert find_ids("CFQ7TTC0LH18 and DZH318Z0BPS6").products == {"CFQ7TTC0LH18", "DZH318Z0BPS6"}


@pytest.mark.parametrize(
    ("name", "term", "billing"),
    [
        ("Office 365 E3 (NCE COM 1YR MTH)", "OneYear", "Monthly"),
        ("Office 365 E3 (NCE COM 1YR ANN)", "OneYear", "Annual"),
        # A bare MTH code says how the line bills, for a one-month and a one-year term alike.
        ("Office 365 E3 (NCE COM MTH)", None, "Monthly"),
        ("Office 365 E3 (NCE COM1YR MTH)", "OneYear", "Monthly"),
        ("Office 365 E3 5742NCE 1M", "OneMonth", None),
        ("Microsoft 365 Business Basic - Ann", "OneYear", None),
        ("Microsoft 365 Business Basic (Men", "OneMonth", "Monthly"),
    ],
)
def test_distributor_suffixes_glued_codes_and_cut_term_words_are_read(name, term, billing):
    analysis = read(name)
    assert (analysis.term, analysis.billing) == (term, billing)


def test_a_cut_off_billed_is_dropped_rather_than_read_as_annual_billing():
    analysis = read("Exchange Online (Plan 2) - Annual (Bille")

    assert (analysis.term, analysis.billing) == ("OneYear", None)
    assert "dropped cut-off 'bille'" in analysis.notes


def test_stock_code_billing_digit_tells_monthly_from_upfront():
    code = "manufacturer_service_provider_product_number"
    monthly = service(1, "MS NCE M365 E5 1YR", **{code: "P1Y:CFQ7TTC0LFLZ:0002:1:"})
    upfront = service(2, "MS NCE M365 E5 1YR", "Yearly", **{code: "P1Y:CFQ7TTC0LFLZ:0002:Y:"})

    assert service_profile(monthly, VOCABULARY).code_billing == "Monthly"
    assert service_profile(upfront, VOCABULARY).code_billing == "Annual"


def test_a_yearly_service_whose_stock_code_says_billed_monthly_is_not_proposed_for_annual():
    annual = variant("Microsoft 365 E5", "CFQ7TTC0LFLZ:0002", term="OneYear", billing="Annual")
    wrong_period = service(
        1, "MS NCE M365 E5 1YR", "Yearly",
        manufacturer_service_provider_product_number="P1Y:CFQ7TTC0LFLZ:0002:1:",
    )  # fmt: skip

    [result] = match([annual], [wrong_period])

    assert result.status == "abstained"
    assert any(
        "billing disagrees: the stock code says Monthly" in r for r in result.candidates[0].reasons
    )


def test_a_different_number_names_a_different_product():
    offer = variant("Office 365 E3 Extra Capacity 1316", "FAKEPROD1316:0001")

    [result] = match([offer], [service(1, "Office 365 E3 Extra Capacity 250 1YR")])

    assert result.status == "abstained"
    assert any("number differs" in r for r in result.candidates[0].reasons)


def test_a_name_cut_before_its_term_is_not_proposed_for_a_monthly_variant():
    name = "Microsoft 365 Business Basic (no Teams) Add-on 5 (NCE COM 1YR MTH)"[:50]
    offer = variant("Microsoft 365 Business Basic (no Teams) Add-on 5", "FAKEPROD0005:0001",
                    term="OneMonth")  # fmt: skip

    [result] = match([offer], [service(1, name)])

    assert result.status == "abstained"
    assert any("cut at 50 characters" in r for r in result.candidates[0].reasons)


def test_among_plain_catalogue_lines_the_explicit_billing_wins():
    annual = variant("Microsoft 365 E5", "CFQ7TTC0LFLZ:0002", term="OneYear", billing="Annual")
    services = [
        service(1, "(NCE) Microsoft 365 E5 - 1 Year Commitment", "Yearly", sku="CFQ7TTC0LFLZ:0002"),
        service(2, "Microsoft 365 E5 | annual commitment | annual billing", "Yearly"),
    ]

    [result] = match([annual], services)

    assert result.candidates[0].service_id == 2


def test_power_automate_per_user_plan_is_read_under_its_new_name():
    offer = variant("Power Automate per user plan", "CFQ7TTC0LSGZ:0002", term="OneYear")

    [result] = match([offer], [service(1, "Power Automate Premium (per user) 1YR paid monthly")])

    assert result.status == "proposed"
