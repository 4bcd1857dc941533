"""What a name says besides the product: abbreviations, renames, term, billing, segment, markers.

Everything here works on a space-joined string of lower-case tokens (see `text.raw_tokens`).
The spellings come from the domain notes (docs/notes/cloudcockpit-domain.md §4): distributor codes,
PSA catalogues, reseller price lists in Spanish and the names MSPs generate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")


# Abbreviations and Microsoft's renames, rewritten to one spelling on both sides.
# Order matters: longer phrases first, so "copilot for microsoft 365" is not cut by "microsoft 365".
_CANONICAL: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"(?:microsoft )?copilot for (?:microsoft 365|m365|office 365|o365)"), "m365 copilot"),
    (
        _rx(r"azure active directory(?: premium)?|azure ad(?: premium)?|aad(?: premium)?"),
        "entra id",
    ),
    (_rx(r"planner and project|planner project"), "project"),
    # Products Microsoft renamed that distributors still list under the old name.
    (_rx(r"(?:microsoft )?common area phone"), "teams shared devices"),
    (_rx(r"step up"), "addon"),
    # Microsoft renamed "per user with attended RPA" to Premium; "per user plan" is still its
    # own SKU. Power Apps per user became Power Apps Premium.
    (_rx(r"power automate per user with attended rpa(?: plan)?"), "power automate premium"),
    (_rx(r"power apps per user(?: plan)?"), "power apps premium"),
    (_rx(r"microsoft 365|ms 365|m 365"), "m365"),
    (_rx(r"office 365|o 365"), "o365"),
    (_rx(r"exchange online|exch online|hosted exchange"), "exo"),
    # "Exchange Plan 1" on an invoice is Exchange Online (Plan 1).
    (_rx(r"exchange(?= (?:plan|p) ?\d)"), "exo"),
    (_rx(r"enterprise mobility (?:and |plus )?security"), "ems"),
    (_rx(r"one drive"), "onedrive"),
    (_rx(r"pbi"), "power bi"),
    (_rx(r"mde"), "defender endpoint"),
    (_rx(r"mdo"), "defender o365"),
    (_rx(r"win"), "windows"),
    (_rx(r"ent"), "enterprise"),
    (_rx(r"bus std|bs"), "business standard"),
    (_rx(r"bp"), "business premium"),
    (_rx(r"bb"), "business basic"),
    (_rx(r"bus|busi"), "business"),
    # A suite's short name after its family: "M365 Basic" is Microsoft 365 Business Basic.
    (re.compile(r"(?<=m365 )(?=(?:basic|standard|premium)(?![a-z0-9]))"), "business "),
    (_rx(r"std|stnd"), "standard"),
    (_rx(r"prem"), "premium"),
    (_rx(r"plan (\d)|p (\d)"), r"p\1\2"),
    (_rx(r"non profit|nfp|npo"), "nonprofit"),
    (_rx(r"for fac|fac"), "faculty"),
)

TermCue = tuple[str | None, str | None]  # (term, billing_frequency) a phrase states

# (pattern, term, billing). Tried in order; a matched phrase is removed before the next, so
# "annual commit billed monthly" gives billing from "billed monthly", then term from "annual".
# A distributor's code "(NCE COM MTH)": MTH says how it bills (monthly, for a one-month and a
# one-year term alike), ANN billed yearly, TRI triennial; COM/EDU/NFP is the segment.
_CODE = r"(?:(?<=nce com )|(?<=nce edu )|(?<=nce gov )|(?<=nce nonprofit ))"
_CUES: tuple[tuple[re.Pattern[str], str | None, str | None], ...] = (
    (re.compile(_CODE + r"mth(?![a-z0-9])"), None, "Monthly"),
    # "ANN" at the end of a name was already read as a cut "annual".
    (re.compile(_CODE + r"(?:ann|annual)(?![a-z0-9])"), None, "Annual"),
    (re.compile(_CODE + r"tri(?![a-z0-9])"), "ThreeYears", "Triennial"),
    # Distributor suffixes: "1YR MTH" is a year billed monthly, "1YR ANN" a year billed yearly.
    (_rx(r"(?:1|one) ?(?:years?|yrs?|y) (?:mth|mthly|mo|monthly|mensual)"), "OneYear", "Monthly"),
    (_rx(r"(?:1|one) ?(?:years?|yrs?|y) (?:ann|annual|anual)"), "OneYear", "Annual"),
    (_rx(r"annual annual|anual anual"), "OneYear", "Annual"),
    (_rx(r"annual monthly|ann mo|anualidad(?: con)? pago mensual"), "OneYear", "Monthly"),
    (
        _rx(r"(?:billed|paid|payment|pay|bill|billing|pago) (?:monthly|month|mo|mensual)"),
        None,
        "Monthly",
    ),
    (_rx(r"monthly (?:billing|billed|payment|paid|pay)"), None, "Monthly"),
    (
        _rx(
            r"(?:billed|paid|payment|pay|bill|billing|pago) "
            r"(?:annually|annual|yearly|upfront|up front|in advance|anual)"
        ),
        None,
        "Annual",
    ),
    (_rx(r"(?:annual|yearly|upfront) (?:billing|billed|payment)|upfront|prepaid"), None, "Annual"),
    (
        _rx(r"(?:3|three) ?(?:years?|yrs?|y)|36 ?(?:months?|mths?|mos?|m)|p3y|triennial"),
        "ThreeYears",
        None,
    ),
    (_rx(r"(?:1|one) ?(?:years?|yrs?|y)|12 ?(?:months?|mths?|mos?|m)|p1y"), "OneYear", None),
    (
        _rx(r"annual(?:ly)? (?:commit(?:ment)?|term|subscription|agreement|contract)"),
        "OneYear",
        None,
    ),
    (_rx(r"month to month|mtm|no commit(?:ment)?"), "OneMonth", None),
    (_rx(r"monthly (?:commit(?:ment)?|term|subscription|sub|plan)"), "OneMonth", None),
    (_rx(r"(?:1|one) ?(?:months?|mths?|mos?|m|tm)|p1m|mth(?: sub)?"), "OneMonth", None),
    # Spanish price lists write "(Anual)" for annual billing and "(Anualidad con Pago Mensual)"
    # for an annual term billed monthly; the English "Annual" alone names the term only.
    (_rx(r"anual"), "OneYear", "Annual"),
    (_rx(r"annual(?:ly)?|yearly|anualidad"), "OneYear", None),
)
# A bare "monthly" or "mensual" means month-to-month when nothing else states a term
# ("Visio Plan 2 - Monthly"), and monthly billing next to a stated term ("Annual ... Monthly").
_BARE_MONTHLY = _rx(r"monthly|mensual")

_SEGMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"nonprofit(?: staff pricing)?|staff pricing|charity"), "NonProfit"),
    (_rx(r"faculty|student|students|edu|education|academic"), "Education"),
    (_rx(r"gcc(?: high)?|government|gov"), "Government"),
    (_rx(r"commercial|com"), "Commercial"),
)

# Education SKUs come in pairs for faculty and for students (and the free "Students use
# benefit" ones); the words that say which are read before the segment takes them.
_AUDIENCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"(?:for )?(?:students?|pupils?)(?: (?:use|usage) benefits?)?|(?:use|usage) benefits?"),
     "student"),
    (_rx(r"(?:for )?(?:faculty|teachers?|educators?)"), "faculty"),
)  # fmt: skip

# "(Education Pricing)", "(Non-Profit Pricing)": Microsoft's title of a SKU priced for a
# segment, beside a plain SKU of the same name the catalogue may list in that segment too.
_SEGMENT_PRICING = _rx(
    r"(?:education|faculty|student|students|nonprofit|charity|government|academic)"
    r"(?: [a-z]+)? pricing"
)

# "No Teams" SKUs exist for most suites since Microsoft unbundled Teams, so that marker always
# separates two offers, and so does EEA (the European edition of a suite). Other "no X"
# markers only name a variant the catalogue may not list.
HARD_MARKERS = frozenset({"noteams", "eea"})
_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"(?:no|without|excl|excluding|wo|sans) (?:microsoft |ms )?teams"), "noteams"),
    (_rx(r"eea"), "eea"),
    (
        _rx(
            r"(?:no|without|excl|excluding|wo) "
            r"(?:audio conferencing|audio conf|audio|pstn conferencing)"
        ),
        "noaudio",
    ),
    (_rx(r"legacy|old csp|non nce"), "legacy"),
)

# Words that carry no product identity: vendor and programme markers, plan and licence nouns,
# leftovers of cue phrases.
STOPWORDS = frozenset(
    {
        "a", "and", "the", "of", "for", "with", "to", "in", "con", "de", "en", "y",
        "microsoft", "ms", "msft", "corporation", "nce", "csp", "modern", "new", "commerce",
        "plan", "per", "user", "users", "seat", "seats", "licence", "license", "licenses",
        "licences", "subscription", "sub", "commit", "commitment", "term", "renewal", "auto",
        "billed", "paid", "billing", "mo", "arrears", "sku", "pricing", "price", "edition",
    }
)  # fmt: skip
# Sizes and capacities ("2 vCPU, 4 GB, 128 GB", "1TB", "120 min") tell sibling SKUs apart: each
# becomes one word ("128gb") that must agree. A count of seats or users is not a product.
SIZE_UNITS = frozenset({"gb", "tb", "mb", "vcpu", "cpu", "core", "cores", "min", "mins", "minutes"})
_SIZE_RE = re.compile(r"^(\d+)(gb|tb|mb|vcpu|cpu|core|cores|min|mins|minutes)$")
_COUNT_UNITS = frozenset({"users", "seats", "seat", "licenses", "licences", "devices"})
# Numbered dimensions ("Tier 1 Band 2", "country zone 1"): the number belongs to its word.
DIMENSION_WORDS = frozenset({"tier", "band", "zone", "level", "step"})

# Words the cue phrases and rewrites know, so glued words can be split into them.
CUE_WORDS = frozenset(
    {
        "annual", "annually", "yearly", "monthly", "month", "months", "year", "years",
        "billed", "paid", "billing", "upfront", "prepaid", "commit", "commitment", "term",
        "mensual", "anual", "anualidad", "pago", "nonprofit", "faculty", "student",
        "education", "commercial", "government", "teams", "without", "legacy", "microsoft",
        "office", "exchange", "online", "business", "standard", "premium", "basic",
        "enterprise", "addon", "plan",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NameAnalysis:
    """What one name says, split into product words and cues.

    Attributes:
        core: product words, canonical spelling, without cues, markers and stopwords.
        term: the term the name states, or None.
        billing: the billing frequency the name states, or None.
        segment: the segment a marker in the name states, or None.
        markers: variant markers ("noteams", "noaudio", "legacy").
        cue_phrases: the phrases that gave term and billing, for the reasons.
        segment_phrase: the phrase that gave the segment.
        notes: repairs made to the name (glued or truncated words).
        term_conflict: the name states two different terms.
        audience: who an Education SKU is for: "faculty", "student", or None.
        audience_phrase: the phrase that said so.
        optional: words of a generic prefix ("M365 Subscription - "): they count when the
            offer names them too, and are noise otherwise.
    """

    core: tuple[str, ...]
    term: str | None
    billing: str | None
    segment: str | None
    markers: frozenset[str]
    cue_phrases: tuple[str, ...]
    segment_phrase: str | None
    notes: tuple[str, ...]
    term_conflict: bool = False
    audience: str | None = None
    audience_phrase: str | None = None
    optional: frozenset[str] = frozenset()


def canonical(text: str) -> str:
    """Rewrite abbreviations and renamed products to one spelling ("m365 bp" ...)."""
    padded = f" {text} "
    for pattern, replacement in _CANONICAL:
        padded = pattern.sub(replacement, padded)
    return " ".join(padded.split())


def _size_word(number: str, unit: str) -> str:
    unit = {"cores": "core", "mins": "min", "minutes": "min"}.get(unit, unit)
    return f"{int(number)}{unit}"


def _product_words(words: list[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        size = _SIZE_RE.match(word)
        if size:
            kept.append(_size_word(size.group(1), size.group(2)))
            continue
        if word.isdigit() and following in SIZE_UNITS:
            kept.append(_size_word(word, following))
            skip = True
            continue
        if word in DIMENSION_WORDS and following.isdigit():
            kept.append(f"{word}{int(following)}")
            skip = True
            continue
        if word in STOPWORDS or word in SIZE_UNITS:
            continue
        if word.isdigit() and following in _COUNT_UNITS:
            continue
        kept.append(word)
    return kept


def analyse_tokens(tokens: list[str], notes: tuple[str, ...] = ()) -> NameAnalysis:
    """Read product words and cues from the repaired tokens of one name.

    Args:
        tokens: lower-case tokens (after `text.repair_tokens`).
        notes: repairs already made, carried into the analysis for the reasons.

    Returns:
        The analysis.
    """
    text = canonical(" ".join(tokens))
    terms: list[str] = []
    billings: list[str] = []
    phrases: list[str] = []
    for pattern, term, billing in _CUES:
        seen = False
        for match in pattern.finditer(text):
            seen = True
            phrases.append(match.group(0))
            if term is not None:
                terms.append(term)
            if billing is not None:
                billings.append(billing)
        if seen:  # most names hold one cue at most: skip the other patterns' second pass
            text = pattern.sub(" ", text)
    for match in _BARE_MONTHLY.finditer(text):
        phrases.append(match.group(0))
        billings.append("Monthly")
        if not terms:
            terms.append("OneMonth")
    text = _BARE_MONTHLY.sub(" ", text)
    markers: set[str] = set()
    if _SEGMENT_PRICING.search(text):
        markers.add("segmentpricing")
    audience: str | None = None
    audience_phrase: str | None = None
    for pattern, name in _AUDIENCES:
        found = pattern.search(text)
        if found and audience is None:
            audience, audience_phrase = name, found.group(0)
            text = pattern.sub(" education ", text)
    segment: str | None = None
    segment_phrase: str | None = None
    for pattern, name in _SEGMENTS:
        found = pattern.search(text)
        if found is None:
            continue
        if segment is None:
            segment, segment_phrase = name, found.group(0)
        text = pattern.sub(" ", text)
    for pattern, marker in _MARKERS:
        if pattern.search(text):
            markers.add(marker)
            text = pattern.sub(" ", text)
    core = tuple(dict.fromkeys(_product_words(text.split())))
    distinct_terms = set(terms)
    distinct_billings = set(billings)
    return NameAnalysis(
        core=core,
        term=terms[0] if len(distinct_terms) == 1 else None,
        billing=billings[0] if len(distinct_billings) == 1 else None,
        segment=segment,
        markers=frozenset(markers),
        cue_phrases=tuple(phrases),
        segment_phrase=segment_phrase,
        notes=notes,
        term_conflict=len(distinct_terms) > 1,
        audience=audience,
        audience_phrase=audience_phrase,
    )
