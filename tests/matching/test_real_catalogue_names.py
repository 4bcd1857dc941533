"""The classes of miss found on a real distributor catalogue (issue 11), each on hand-written names.

The products below are made up ("Contoso", "Fabrikam") or the issue's own examples: none is a
row of the shared price list.
"""

from __future__ import annotations

from offermap.catalogue import CatalogueOffer
from offermap.matching import MatchConfig, VariantResult, match

from .factories import service, variant

TERMS = (("OneYear", "Annual"), ("OneMonth", "Monthly"))


def proposed(result: VariantResult) -> int | None:
    """The first choice's service id, or None when the variant abstained."""
    first = next((c for c in result.candidates if c.status == "proposed"), None)
    return first.service_id if first is not None else None


def reasons(result: VariantResult, service_id: int) -> str:
    """Every reason given for one candidate, joined."""
    found = next(c for c in result.candidates if c.service_id == service_id)
    return " | ".join(found.reasons)


def sibling(pid: str, name: str, segment: str = "Commercial") -> CatalogueOffer:
    """A catalogue offer (as a price list import gives it)."""
    return CatalogueOffer(pid, name, "License", segment, TERMS)


# Sibling SKUs: the words that tell them apart are evidence.


def test_faculty_and_student_skus_are_not_swapped() -> None:
    faculty = variant("Contoso Insights (Education Faculty Pricing)", "CFQ7TTC0CON1:0001",
                      segment="Education", term="OneYear", billing="Annual")  # fmt: skip
    student_line = service(
        1, "Contoso Insights (Education Student Pricing) (NCE EDU ANN)", "Yearly"
    )

    [result] = match([faculty], [student_line])

    assert proposed(result) is None
    assert "audience differs" in reasons(result, 1)


def test_each_audience_gets_its_own_line_when_both_exist() -> None:
    faculty = variant("Contoso Insights for faculty", "CFQ7TTC0CON1:0001", segment="Education")
    student = variant("Contoso Insights for students", "CFQ7TTC0CON1:0002", segment="Education")
    services = [
        service(1, "Contoso Insights - Students use benefit - 1YR MTH"),
        service(2, "Contoso Insights Faculty 1YR MTH"),
    ]

    by_offer = {r.variant.offer_id: proposed(r) for r in match([faculty, student], services)}

    assert by_offer == {"CFQ7TTC0CON1:0001": 2, "CFQ7TTC0CON1:0002": 1}


def test_windows_365_sizes_are_the_product() -> None:
    small = variant("Cloud Desk 2 vCPU, 4 GB, 128 GB", "CFQ7TTC0CDK1:0001")
    services = [service(1, "Cloud Desk 2 vCPU, 4 GB, 256 GB 1YR MTH")]

    [result] = match([small], services)

    assert proposed(result) is None
    assert "size differs: the service says 256gb, the offer 128gb, 4gb" in reasons(result, 1)


def test_the_right_size_wins_among_sizes() -> None:
    small = variant("Cloud Desk 2 vCPU, 4 GB, 128 GB", "CFQ7TTC0CDK1:0001")
    services = [
        service(1, "Cloud Desk 2vCPU 4GB 256GB 1YR MTH"),
        service(2, "Cloud Desk 2vCPU 4GB 128GB 1YR MTH"),
        service(3, "Cloud Desk 4vCPU 16GB 128GB 1YR MTH"),
    ]

    [result] = match([small], services)

    assert proposed(result) == 2


def test_tiers_and_bands_are_not_interchangeable() -> None:
    offer = variant("Storefront Tier 1 Band 2", "CFQ7TTC0STF1:0001")
    swapped = service(1, "Storefront Tier 2 Band 1 1YR MTH")
    right = service(2, "Storefront Tier 1 Band 2 1YR MTH")

    [alone] = match([offer], [swapped])
    [both] = match([offer], [swapped, right])

    assert proposed(alone) is None
    assert proposed(both) == 2


def test_eea_and_no_teams_editions_are_siblings() -> None:
    offer = variant("Contoso Suite E3 EEA (no Teams)", "CFQ7TTC0CSU1:0001")
    services = [service(1, "Contoso Suite E3 (no Teams) 1YR MTH")]

    [result] = match([offer], services)

    assert proposed(result) is None
    assert "'EEA' variant marker: the offer has it, the service does not" in reasons(result, 1)


