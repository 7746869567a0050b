"""Hybrid retrieval: dense (Chroma) and lexical (BM25 over FTS5) fused by reciprocal rank fusion,
then a diversity step so one article cannot fill every slot.

Dense search finds paraphrases; BM25 finds the names, numbers and acronyms news questions hinge
on, which a 384-d sentence embedding blurs. RRF needs no score calibration between the two.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch

from retrieval.acronyms import lookups
from retrieval.catalog import StoredChunk
from retrieval.errors import BadInputError
from retrieval.index import NewsIndex

RRF_K = 60


@dataclass
class SearchFilter:
    """Metadata filters: source id globs, outlet, and a date range (inclusive, YYYY-MM-DD)."""

    sources: list[str] = field(default_factory=list)
    outlet: str | None = None
    since: str | None = None
    until: str | None = None

    def is_empty(self) -> bool:
        return not (self.sources or self.outlet or self.since or self.until)

    @classmethod
    def parse(cls, text: str) -> SearchFilter:
        """'source=politics/* outlet=CNN since=2025-01-01 until=2025-12-31'."""
        result = cls()
        for part in text.split():
            key, sep, value = part.partition("=")
            if not sep or not value:
                raise BadInputError(f"bad filter {part!r}; use key=value")
            key = key.lower()
            if key == "source":
                result.sources.append(value)
            elif key == "outlet":
                result.outlet = value.replace("_", " ")
            elif key in {"since", "until"}:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise BadInputError(f"bad date {value!r} for {key}; use YYYY-MM-DD")
                setattr(result, key, value)
            else:
                raise BadInputError(f"unknown filter {key!r}; use source, outlet, since, until")
        return result

    def describe(self) -> str:
        parts = [f"source={s}" for s in self.sources]
        parts += [f"{k}={v}" for k in ("outlet", "since", "until") if (v := getattr(self, k))]
        return " ".join(parts) or "none"

    def allows(self, doc_id: str, outlet: str | None, date: str | None) -> bool:
        if self.sources and not any(fnmatch(doc_id, pattern) for pattern in self.sources):
            return False
        if self.outlet and (outlet or "").lower() != self.outlet.lower():
            return False
        if self.since and (not date or date < self.since):
            return False
        return not (self.until and (not date or date > self.until))


@dataclass
class Hit:
    """One retrieved chunk, with how each retriever ranked it (ranks are 1-based)."""

    chunk: StoredChunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None

    @property
    def found_by(self) -> str:
        found = [n for n, r in (("dense", self.dense_rank), ("bm25", self.lexical_rank)) if r]
        return "+".join(found)


@dataclass
class SearchResult:
    """`hits` are the diverse top k; `pool` is every fused candidate, best first, which an
    answerer may mine for sentences beyond the top k."""

    hits: list[Hit]
    seconds: float
    pool: list[Hit] = field(default_factory=list)


class Retriever:
    """Hybrid search over a `NewsIndex`."""

    def __init__(self, index: NewsIndex, candidates: int = 40, per_article: int = 3) -> None:
        self.index = index
        self.candidates = candidates
        self.per_article = per_article

    def search(self, query: str, k: int = 4, where: SearchFilter | None = None) -> SearchResult:
        started = time.perf_counter()
        allowed = None
        if where and not where.is_empty():
            allowed = self.index.catalog.filtered_doc_ids(where.allows)
            if not allowed:
                return SearchResult([], time.perf_counter() - started)
        dense = self.index.store.search(
            self.index.embeddings.embed_query(query),
            self.candidates,
            {"source": {"$in": sorted(allowed)}} if allowed is not None else None,
        )
        catalog = self.index.catalog
        other_forms = catalog.other_forms(*lookups(query))  # "UK Internet Forum" -> "UKIF"
        lexical = catalog.search(" ".join([query, *other_forms]), self.candidates, allowed)
        pool = self._fuse(dense, lexical)
        hits = diversify(pool, k, self.per_article)
        return SearchResult(hits, time.perf_counter() - started, pool)

    def _fuse(self, dense, lexical) -> list[Hit]:
        """Reciprocal rank fusion of the two ranked lists of (chunk_id, score)."""
        fused: dict[str, dict] = {}
        for rank_field, ranked in (("dense_rank", dense), ("lexical_rank", lexical)):
            for rank, (chunk_id, _score) in enumerate(ranked, 1):
                entry = fused.setdefault(chunk_id, {"score": 0.0})
                entry["score"] += 1 / (RRF_K + rank)
                entry[rank_field] = rank
        chunks = self.index.catalog.chunks(list(fused))
        hits = [Hit(chunks[cid], **entry) for cid, entry in fused.items() if cid in chunks]
        return sorted(hits, key=lambda h: h.score, reverse=True)


def diversify(hits: list[Hit], k: int, per_article: int = 3) -> list[Hit]:
    """The first `k` hits keeping at most `per_article` chunks per article and never two chunks
    that mostly overlap (adjacent chunks share a sentence; that much is fine)."""
    chosen: list[Hit] = []
    for hit in hits:
        same = [h for h in chosen if h.chunk.doc_id == hit.chunk.doc_id]
        if len(same) >= per_article:
            continue
        if any(mostly_overlap(h.chunk, hit.chunk) for h in same):
            continue
        chosen.append(hit)
        if len(chosen) == k:
            break
    return chosen


def mostly_overlap(a: StoredChunk, b: StoredChunk) -> bool:
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * min(a.end - a.start, b.end - b.start)
