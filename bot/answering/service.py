"""The answer service: question in, `Answer` out. Every front end calls this and only this."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import cached_property
from typing import Literal, NamedTuple

from bot.answering.answer import (
    CANNOT_FIND,
    REFUSAL_REASONS,
    Answer,
    Check,
    Quote,
    Retrieved,
    ShortAnswer,
    Source,
)
from bot.answering.conversation import Conversation
from bot.answering.evidence import Coverage, coverage
from bot.answering.language import entity_cache
from bot.answering.parts import joined_answer, parts_of
from bot.answering.question import Question, Term, analyse
from bot.answering.ranker import Ranker, load_ranker
from bot.answering.reader import Evidence, Pick, Reader
from bot.answering.settings import LLMSettings
from bot.answering.spelling import Speller
from retrieval.errors import BadInputError
from retrieval.index import NewsIndex
from retrieval.recency import by_recency, newest_date, recency_of
from retrieval.search import Hit, Retriever, SearchFilter, diversify
from retrieval.terms import STOPWORDS, words

log = logging.getLogger(__name__)
# Sentences are mined from this many of the best fused chunks, not only the diverse top k:
# one article often holds the answer in its fifth-best chunk.
ANSWER_POOL = 12
# ... and from each retriever's own best few: a chunk BM25 ranks first but dense search only
# 17th fuses below chunks both rank middling, yet it is often the one that names everything.
EACH_RETRIEVERS_BEST = 3


class Gathered(NamedTuple):
    """What a question's search found: the top-k hits, the scored evidence, the articles naming
    everything the question names, and those whose sentences may answer it."""

    hits: list[Hit]
    evidence: Evidence
    covering: set[str]
    allowed: set[str]
    seconds: float


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


def named_in(text: str) -> list[str]:
    """The words of the people and organisations `text` names: what a follow-up's pronoun most
    likely points at."""
    (found,) = entity_cache().entities([text])
    return list(
        dict.fromkeys(
            w
            for e in found
            if e.label in {"PERSON", "ORG"}
            for w in words(e.text)
            if w not in STOPWORDS
        )
    )


def answer_pool(fused: list[Hit]) -> list[Hit]:
    """The chunks whose sentences may answer: the best fused, then any chunk that dense search
    or BM25 ranked among its own best but fusion left out."""
    pool = fused[:ANSWER_POOL]
    pool += [
        h
        for h in fused[ANSWER_POOL:]
        if min(h.dense_rank or ANSWER_POOL, h.lexical_rank or ANSWER_POOL) <= EACH_RETRIEVERS_BEST
    ]
    return pool


class AnswerService:
    """Retrieves evidence and answers from it, extractively or (when configured) with an LLM."""

    def __init__(
        self,
        index: NewsIndex,
        llm_settings: LLMSettings | None = None,
        llm=None,
        ranker: Ranker | Literal["fitted"] | None = "fitted",
    ) -> None:
        """`ranker` is the fitted one (`ranker.json`) unless given; None scores nothing, for
        `make train`, which fits it."""
        self.index = index
        self.settings = index.settings
        self.llm_settings = llm_settings or LLMSettings()
        self._llm = llm
        self._ranker = ranker

    @property
    def llm_available(self) -> bool:
        return self._llm is not None or self.llm_settings.configured

    @cached_property
    def speller(self) -> Speller:
        return Speller(self.index.catalog)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.index)

    @cached_property
    def reader(self) -> Reader:
        ranker = load_ranker() if self._ranker == "fitted" else self._ranker
        return Reader(self.index.embeddings, self.index.catalog, ranker)

    @cached_property
    def chain(self):
        from bot.answering.llm.chain import AnswerChain
        from bot.answering.llm.citations import CitationChecker
        from bot.answering.llm.model import make_llm

        return AnswerChain(
            self._llm or make_llm(self.llm_settings),
            CitationChecker(self.index.embeddings),
            retrieve=lambda x: self.hits_for_parts(x["standalone"], x["k"], x["where"]),
            check_evidence=self.checks_for_parts,
            refuse=self.refusal,
            base_url=self.llm_settings.openai_base_url,
        )

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        where: SearchFilter | None = None,
        conversation: Conversation | None = None,
        mode: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` from the index, citing every sentence. `mode` is "llm" or
        "extractive"; by default the LLM is used when one is configured."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        self.index.require()
        conversation = conversation if conversation is not None else Conversation()
        k = k or self.settings.top_k
        use_llm = (mode or ("llm" if self.llm_available else "extractive")) == "llm"
        scope = self.retriever.scope(where)  # a filter that matches nothing fails here
        typed = question
        question, spellings = self.speller.correct(question, analyse(question))
        notes = [s.describe() for s in spellings]
        if scope.note():
            notes.append(scope.note())
        answer = None
        if use_llm:
            from bot.answering.llm.chain import LLMError

            try:
                answer = self.chain.run(question, conversation, k, where, on_token)
            except LLMError as exc:
                log.warning("LLM failed, answering extractively: %s", exc)
                notes.append(f"{exc}; showing the extractive answer instead")
        if answer is None:
            answer = self.answer_in_parts(question, conversation, k, where)
        answer.question = typed
        answer.spellings = spellings
        answer.notice = "; ".join([*notes, *filter(None, [answer.notice])]) or None
        answer.timings["total_s"] = time.perf_counter() - started
        conversation.add(question, answer.standalone_question, answer.text)
        return answer

    def gather(
        self, analysis: Question, query: str, k: int, where: SearchFilter | None
    ) -> Gathered:
        """Hybrid search, then the candidate pool reranked by its best sentence and made
        diverse. The articles that may answer come first: those naming everything the question
        names, or, when none of those found does but every name is in some indexed article,
        those naming the most of the names: a question often names its story in words its
        article does not use ("Which *Glasgow* club did the Welsh striker join?"), and the
        reader's models, which see that no article names everything (the `covering` feature),
        decide (out of fold, four of our locked sets at a time gained 2 to 9 questions right;
        docs/evaluation-log.md). A name no indexed article has still refuses."""
        started = time.perf_counter()
        fused = self.retriever.search(query, k, where).pool
        newest = newest_date(self.index)
        if newest and (recency := recency_of(analysis.text, newest)):
            fused = by_recency(fused, recency)  # after fusion, never inside it
        pool = answer_pool(fused)
        covered = self.coverage_of(analysis, pool)
        covering, allowed = covered.covering_docs, self.may_answer(covered, where)
        evidence = self.reader.score(analysis, pool, covering)
        ranked = self.reader.rerank(evidence, pool)
        ranked.sort(key=lambda h: h.chunk.doc_id not in allowed)
        hits = diversify(
            ranked, k, self.retriever.per_article, self.retriever.passages(evidence.bodies)
        )
        return Gathered(hits, evidence, covering, allowed, time.perf_counter() - started)

    @staticmethod
    def follow_up(question: str, conversation: Conversation) -> tuple[Question, str]:
        """The question's analysis and what is searched. A follow-up is searched with the
        question it follows, and the earlier answer's names give context. (The earlier answer's
        sentence may answer it too: "how old was her opponent?")"""
        standalone = conversation.condense_without_llm(question)
        analysis = analyse(question)
        if standalone != question:
            analysis.context = named_in(conversation.turns[-1][1])
        return analysis, standalone

    def hits_for_parts(self, question: str, k: int, where: SearchFilter | None) -> list[Hit]:
        """The hits the model reads: the question's top k, or each part's top k merged, so
        that every part has its evidence in front of the model."""
        merged: dict[str, Hit] = {}
        for part in parts_of(question):
            for hit in self.gather(analyse(part), part, k, where)[0]:
                merged.setdefault(hit.chunk.chunk_id, hit)
        return list(merged.values())

    def checks_for_parts(
        self, question: str, hits: list[Hit], where: SearchFilter | None
    ) -> list[Check]:
        """The evidence checks before the model is asked: a question with several parts goes
        to the model when the articles cover one of them; it says which it cannot answer."""
        parts = parts_of(question)
        checks = [self.evidence_checks(analyse(part), hits, where)[1][0] for part in parts]
        if len(checks) == 1:
            return checks
        return [
            Check(
                name="salient terms",
                passed=any(c.passed for c in checks),
                detail="; ".join(f"{p} {c.detail}" for p, c in zip(parts, checks, strict=True)),
            )
        ]

    def answer_in_parts(
        self, question: str, conversation: Conversation, k: int, where: SearchFilter | None
    ) -> Answer:
        """The extractive answer, part by part for a question with several: a later part is
        read as a follow-up of the earlier ("and what range do they have?")."""
        parts = parts_of(question)
        if len(parts) == 1:
            return self.answer_extractively(question, conversation, k, where)
        asked = Conversation(
            turns=list(conversation.turns), standalone=list(conversation.standalone)
        )
        answers = []
        for part in parts:
            answers.append(self.answer_extractively(part, asked, k, where))
            asked.add(part, answers[-1].standalone_question, answers[-1].text)
        return joined_answer(question, parts, answers)

    def answer_extractively(
        self, question: str, conversation: Conversation, k: int, where: SearchFilter | None
    ) -> Answer:
        analysis, standalone = self.follow_up(question, conversation)
        hits, evidence, covering, allowed, seconds = self.gather(analysis, standalone, k, where)
        _, checks = self.evidence_checks(analysis, hits, where)
        checks[0].passed = bool(allowed)
        pick, best, needed = self.reader.pick(analysis, evidence, allowed)
        if allowed:
            checks.append(
                Check(
                    name="answer sentence",
                    passed=pick is not None,
                    detail=f"the best answer scored {best:.2f} (answers from {needed:.2f})"
                    if pick
                    else f"no sentence of the evidence answers the question (best {best:.2f}, "
                    f"needs {needed:.2f})",
                )
            )
        if pick:
            sources = [self._source(1, pick)]
            lead = f"{pick.short} — " if pick.short else ""
            text = f"{lead}{pick.text} [1]"
            if pick.also:
                text += f" {pick.also.text} [{self._cite(sources, pick.also)}]"
            answer = Answer(
                question=question,
                standalone_question=standalone,
                text=text,
                sources=sources,
                checks=checks,
                mode="extractive",
                short_answer=ShortAnswer(
                    pick.short, pick.short_doc_id, pick.short_start, pick.short_end
                )
                if pick.short
                else None,
                notice=None if covering else checks[0].detail,
            )
        else:
            answer = self.refusal(question, hits, checks)
            answer.standalone_question = standalone
        answer.retrieved = [Retrieved.from_hit(h) for h in hits]
        answer.timings["retrieve_s"] = seconds
        return answer

    def evidence_checks(
        self, analysis: Question, hits: list[Hit], where: SearchFilter | None = None
    ) -> tuple[set[str], list[Check]]:
        """Which retrieved articles may answer, and the checks that decided it. Under a filter,
        a refusal says that only the filtered articles lack the names."""
        covered = self.coverage_of(analysis, hits)
        allowed = self.may_answer(covered, where)
        if covered.ok:
            detail = f"{len(covered.covering_docs)} article(s) mention " + (
                ", ".join(t.text for t in analysis.salient) or "no names or numbers"
            )
        else:
            detail = (
                f"the {self.unmentioned(covered, where)}{scoped(where)} never mention "
                + ", ".join(covered.missing)
            )
            if allowed:
                detail += "; answering from those naming the most of them"
        return allowed, [Check(name="salient terms", passed=bool(allowed), detail=detail)]

    def may_answer(self, covered: Coverage, where: SearchFilter | None) -> set[str]:
        """The articles that may answer: those naming everything the question names; when none
        does, but every name is in some indexed article, those naming the most of them."""
        if covered.ok:
            return covered.covering_docs
        if self.indexed(covered.missing_terms, where) == covered.missing_terms:
            return covered.nearest_docs
        return set()

    def coverage_of(self, analysis: Question, hits: list[Hit]) -> Coverage:
        """Which of the articles of `hits` mention everything the question names."""
        articles = {}
        for hit in hits:
            if hit.chunk.doc_id not in articles:
                record = self.index.catalog.document(hit.chunk.doc_id)
                if record:
                    articles[hit.chunk.doc_id] = f"{record.title}\n{record.body}"
        return coverage(analysis, articles)

    def unmentioned(self, covered: Coverage, where: SearchFilter | None) -> str:
        """Which articles a refusal may say never mention the missing terms: all of them (under
        the filter) when no indexed article does, else only the closest ones, those retrieved
        ("Who scored Spain's winning goal against England?" retrieves rugby reports, while other
        articles do mention Spain)."""
        if covered.missing_terms and not self.indexed(covered.missing_terms, where):
            return "articles"
        return "closest articles"

    def indexed(self, terms: list[Term], where: SearchFilter | None) -> list[Term]:
        """Those of `terms` that some article (under the filter) mentions, in any spelling."""
        catalog, allowed = self.index.catalog, self.retriever.scope(where).doc_ids
        return [
            t
            for t in terms
            if any(catalog.mentions(v, allowed) for v in dict.fromkeys([t.text, *t.variants]))
        ]

    def refusal(
        self, question: str, hits: list[Hit], checks: list[Check], mode: str = "extractive"
    ) -> Answer:
        """The 'cannot find' reply, with the closest sources so the reader can look further."""
        failed = next((c for c in reversed(checks) if not c.passed), None)
        reason = failed.detail if failed else ""
        text = CANNOT_FIND + (f" ({reason[0].lower()}{reason[1:]}.)" if reason else "")
        closest, seen = [], set()
        for hit in hits:
            if hit.chunk.doc_id in seen:
                continue
            seen.add(hit.chunk.doc_id)
            closest.append(Source.from_chunk(len(closest) + 1, hit.chunk))
        return Answer(
            question=question,
            standalone_question=question,
            text=text,
            refused=True,
            refusal_reason=REFUSAL_REASONS.get(failed.name) if failed and hits else "no_articles",
            checks=checks,
            closest=closest[:3],
            mode=mode,
        )

    def _cite(self, sources: list[Source], pick: Pick) -> int:
        """The number citing `pick`: its article's source, given one more quote, or a new one."""
        for source in sources:
            if source.doc_id == pick.doc_id:
                chunk_id = self.index.catalog.chunk_at(pick.doc_id, pick.start, pick.end)
                source.quotes.append(Quote(pick.text, pick.start, pick.end, chunk_id))
                return source.number
        sources.append(self._source(len(sources) + 1, pick))
        return len(sources)

    def _source(self, number: int, pick: Pick) -> Source:
        record = self.index.catalog.document(pick.doc_id)
        return Source(
            number=number,
            doc_id=pick.doc_id,
            title=record.title,
            outlet=record.outlet,
            date=record.date,
            quote=pick.text,
            start=pick.start,
            end=pick.end,
            chunk_id=self.index.catalog.chunk_at(pick.doc_id, pick.start, pick.end),
            url=record.url,
            authors=record.authors,
            aliases=self.index.catalog.aliases_of(pick.doc_id),
        )


def scoped(where: SearchFilter | None) -> str:
    """' matching outlet=CNN' under a filter, else nothing."""
    return f" matching {where.describe()}" if where and not where.is_empty() else ""
