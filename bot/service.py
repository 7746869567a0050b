"""The answer service: question in, `Answer` out. Every front end calls this and only this."""

from __future__ import annotations

import logging
import time
from functools import cached_property

from bot.answer import CANNOT_FIND, Answer, Check, Retrieved, Source
from bot.evidence import coverage
from bot.extractive import ExtractiveAnswerer, Pick
from bot.question import Question, analyse
from retrieval.errors import BadInputError
from retrieval.index import NewsIndex
from retrieval.search import Hit, Retriever, SearchFilter
from retrieval.settings import Settings

log = logging.getLogger(__name__)
# Sentences are mined from this many of the best fused chunks, not only the diverse top k:
# one article often holds the answer in its fifth-best chunk.
ANSWER_POOL = 12


def validate_question(question: str, max_chars: int) -> str:
    """The question, trimmed; raises `BadInputError` for empty or over-long input."""
    cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise BadInputError("the question is empty")
    if len(cleaned) > max_chars:
        raise BadInputError(
            f"the question is {len(cleaned):,} characters; the limit is {max_chars:,}"
        )
    return cleaned


class AnswerService:
    """Retrieves evidence and answers from it, extractively or (when configured) with an LLM."""

    def __init__(self, index: NewsIndex, settings: Settings | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.index)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.index.embeddings, self.index.catalog)

    def ask(self, question: str, *, k: int | None = None,
            where: SearchFilter | None = None) -> Answer:
        """Answer `question` from the index, citing every sentence."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        self.index.require()
        result = self.retriever.search(question, k or self.settings.top_k, where)
        timings = {"retrieve_s": result.seconds}
        analysis = analyse(question)
        answer = self._extractive(question, analysis, result.pool[:ANSWER_POOL])
        answer.retrieved = [retrieved(h) for h in result.hits]
        timings["total_s"] = time.perf_counter() - started
        answer.timings = timings
        return answer

    def evidence_checks(self, analysis: Question, hits: list[Hit]) -> tuple[set[str], list[Check]]:
        """Which retrieved articles may answer, and the checks that decided it."""
        articles = {}
        for hit in hits:
            if hit.chunk.doc_id not in articles:
                record = self.index.catalog.document(hit.chunk.doc_id)
                if record:
                    articles[hit.chunk.doc_id] = f"{record.title}\n{record.body}"
        covered = coverage(analysis, articles)
        checks = [Check(
            name="salient terms",
            passed=covered.ok,
            detail=(f"{len(covered.covering_docs)} article(s) mention "
                    + (", ".join(t.text for t in analysis.salient) or "no names or numbers"))
            if covered.ok else "the articles never mention " + ", ".join(covered.missing),
        )]
        allowed = covered.covering_docs
        return allowed, checks

    def _extractive(self, question: str, analysis: Question, hits: list[Hit]) -> Answer:
        allowed, checks = self.evidence_checks(analysis, hits)
        picks = self.extractive.pick(analysis, hits, allowed) if allowed else []
        if allowed:
            checks.append(Check(
                name="answer sentence",
                passed=bool(picks),
                detail=f"best sentence scored {picks[0].score:.2f}" if picks
                else "no sentence of the evidence answers the question",
            ))
        if not picks:
            return self.refusal(question, hits, checks)
        sources = [self._source(n, pick) for n, pick in enumerate(picks, 1)]
        text = " ".join(f"{pick.text} [{n}]" for n, pick in enumerate(picks, 1))
        return Answer(question=question, standalone_question=question, text=text,
                      sources=sources, checks=checks, mode="extractive")

    def refusal(self, question: str, hits: list[Hit], checks: list[Check],
                mode: str = "extractive") -> Answer:
        """The 'cannot find' reply, with the closest sources so the reader can look further."""
        reason = next((c.detail for c in checks if not c.passed), "")
        text = CANNOT_FIND + (f" ({reason[0].lower()}{reason[1:]}.)" if reason else "")
        closest, seen = [], set()
        for hit in hits:
            if hit.chunk.doc_id in seen:
                continue
            seen.add(hit.chunk.doc_id)
            chunk = hit.chunk
            closest.append(Source(
                number=len(closest) + 1, doc_id=chunk.doc_id, title=chunk.title,
                outlet=chunk.outlet, date=chunk.date, quote=chunk.text, start=chunk.start,
                end=chunk.end, chunk_id=chunk.chunk_id,
            ))
        return Answer(question=question, standalone_question=question, text=text,
                      refused=True, checks=checks, closest=closest[:3], mode=mode)

    def _source(self, number: int, pick: Pick) -> Source:
        record = self.index.catalog.document(pick.doc_id)
        return Source(
            number=number, doc_id=pick.doc_id, title=record.title, outlet=record.outlet,
            date=record.date, quote=pick.text, start=pick.start, end=pick.end,
            aliases=self.index.catalog.aliases_of(pick.doc_id),
        )


def retrieved(hit: Hit) -> Retrieved:
    return Retrieved(
        chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, title=hit.chunk.title,
        score=hit.score, found_by=hit.found_by, dense_rank=hit.dense_rank,
        lexical_rank=hit.lexical_rank, text=hit.chunk.text,
    )
