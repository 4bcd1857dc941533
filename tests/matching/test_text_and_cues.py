"""Normalisation: ids, abbreviations, renames, cues, markers, glued and truncated words."""

from __future__ import annotations

import pytest

from offermap.matching.features import analyse_name, build_vocabulary
from offermap.matching.text import find_ids

OFFER_NAMES = [
    "Microsoft 365 Business Basic",
    "Microsoft 365 Business Standard",
    "Microsoft 365 Business Premium",
    "Microsoft 365 E3",
    "Office 365 E3",
    "Exchange Online (Plan 1)",
    "Enterprise Mobility + Security E3",
    "Windows 10/11 Enterprise E3",
    "Microsoft Entra ID P1",
    "Planner and Project Plan 3",
    "Microsoft 365 Copilot",
    "Dataverse Database Capacity add-on",
    "Microsoft Teams Phone Standard",
]
VOCABULARY = build_vocabulary(OFFER_NAMES)


def read(name: str):
    return analyse_name(name, VOCABULARY)


def test_finds_product_and_offer_ids_in_brackets_codes_and_stock_codes():
    assert find_ids("Microsoft 365 E3 [CFQ7TTC0LFLX]").products == {"CFQ7TTC0LFLX"}
    assert find_ids("cfq7ttc0lh18:0001:Commercial").offers == {"CFQ7TTC0LH18:0001"}
    assert find_ids("P1Y:CFQ7TTC0LCHC:0002:1:").offers == {"CFQ7TTC0LCHC:0002"}
    assert find_ids("Microsoft 365 Business Basic (Anual) CFQ7TTC0LH18 - A").products == {
        "CFQ7TTC0LH18"
    }


def test_twelve_letter_words_are_not_taken_for_product_ids():
    assert not find_ids("AUDIO CONFERENCING ADVANCED").products


@pytest.mark.parametrize(
    ("service_name", "offer_name"),
    [
        ("M365 BP", "Microsoft 365 Business Premium"),
        ("MS NCE M365 BUS STD", "Microsoft 365 Business Standard"),
        ("M365 BS (NCE) Annual", "Microsoft 365 Business Standard"),
        ("Microsoft 365 BB", "Microsoft 365 Business Basic"),
        ("O365 E3", "Office 365 E3"),
        ("EXO P1", "Exchange Online (Plan 1)"),
        ("Exchange Online Plan1", "Exchange Online (Plan 1)"),
        ("E+S E3", "Enterprise Mobility + Security E3"),
        ("Win 10/11 Ent E3", "Windows 10/11 Enterprise E3"),
        ("Azure AD Premium P1", "Microsoft Entra ID P1"),
        ("Azure Active Directory Premium P1 (Anual)", "Microsoft Entra ID P1"),
        ("Project Plan 3", "Planner and Project Plan 3"),
        ("Copilot for Microsoft 365", "Microsoft 365 Copilot"),
        ("  Microsoft MS Nce Microsoft 365  Business Basic", "Microsoft 365 Business Basic"),
        ("(NCE) Microsoft 365 Business Basic RRP. $7.20", "Microsoft 365 Business Basic"),
        ("MICROSOFT CSP M365 E3 1YR COMMIT", "Microsoft 365 E3"),
        ("Microsoft Teams Phone Standard (NCE COM MTH)", "Microsoft Teams Phone Standard"),
    ],
)
def test_abbreviations_prefixes_and_renames_read_as_the_offer_name(service_name, offer_name):
    assert read(service_name).core == read(offer_name).core


def test_splits_words_glued_together():
    analysis = read("MICROSOFT365BUSINESSBASIC")
    assert analysis.core == read("Microsoft 365 Business Basic").core
    assert any("business basic" in note for note in analysis.notes)
    assert read("DATAVERSE DATABASE CAPACITYADD-ON").core == read(OFFER_NAMES[11]).core


def test_splits_a_term_glued_to_the_last_word():
    analysis = read("TEAMS PHONE STANDARD1YR")
    assert analysis.term == "OneYear"
    assert analysis.core == read("Microsoft Teams Phone Standard").core


