"""Low-level text handling: Microsoft ids, tokens, and repair of glued or truncated words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# A Microsoft product id is 12 characters (CFQ7TTC0LH18, DZH318Z0BPS6), optionally followed by
# ":SKU" (4 characters). Plain 12-letter words such as "CONFERENCING" are told apart by digits.
_ID_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{12})(?::([A-Za-z0-9]{4}))?(?![A-Za-z0-9])")
_PRICE_RE = re.compile(r"(?:\brrp\b\.?\s*)?[$€£]\s*\d+(?:[.,]\d+)?|\brrp\b\.?", re.IGNORECASE)
_GLUE_LETTERS_DIGIT = re.compile(r"(?<=[a-z]{4})(?=\d)")
_GLUE_DIGIT_LETTERS = re.compile(r"(?<=\d)(?=[a-z]{4})")
# "365E5": a family number glued to an edition code.
_GLUE_NUMBER_EDITION = re.compile(r"(?<=\d{3})(?=[a-z]\d(?![a-z0-9]))")
# Short catalogue codes glued to a number: "5742NCE", "COM1YR", "NCE12M".
_GLUE_CODES = re.compile(
    r"(?<=\d)(?=(?:nce|com|edu|gov|npo|mth)(?![a-z]))|(?<=nce|com|edu|gov|npo)(?=\d)"
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")

_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|tember|ober|ember)?\.?(?![a-z0-9])"
)
# Spellings that punctuation carries and tokenising would lose, rewritten into words first.
_RAW_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # No word boundary before "add": catalogues glue it on ("CAPACITYADD-ON").
    (re.compile(r"add\s*-?\s*on(?![a-z])"), " addon "),
    (re.compile(r"\be\s*\+\s*s\b"), " ems "),
    # Reseller price-list codes: "- A/M" annual billed monthly, "- A" annual, "- M" monthly.
    (re.compile(r"(?<![a-z0-9])a\s*/\s*m(?![a-z0-9])"), " anualidad pago mensual "),
    (re.compile(r"\s-\s*a\s*$"), " anual "),
    (re.compile(r"\s-\s*m\s*$"), " mensual "),
    # Dates and seat counts an invoice line appends ("13–31 Oct 2026", "2026-10-13", "x 3")
    # name no product.
    (
        re.compile(
            r"(?<![a-z0-9])(?:\d{1,2}\s*[-–—]\s*)?\d{1,2}\s+" + _MONTHS + r"(?:\s+\d{4})?"
            r"|(?<![a-z0-9])" + _MONTHS + r"\s+\d{4}(?![a-z0-9])"
            r"|(?<![a-z0-9])\d{4}-\d{2}-\d{2}(?![a-z0-9])"
            r"|(?<![a-z0-9])\d{1,2}/\d{1,2}/\d{2,4}(?![a-z0-9])"
        ),
        " ",
    ),
    # "S/" opens an invoice line ("S/Exchange Online"): subscription, not a product word.
    (re.compile(r"^\s*s\s*/"), " "),
    (re.compile(r"(?<![a-z0-9])(?:x|qty|quantity)\s*:?\s*\d+(?![a-z0-9])"), " "),
)


# Words a cut-off term cue may be the start of.
TERM_WORDS = frozenset(
    {"annual", "annually", "monthly", "month", "months", "year", "years", "mensual", "anual"}
)
# Words that mean nothing without the word that followed them.
DANGLING_WORDS = frozenset({"billed", "billing", "paid", "payment", "commit", "commitment"})
# After these a name has moved on from the product to its terms: a cut word there is the
# start of a term word even when it spells a product word too ("Annual Commit (Bi", not BI).
_TERM_SECTION_WORDS = TERM_WORDS | DANGLING_WORDS | {"term"}
# What a word cut there may be the start of, shortest first.
_CUT_TARGETS = tuple(sorted(TERM_WORDS | DANGLING_WORDS, key=lambda w: (len(w), w)))


@dataclass(frozen=True, slots=True)
class IdEvidence:
    """Microsoft ids found in some text.

    Attributes:
        products: 12-character product ids, upper case.
        offers: `PRODUCT:SKU` pairs, upper case.
    """

    products: frozenset[str]
    offers: frozenset[str]


# A word glued to a number ("Capacity1316") can be 12 characters long too; Microsoft's ids
# never start or end with a run of five letters against a plain number.
_GLUED_WORD_NUMBER = re.compile(r"^(?:[A-Za-z]{5,}\d+|\d+[A-Za-z]{5,})$")


def _looks_like_product_id(token: str) -> bool:
    digits = sum(ch.isdigit() for ch in token)
    if _GLUED_WORD_NUMBER.match(token):
        return False
    return digits >= 2 and len(token) - digits >= 2


def find_ids(text: str | None) -> IdEvidence:
    """Find Microsoft product ids and `PRODUCT:SKU` pairs in a text.

    Args:
        text: any field of a service (name, sku, description...).

    Returns:
        The ids found; empty sets when none.
    """
    products: set[str] = set()
    offers: set[str] = set()
    for match in _ID_RE.finditer(text or ""):
        product = match.group(1).upper()
        if not _looks_like_product_id(product):
            continue
        products.add(product)
        if match.group(2):
            offers.add(f"{product}:{match.group(2).upper()}")
    return IdEvidence(frozenset(products), frozenset(offers))


def strip_ids(text: str) -> str:
    """Remove product ids (and their SKUs) from a text, keeping ordinary words."""

    def _drop(match: re.Match[str]) -> str:
        return " " if _looks_like_product_id(match.group(1)) else match.group(0)

    return _ID_RE.sub(_drop, text)


def raw_tokens(text: str) -> list[str]:
    """Lower-case word tokens of a name, after the punctuation-borne rewrites.

    Prices and product ids are dropped; words glued to numbers ("conferencing1yr",
    "plan1") are split so the parts can be recognised.
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _PRICE_RE.sub(" ", strip_ids(folded)).lower()
    for pattern, replacement in _RAW_REWRITES:
        folded = pattern.sub(replacement, folded)
    folded = _GLUE_LETTERS_DIGIT.sub(" ", folded)
    folded = _GLUE_DIGIT_LETTERS.sub(" ", folded)
    folded = _GLUE_NUMBER_EDITION.sub(" ", folded)
    folded = _GLUE_CODES.sub(" ", folded)
    return _TOKEN_RE.findall(folded)


