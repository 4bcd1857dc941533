"""Features of offers and services computed once per run: canonical words, cues, ids, weights."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from offermap.catalogue import load_offers
from offermap.matching.cues import CUE_WORDS, NameAnalysis, analyse_tokens
from offermap.matching.learning import Conventions
from offermap.matching.model import ServiceRecord
from offermap.matching.text import IdEvidence, Vocabulary, find_ids, raw_tokens, repair_tokens

# Fields of an Autotask service that can carry a Microsoft id, in the order reasons name them.
ID_FIELDS: tuple[str, ...] = (
    "sku",
    "catalog_number_part_number",
    "manufacturer_service_provider_product_number",
    "external_id",
    "name",
    "description",
    "invoice_description",
)
# A generic prefix before a separator: "M365 Subscription - ", "Microsoft 365: ", "S/".
_PREFIX_RE = re.compile(r"^\s*(?:s\s*/|([^-–—|:/]{1,40}?)\s*(?:\s[-–—|]|:)\s)", re.IGNORECASE)
_WORD_RE = re.compile(r"[a-z0-9]+")
_FAMILY_WORDS = frozenset(
    {
        "microsoft", "ms", "msft", "365", "m365", "o365", "office", "cloud", "online", "csp",
        "nce", "subscription", "subscriptions", "sub", "licence", "license", "licences",
        "licenses", "saas", "services", "service", "s",
    }
)  # fmt: skip
# A distributor code with the term written out: "(NCE COM 1YR MTH)", "NCE EDU 1YR ANN".
_EXPLICIT_CODE_TERM = re.compile(
    r"(?<![A-Za-z0-9])(?:COM|EDU|GOV|NFP|NPO)\s+[13]\s*YRS?\s+(?:MTH|ANN)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ISO_TERM_RE = re.compile(r"(?<![A-Za-z0-9])P(1M|1Y|3Y)(?![A-Za-z0-9])", re.IGNORECASE)
_ISO_TERMS = {"1M": "OneMonth", "1Y": "OneYear", "3Y": "ThreeYears"}
# Distributor stock codes `TERM:PRODUCT:SKU:BILLING:` end in 1 (billed monthly) or Y (upfront).
_STOCK_BILLING_RE = re.compile(
    r"(?<![A-Za-z0-9])P(?:1M|1Y|3Y):[A-Za-z0-9]{12}:[A-Za-z0-9]{4}:([1YM])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_STOCK_BILLINGS = {"1": "Monthly", "M": "Monthly", "Y": "Annual"}


@lru_cache(maxsize=1)
def reference_offers() -> tuple[tuple[str, str], ...]:
    """(provider offer id, name) of the real NCE offers of `offermap.catalogue`.

    They join every run's offers when word weights are computed, so a run over a few variants
    weighs words as a run over a whole catalogue does, and they are the known rivals of the
    run's offers.
    """
    return tuple((offer.provider_offer_id, offer.name) for offer in load_offers())


@dataclass(frozen=True, slots=True)
class OfferProfile:
    """The name-level features of one offer (shared by its variants).

    Attributes:
        provider_offer_id: `PRODUCT:SKU`, upper case.
        product_id: the PRODUCT part.
        name: the offer name.
        analysis: the offer name read by `cues.analyse_tokens`.
    """

    provider_offer_id: str
    product_id: str
    name: str
    analysis: NameAnalysis


@dataclass(frozen=True, slots=True)
class ServiceProfile:
    """The features of one service.

    Attributes:
        record: the service.
        analysis: its name read by `cues.analyse_tokens` (term cues from the invoice
            description when the name has none).
        ids: every Microsoft id found in its fields.
        id_fields: for each id field that holds an id, the ids it holds (for the reasons).
        iso_term: a term stated by an ISO code (P1M/P1Y/P3Y) in an id field, if any.
        code_billing: the billing frequency a distributor stock code states, if any.
    """

    record: ServiceRecord
    analysis: NameAnalysis
    ids: IdEvidence
    id_fields: Mapping[str, IdEvidence]
    iso_term: str | None
    code_billing: str | None = None


# How much a word no known offer uses weighs, as a share of the rarest offer word's weight.
UNKNOWN_WORD_SHARE = 0.5


class Weights:
    """Inverse document frequency of product words over offer names.

    A word that names few offers ("basic") tells more than one in many ("m365"). A service word
    that names no known offer ("introductory", "50gb", a house word) is mostly noise: it weighs
    half as much as the rarest offer word, so it dilutes a match without sinking it.
    """

    def __init__(self, documents: Iterable[tuple[str, ...]]) -> None:
        """Count the offers (distinct core word tuples) each word appears in."""
        distinct = set(documents)
        self.document_count = max(1, len(distinct))
        df: Counter[str] = Counter(word for doc in distinct for word in set(doc))
        self._weights = {
            word: math.log(1.0 + self.document_count / count) for word, count in df.items()
        }
        self._unknown = math.log(1.0 + self.document_count) * UNKNOWN_WORD_SHARE
        self._totals: dict[tuple[str, ...], float] = {}

    def __getitem__(self, word: str) -> float:
        return self._weights.get(word, self._unknown)

    def total(self, words: tuple[str, ...]) -> float:
        """The summed weight of some words (memoised: the same names are weighed many times)."""
        found = self._totals.get(words)
        if found is None:
            get, unknown = self._weights.get, self._unknown
            found = self._totals[words] = sum([get(word, unknown) for word in words])
        return found

    def known(self, word: str) -> bool:
        """Whether some offer name uses this word."""
        return word in self._weights


def build_vocabulary(offer_names: Iterable[str]) -> Vocabulary:
    """Known words: those of the offer names plus the words cues and rewrites are made of."""
    words: set[str] = set(CUE_WORDS)
    for name in offer_names:
        words.update(raw_tokens(name))
    return Vocabulary(words)


def _generic_prefix(text: str) -> frozenset[str]:
    """The product words of a generic prefix ("M365 Subscription - ", "S/"), if the name has one.

    A prefix counts only if every word of it is a family or programme word: what follows the
    separator then names the product, and the prefix adds nothing against it.
    """
    found = _PREFIX_RE.match(text)
    if found is None:
        return frozenset()
    # Most names have a separator after the product ("... - Monthly"): a plain split rules
    # them out before the full tokeniser runs.
    if not set(_WORD_RE.findall((found.group(1) or "").lower())) <= _FAMILY_WORDS:
        return frozenset()
    return frozenset(analyse_tokens(raw_tokens(found.group(1) or "")).core)


def analyse_name(text: str, vocabulary: Vocabulary) -> NameAnalysis:
    """Tokenise, repair and analyse one name."""
    tokens, notes = repair_tokens(raw_tokens(text), vocabulary)
    analysis = analyse_tokens(tokens, tuple(notes))
    optional = _generic_prefix(text)
    if optional and set(analysis.core) - optional:
        analysis = replace(
            analysis,
            optional=optional,
            notes=(*analysis.notes, f"generic prefix '{' '.join(sorted(optional))}'"),
        )
    return analysis


def offer_profile(provider_offer_id: str, name: str, vocabulary: Vocabulary) -> OfferProfile:
    """The name-level features of an offer."""
    offer_id = provider_offer_id.strip().upper()
    return OfferProfile(
        provider_offer_id=offer_id,
        product_id=offer_id.split(":", 1)[0],
        name=name,
        analysis=analyse_name(name, vocabulary),
    )


def bare_code_term(names: Iterable[str]) -> str | None:
    """The term a bare distributor code "(NCE COM MTH)" states in this service catalogue.

    For Ingram's list MTH only says "billed monthly", for a one-month and a one-year term
    alike. A catalogue that writes the year out for the yearly line ("(NCE COM 1YR MTH)")
    uses the bare MTH for the month-to-month line: then it states OneMonth.
    """
    return "OneMonth" if any(_EXPLICIT_CODE_TERM.search(name) for name in names) else None


def _with_code_term(analysis: NameAnalysis, term: str) -> NameAnalysis:
    if analysis.term is not None or analysis.term_conflict or "mth" not in analysis.cue_phrases:
        return analysis
    return replace(
        analysis,
        term=term,
        cue_phrases=(
            *analysis.cue_phrases,
            "a bare MTH (this catalogue writes 1YR MTH for a year billed monthly)",
        ),
    )


def service_profile(
    record: ServiceRecord,
    vocabulary: Vocabulary,
    conventions: Conventions | None = None,
    code_term: str | None = None,
) -> ServiceProfile:
    """The features of a service, read with the connection's learned conventions if any, and
    the term its catalogue's bare distributor code states (`bare_code_term`)."""
    analysis = analyse_name(record.name, vocabulary)
    if conventions:
        analysis = conventions.apply(analysis)
    if code_term is not None:
        analysis = _with_code_term(analysis, code_term)
    if analysis.term is None and analysis.billing is None and record.invoice_description:
        invoice = analyse_name(record.invoice_description, vocabulary)
        if invoice.term is not None or invoice.billing is not None:
            analysis = NameAnalysis(
                core=analysis.core,
                term=invoice.term,
                billing=invoice.billing,
                segment=analysis.segment or invoice.segment,
                markers=analysis.markers,
                cue_phrases=tuple(f"{p} (invoice description)" for p in invoice.cue_phrases),
                segment_phrase=analysis.segment_phrase or invoice.segment_phrase,
                notes=analysis.notes,
                term_conflict=invoice.term_conflict,
            )
    id_fields: dict[str, IdEvidence] = {}
    products: set[str] = set()
    offers: set[str] = set()
    iso_terms: set[str] = set()
    billings: set[str] = set()
    for field_name in ID_FIELDS:
        value = getattr(record, field_name)
        if not value:
            continue
        found = find_ids(value)
        if found.products:
            id_fields[field_name] = found
            products |= found.products
            offers |= found.offers
        if field_name != "name":
            iso_terms.update(_ISO_TERMS[m.upper()] for m in _ISO_TERM_RE.findall(value))
            billings.update(_STOCK_BILLINGS[m.upper()] for m in _STOCK_BILLING_RE.findall(value))
    return ServiceProfile(
        record=record,
        analysis=analysis,
        ids=IdEvidence(frozenset(products), frozenset(offers)),
        id_fields=id_fields,
        iso_term=next(iter(iso_terms)) if len(iso_terms) == 1 else None,
        code_billing=next(iter(billings)) if len(billings) == 1 else None,
    )
