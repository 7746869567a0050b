"""The answer object: the one structure the CLI, the REPL and the Discord bot render.

Plain dataclasses: every field is set by our own code, so validation would add nothing, and
building pydantic models at import cost 45 ms of every `newsqa ask`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

CANNOT_FIND = "I cannot find this in the articles."
MARKER = re.compile(r"\[(\d+)\]")
# The version of the `--json` answer object (README, "The answer object"). It goes up when a
# field is removed or changes meaning; new fields do not change it.
SCHEMA_VERSION = 1
RefusalReason = Literal[
    "no_articles", "terms_not_found", "no_answer", "model_declined", "unsupported"
]
# Why an answer was refused, by the check that failed first.
REFUSAL_REASONS: dict[str, RefusalReason] = {
    "salient terms": "terms_not_found",
    "answer sentence": "no_answer",
    "model": "model_declined",
    "supported answer": "unsupported",
}


@dataclass
class Spelling:
    """A word of the question the articles never spell that way, and what it was read as (or
    the spellings it may mean, when two are equally close)."""

    typed: str
    read_as: str | None = None
    suggestions: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.read_as:
            return f"read '{self.typed}' as '{self.read_as}'"
        return f"did you mean {' or '.join(repr(s) for s in self.suggestions)}?"


@dataclass
class Quote:
    """One span quoted from an article's cleaned body: `body[start:end] == text`."""

    text: str
    start: int
    end: int
    chunk_id: str | None = None


@dataclass(kw_only=True)
class Source:
    """A cited article and the exact span quoted from its cleaned body (`body[start:end]`).
    An article cited for several sentences is one source: `quotes` holds every span, the
    first of them also as `quote`, `start` and `end`."""

    number: int
    doc_id: str
    title: str
    outlet: str | None = None
    date: str | None = None
    quote: str
    start: int
    end: int
    chunk_id: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.quotes:
            self.quotes = [Quote(self.quote, self.start, self.end, self.chunk_id)]

    @classmethod
    def from_chunk(
        cls,
        number: int,
        chunk,
        start: int | None = None,
        end: int | None = None,
        quote: str | None = None,
    ) -> Source:
        """A source quoting `chunk` (a `retrieval.catalog.StoredChunk`), or a span inside it."""
        return cls(
            number=number,
            doc_id=chunk.doc_id,
            title=chunk.title,
            outlet=chunk.outlet,
            date=chunk.date,
            quote=chunk.text if quote is None else quote,
            start=chunk.start if start is None else start,
            end=chunk.end if end is None else end,
            chunk_id=chunk.chunk_id,
            url=chunk.url,
            authors=list(chunk.authors),
        )

    def label(self) -> str:
        """`Title — Outlet, date` with whatever of outlet and date is known."""
        tail = ", ".join(x for x in (self.outlet, self.date) if x)
        return f"{self.title} — {tail}" if tail else self.title


@dataclass
class ShortAnswer:
    """The name, number, date or phrase that answers, as `body[start:end]` of its article."""

    text: str
    doc_id: str
    start: int
    end: int


@dataclass(kw_only=True)
class Check:
    """One verification run on the answer, shown on demand so a reader can audit it."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(kw_only=True)
class RemovedClaim:
    """A statement of the model's answer that its citation did not support, and why."""

    text: str
    reason: str


@dataclass(kw_only=True)
class CitationAudit:
    """How well the model cited, before unsupported claims were removed (as ALCE measures it):
    of its claims, how many the sentences they cite support; of its citations, how many were
    needed (they support the claim alone, or the others do not without them)."""

    claims: int = 0
    supported: int = 0
    citations: int = 0
    needed: int = 0


@dataclass(kw_only=True)
class Retrieved:
    """A retrieved chunk, for `/why`: its score and which retrievers found it."""

    chunk_id: str
    doc_id: str
    title: str
    score: float
    found_by: str
    dense_rank: int | None = None
    lexical_rank: int | None = None
    text: str

    @classmethod
    def from_hit(cls, hit) -> Retrieved:
        """From a `retrieval.search.Hit`."""
        return cls(
            chunk_id=hit.chunk.chunk_id,
            doc_id=hit.chunk.doc_id,
            title=hit.chunk.title,
            score=hit.score,
            found_by=hit.found_by,
            dense_rank=hit.dense_rank,
            lexical_rank=hit.lexical_rank,
            text=hit.chunk.text,
        )


@dataclass(kw_only=True)
class Answer:
    """An answer whose `[n]` markers resolve to `sources[n-1]`."""

    schema_version: int = SCHEMA_VERSION
    question: str
    standalone_question: str
    text: str
    sources: list[Source] = field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    mode: Literal["extractive", "llm"] = "extractive"
    checks: list[Check] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    retrieved: list[Retrieved] = field(default_factory=list)
    closest: list[Source] = field(default_factory=list)
    notice: str | None = None
    spellings: list[Spelling] = field(default_factory=list)
    short_answer: ShortAnswer | None = None
    removed_claims: list[RemovedClaim] = field(default_factory=list)
    citation_audit: CitationAudit | None = None  # LLM answers only
