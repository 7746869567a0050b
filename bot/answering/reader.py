"""The extractive answerer: the one to three sentences of the evidence that best answer the
question, quoted verbatim, each cited to its article.

Scoring follows measured lessons (README, "How it works"): sentences are scored
against the question's focus (a number for "how many", a name for "who"), they borrow context
from their neighbours (answers often sit in the sentence after the best match, or in a quote),
and only articles that mention every salient term of the question may supply the answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from bot.answering.evidence import TextTerms, stem
from bot.answering.places import is_region
from bot.answering.question import (
    DATE,
    DURATION,
    MONEY,
    MONEY_KINDS,
    NUMBER,
    PERCENTAGE,
    RATE_QUESTION,
    TIME_QUESTION,
    TIME_VALUE,
    Question,
)
from retrieval.acronyms import definitions, spelled_out
from retrieval.catalog import Catalog
from retrieval.search import Hit
from retrieval.sentences import sentence_spans
from retrieval.terms import STOPWORDS, words

NOT_NAME_WORDS = frozenset(
    """president secretary prime minister vice senator sen. gov. governor dr. mr. mrs. ms. general
    gen. ambassador chancellor king queen prince pope speaker rep. judge justice chief
    special envoy house council office department ministry agency center centre fund army
    bank party union nations states kingdom security national news times street journal post
    east west north south middle board peace cabinet room oval wealth sovereign atlantic
    white state united european commission court republic democratic republican monday
    tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december""".split()
)
PRONOUN_START = re.compile(
    r"^[\"“‘]?(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|so)\b", re.I
)
CAPITALISED = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of|the|de|al|bin)?\s*[A-Z][\w’'.-]*)*")
MIN_SCORE = 0.97
# Share (IDF-weighted) of the question's content words that the answer sentence and its
# neighbours must contain; words the corpus never uses weigh the most.
MIN_COVERAGE = 0.3
SECOND_SENTENCE_MARGIN = 0.12
# Sentences of the best fused chunks are always compared with the question by embedding, so a
# paraphrased question (few shared words) still gets a semantic rerank.
ALWAYS_COMPARED_RANK = 4
MAX_SENTENCES = 3
# A question's name that only the sentence's article holds counts this share of its weight:
# at full weight, sentences that never name the subject beat the one that does (measured on
# "Which company makes the Tomahawk missiles?" over the seeds alone).
NAMED_SHARE = 0.5
# A "how many" answer names what it counts within this many words after the number.
COUNT_WINDOW = 4
# A rate question's percentage sits within this many words of the word "rate".
RATE_WINDOW = 8
PLACE = re.compile(
    r"\b(?:in|at|near|outside|from|to)\s+(?:the\s+)?([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)"
)
# Questions whose answer is a sum of money, a number, a duration or a date are never answered
# by a sentence without one.
STRICT_FOCUS = frozenset({"money", "number", "duration", "date"})


@dataclass
class Candidate:
    """A sentence of a retrieved article that might answer the question."""

    doc_id: str
    start: int
    end: int
    text: str
    rank: int
    index: int
    score: float = 0.0
    focus_hit: bool = False
    coverage: float = 0.0
    names_role: bool = True  # says the role a "who is the <role> of" question asks about


@dataclass
class Pick:
    """A span of an article chosen for the answer (one sentence, or two with its context)."""

    doc_id: str
    start: int
    end: int
    text: str
    score: float


@dataclass
class Evidence:
    """Scored sentences of the candidate chunks, and the bodies of their articles."""

    candidates: list[Candidate]
    bodies: dict[str, str]

    def best_in(self, hit: Hit) -> float:
        """The best sentence score inside a chunk (a chunk without prose scores nothing)."""
        chunk = hit.chunk
        return max(
            (
                c.score
                for c in self.candidates
                if c.doc_id == chunk.doc_id and c.start >= chunk.start and c.end <= chunk.end
            ),
            default=-1.0,
        )


class ExtractiveAnswerer:
    """Scores the sentences of retrieved chunks against a question; reranks chunks by their best
    sentence and picks the answer sentences."""

    def __init__(self, embeddings, catalog: Catalog) -> None:
        self.embeddings = embeddings
        self.catalog = catalog

    def score(self, question: Question, hits: list[Hit]) -> Evidence:
        candidates, bodies = self._candidates(hits)
        if candidates:
            self._score(question, candidates, bodies)
        return Evidence(candidates, bodies)

    @staticmethod
    def rerank(evidence: Evidence, hits: list[Hit]) -> list[Hit]:
        """Chunks ordered by their best sentence, the fused retrieval rank breaking ties: a
        chunk holding one sentence that answers beats one that is merely on topic."""
        order = {id(h): i for i, h in enumerate(hits)}
        return sorted(hits, key=lambda h: -evidence.best_in(h) - 0.02 / (1 + order[id(h)]))

    def pick(
        self, question: Question, evidence: Evidence, allowed_docs: set[str], already_said: str = ""
    ) -> list[Pick]:
        """The best answer spans, best first; empty when nothing scores as an answer. Sentences
        in `already_said` (the previous answer, for a follow-up) are not repeated."""
        ranked = sorted(
            (
                c
                for c in evidence.candidates
                if c.doc_id in allowed_docs
                and c.text not in already_said
                and (c.focus_hit or question.focus not in STRICT_FOCUS)
                and c.names_role
            ),
            key=lambda c: c.score,
            reverse=True,
        )
        if not ranked:
            return []
        best = ranked[0]
        if best.score < MIN_SCORE or best.coverage < MIN_COVERAGE:
            return []
        chosen = [best]
        for other in ranked[1:]:
            close = best.score - other.score <= SECOND_SENTENCE_MARGIN
            if len(chosen) == MAX_SENTENCES - 1 or not close:
                break
            if question.focus and not other.focus_hit:
                continue
            chosen.append(other)
        return self._spans(chosen, evidence.bodies)

    def _spans(self, chosen: list[Candidate], bodies: dict[str, str]) -> list[Pick]:
        """Picks in answer order; neighbouring sentences of one article become one quote, and a
        sentence that leans on the previous one ('He said ...') brings it along."""
        picks: list[Pick] = []
        for c in chosen:
            body = bodies[c.doc_id]
            start = c.start
            if PRONOUN_START.match(c.text) and c.index > 0:
                previous = list(sentence_spans(body[: c.start]))
                if previous:
                    start = previous[-1][0]
            for pick in picks:
                if pick.doc_id == c.doc_id and start <= pick.end + 2 and pick.start <= c.end + 2:
                    pick.start, pick.end = min(pick.start, start), max(pick.end, c.end)
                    pick.text = body[pick.start : pick.end]
                    break
            else:
                picks.append(Pick(c.doc_id, start, c.end, body[start : c.end], c.score))
        return picks

    def _candidates(self, hits: list[Hit]) -> tuple[list[Candidate], dict[str, str]]:
        bodies: dict[str, str] = {}
        candidates: dict[tuple[str, int], Candidate] = {}
        for rank, hit in enumerate(hits, 1):
            chunk = hit.chunk
            if chunk.doc_id not in bodies:
                record = self.catalog.document(chunk.doc_id)
                if record is None:
                    continue
                bodies[chunk.doc_id] = record.body
            body = bodies[chunk.doc_id]
            for index, (start, end) in enumerate(sentence_spans(body)):
                if start >= chunk.start and end <= chunk.end and is_prose(body[start:end]):
                    key = (chunk.doc_id, start)
                    if key not in candidates:
                        candidates[key] = Candidate(
                            chunk.doc_id, start, end, body[start:end], rank, index
                        )
        return list(candidates.values()), bodies

    def _score(self, question: Question, candidates: list[Candidate], bodies) -> None:
        spans = {doc: list(sentence_spans(body)) for doc, body in bodies.items()}
        neighbours = []
        for c in candidates:
            doc_spans = spans[c.doc_id]
            before = bodies[c.doc_id][slice(*doc_spans[c.index - 1])] if c.index > 0 else ""
            after = (
                bodies[c.doc_id][slice(*doc_spans[c.index + 1])]
                if c.index + 1 < len(doc_spans)
                else ""
            )
            neighbours.append((before, after))
        articles = {doc: TextTerms(body) for doc, body in bodies.items()}
        # "says Stephen Dyer, director of UKIF" answers a question about the UK Internet Forum.
        acronyms = {doc: definitions(body) for doc, body in bodies.items()}
        weights = self._idf(question.content)
        total = sum(weights.values()) or 1.0
        question_words = set(words(question.text))
        # News names its subject once and then says "the bank" or "Mr Park": a name the
        # question asks about counts, in part, as present in every sentence of an article that
        # has it, so sentences compete on what the question asks about that name.
        names = {w for term in question.salient for w in words(term.text)}
        for c, (before, after) in zip(candidates, neighbours, strict=True):
            article = articles[c.doc_id]
            named = {t for t in names if article.has_word(t)}
            own = TextTerms(spelled_out(c.text, acronyms[c.doc_id]))
            around = TextTerms(spelled_out(f"{before} {c.text} {after}", acronyms[c.doc_id]))
            lexical = (
                sum(
                    w if own.has_word(t) else NAMED_SHARE * w
                    for t, w in weights.items()
                    if t in named or own.has_word(t)
                )
                / total
            )
            context = (
                sum(
                    w if around.has_word(t) else NAMED_SHARE * w
                    for t, w in weights.items()
                    if t in named or around.has_word(t)
                )
                / total
            )
            # What the sentence and its neighbours say themselves: the bar for being an answer.
            literal = sum(w for t, w in weights.items() if around.has_word(t)) / total
            strength = focus_strength(question, c.text, question_words, articles[c.doc_id])
            c.focus_hit = strength > 0
            focus = 0.0 if not question.focus else (0.35 * strength if c.focus_hit else -0.2)
            c.coverage = literal
            c.names_role = all(any(map(around.has_word, role)) for role in question.roles)
            c.score = 0.5 * lexical + 0.3 * context + focus + 0.04 / c.rank
            if question.context:  # a follow-up stays with what the earlier answer was about
                shared = sum(map(own.has_word, question.context)) / len(question.context)
                in_article = sum(map(articles[c.doc_id].has_word, question.context)) / len(
                    question.context
                )
                c.score += 0.2 * in_article + 0.5 * shared
        # Embedding is most of an answer's time, so only sentences that could be picked (enough
        # of the question around them) or that sit in the best fused chunks are compared.
        compared = [
            i
            for i, c in enumerate(candidates)
            if c.coverage >= MIN_COVERAGE or c.rank <= ALWAYS_COMPARED_RANK
        ]
        leaning = [
            adds_question_words(weights, neighbours[i][0], candidates[i].text) for i in compared
        ]
        similarity = self._similarity(
            question.text,
            [candidates[i] for i in compared],
            [neighbours[i] for i in compared],
            leaning,
        )
        for i, sim in zip(compared, similarity, strict=True):
            candidates[i].score += float(sim)

    def _similarity(
        self,
        question: str,
        candidates: list[Candidate],
        neighbours: list[tuple[str, str]],
        leaning: list[bool],
    ) -> np.ndarray:
        """Cosine of each sentence to the question, or of the sentence read with the one before
        it (minus a small margin) when that is closer: answers often lean on the sentence before
        ('The meeting, reported by Anadolu Agency, ...'). The pair is embedded as text; the mean
        of the two sentence vectors was measured to lose such answers."""
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        n = len(candidates)
        paired = [i for i in range(n) if leaning[i]]
        texts = [question] + [c.text for c in candidates]
        texts += [f"{neighbours[i][0]} {candidates[i].text}" for i in paired]
        vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        similarity = vectors[1 : n + 1] @ vectors[0]
        window_similarity = vectors[n + 1 :] @ vectors[0]
        similarity[paired] = np.maximum(similarity[paired], window_similarity - 0.05)
        return similarity

    def _idf(self, terms: list[str]) -> dict[str, float]:
        total = max(self.catalog.counts()["chunks"], 1)
        return {t: math.log(1 + total / (1 + self.catalog.chunk_frequency(t))) for t in terms}


def adds_question_words(weights: dict[str, float], before: str, sentence: str) -> bool:
    """Whether the sentence before holds a question word the sentence lacks: only then can
    reading the two together bring the sentence closer to the question."""
    if not before:
        return False
    own, previous = TextTerms(sentence), TextTerms(before)
    return any(previous.has_word(t) and not own.has_word(t) for t in weights)


def is_prose(sentence: str) -> bool:
    """A real sentence, not a section heading ('Ceasefire Talks Narrow to One Key Sticking
    Point') or a fragment. Scraped paragraphs sometimes lose their final full stop."""
    tokens = sentence.split()
    if len(tokens) < 4:
        return False
    if re.search(r"[.!?…:][\"'”’)\]]*$", sentence):
        return True
    capitalised = sum(t[:1].isupper() for t in tokens)
    return len(tokens) > 12 or capitalised < len(tokens) / 2


def entities(sentence: str) -> list[str]:
    """Capitalised word runs, minus a sentence-initial single word ('The', 'However')."""
    found = []
    for match in CAPITALISED.finditer(sentence):
        run = [w for w in match.group(0).split() if w.lower() not in STOPWORDS]
        if not run or (match.start() == 0 and len(run) == 1):
            continue
        found.append(" ".join(run).strip(".,’'"))
    return found


def person_name(entity: str) -> bool:
    """'Adam Boehler', 'Secretary of the Army Dan Driscoll', 'Carl-Peter Forster', 'Dan
    O'Brien' -> has a First Last name; "Brazil's Petrobras" has not."""
    tokens = [t for t in entity.split() if t.lower() not in NOT_NAME_WORDS]
    run = 0
    for token in tokens:
        possessive = re.search(r"[’']s$", token)
        run = (
            run + 1
            if (token[:1].isupper() and not possessive and re.sub(r"[-’']", "", token).isalpha())
            else 0
        )
        if run >= 2:
            return True
    return False


def counts(after_number: str, unit: list[str]) -> bool:
    """Whether the words just after a number name what the question counts ("12,575 net cafes"
    for "how many net cafes"): "47,000 complaints" does not answer "how many people"."""
    following = {stem(w) for w in words(after_number)[:COUNT_WINDOW]}
    return any(stem(w) in following for w in unit)


def focus_strength(
    question: Question, sentence: str, question_words: set[str], article: TextTerms
) -> float:
    """How well the sentence holds the kind of thing the question asks for, beyond the
    question's own words: 1 for a rare new name, less for one the article repeats, 0 for none."""
    focus = question.focus
    if focus == "duration":
        return float(bool(DURATION.search(sentence)))
    if focus == "money":
        if any(kind & question_words and not said.search(sentence) for kind, said in MONEY_KINDS):
            return 0.0
        return float(
            any(m.group(0).lower() not in question.text.lower() for m in MONEY.finditer(sentence))
        )
    if focus == "number" and TIME_QUESTION.search(question.text):
        return float(any(m.group(0) not in question.text for m in TIME_VALUE.finditer(sentence)))
    if focus == "number" and RATE_QUESTION.search(question.text):
        return float(
            any(
                m.group(0) not in question.text and says_rate(question, sentence, m)
                for m in PERCENTAGE.finditer(sentence)
            )
        )
    if focus == "number":
        new = [m for m in NUMBER.finditer(sentence) if m.group(0).lower() not in question_words]
        if not new or not question.unit:
            return float(bool(new))
        return float(any(counts(sentence[m.end() :], question.unit) for m in new))
    if focus == "date":
        return float(any(m.group(0).lower() not in question_words for m in DATE.finditer(sentence)))
    if focus in {"person", "place", "organisation", "settlement"}:
        best = 0.0
        found = places(sentence) if focus == "settlement" else entities(sentence)
        for entity in found:
            names = [w for w in words(entity) if w not in STOPWORDS]
            if not names or all(n in question_words for n in names):
                continue
            if (focus == "person" and not person_name(entity)) or (
                focus == "settlement" and is_region(entity)
            ):
                continue
            mentions = max(article.lower.count(names[-1]), 1)
            best = max(best, 1.0 / (1.0 + math.log(mentions)))
        return best
    return 1.0


def places(sentence: str) -> list[str]:
    """Names that stand where a place does: 'the factory in Trollhaettan', 'talks at Camp
    David'. 'General Motors' heading a sentence is not one, nor is 'in August'."""
    return [
        m.group(1) for m in PLACE.finditer(sentence) if m.group(1).lower() not in NOT_NAME_WORDS
    ]


def says_rate(question: Question, sentence: str, percentage: re.Match) -> bool:
    """A percentage answers a rate question when the sentence says 'rate' within a few words of
    it ('kept interest rates at an all-time low of 3.25%'); a percentage question takes any."""
    if not re.search(r"\brates?\b", question.text, re.I):
        return True
    before = words(sentence[: percentage.start()])[-RATE_WINDOW:]
    after = words(sentence[percentage.end() :])[:RATE_WINDOW]
    return any(w in {"rate", "rates"} for w in before + after)