@pytest.mark.parametrize(
    "name",
    [
        "Contoso Phone Standard - Annual Commit (Bi",  # "Bi" of "Billed", not Power BI's word
        "Contoso Phone Standard - Annual Commit (Pa",
        "Contoso Phone Standard - Annual Commit, Mo",
    ],
)
def test_a_word_cut_after_the_term_is_not_read_as_a_product_word(name: str) -> None:
    analysis = read(name)
    assert analysis.core == read("Contoso Phone Standard").core
    assert analysis.term == "OneYear"
    assert any("dropped cut-off" in note for note in analysis.notes)


def test_a_product_word_before_the_terms_is_kept() -> None:
    assert "bi" in read("Power BI Pro annual Power BI").core


def test_completes_a_name_truncated_mid_word():
    analysis = read("MS NCE M365 BUSINESS PREMI")
    assert analysis.core == read("Microsoft 365 Business Premium").core
    assert any("premi" in note for note in analysis.notes)


@pytest.mark.parametrize(
    ("name", "term", "billing"),
    [
        ("M365 E3 1YR COMMIT", "OneYear", None),
        ("M365 E3 1MTH COMMIT", "OneMonth", None),
        ("M365 E3 12 month commit paid monthly", "OneYear", "Monthly"),
        ("Microsoft 365 E3 - Annual Commit (Billed Monthly)", "OneYear", "Monthly"),
        ("Microsoft 365 E3 - Annual Commit (Billed Annually)", "OneYear", "Annual"),
        ("Microsoft 365 E3 - Month to Month", "OneMonth", None),
        ("M365 Bus Std NCE 1M", "OneMonth", None),
        ("M365 Bus Std NCE 12M (paid upfront)", "OneYear", "Annual"),
        ("Microsoft 365 Business Basic (Anual)", "OneYear", "Annual"),
        ("Microsoft Teams Essentials (Mensual)", "OneMonth", "Monthly"),
        ("Microsoft 365 Business Basic (Anualidad con Pago Mensual)", "OneYear", "Monthly"),
        ("Microsoft 365 Business Basic - A/M", "OneYear", "Monthly"),
        ("Defender for Endpoint P2 (NCE COM BAS PER 1TM)", "OneMonth", None),
        ("O365 E1 Annual/Annual", "OneYear", "Annual"),
        ("Office 365 E3 | annual commitment | monthly billing", "OneYear", "Monthly"),
        ("Office 365 E3 | monthly commitment", "OneMonth", None),
        ("Visio Plan 2 - Monthly", "OneMonth", "Monthly"),
        ("Entra ID P2 12mo", "OneYear", None),
        ("Dynamics 365 Sales P3Y", "ThreeYears", None),
        ("Microsoft 365 E3", None, None),
    ],
)
def test_reads_term_and_billing_cues_in_many_spellings(name, term, billing):
    analysis = read(name)
    assert (analysis.term, analysis.billing) == (term, billing)


def test_cue_words_do_not_stay_among_product_words():
    assert read("Microsoft 365 E3 - Annual Commit (Billed Monthly)").core == ("m365", "e3")


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("Microsoft 365 Business Premium Nonprofit Staff Pricing", "NonProfit"),
        ("M365 BP NON-PROFIT", "NonProfit"),
        ("M365 A3 FOR FAC", "Education"),
        ("Power BI Pro EDU", "Education"),
        ("Microsoft 365 A5 for faculty", "Education"),
        ("Microsoft 365 E3 GCC", "Government"),
        ("Microsoft 365 E3", None),
    ],
)
def test_reads_segment_markers(name, segment):
    assert read(name).segment == segment


def test_reads_no_teams_and_legacy_markers_outside_product_words():
    no_teams = read("Microsoft 365 E3 (no Teams)")
    assert no_teams.markers == {"noteams"}
    assert no_teams.core == read("Microsoft 365 E3").core
    assert "legacy" in read("Microsoft 365 Business Premium (old CSP)").markers