def test_a_sibling_the_imported_catalogue_knows_makes_the_variant_abstain() -> None:
    offer = variant("Contoso Apps per app (1 app or website)", "CFQ7TTC0CAP1:0001")
    line = service(1, "Contoso Apps per app (1 app or portal) 1YR MTH")
    catalogue = [sibling("CFQ7TTC0CAP1:0002", "Contoso Apps per app (1 app or portal)")]

    [alone] = match([offer], [line])
    [known] = match([offer], [line], catalogue=catalogue)

    alone_score = alone.candidates[0].score
    assert proposed(known) is None
    assert known.candidates[0].score < alone_score
    assert "fits the offer 'Contoso Apps per app (1 app or portal)' better" in reasons(known, 1)


def test_a_plain_line_of_a_sibling_the_catalogue_knows_is_not_the_faculty_one() -> None:
    # A customer holds only the faculty SKU; the MSP's line names the product and nothing
    # more, and the catalogue sells that plain product too: it fits the line better.
    faculty = variant("Contoso Insights for faculty", "CFQ7TTC0CON1:0011", segment="Education",
                      term="OneMonth")  # fmt: skip
    plain_line = service(1, "CONTOSO INSIGHTS 1MTH COMMIT")
    catalogue = [sibling("CFQ7TTC0CON1:0001", "Contoso Insights")]

    [alone] = match([faculty], [plain_line])
    [known] = match([faculty], [plain_line], catalogue=catalogue)

    assert proposed(alone) == 1
    assert proposed(known) is None
    assert "fits the offer 'Contoso Insights' better" in reasons(known, 1)


def test_a_line_that_states_the_segment_may_still_be_the_faculty_one() -> None:
    # "(EDU)" may mean the SKU the segment sells (here the faculty one): names alone cannot
    # rule it out, so the plain sibling needs a clear lead to count against it.
    faculty = variant("Contoso Insights (Education Faculty Pricing)", "CFQ7TTC0CON1:0011",
                      segment="Education", term="OneMonth")  # fmt: skip
    edu_line = service(1, "Contoso Insights (Edu) (NCE EDU MTH)")
    catalogue = [sibling("CFQ7TTC0CON1:0001", "Contoso Insights")]

    [known] = match([faculty], [edu_line], catalogue=catalogue)

    assert "better" not in reasons(known, 1)


# Distributor conventions.


def test_mth_is_billed_monthly_for_a_one_year_term_too() -> None:
    year_monthly = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneYear")

    [result] = match([year_monthly], [service(1, "Fabrikam Vault P1 (NCE COM MTH)")])

    assert proposed(result) == 1
    assert "billing agrees: the name says Monthly" in reasons(result, 1)
    assert "term disagrees" not in reasons(result, 1)


def test_mth_names_no_term_so_both_held_terms_abstain() -> None:
    month = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneMonth")
    year = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneYear")

    results = match([month, year], [service(1, "Fabrikam Vault P1 (NCE COM MTH)")])

    assert [proposed(r) for r in results] == [None, None]
    assert "either could be meant" in reasons(results[0], 1)


def test_a_catalogue_that_writes_1yr_mth_uses_a_bare_mth_for_the_month() -> None:
    month = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneMonth")
    year = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneYear")
    services = [
        service(1, "Fabrikam Vault P1 (NCE COM MTH)"),
        service(2, "Fabrikam Vault P1 (NCE COM 1YR MTH)"),
    ]

    by_term = {r.variant.term: proposed(r) for r in match([month, year], services)}

    assert by_term == {"OneMonth": 1, "OneYear": 2}


def test_ann_bills_yearly_and_tri_is_three_years_billed_triennially() -> None:
    annual = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", term="OneYear", billing="Annual")
    services = [
        service(1, "Fabrikam Vault P1 (NCE COM ANN)", "Yearly"),
        service(2, "Fabrikam Vault P1 (NCE COM TRI)", "Yearly"),
    ]

    [result] = match([annual], services)

    assert proposed(result) == 1
    assert "term disagrees" in reasons(result, 2) and "ThreeYears" in reasons(result, 2)


