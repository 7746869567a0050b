"""Does the evidence cover the question? Checked before any answer is written, in both modes.

A question about something the articles never mention must be refused, not answered with the
nearest sentence about something else: "What did the Dalai Lama say about the hostage deal?"
retrieves hostage-deal sentences that never mention the Dalai Lama.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from bot.answering.language import entity_cache
from bot.answering.question import PEOPLE_LABEL, Question, Term
from retrieval.sentences import sentence_spans
from retrieval.terms import words

NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")


@lru_cache(maxsize=1)
def porter():
    """The Porter stemmer, the same algorithm as the catalog's FTS5 `porter` tokenizer, so the
    answerer and BM25 agree on which words are one word. PyStemmer's C build of it: the same
    stems as snowballstemmer's pure Python on all 30,967 words of seeds + BBC and the question
    sets, 21 times faster (a question's new articles bring a few hundred words to stem)."""
    import Stemmer

    return Stemmer.Stemmer("porter")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return porter().stemWord(word)


CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of|for|and|the|on|de|&)?\s*[A-Z][\w’'-]*)+")


PREFIX_STEM = 5  # stems this long match when one begins the other ("econom", "economi")


class TextTerms:
    """The words of a text, for fast term lookups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.words = set(words(text))
        self.stems = {stem(w) for w in self.words}
        self._long_stems = sorted(s for s in self.stems if len(s) >= PREFIX_STEM)

    def has_word(self, word: str) -> bool:
        if word in self.words:
            return True
        root = stem(word)
        if root in self.stems:
            return True
        if len(root) < PREFIX_STEM:
            return False
        if any(root[:end] in self.stems for end in range(PREFIX_STEM, len(root))):
            return True  # a stem of the text begins the word's
        # The stems that begin with the word's follow it directly in sorted order.
        after = bisect_left(self._long_stems, root)
        return after < len(self._long_stems) and self._long_stems[after].startswith(root)

    @cached_property
    def initialisms(self) -> set[str]:
        """The initials of every run of capitalised words: a question's "NSC" is found in an
        article that only says "National Security Council"."""
        found = set()
        for match in CAPITALISED_RUN.finditer(self.text):
            capitals = [w for w in match.group(0).split() if w[:1].isupper()]
            for first in range(len(capitals) - 1):
                found.add("".join(w[0] for w in capitals[first:]))
        return found

    def has_term(self, term: Term) -> bool:
        if term.case_sensitive:
            dotted = r"\.?".join(re.escape(c) for c in term.text)
            found = re.search(rf"(?<![\w.]){dotted}\.?(?!\w)", self.text)
            return bool(found) or term.text in self.initialisms

        for variant in term.variants:
            if NUMBER.fullmatch(variant):  # not part of a longer number: 800 in "800m", not "1,800"
                if re.search(rf"(?<![\d.,]){re.escape(variant)}(?![\d]|[.,]\d)", self.lower):
                    return True
            elif words(variant) != [variant]:  # "new york", "u.s", and "at&t" as one word
                if re.search(rf"(?<!\w){re.escape(variant)}(?!\w)", self.lower):
                    return True
            elif self.has_word(variant):
                return True
        return term.place and self.names_place(term.text)

    def names_place(self, place: str) -> bool:
        """Whether the text names `place` by the word for its people ("a Scottish
        international" for Scotland), as the recogniser reads that word in its sentence."""
        for start, end in sentence_spans(self.text):
            sentence = self.text[start:end]
            if not any(same_place(w, place) for w in CAPITALISED.findall(sentence)):
                continue
            for entity in entity_cache().entities([sentence])[0]:
                if entity.label == PEOPLE_LABEL and same_place(entity.text, place):
                    return True
        return False


def same_place(a: str, b: str) -> bool:
    """Whether a place and the word for a people may be one ("Scotland" and "Scottish", "India"
    and "Indian"): they begin alike, in at least four letters and half of the shorter ("Iraq"
    and "Iranian" do not). Only for words the recogniser reads as a place and as a people."""
    a, b = a.lower(), b.lower()
    pairs = zip(a, b, strict=False)
    shared = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))
    return a != b and shared >= 4 and 2 * shared >= min(len(a), len(b))


@lru_cache(maxsize=4096)
def terms_of(text: str) -> TextTerms:
    """A text's `TextTerms`, remembered: the same articles and sentences are looked up for every
    question about them, and twice for each (the coverage check, then the reader's features)."""
    return TextTerms(text)


@dataclass
class Coverage:
    """Which articles mention every salient term of the question; when none does, which
    mention the most of them (at least one), among those mentioning every number it states."""

    covering_docs: set[str] = field(default_factory=set)
    nearest_docs: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # as the question writes them
    missing_terms: list[Term] = field(default_factory=list)  # that no article mentions

    @property
    def ok(self) -> bool:
        return bool(self.covering_docs)


def coverage(question: Question, articles: dict[str, str]) -> Coverage:
    """`articles` maps doc id -> body (title included). An article covers the question when it
    mentions all of its salient terms; a term no article mentions is reported as missing. An
    article without a number the question states ("the *2022* World Cup") is about another
    event, never one of the nearest."""
    result = Coverage()
    seen_anywhere: set[str] = set()
    numbers = {t.text for t in question.salient if any(c.isdigit() for c in t.text)}
    named: dict[str, int] = {}
    for doc_id, text in articles.items():
        terms = terms_of(text)
        found = {t.text for t in question.salient if terms.has_term(t)}
        seen_anywhere |= found
        if numbers <= found:
            named[doc_id] = len(found)
        if len(found) == len(question.salient):
            result.covering_docs.add(doc_id)
    most = max(named.values(), default=0)
    if not result.covering_docs and most:
        result.nearest_docs = {doc_id for doc_id, n in named.items() if n == most}
    result.missing_terms = [t for t in question.salient if t.text not in seen_anywhere]
    result.missing = as_written(question.text, [t.text for t in result.missing_terms])
    if not result.covering_docs and not result.missing:
        result.missing = ["all of " + ", ".join(t.text for t in question.salient) + " together"]
    return result


def as_written(question: str, terms: list[str]) -> list[str]:
    """Terms (in the question's order) that stand side by side in the question, joined as one
    name: "Capitol Hill", not "Capitol, Hill"."""
    joined: list[str] = []
    end = None  # where the last term found ends in the question
    for term in terms:
        start = question.find(term, end or 0)
        if start < 0:
            joined.append(term)
            end = None
            continue
        if joined and end is not None and not question[end:start].strip():
            joined[-1] += question[end : start + len(term)]
        else:
            joined.append(term)
        end = start + len(term)
    return joined
