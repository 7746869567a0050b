"""Dates in retrieval: the newest articles, across the index or on a topic (`newsqa latest`,
`/latest`), and questions that ask for the latest news or a span of dates, which reorder or
filter the fused hits by date, measured from the newest article in the index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from retrieval.catalog import DocumentRecord
from retrieval.index import NewsIndex
from retrieval.search import Hit, Retriever

TOPIC_CANDIDATES = 40


def latest(index: NewsIndex, topic: str | None = None, n: int = 10) -> list[DocumentRecord]:
    """Dated articles newest first: all of them, or those whose words the topic's lexical
    search matches (dense search alone ranks every article; undated ones come last)."""
    if not topic:
        return index.catalog.newest(n)
    found = Retriever(index).search(topic, TOPIC_CANDIDATES).pool
    ids = list(dict.fromkeys(hit.chunk.doc_id for hit in found if hit.lexical_rank))
    records = [r for r in map(index.catalog.document, ids) if r is not None]
    records.sort(key=lambda r: r.date or "", reverse=True)
    return records[:n]


# "The latest on X" is answered from the newest of the articles about X: those with a chunk
# among the best RELEVANT_TOP fused hits (a design choice; no labelled recency questions exist
# to fit it). Fused scores are flat, so ranks, not score shares, say what is about X.
RELEVANT_TOP = 5
NEWEST = re.compile(r"\b(?:latest|most recent|newest)\b", re.I)
MONTHS = (
    "january february march april may june july august september october november december"
).split()


@dataclass(frozen=True)
class Recency:
    """What a question asks of dates: the newest first, or a window of dates (inclusive)."""

    newest_first: bool = False
    start: date | None = None
    end: date | None = None


def recency_of(question: str, newest: date) -> Recency | None:
    """The recency a question asks for, measured from the newest article's date: "latest",
    "most recent"; "today", "yesterday", "this week", "last week", "this month", "last month";
    a named month ("in March", "March 2025"); a year ("in 2024")."""
    text = question.lower()
    if re.search(r"\btoday\b", text):
        return Recency(start=newest, end=newest)
    if re.search(r"\byesterday\b", text):
        day = newest - timedelta(days=1)
        return Recency(start=day, end=day)
    if re.search(r"\bthis week\b|\bpast week\b", text):
        return Recency(start=newest - timedelta(days=6), end=newest)
    if re.search(r"\blast week\b", text):
        return Recency(start=newest - timedelta(days=13), end=newest - timedelta(days=7))
    if re.search(r"\bthis month\b", text):
        return Recency(start=newest.replace(day=1), end=newest)
    if re.search(r"\blast month\b", text):
        end = newest.replace(day=1) - timedelta(days=1)
        return Recency(start=end.replace(day=1), end=end)
    named = re.search(
        rf"\b({'|'.join(m.capitalize() for m in MONTHS)})\b(?:\s+(\d{{4}}))?", question
    )
    if named:
        month = MONTHS.index(named.group(1).lower()) + 1
        year = int(named.group(2)) if named.group(2) else newest.year
        if not named.group(2) and month > newest.month:
            year -= 1  # "in November", asked in March, is the November before
        first = date(year, month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return Recency(start=first, end=last)
    if year := re.search(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", text):
        value = int(year.group(1))
        return Recency(start=date(value, 1, 1), end=date(value, 12, 31))
    if NEWEST.search(text):
        return Recency(newest_first=True)
    return None


def by_recency(hits: list[Hit], recency: Recency) -> list[Hit]:
    """The fused hits kept to what the question asks of dates, after fusion: the newest
    article's among the best hits, or those inside the window and the undated. When none
    qualifies (nothing dated, or nothing in the window), the hits are kept as they are."""

    def dated(hit: Hit) -> date | None:
        try:
            return date.fromisoformat(hit.chunk.date) if hit.chunk.date else None
        except ValueError:
            return None

    if recency.newest_first:
        days = [d for h in hits[:RELEVANT_TOP] if (d := dated(h))]
        kept = [h for h in hits if days and dated(h) == max(days)]
        return kept or hits
    inside = [(d := dated(h)) is not None and recency.start <= d <= recency.end for h in hits]
    if not any(inside):
        return hits
    # A window drops only what is dated outside it: an undated article cannot be shown to be,
    # and "the profit in the final quarter of 2004" is as likely in one as in a dated article.
    return [h for h, within in zip(hits, inside, strict=True) if within or dated(h) is None]


def newest_date(index: NewsIndex) -> date | None:
    newest = index.catalog.newest(1)
    try:
        return date.fromisoformat(newest[0].date) if newest else None
    except ValueError:
        return None