class Vocabulary:
    """The words the matcher knows, used to split glued words and complete truncated ones."""

    def __init__(self, words: Iterable[str]) -> None:
        """Build from words; only alphabetic words of three letters or more take part."""
        self._words = frozenset(w for w in words if len(w) >= 3 and w.isalpha())
        self._sorted = sorted(self._words, key=lambda w: (len(w), w))
        self._max_len = max((len(w) for w in self._words), default=0)

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def split_glued(self, token: str) -> list[str] | None:
        """Split a word with missing spaces ("capacityaddon") into known words, fewest first.

        Returns:
            The parts, or None when the token cannot be covered by known words.
        """
        n = len(token)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - self._max_len), end - 2):
                head = best[start]
                piece = token[start:end]
                if head is None or piece not in self._words:
                    continue
                current = best[end]
                if current is None or len(head) + 1 < len(current):
                    best[end] = [*head, piece]
        result = best[n]
        return result if result is not None and len(result) > 1 else None

    def complete(self, prefix: str) -> str | None:
        """The shortest known word a truncated word ("premi") is the start of, if any."""
        for word in self._sorted:
            if len(word) > len(prefix) and word.startswith(prefix):
                return word
        return None


def _cut_target(stub: str) -> str | None:
    """The shortest term or dangling word `stub` is the cut start of, if any."""
    return next((w for w in _CUT_TARGETS if len(w) > len(stub) and w.startswith(stub)), None)


def repair_tokens(tokens: list[str], vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """Split glued words and complete a truncated last word against the vocabulary.

    Args:
        tokens: raw tokens of one name.
        vocabulary: the known words.

    Returns:
        The repaired tokens, and notes describing each repair for the reasons.
    """
    repaired: list[str] = []
    notes: list[str] = []
    for token in tokens:
        if len(token) >= 7 and token.isalpha() and token not in vocabulary:
            parts = vocabulary.split_glued(token)
            if parts:
                notes.append(f"read '{token}' as '{' '.join(parts)}'")
                repaired.extend(parts)
                continue
        repaired.append(token)
    # Names are cut at 50 or 100 characters, so only the last word can be a stub. Three
    # letters are enough for a term word ("Ann" of "Annual"), which is what usually comes last.
    if repaired:
        last = repaired[-1]
        after_number = len(repaired) > 1 and repaired[-2].isdigit()
        in_terms = len(repaired) > 1 and repaired[-2] in _TERM_SECTION_WORDS
        term_word = (
            _cut_target(last)
            if in_terms and last.isalpha() and last not in _TERM_SECTION_WORDS
            else None
        )
        if term_word is not None:
            if term_word in TERM_WORDS and len(last) >= 3:
                notes.append(f"read truncated '{last}' as '{term_word}'")
                repaired[-1] = term_word
            else:
                notes.append(f"dropped cut-off '{last}'")
                repaired.pop()
        elif after_number and len(last) == 2 and last.isalpha() and last not in vocabulary:
            # "... - 1 Ye": a term cut after two letters still says which term.
            completed = vocabulary.complete(last)
            if completed in TERM_WORDS:
                notes.append(f"read truncated '{last}' as '{completed}'")
                repaired[-1] = completed
        elif len(last) >= 3 and last.isalpha() and last not in vocabulary:
            completed = vocabulary.complete(last)
            if completed in DANGLING_WORDS:
                # "Annual (Bille" lost what was billed how: completing it would misread it.
                notes.append(f"dropped cut-off '{last}'")
                repaired.pop()
            elif completed is not None and (len(last) >= 4 or completed in TERM_WORDS):
                notes.append(f"read truncated '{last}' as '{completed}'")
                repaired[-1] = completed
    return repaired, notes
