"""A byline into its authors and outlet: "By Kylie Atwood, Zachary Cohen, CNN" has two authors
and an outlet; "By Priya Raman, Transport Correspondent" has one author with a role.

Outlets are recognised by name. Telling a person from a role ("Transport Correspondent",
"Paris Bureau Chief") is left to spaCy's named-entity recogniser, loaded only for a byline
with more than one part that is not an outlet.
"""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval.spacy_model import load_spacy

KNOWN_OUTLETS = (
    "CNN",
    "The Wall Street Journal",
    "Wall Street Journal",
    "WSJ",
    "Reuters",
    "Associated Press",
    "AP",
    "AFP",
    "BBC News",
    "BBC",
    "The New York Times",
    "The Washington Post",
    "Bloomberg",
    "The Guardian",
    "Fox News",
    "NBC News",
    "CBS News",
    "ABC News",
    "Politico",
    "Axios",
    "Al Jazeera",
    "NPR",
    "The Times",
    "Financial Times",
    "Anadolu Agency",
)
SHORT_NAMES = {"WSJ": "The Wall Street Journal", "AP": "Associated Press"}
PARTS = re.compile(r",|\band\b|&")


def canonical_outlet(name: str) -> str | None:
    """The outlet's usual name if `name` is a known outlet, else None."""
    name = name.strip()
    for outlet in KNOWN_OUTLETS:
        if name.lower() == outlet.lower():
            return SHORT_NAMES.get(outlet, outlet)
    return None


def split_byline(names: str, outlet: str | None) -> tuple[list[str], str | None]:
    """(authors, outlet) of a byline without its "By"; a role after a name is dropped, and an
    outlet named in the byline is used when `outlet` is None."""
    parts = [p.strip() for p in PARTS.split(re.sub(r"^by\s+", "", names.strip(), flags=re.I))]
    people = []
    for part in filter(None, parts):
        if known := canonical_outlet(part):
            outlet = outlet or known
        else:
            people.append(part)
    if len(people) > 1:
        people = without_roles(people)
    return people, outlet


# Each part is read in a sentence where a name is expected: bare, "Maya Okafor, Education
# Reporter" was tagged a place.
IN_CONTEXT = "{}, a reporter, wrote this story."


def without_roles(parts: list[str]) -> list[str]:
    """The parts that name a person. A part the recogniser does not tag as a person is the
    role of the one before it; the first part is always kept, as a name it missed."""
    docs = recogniser().pipe(IN_CONTEXT.format(part) for part in parts)
    kept = []
    for part, doc in zip(parts, docs, strict=True):
        person = any(e.label_ == "PERSON" and e.start_char < len(part) for e in doc.ents)
        if person or not kept:
            kept.append(part)
    return kept


@lru_cache(maxsize=1)
def recogniser():
    """spaCy's tokenizer and named-entity recogniser, the rest of the pipeline left out."""
    return load_spacy(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
