"""The newest articles, across the index or on a topic (`newsqa latest`, `/latest`)."""

from __future__ import annotations

from retrieval.catalog import DocumentRecord
from retrieval.index import NewsIndex
from retrieval.search import Retriever

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
