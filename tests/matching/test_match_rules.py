"""The rules: R2, R5 and R6 services are never candidates; R7, R8 and R5 variants get none."""

from __future__ import annotations

from offermap.matching import match

from .factories import service, variant

AZURE_PLAN_ID = "DZH318Z0BPS6:0001"


def test_inactive_service_is_never_a_candidate_r2():
    offer = variant("Microsoft 365 Business Basic", term="OneMonth")
    inactive = service(1, "Microsoft 365 Business Basic - Month to Month", active=False)

    [result] = match([offer], [inactive])

    assert result.status == "abstained"
    assert result.candidates == ()
    assert result.removed == {"R2": 1}


def test_service_with_the_wrong_period_is_never_a_candidate_r5():
    annual = variant("Microsoft 365 Business Basic", billing="Annual")
    services = [
        service(1, "Microsoft 365 Business Basic - Annual (Billed Annually)", "Monthly"),
        service(2, "Microsoft 365 Business Basic - Annual", "Quarterly"),
        service(3, "Microsoft 365 Business Basic 1 year", None),
    ]

    [result] = match([annual], services)

    assert result.status == "abstained"
    assert result.candidates == ()
    assert result.removed == {"R5": 3}


def test_annual_variant_takes_the_yearly_service_and_monthly_variant_the_monthly_one():
    annual = variant("Microsoft 365 Business Basic", billing="Annual")
    monthly = variant("Microsoft 365 Business Basic", billing="Monthly")
    services = [
        service(1, "Microsoft 365 Business Basic - Annual", "Monthly"),
        service(2, "Microsoft 365 Business Basic - Annual", "Yearly"),
    ]

    by_billing = {r.variant.billing_frequency: r for r in match([annual, monthly], services)}

    assert by_billing["Annual"].candidates[0].service_id == 2
    assert by_billing["Monthly"].candidates[0].service_id == 1
    assert {c.service_id for c in by_billing["Annual"].candidates} == {2}


def test_priced_service_is_never_a_candidate_for_an_azure_plan_r6():
    plan = variant("Azure plan", AZURE_PLAN_ID, term="NoTerm", offer_type="AzurePlan")
    priced = service(1, "Azure Plan - Managed", sku=AZURE_PLAN_ID, cost=0.0, price=15.0)
    free = service(2, "Azure Consumption (billed in arrears)", sku=AZURE_PLAN_ID, cost=0, price=0)

    [result] = match([plan], [priced, free])

    assert result.status == "proposed"
    assert [c.service_id for c in result.candidates] == [2]
    assert result.removed == {"R6": 1}


def test_azure_plan_with_only_priced_services_abstains():
    plan = variant("Azure plan", AZURE_PLAN_ID, term="NoTerm", offer_type="AzurePlan")
    priced = service(1, "Azure plan", sku=AZURE_PLAN_ID, cost=None, price=15.0)

    [result] = match([plan], [priced])

    assert result.status == "abstained"
    assert result.candidates == ()


def test_azure_reservation_is_not_required_and_gets_no_candidates_r7():
    reservation = variant(
        "Virtual Machines DSv2 Series", "DZH318Z0BQ3Q:0001", offer_type="AzureReservation"
    )
    lookalike = service(1, "Azure Reserved Instance - VM DSv2 Series 1yr", sku="DZH318Z0BQ3Q:0001")

    [result] = match([reservation], [lookalike])

    assert result.status == "not_required"
    assert result.candidates == ()
    assert result.reason is not None and result.reason.startswith("R7")


def test_legacy_licence_is_unsupported_and_gets_no_candidates_r8():
    legacy = variant("Office 365 E3 (legacy)", "LEGACYFAKE01:0001", offer_type="LicenseLegacy")
    lookalike = service(1, "Office 365 E3 (legacy)", "Monthly")

    [result] = match([legacy], [lookalike])

    assert result.status == "unsupported"
    assert result.candidates == ()
    assert result.reason is not None and result.reason.startswith("R8")


def test_triennial_and_one_time_billing_are_unsupported_r5():
    triennial = variant(
        "Dynamics 365 Sales", "FAKE3YPROD01:0001", term="ThreeYears", billing="Triennial"
    )
    one_time = variant(
        "Dynamics 365 Sales", "FAKE3YPROD01:0001", term="ThreeYears", billing="OneTime"
    )
    lookalike = service(1, "Dynamics 365 Sales 3 years", "Yearly")

    results = match([triennial, one_time], [lookalike])

    assert [r.status for r in results] == ["unsupported", "unsupported"]
    assert all(r.candidates == () and r.reason and r.reason.startswith("R5") for r in results)


def test_removed_counts_each_service_under_its_first_broken_rule():
    offer = variant("Microsoft 365 E3", term="OneMonth")
    services = [
        service(1, "Microsoft 365 E3 monthly", "Yearly", active=False),  # R2 and R5: counted R2
        service(2, "Microsoft 365 E3 monthly", "Yearly"),
        service(3, "Microsoft 365 E3 monthly", "Monthly"),
    ]

    [result] = match([offer], services)

    assert result.removed == {"R2": 1, "R5": 1}
    assert [c.service_id for c in result.candidates] == [3]
