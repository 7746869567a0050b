"""The checkable facts of a sentence, from the spaCy parse: amounts (numbers with their unit,
sums of money, percentages), dates, and the names of people, organisations and places; and its
polarity. Citation checking (`llm/citations.py`) asks whether every fact of a claim is stated by
the sentences it cites, and whether the claim says the opposite of them.

Amounts and dates are compared as values, not as strings: "$20bn" = "$20 billion" = "20 billion
dollars", "five" = "5", "Oct. 17" = "17 October". A name is stated when its words are there
("Trump" for "Donald Trump"; for a person the surname is enough) or its initials are ("US" for
"United States").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answering.evidence import TextTerms
from bot.answering.language import Entity, entity_cache, parse

AMOUNT_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
# A number standing alone, not part of a name or code ("G7", "iPhone 6s" are not amounts).
BARE_NUMBER = re.compile(r"(?<![^\W\d_])\d[\d,]*(?:\.\d+)?(?![^\W\d_])")
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
CURRENCIES = {
    "$": "USD",
    "dollar": "USD",
    "£": "GBP",
    "pound": "GBP",
    "sterling": "GBP",
    "€": "EUR",
    "euro": "EUR",
    "¥": "JPY",
    "yen": "JPY",
}
NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
NUMBER_WORDS |= {"ninety": 90, "hundred": 100, "dozen": 12, "a": 1, "an": 1, "half": 0.5}
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Words that state the opposite of the verb they govern ("denied meeting", "failed to pass").
NEGATING_VERBS = frozenset({"deny", "refuse", "fail", "reject", "decline"})
NEGATING_WORDS = frozenset({"not", "n't", "never", "no", "nobody", "nothing", "neither", "nor"})
# Any word that `negated` could find; a pair of texts with none needs no parse.
NEGATION_CUE = re.compile(
    r"\b(?:not|never|no|nobody|nothing|neither|nor|den(?:y|ies|ied|ying)|refus\w*|fail\w*|"
    r"reject\w*|declin\w*)\b|n[’']t\b",
    re.I,
)
NAME_FILLER = frozenset({"the", "of", "and", "for", "mr", "mrs", "ms", "dr", "president"})


@dataclass(frozen=True)
class Amount:
    text: str
    value: float
    unit: str | None  # a currency code, "%", or the stem of a unit word ("mile")


@dataclass(frozen=True)
class When:
    text: str
    year: int | None
    month: int | None
    day: int | None
    weekday: str | None


@dataclass(frozen=True)
class Facts:
    """What a text states that can be checked: amounts, dates and names."""

    amounts: tuple[Amount, ...]
    dates: tuple[When, ...]
    names: tuple[tuple[str, str], ...]  # (name, entity label)


def facts_of(text: str, entities: tuple[Entity, ...]) -> Facts:
    """The facts of a text, from its entities (`language.entity_cache`) and the numbers the
    recogniser left untagged."""
    amounts, dates, names = [], [], []
    for ent in entities:
        if ent.label in AMOUNT_LABELS:
            amount = amount_of(ent.text, ent.label, next_word(text, ent.end))
            if amount is not None:
                amounts.append(amount)
        elif ent.label in {"DATE", "TIME"}:
            when = date_of(ent.text)
            if when is not None:
                dates.append(when)
        elif ent.label in NAME_LABELS:
            names.append((re.sub(r"[’']s$", "", ent.text), ent.label))
    for match in BARE_NUMBER.finditer(text):
        if not any(e.start <= match.start() < e.end for e in entities):
            amount = amount_of(match.group(0), "CARDINAL", next_word(text, match.end()))
            if amount is not None:
                amounts.append(amount)
    return Facts(tuple(amounts), tuple(dates), tuple(names))


def next_word(text: str, end: int) -> str:
    match = re.match(r"[\s-]*([^\W\d_]+)", text[end:])
    return match.group(1) if match else ""


def amount_of(text: str, label: str, next_word: str = "") -> Amount | None:
    """The value and unit of "$20bn", "20 billion dollars", "35 per cent", "1,000-mile", "five"."""
    lower = text.lower().replace("per cent", "%").replace("percent", "%")
    words = re.findall(r"[a-z]+|[$£€¥%]", lower)
    match = NUMBER.search(lower)
    if match:
        value = float(match.group(0).replace(",", ""))
    else:
        spelled = [NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS and w not in {"a", "an"}]
        if not spelled:
            return None
        value = float(spelled[0]) if len(spelled) == 1 else float(eval_words(spelled))
    if match:  # "$20bn", "20 billion": the scale follows the digits, inside the entity or not
        inside = re.findall(r"[a-z]+", lower[match.end() :])[:1]
        scale = (inside or [next_word.lower()])[0]
        if scale in SCALES and (inside or len(scale) > 2 or scale in {"bn", "mn", "tn"}):
            value *= SCALES[scale]
            if not inside:
                text = f"{text} {next_word}"
    else:  # "five million"
        value *= max((SCALES[w] for w in words if w in SCALES and len(w) > 2), default=1.0)
    unit = None
    for word in words:
        key = word.rstrip("s")
        if word in CURRENCIES or key in CURRENCIES:
            unit = CURRENCIES.get(word) or CURRENCIES[key]
            break
        if word == "%":
            unit = "%"
            break
    if unit is None and label == "QUANTITY":
        units = [w for w in words if w not in SCALES and w not in NUMBER_WORDS]
        if not units and next_word.isalpha():
            units = [next_word.lower()]
        unit = units[0].rstrip("s") if units else None
    return Amount(text, value, unit)


def eval_words(values: list[float]) -> float:
    """ "twenty five" → 25, "two hundred" → 200."""
    total = 0.0
    for v in values:
        total = total * v if v == 100 and total else total + v
    return total


def date_of(text: str) -> When | None:
    """Year, month, day and weekday named in a date ("Oct. 17", "17 October 2025", "Friday");
    None when it names none of them ("last week")."""
    lower = text.lower()
    tokens = re.findall(r"[a-z]+|\d+", lower)
    month = next((MONTHS[t] for t in tokens if t in MONTHS), None)
    years = [int(t) for t in tokens if t.isdigit() and len(t) == 4 and 1800 <= int(t) <= 2100]
    days = [int(t) for t in tokens if t.isdigit() and len(t) <= 2 and 1 <= int(t) <= 31]
    weekday = next((t for t in tokens if t in WEEKDAYS), None)
    day = days[0] if days and month else None
    year = years[0] if years else None
    if month is None and year is None and weekday is None:
        return None
    return When(text, year, month, day, weekday)


def same_amount(a: Amount, b: Amount) -> bool:
    if abs(a.value - b.value) > 1e-6 * max(abs(a.value), abs(b.value), 1.0):
        return False
    return a.unit is None or b.unit is None or a.unit == b.unit


def same_date(claim: When, source: When) -> bool:
    """Each part the claim names is named alike by the source."""
    parts = ("year", "month", "day", "weekday")
    return all(
        getattr(claim, p) is None or getattr(claim, p) == getattr(source, p) for p in parts
    ) and any(getattr(claim, p) is not None and getattr(source, p) is not None for p in parts)


def name_stated(name: str, label: str, text_terms: TextTerms) -> bool:
    """The name's words are in the text (a surname is enough for a person's full name), or the
    name is the initials of a run of capitalised words there, or the reverse."""
    words = [w for w in re.findall(r"[^\W_]{2,}", name) if w.lower() not in NAME_FILLER]
    if not words:
        return True
    if label == "PERSON":
        words = words[-1:]
    if all(text_terms.has_word(w.lower()) for w in words):
        return True
    if name.isupper() and name.replace(".", "") in text_terms.initialisms:
        return True
    initials = "".join(w[0] for w in words if w[:1].isupper())
    return len(initials) >= 2 and initials in set(re.findall(r"\b[A-Z]{2,}\b", text_terms.text))


@dataclass(frozen=True)
class Mismatch:
    """A fact of the claim that the source does not state, and what the source says instead."""

    claim: str
    source: str | None

    def reason(self) -> str:
        if self.source:
            return f"the article says {self.source}, not {self.claim}"
        return f"the article does not say {self.claim}"


def unstated(claim: Facts, source: Facts, source_text: str) -> list[Mismatch]:
    """The claim's facts that the source does not state, each with the source's nearest fact
    of the same kind (for the reason shown to the user)."""
    terms = TextTerms(source_text)
    missing = []
    for amount in claim.amounts:
        if not any(same_amount(amount, s) for s in source.amounts):
            alike = [s for s in source.amounts if s.unit == amount.unit] or list(source.amounts)
            nearest = min(alike, key=lambda s: abs(s.value - amount.value), default=None)
            missing.append(Mismatch(amount.text, nearest.text if nearest else None))
    for when in claim.dates:
        if not any(same_date(when, s) for s in source.dates):
            missing.append(Mismatch(when.text, source.dates[0].text if source.dates else None))
    for name, label in claim.names:
        if not name_stated(name, label, terms):
            missing.append(Mismatch(name, None))
    return missing


def negated(token) -> bool:
    """A verb with a negation of its own ("did not authorise", "never met"), or governed by a
    negating verb ("denied meeting", "failed to pass")."""
    if any(c.dep_ == "neg" or c.lower_ in NEGATING_WORDS for c in token.children):
        return True
    if token.lemma_.lower() in NEGATING_VERBS:
        return True
    head = token.head
    return (
        head is not token
        and head.lemma_.lower() in NEGATING_VERBS
        and token.dep_
        in {
            "xcomp",
            "ccomp",
            "dobj",
            "pcomp",
        }
    )


def opposite(claim_doc, source_doc) -> bool:
    """The claim negates the source, or the reverse. Compared verb by verb where the source uses
    the claim's verb; where it uses none of them, a negation the claim states and the source
    does not."""
    # The root counts whatever its tag: the parser reads "did not warm to" as an adjective.
    verbs = [t for t in claim_doc if t.pos_ == "VERB" or t.dep_ == "ROOT"]
    shared = False
    for verb in verbs:
        same = [t for t in source_doc if t.lemma_.lower() == verb.lemma_.lower()]
        if not same or verb.lemma_.lower() in NEGATING_VERBS:
            continue
        shared = True
        if all(negated(t) != negated(verb) for t in same):
            return True
    if shared:
        return False
    claim_negative = any(negated(v) for v in verbs)
    return claim_negative and not any(negated(t) for t in source_doc if t.pos_ in {"VERB", "AUX"})


def unstated_facts(claim: str, source: str) -> list[Mismatch]:
    """The claim's facts the source does not state."""
    claim_entities, source_entities = entity_cache().entities([claim, source])
    return unstated(facts_of(claim, claim_entities), facts_of(source, source_entities), source)


def says_opposite(claim: str, source: str) -> bool:
    if not (NEGATION_CUE.search(claim) or NEGATION_CUE.search(source)):
        return False
    return opposite(parse(claim), parse(source))
