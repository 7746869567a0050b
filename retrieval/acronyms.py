"""Acronyms an article defines ("the UK Internet Forum (UKIF)"), so that a question using one
form finds the text using the other: news spells a name out once and then writes "UKIF says".
"""

from __future__ import annotations

import re

DEFINED = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
TOKEN = re.compile(r"[\w’'&-]+")
CONNECTIVES = frozenset({"of", "for", "and", "the", "on", "in", "&", "de"})
MAX_LONG_WORDS = 8


def definitions(body: str) -> dict[str, str]:
    """Acronym -> the words it stands for, from "Long Form (LF)" in `body`. The long form's
    initials (an upper-case word gives all its letters) must spell the acronym."""
    found: dict[str, str] = {}
    for match in DEFINED.finditer(body):
        short = match.group(1)
        if sum(ch.isupper() for ch in short) < 2 or short in found:
            continue
        tokens = TOKEN.findall(body[max(0, match.start() - 150) : match.start()])
        start = _spelled_from(tokens, len(tokens), short.upper())
        if start is not None and len(tokens) - start >= 2:
            found[short] = " ".join(tokens[start:])
    return found


def _spelled_from(tokens: list[str], end: int, letters: str) -> int | None:
    """The index where the words before `end` start spelling `letters` (read right to left)."""
    if not letters:
        return end
    if end == 0 or len(tokens) - end >= MAX_LONG_WORDS:
        return None
    word = tokens[end - 1]
    if word.isupper() and len(word) > 1 and letters.endswith(word.upper()):
        return _spelled_from(tokens, end - 1, letters[: -len(word)])
    if word[0].upper() == letters[-1] and (word[0].isupper() or word.lower() in CONNECTIVES):
        spelled = _spelled_from(tokens, end - 1, letters[:-1])
        if spelled is not None:
            return spelled
    if word.lower() in CONNECTIVES and end < len(tokens):
        return _spelled_from(tokens, end - 1, letters)
    return None


def spelled_out(text: str, defined: dict[str, str]) -> str:
    """`text` followed by the long form of each defined acronym it uses, for matching only."""
    extra = [long for short, long in defined.items() if re.search(rf"\b{re.escape(short)}\b", text)]
    return " ".join([text, *extra])


def lookups(query: str) -> tuple[list[str], list[str]]:
    """What of `query` could be a defined acronym (2+ capitals, 3+ characters: "UK" and "EU" need
    no help) or a spelled-out long form (2 to MAX_LONG_WORDS words from a capitalised one to a
    capitalised one), for `Catalog.other_forms`."""
    tokens = [re.sub(r"[’']s$", "", t) for t in TOKEN.findall(query)]
    acronyms = [t for t in tokens if sum(ch.isupper() for ch in t) >= 2 and 3 <= len(t) <= 10]
    phrases = [
        " ".join(tokens[i:j])
        for i in range(len(tokens))
        for j in range(i + 2, min(len(tokens), i + MAX_LONG_WORDS) + 1)
        if tokens[i][:1].isupper() and tokens[j - 1][:1].isupper()
    ]
    return acronyms, phrases
