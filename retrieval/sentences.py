"""Sentence boundaries with character offsets.

A regular-expression splitter rather than pysbd: pysbd took 37 ms per BBC article here (80 s for
the corpus), which alone would blow the ingest budget. Abbreviations and initials are the cases
news text needs, and they are handled below.
"""

import re
from collections.abc import Iterator
from functools import lru_cache

ABBREVIATIONS = frozenset(
    """mr mrs ms dr st gen sen rep gov lt col sgt capt prof inc corp co ltd jr sr vs no nos jan feb
    mar apr jun jul aug sep sept oct nov dec mt ft fig etc approx dept est govt u.s u.k u.n
    e.g i.e a.m p.m d.c u.s.a""".split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
PARAGRAPH = re.compile(r"\n\s*\n")


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence in `text`; paragraphs always end a sentence."""
    for para in paragraph_spans(text):
        yield from _split(text, *para)


@lru_cache(maxsize=4096)
def remembered_spans(text: str) -> tuple[tuple[int, int], ...]:
    """`sentence_spans` of a text read again and again (an article, for every question it may
    answer: about 10 articles and 4.5 ms a question on the 2-core AVX2 machine)."""
    return tuple(sentence_spans(text))


HEADING_MAX_WORDS = 12
OPENS_PARAGRAPH = re.compile(r"\n[ \t]*\n[ \t]*\Z")
CLOSES_PARAGRAPH = re.compile(r"[ \t]*\n[ \t]*\n\s*")
ENDS_STATEMENT = re.compile(r"[.!…:;,][\"'”’)\]]*$|\?[\"'”’)\]]+$")
LIST_ITEM = re.compile(r"^(?:[-*•·–]|\d+[.)])\s")


def is_heading(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is a section heading: a short paragraph of its own, without
    a comma, that does not end like a statement and opens a longer paragraph ("What the deal
    means for Gaza", "What happens next?"). List items and lines of a list (fixtures, short
    facts one per line) are not headings; a quoted question ("'Why now?' he asked") is a
    statement."""
    words = text[start:end].split()
    if len(words) > HEADING_MAX_WORDS or "," in text[start:end]:
        return False
    if ENDS_STATEMENT.search(text[start:end]) or LIST_ITEM.match(text[start:end]):
        return False
    window = text[max(0, start - 16) : start]
    if not (OPENS_PARAGRAPH.search(window) or (start <= 16 and not window.strip())):
        return False
    gap = CLOSES_PARAGRAPH.match(text, end)
    if gap is None:
        return False
    following = PARAGRAPH.split(text[gap.end() : gap.end() + 2000], maxsplit=1)[0]
    return len(following.split()) > HEADING_MAX_WORDS


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank paragraph, separated by blank lines."""
    start = 0
    for match in PARAGRAPH.finditer(text):
        if text[start : match.start()].strip():
            yield _strip(text, start, match.start())
        start = match.end()
    if text[start:].strip():
        yield _strip(text, start, len(text))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    segment = text[start:end]
    sentence_start = 0
    for match in BOUNDARY.finditer(segment):
        if _is_abbreviation(segment, match.start()):
            continue
        cut = match.end()
        if segment[sentence_start:cut].strip():
            yield _strip(text, start + sentence_start, start + cut)
        sentence_start = cut
    if segment[sentence_start:].strip():
        yield _strip(text, start + sentence_start, end)


def _is_abbreviation(segment: str, dot: int) -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial, not a sentence."""
    if segment[dot] != ".":
        return False
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", segment[:dot])
    if not word:
        return False
    token = word.group(1).lower()
    return token in ABBREVIATIONS or (len(token) == 1 and word.group(1).isupper())
