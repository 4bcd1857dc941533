"""Learning a connection's naming conventions from the mappings its analysts approved.

Every MSP names services its own way: a company prefix on every line ("ACME"), its own word
for a term ("Flex" for month-to-month), its own abbreviation of a product word ("Biz" for
business). An approved mapping shows the service name next to the offer it names, so the
words left over after the matcher's own reading are the MSP's conventions:

- a word no offer name uses that turns up in two or more approved service names whose names
  state no term, always with the same term, is a **term word** for that term;
- any other such word seen in two or more approved names is **noise** (a prefix or house
  word) and is no longer held against a service;
- when an approved service name lacks exactly one offer word and has exactly one word of its
  own, the two are an **alias**.

The matcher applies them to every service name of the connection's next runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from offermap.matching.cues import NameAnalysis
from offermap.matching.model import ServiceRecord, Variant

# How many approved names must show a word before it counts as a convention: one name could
# be a one-off.
MIN_EXAMPLES = 2
_SOURCE = "learned from approved mappings"


@dataclass(frozen=True)
class Conventions:
    """What a connection's approved mappings teach about its service names.

    Attributes:
        term_words: word -> the term it states.
        noise: words that name no product (prefixes, house words).
        aliases: the connection's word -> the offer word it stands for.
        examples: how many approved mappings they were learned from.
    """

    term_words: Mapping[str, str] = field(default_factory=dict)
    noise: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    examples: int = 0

    def __bool__(self) -> bool:
        return bool(self.term_words or self.noise or self.aliases)

    def apply(self, analysis: NameAnalysis) -> NameAnalysis:
        """A service name's analysis with the learned conventions applied (and noted)."""
        if not self or not any(
            w in self.noise or w in self.aliases or w in self.term_words for w in analysis.core
        ):
            return analysis
        core: list[str] = []
        notes = list(analysis.notes)
        term, phrases = analysis.term, list(analysis.cue_phrases)
        for word in analysis.core:
            if word in self.noise:
                notes.append(f"'{word}' ignored: a house word ({_SOURCE})")
            elif word in self.aliases:
                core.append(self.aliases[word])
                notes.append(f"'{word}' read as '{self.aliases[word]}' ({_SOURCE})")
            elif word in self.term_words:
                # A term word names no product; it states the term only if the name's own
                # cues do not.
                learned = self.term_words[word]
                if analysis.term is None and not analysis.term_conflict and term in (None, learned):
                    term = learned
                    phrases.append(f"{word} ({_SOURCE})")
            else:
                core.append(word)
        return replace(
            analysis,
            core=tuple(dict.fromkeys(core)),
            term=term,
            cue_phrases=tuple(phrases),
            notes=tuple(notes),
        )


def learn(
    approved: Sequence[tuple[Variant, ServiceRecord]],
    analyse: Callable[[str], NameAnalysis],
    is_offer_word: Callable[[str], bool],
) -> Conventions:
    """Learn naming conventions from approved (variant, service) pairs.

    Args:
        approved: the connection's approved mappings, each with its service's record.
        analyse: reads a name (the run's `features.analyse_name` with its vocabulary).
        is_offer_word: whether some offer name of the run or the catalogue uses a word.

    Returns:
        The conventions; empty when nothing was seen often enough.
    """
    terms_of: dict[str, set[str]] = defaultdict(set)
    silent_seen: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    leftovers: list[tuple[list[str], list[str]]] = []
    for variant, service in approved:
        offer = analyse(variant.offer_name)
        name = analyse(service.name)
        own = [w for w in name.core if w not in set(offer.core) and w.isalpha()]
        leftovers.append((own, [w for w in offer.core if w not in set(name.core)]))
        for word in own:
            if is_offer_word(word):
                continue
            seen[word] += 1
            if name.term is None:
                silent_seen[word] += 1
                terms_of[word].add(variant.term)
    term_words = {
        word: next(iter(terms))
        for word, terms in terms_of.items()
        if len(terms) == 1 and silent_seen[word] >= MIN_EXAMPLES and silent_seen[word] == seen[word]
    }
    noise = frozenset(w for w, n in seen.items() if n >= MIN_EXAMPLES and w not in term_words)
    # With the conventions above set aside, one word left on each side is a rewording.
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for own, missing in leftovers:
        rest = [w for w in own if w not in noise and w not in term_words]
        if len(rest) == 1 and len(missing) == 1 and len(rest[0]) >= 2:
            pairs[(rest[0], missing[0])] += 1
    aliases: dict[str, str] = {}
    for (word, target), _ in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        aliases.setdefault(word, target)
    return Conventions(term_words, noise, aliases, len(approved))
