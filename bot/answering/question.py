"""What a question asks for, from its spaCy parse: the salient terms the evidence must mention
(names, numbers, acronyms, mixed-case product names), the content words it hinges on, and the
answer type (`answer_types`) of its wh-phrase and head noun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.answering.answer_types import ANSWER_TYPES, AnswerType, answer_type
from bot.answering.language import parse
from retrieval.terms import content_words

NAMING_NOUNS = frozenset({"name", "title", "codename", "nickname"})
WH_WORDS = frozenset({"what", "which", "who", "whom", "whose", "where", "when", "why", "how"})
# Entity labels whose words are checked in the evidence. Nationalities and groups (NORP:
# "Polish", "Middle Eastern") are not: articles name the country instead ("Poland").
CHECKED_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)


# Entity labels of places, and of the words for their peoples ("Scotland", "Scottish").
PLACE_LABELS = frozenset({"GPE", "LOC"})
PEOPLE_LABEL = "NORP"


@dataclass
class Term:
    """A salient term and the spellings that count as finding it."""

    text: str
    variants: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    place: bool = False  # the recogniser's place, found too as the word for its people


@dataclass
class Question:
    text: str
    salient: list[Term]
    content: list[str]
    answer_type: AnswerType
    context: list[str] = field(default_factory=list)  # a follow-up's words from earlier turns
    # Characters of the words that ask, from the wh-word to the head noun ("which *Welsh rock
    # band*"): what the answer stands in for.
    slot: tuple[int, int] | None = None


def analyse(question: str) -> Question:
    """Split a question into what must be found in the evidence and what it asks for."""
    doc = parse(question)
    wh_phrase, head, slot = wh_phrase_and_head(doc)
    kind = answer_type(wh_phrase, head)
    content = list(dict.fromkeys(content_words(question)))
    verbs = {t.lemma_.lower() for t in doc if t.pos_ in {"VERB", "AUX"}}
    if head and head in ANSWER_TYPES and head not in verbs:
        # "which company": the type noun is not in the answer (the verb "cost" may be)
        content = [w for w in content if w != head and w.rstrip("s") != head]
    return Question(question, salient_terms(doc), content, kind, slot=slot)


def wh_phrase_and_head(doc) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """The wh-phrase ("who", "how many"), the head noun's lemma ("which *guitarist*", "what was
    the *price*", "how many *tonnes*") and the characters from the wh-word to the head. The
    wh-word that asks is the first outside a relative or adverbial clause ("*When* a web page
    shows a registration, *which company* ...", "Of the 146 people *who* responded, *how many*
    ..."), or the first of all when each is inside one."""
    asked = [t for t in doc if t.lower_ in WH_WORDS]
    for token in sorted(asked, key=in_subordinate_clause):
        lower = token.lower_
        if lower == "how":
            following = token.nbor(1) if token.i + 1 < len(doc) else None
            if following is not None and following.pos_ in {"ADJ", "ADV"}:
                phrase = f"how {following.lower_}"
                counted = following.head if following.head.pos_ in {"NOUN", "PROPN"} else None
                if counted is None:
                    return phrase, None, slot_span(token, following)
                return phrase, counted.lemma_.lower(), slot_span(token, counted)
            return "how", None, slot_span(token, token)
        if lower in {"what", "which"}:
            if token.dep_ == "det" and token.head.pos_ in {"NOUN", "PROPN"}:
                noun = token.head
            else:
                noun = following_noun(token) or copular_subject(token)
            if noun is None:  # "what did the network *cost*": the verb says what is asked
                verb = token.head.lemma_.lower()
                if verb in ANSWER_TYPES:
                    return lower, verb, slot_span(token, token.head)
                return lower, None, slot_span(token, token)
            named = named_thing(noun)
            return lower, lemma_of(named), slot_span(token, named)
        return lower, None, slot_span(token, token)
    return None, None, None


def in_subordinate_clause(token) -> bool:
    """Whether a clause that describes or sets the scene (a relative or adverbial clause)
    holds the token, by the dependency path from it to the root."""
    return any(t.dep_ in {"relcl", "advcl"} for t in (token, *token.ancestors))


def slot_span(first, last) -> tuple[int, int]:
    """Characters from token `first` to token `last`, whichever comes first in the text."""
    start = min(first.idx, last.idx)
    end = max(first.idx + len(first.text), last.idx + len(last.text))
    return start, end


def lemma_of(noun) -> str:
    """The noun's lemma, whole when it ends a hyphenated compound: a "film-maker" is not a
    "maker" (which names a company)."""
    lemma = noun.lemma_.lower()
    if noun.i >= 2 and noun.nbor(-1).text == "-" and not noun.nbor(-2).whitespace_:
        return f"{noun.nbor(-2).lower_}-{lemma}"
    return lemma


def following_noun(wh) -> object | None:
    """The noun of the phrase the wh-word opens when the parser missed the link ("which
    African *president*'s campaign", "at which *magistrates*' court"): the last noun before a
    possessive, a verb or the phrase's end."""
    noun = None
    for token in wh.doc[wh.i + 1 :]:
        if token.pos_ in {"NOUN", "PROPN"}:
            noun = token
        elif token.tag_ == "POS" or token.pos_ not in {"ADJ", "NUM", "PART"}:
            break
    return noun


def named_thing(noun):
    """ "the name of the *podcast*": the thing named, not the word "name"."""
    if noun.lemma_.lower() not in NAMING_NOUNS:
        return noun
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            objects = [c for c in prep.children if c.dep_ == "pobj"]
            if objects:
                return objects[0]
    return noun


def copular_subject(what) -> object | None:
    """In "What was the price of the deal?" the head noun is the noun "what" is equated with."""
    verb = what.head
    if verb.lemma_ != "be":
        return None
    for child in verb.children:
        if child is not what and child.dep_ in {"nsubj", "attr"} and child.pos_ == "NOUN":
            return child
    return None


def salient_terms(doc) -> list[Term]:
    """Names (entities of a checked label, proper nouns), numbers, acronyms and mixed-case words
    (iPhone, eBay): what a covering article must mention."""
    terms: list[Term] = []
    skipped = {t.i for e in doc.ents if e.label_ not in CHECKED_LABELS for t in e}
    places = {t.i for e in doc.ents if e.label_ in PLACE_LABELS for t in e}

    def add(term: Term) -> None:
        if all(t.text.lower() != term.text.lower() for t in terms):
            terms.append(term)

    for token in doc:
        text = re.sub(r"[’']s$", "", token.text)
        if not text or token.lower_ in WH_WORDS or token.is_punct:
            continue
        if (
            token.is_alpha
            and token.i
            and is_number(doc[token.i - 1])
            and not doc[token.i - 1].whitespace_
        ):
            continue  # the unit of "512MB": the number's term finds "512MB" and "512 MB"
        if is_number(token):
            digits = re.sub(r"[^\d.,]+$", "", text)
            add(Term(text, [digits or text]))  # "800m" is found as 800m or "800 metres"
        elif token.i in skipped:
            continue
        elif len(text) >= 2 and text.isupper() and text.isalpha():
            add(Term(text, [text], case_sensitive=True))
        elif re.search(r"[a-z][A-Z]", text):
            add(Term(text, [text.lower()]))
        elif token.pos_ == "PROPN" and text[:1].isupper() and token.lower_ != "i":
            for part in text.split("-"):
                if part:
                    add(Term(part, [part.lower()], place=token.i in places))
    return terms


def is_number(token) -> bool:
    return token.like_num and bool(re.search(r"\d", token.text))