def test_segment_codes_com_edu_nfp_are_read() -> None:
    nonprofit = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001", segment="NonProfit")
    commercial = variant("Fabrikam Vault P1", "CFQ7TTC0FAB1:0001")
    services = [
        service(1, "Fabrikam Vault P1 (NCE NFP MTH)"),
        service(2, "Fabrikam Vault P1 (NCE EDU MTH)"),
    ]

    [for_nonprofit] = match([nonprofit], services)
    [for_commercial] = match([commercial], services)

    assert proposed(for_nonprofit) == 1
    assert "segment agrees" in reasons(for_nonprofit, 1)
    assert proposed(for_commercial) is None
    assert "segment disagrees: 'edu' means Education" in reasons(for_commercial, 2)


def test_renamed_products_are_read_under_their_old_names() -> None:
    shared = variant("Microsoft Teams Shared Devices", "CFQ7TTC0TSD1:0001")
    entra = variant("Microsoft Entra ID P2 (Education Student Pricing)", "CFQ7TTC0ENT2:0001",
                    segment="Education")  # fmt: skip
    services = [
        service(1, "Common Area Phone (NCE COM MTH)"),
        service(
            2,
            "Azure Active Directory Premium P2 Students use benefit (Education Student Pricing) "
            "(NCE EDU MTH)",
        ),
        service(3, "Azure Active Directory Premium P2 (Education Faculty Pricing) (NCE EDU MTH)"),
    ]

    by_offer = {r.variant.offer_id: proposed(r) for r in match([shared, entra], services)}

    assert by_offer == {"CFQ7TTC0TSD1:0001": 1, "CFQ7TTC0ENT2:0001": 2}


# Names an MSP types on its invoices.

EXO_P1 = ("Exchange Online (Plan 1)", "CFQ7TTC0LH16:0001")
EXO_P2 = ("Exchange Online (Plan 2)", "CFQ7TTC0LH1P:0001")
BASIC = ("Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001")
E3 = ("Microsoft 365 E3", "CFQ7TTC0LFLX:0001")


def _invoice_run(name: str, term: str = "OneYear") -> VariantResult:
    offers = [variant(n, pid, term=term) for n, pid in (EXO_P1, EXO_P2, BASIC, E3)]
    results = match(offers, [service(1, name)], config=MatchConfig(threshold=0.01))
    return max(results, key=lambda r: max((c.score for c in r.candidates), default=0.0))


def test_a_generic_prefix_does_not_count_against_the_product_after_it() -> None:
    best = _invoice_run("M365 Subscription - Exchange Online Plan 1")

    assert best.variant.offer_name == "Exchange Online (Plan 1)"
    assert best.candidates[0].score >= 0.9
    assert "generic prefix 'm365'" in reasons(best, 1)


def test_a_short_form_and_a_marketing_size_still_name_the_product() -> None:
    best = _invoice_run("Microsoft 365 - Exchange Plan 1 (50Gb)")

    assert best.variant.offer_name == "Exchange Online (Plan 1)"
    assert best.candidates[0].score >= 0.6


def test_hosted_exchange_and_a_bare_basic_are_read_as_the_products() -> None:
    assert _invoice_run("S/Hosted Exchange").variant.offer_name.startswith("Exchange Online")
    assert _invoice_run("M365 Basic").variant.offer_name == "Microsoft 365 Business Basic"


def test_periods_dates_and_seat_counts_appended_are_not_product_words() -> None:
    # "(monthly)" is the period: it reads as a month-to-month line, the dates and count as nothing.
    plain = _invoice_run("Exchange Online (Plan 1) (monthly)", term="OneMonth")
    noisy = _invoice_run("Exchange Online (Plan 1) (monthly), 13–31 Oct 2026 x 3", term="OneMonth")

    assert noisy.variant.offer_name == "Exchange Online (Plan 1)"
    assert noisy.candidates[0].raw_score >= plain.candidates[0].raw_score * 0.99
    assert "number" not in reasons(noisy, 1)


def test_a_word_no_product_uses_is_noise_and_one_another_product_uses_counts_against() -> None:
    offers = [variant(*EXO_P1), variant("Exchange Online Kiosk", "CFQ7TTC0LH10:0001")]
    noise = service(1, "Exchange Online Plan 1 Deluxe Mailbox")
    other = service(2, "Exchange Online Plan 1 Kiosk")
    config = MatchConfig(threshold=0.01)

    [with_noise, _] = match(offers, [noise], config=config)
    [with_other, _] = match(offers, [other], config=config)

    assert with_noise.candidates[0].score > with_other.candidates[0].score
    assert "belongs to other offers' names" in reasons(with_other, 2)
    assert "belongs to other offers' names" not in reasons(with_noise, 1)
