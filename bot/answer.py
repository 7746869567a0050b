"""The answer object: the one structure the CLI, the REPL and the Discord bot render."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

CANNOT_FIND = "I cannot find this in the articles."
MARKER = re.compile(r"\[(\d+)\]")


class Source(BaseModel):
    """A cited article and the exact span quoted from its cleaned body (`body[start:end]`)."""

    number: int
    doc_id: str
    title: str
    outlet: str | None = None
    date: str | None = None
    quote: str
    start: int
    end: int
    chunk_id: str | None = None
    aliases: list[str] = Field(default_factory=list)

    def label(self) -> str:
        """`Title — Outlet, date` with whatever of outlet and date is known."""
        tail = ", ".join(x for x in (self.outlet, self.date) if x)
        return f"{self.title} — {tail}" if tail else self.title


class Check(BaseModel):
    """One verification run on the answer, shown on demand so a reader can audit it."""

    name: str
    passed: bool
    detail: str = ""


class Retrieved(BaseModel):
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
            chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, title=hit.chunk.title,
            score=hit.score, found_by=hit.found_by, dense_rank=hit.dense_rank,
            lexical_rank=hit.lexical_rank, text=hit.chunk.text,
        )


class Answer(BaseModel):
    """An answer whose `[n]` markers resolve to `sources[n-1]`."""

    question: str
    standalone_question: str
    text: str
    sources: list[Source] = Field(default_factory=list)
    refused: bool = False
    mode: str = "extractive"
    checks: list[Check] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    retrieved: list[Retrieved] = Field(default_factory=list)
    closest: list[Source] = Field(default_factory=list)
    notice: str | None = None

    def cited_numbers(self) -> list[int]:
        return [int(n) for n in MARKER.findall(self.text)]
