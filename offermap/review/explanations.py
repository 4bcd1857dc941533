"""The matcher's reasons for a candidate, split into what counted for it and what against it.

The matcher explains a score in sentences: the evidence first (ids and words matched, cues
that agree), then the factors that lowered it (a term or segment that disagrees, words one
side lacks, a sibling the service fits better), then a sentence about calibration, and for a
candidate held back, why. A reviewer deciding between two candidates needs both sides, so the
listings show them apart. Evidence is recognised by how its sentences begin; anything else is
counted against (showing a neutral sentence as a doubt is safer than hiding a doubt).
"""

from __future__ import annotations

from collections.abc import Sequence

# How the matcher's supporting sentences begin (offermap/matching: scoring.explain and the
# notes of engine._candidates).
_FOR = (
    "provider offer id ",
    "product id ",
    "name words matched",
    "term agrees",
    "billing agrees",
    "segment agrees",
    "first choice",
    "runner-up",
    "learned from",
    "the connection names",
)
# Sentences that are neither: how the score is calibrated.
_NEUTRAL = ("score ",)


def _is_fuzzy_reading(reason: str) -> bool:
    # "'mo' read as 'monthly'": a spelling the matcher understood, which supports the match.
    return reason.startswith("'") and "' read as '" in reason


def split_reasons(reasons: Sequence[str]) -> tuple[list[str], list[str]]:
    """(for, against): the candidate's reasons that support it, and those that count against.

    The calibration sentence ("score 0.93: the share of pairs...") is in neither.
    """
    supporting: list[str] = []
    against: list[str] = []
    for reason in reasons:
        text = reason.strip()
        if not text or text.startswith(_NEUTRAL) or "' ignored: a house word" in text:
            continue
        if text.startswith(_FOR) or _is_fuzzy_reading(text):
            supporting.append(text)
        else:
            against.append(text)
    return supporting, against
