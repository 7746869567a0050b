"""The offline reader: the sentence of the evidence that answers the question and, inside it,
the short answer (a name, number or date), scored by the learned ranker (`ranker`).

Two stages. Every sentence of the retrieved chunks gets cheap features (similarity to the
question and the alignment of its word pieces with the question's, IDF-weighted coverage of the
question's words in it and its neighbours, retrieval ranks, position) and a sentence score;
the chunks are reranked by their best sentence. The best sentences are then read by the entity
recogniser, and each entity of a sentence, plus the sentence alone, is a candidate answer scored
on span features (type match, distance to the question's words and to the head noun, rarity in
the article). The best candidate answers when
its score clears the refusal threshold chosen by cross-validation (a higher one when the question
asks for a name, number or date and the sentence has none to show).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from bot.answering.answer_types import PHRASE_LABEL
from bot.answering.evidence import same_place, stem, terms_of
from bot.answering.language import Entity, entity_cache, joined_entities, parse, whole_name
from bot.answering.question import PEOPLE_LABEL, PLACE_LABELS, Question
from bot.answering.ranker import Ranker
from bot.answering.sentence_vectors import SentenceVectors
from bot.answering.syntax import asked_part, span_syntax
from retrieval.acronyms import definitions, spelled_out
from retrieval.catalog import Catalog
from retrieval.embeddings import Pieces
from retrieval.search import Hit
from retrieval.sentences import is_heading, remembered_spans, sentence_spans
from retrieval.terms import STOPWORDS, words

# Display only: a sentence that leans on the one before ("He said ...") is quoted with it.
PRONOUN_START = re.compile(
    r"^[\"“‘]?(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|so)\b", re.I
)
# Embedding is most of an answer's time, so only sentences of the best fused chunks, or with
# this IDF-weighted share of the question's words in them and their neighbours, are compared
# with the question by embedding (both measured in the earlier reader: with every sentence
# compared, an answer took ten times as long). Of those, at most MAX_COMPARED are: the ones the
# `prescreen` model, on the features known before embedding, ranks first (24 sentences a
# question were compared without it; out of fold over four splits of the training pool, the
# cap at 12 changed the questions answered right by -2, +6, +22 and -8 of 558).
ALWAYS_COMPARED_RANK = 4
COMPARED_COVERAGE = 0.3
MAX_COMPARED = 12
# The sentence features that come from the embedder; the prescreen model sees none of them.
EMBEDDED_FEATURES = frozenset(
    {"similarity", "aligned", "window_similarity", "compared", "slot_max", "slot_novel"}
)
NAME_CLASSES = frozenset({"person", "organisation", "place", "which-other", "work"})
NUMBER_CLASSES = frozenset({"number", "amount", "money", "percent", "duration", "age", "time"})
# Word pieces either side of a span compared with the question's slot ("the guitarist X").
SLOT_WINDOW = 3
# A second sentence is quoted after the answer's when the answer model finds it at least this
# share as likely to answer: the reader is then unsure between two sentences, and shows both
# rather than hide the one that may hold the answer. A ratio of probabilities, not a weight
# fitted to questions; out of fold on the 558 training questions, 0.3 / 0.5 / 0.7 quote a second
# sentence in about 40% / 22% / 10% of answers (docs/evaluation-log.md, "Two quotes").
SECOND_QUOTE_RATIO = 0.5
TOKEN = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
# Double quotation marks, straight and curly: a short answer shows them in pairs.
QUOTE_MARKS = ('"', "“", "”")
# A currency named by a word after an amount (pounds and dollars, written that way, are as often
# weights and are written "£" and "$" in news copy).
CURRENCY_AFTER = re.compile(
    r"\s+(?:(?:thousand|million|billion|trillion|bn|m)\s+)?"
    r"(?:euros?|yen|yuan|francs?|kroner|krona|kronor|rupees?|roubles?|rubles?|pesos?|lira)\b",
    re.IGNORECASE,
)
AMOUNT_LABELS = frozenset({"CARDINAL", "MONEY"})


@dataclass
class Sentence:
    """A sentence of a retrieved article, its features and its sentence score."""

    doc_id: str
    start: int
    end: int
    text: str
    rank: int
    index: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0  # the chance that it holds the answer (the `sentence` model)
    order: float = 0.0  # its place among the question's sentences (the `order` model)
    pieces: Pieces | None = None  # its word pieces as the embedder read them, when compared


@dataclass
class Candidate:
    """An answer candidate: a sentence, and the span of it that answers (or None)."""

    sentence: Sentence
    span: Entity | None
    features: dict[str, float]
    score: float = 0.0
    order: float = 0.0  # a span's place among the spans of its sentence (higher first)


@dataclass
class Pick:
    """The span quoted as the answer, and the short answer that opens it (offsets in the body of
    `short_doc_id`: the answer's article, or the second quote's when the short answer is there)."""

    doc_id: str
    start: int
    end: int
    text: str
    score: float
    short: str | None = None
    short_doc_id: str | None = None
    short_start: int | None = None
    short_end: int | None = None
    also: Pick | None = None  # a second sentence quoted after this one (`runner_up`)


@dataclass
class Evidence:
    """Scored sentences of the candidate chunks, and the bodies of their articles."""

    sentences: list[Sentence]
    bodies: dict[str, str]
    slot: np.ndarray | None = None  # the question's words that ask, as one embedder vector

    def best_in(self, hit: Hit) -> float:
        """The best sentence order inside a chunk (a chunk without prose comes last)."""
        chunk = hit.chunk
        return max(
            (
                s.order
                for s in self.sentences
                if s.doc_id == chunk.doc_id and s.start >= chunk.start and s.end <= chunk.end
            ),
            default=-math.inf,
        )


class Reader:
    """Scores the sentences of retrieved chunks and the answer spans inside the best ones."""

    def __init__(self, embeddings, catalog: Catalog, ranker: Ranker | None) -> None:
        """With no ranker (when `make train` collects features), nothing is scored."""
        self.embeddings = embeddings
        self.catalog = catalog
        self.ranker = ranker
        self.sentence_vectors = SentenceVectors(embeddings)

    def score(self, question: Question, hits: list[Hit], covering: set[str]) -> Evidence:
        """Sentence features and scores for every prose sentence of `hits`."""
        sentences, bodies, spans = self._sentences(hits)
        slot = None
        if sentences:
            prescreen = None
            if self.ranker is not None and "prescreen" in self.ranker.models:
                prescreen = partial(self.ranker.score, "prescreen")
            slot = sentence_features(
                question,
                sentences,
                bodies,
                spans,
                covering,
                self._idf,
                self._similarity,
                prescreen,
            )
            if self.ranker is not None:
                rows = [s.features for s in sentences]
                scores = self.ranker.score("sentence", rows)
                orders = self.ranker.sentence_order(rows)
                for sentence, value, order in zip(sentences, scores, orders, strict=True):
                    sentence.score, sentence.order = float(value), float(order)
        return Evidence(sentences, bodies, slot)

    @staticmethod
    def rerank(evidence: Evidence, hits: list[Hit]) -> list[Hit]:
        """Chunks ordered by their best sentence, the fused retrieval rank breaking ties."""
        order = {id(h): i for i, h in enumerate(hits)}
        return sorted(hits, key=lambda h: (-evidence.best_in(h), order[id(h)]))

    def candidates(
        self, question: Question, evidence: Evidence, allowed_docs: set[str]
    ) -> list[Candidate]:
        """Scored candidates from the best sentences of the allowed articles: sentences by the
        `answer` model, their spans by the `span` model."""
        best = top_sentences(evidence, allowed_docs, self.ranker.top_sentences)
        found = span_candidates(question, best, evidence, answer_spans(question, best))
        score_candidates(self.ranker, found)
        return found

    def pick(
        self, question: Question, evidence: Evidence, allowed_docs: set[str]
    ) -> tuple[Pick | None, float, float]:
        """The answer, or None when the best sentence scores under its refusal threshold; the
        best score, and the threshold it had to reach."""
        found = self.candidates(question, evidence, allowed_docs)
        answer, short = choose(found, self.ranker.span_threshold)
        if answer is None:
            return None, 0.0, self.ranker.threshold
        needed = self.ranker.needed(question.answer_type.wants_span, short is not None)
        if answer.score < needed:
            return None, answer.score, needed
        body = evidence.bodies[answer.sentence.doc_id]
        second = runner_up(found, answer)
        picked = quote(answer, body)
        if (opening := opening_span(found, short, second, self.ranker.span_threshold)) is not None:
            shown_in(picked, opening, set(words(question.text)))
        if second is not None:
            also = quote(second, evidence.bodies[second.sentence.doc_id])
            if also.doc_id != picked.doc_id or also.end <= picked.start or also.start >= picked.end:
                picked.also = also
            else:  # "He said ..." quoted with the answer's sentence: one passage of both
                picked.start, picked.end = min(picked.start, also.start), max(picked.end, also.end)
                picked.text = body[picked.start : picked.end]
        return picked, answer.score, needed

    def _sentences(
        self, hits: list[Hit]
    ) -> tuple[list[Sentence], dict[str, str], dict[str, list[tuple[int, int]]]]:
        """The prose sentences of `hits`, and the body and sentence spans of each article."""
        bodies: dict[str, str] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        found: dict[tuple[str, int], Sentence] = {}
        for rank, hit in enumerate(hits, 1):
            chunk = hit.chunk
            if chunk.doc_id not in bodies:
                record = self.catalog.document(chunk.doc_id)
                if record is None:
                    continue
                bodies[chunk.doc_id] = record.body
                spans[chunk.doc_id] = list(remembered_spans(record.body))
            body = bodies[chunk.doc_id]
            for index, (start, end) in enumerate(spans[chunk.doc_id]):
                inside = start >= chunk.start and end <= chunk.end
                if inside and is_prose(body[start:end]) and not is_heading(body, start, end):
                    key = (chunk.doc_id, start)
                    if key not in found:
                        found[key] = Sentence(
                            chunk.doc_id,
                            start,
                            end,
                            body[start:end],
                            rank,
                            index,
                            {
                                "dense": recip(hit.dense_rank),
                                "lexical": recip(hit.lexical_rank),
                                "retrieved": hit.score,
                            },
                        )
        return list(found.values()), bodies, spans

    def _idf(self, terms: list[str]) -> dict[str, float]:
        total = max(self.catalog.counts()["chunks"], 1)
        return {t: math.log(1 + total / (1 + self.catalog.chunk_frequency(t))) for t in terms}

    def _similarity(
        self, question: str, texts: list[str]
    ) -> tuple[np.ndarray, np.ndarray, list[Pieces] | None, np.ndarray]:
        """The cosine of each text to the question; how well the question's word pieces align
        with each text's (mean over the question's pieces of the best cosine of their
        contextual vectors to the text's; 0 when the model gives no token vectors); the
        pieces of the question and of each text (None without token vectors); and the vectors
        of the question and of each text."""
        if not hasattr(self.embeddings, "embed_with_tokens"):
            vectors = np.asarray(self.embeddings.embed_documents([question, *texts]))
            return vectors[1:] @ vectors[0], np.zeros(len(texts), dtype=np.float32), None, vectors
        vectors, pieces = self.sentence_vectors.embed_with_tokens(question, texts)
        asked = pieces[0].vectors
        aligned = [
            float((asked @ text.vectors.T).max(axis=1).mean())
            if len(asked) and len(text.vectors)
            else 0.0
            for text in pieces[1:]
        ]
        return vectors[1:] @ vectors[0], np.asarray(aligned, dtype=np.float32), pieces, vectors


def recip(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def sentence_features(
    question: Question,
    sentences: list[Sentence],
    bodies: dict[str, str],
    spans: dict[str, list[tuple[int, int]]],
    covering: set[str],
    idf,
    similarity,
    prescreen=None,
) -> np.ndarray | None:
    """Fill `features` of each sentence, given the body of each article and the spans of its
    sentences. `idf(terms)` weighs the question's words; the `similarity(question, texts)` of
    sentences to the question (cosine, the alignment of their word pieces, and the vectors)
    comes from the embedder, for the sentences worth comparing:
    with `prescreen(rows)`, which scores sentences on the features known before embedding, at
    most MAX_COMPARED of them. Returns the question's slot vector (the mean of the pieces of its
    words that ask), when the embedder gives pieces."""
    articles = {doc: terms_of(body) for doc, body in bodies.items()}
    acronyms = {doc: definitions(body) for doc, body in bodies.items()}
    weights = idf(question.content)
    total = sum(weights.values()) or 1.0
    names = {w for term in question.salient for w in words(term.text)}
    # Cheap signs, before any entity recogniser runs, that a sentence holds an answer of the
    # kind asked for: names or numbers the question does not already contain.
    wants_name = question.answer_type.name in NAME_CLASSES
    wants_number = question.answer_type.name in NUMBER_CLASSES
    asked = set(words(question.text))
    local_coverage(question, sentences, bodies, spans, acronyms)
    worth_comparing = []
    for s in sentences:
        doc_spans = spans[s.doc_id]
        body = bodies[s.doc_id]
        before = body[slice(*doc_spans[s.index - 1])] if s.index > 0 else ""
        after = body[slice(*doc_spans[s.index + 1])] if s.index + 1 < len(doc_spans) else ""
        own_text = spelled_out(s.text, acronyms[s.doc_id])  # "HTF" matches "Harbour Traders Forum"
        own = terms_of(own_text)
        around = terms_of(spelled_out(f"{before} {s.text} {after}", acronyms[s.doc_id]))
        article = articles[s.doc_id]
        own_cov = sum(w for t, w in weights.items() if own.has_word(t)) / total
        around_cov = sum(w for t, w in weights.items() if around.has_word(t)) / total
        article_cov = sum(w for t, w in weights.items() if article.has_word(t)) / total
        named = [t for t in names if article.has_word(t)]
        named_own = sum(own.has_word(t) for t in named) / len(named) if named else 0.0
        s.features.update(
            own=own_cov,
            around=around_cov,
            article=article_cov,
            named_in_sentence=named_own,
            fused=1.0 / s.rank,
            position=1.0 / (1 + s.index),
            covering=float(s.doc_id in covering),
            new_names=float(wants_name) * min(len(new_tokens(s.text, asked, names=True)), 4) / 4,
            new_numbers=float(wants_number)
            * min(len(new_tokens(s.text, asked, names=False)), 3)
            / 3,
            length=min(len(s.text), 400) / 400,
        )
        if question.context:  # a follow-up stays with what the earlier answer was about
            s.features["context_sentence"] = sum(map(own.has_word, question.context)) / len(
                question.context
            )
            s.features["context_article"] = sum(map(article.has_word, question.context)) / len(
                question.context
            )
        if s.rank <= ALWAYS_COMPARED_RANK or around_cov >= COMPARED_COVERAGE:
            worth_comparing.append(
                (s, own_text, before if before and around_cov > own_cov else None)
            )
    if prescreen is not None and len(worth_comparing) > MAX_COMPARED:
        scores = prescreen([s.features for s, _, _ in worth_comparing])
        kept = sorted(np.argsort(-scores, kind="stable")[:MAX_COMPARED])
        worth_comparing = [worth_comparing[i] for i in kept]
    compared_sentences = [s for s, _, _ in worth_comparing]
    to_compare = [text for _, text, _ in worth_comparing]
    windows = [window for _, _, window in worth_comparing]
    texts = to_compare + list(dict.fromkeys(w for w in windows if w and w not in to_compare))
    sims, aligned, pieces, vectors = similarity(question.text, texts)
    position = {text: 1 + i for i, text in reversed(list(enumerate(texts)))}
    # A sentence read with the one before is their vectors averaged by word-piece count: what
    # mean pooling over both would give but for attention across them, at no embedding cost
    # (the windows were 46% of the word pieces embedded for a question).
    sizes = (
        [len(p.vectors) for p in pieces]
        if pieces
        else [len(t.split()) for t in [question.text, *texts]]
    )
    compared = len(to_compare)
    for n, (s, sim, align, window) in enumerate(
        zip(compared_sentences, sims[:compared], aligned[:compared], windows, strict=True)
    ):
        s.features["similarity"] = float(sim)
        s.features["aligned"] = float(align)
        s.features["window_similarity"] = float(sim)
        if window:
            b = position[window]
            read_together = sizes[b] * vectors[b] + sizes[1 + n] * vectors[1 + n]
            norm = max(float(np.linalg.norm(read_together)), 1e-12)
            s.features["window_similarity"] = float(read_together @ vectors[0]) / norm
        s.features["compared"] = 1.0
        if pieces is not None and to_compare[n] == s.text:  # offsets hold: no acronym spelled
            s.pieces = pieces[1 + n]
    if pieces is None:
        return None
    slot = slot_vector(pieces[0], question.slot)
    if slot is not None:
        rest = pieces[0].outside(*question.slot)
        for n, s in enumerate(compared_sentences):
            s.features.update(slot_match(pieces[1 + n].vectors, slot, rest))
    return slot


def slot_match(sentence: np.ndarray, slot: np.ndarray, rest: np.ndarray) -> dict[str, float]:
    """The best cosine of a sentence's pieces to the question's slot, and the same counting
    only what the rest of the question does not already say (each piece's cosine to the slot
    times one minus its best cosine to the question's other pieces): the lead sentence
    repeats the question, the answer sentence adds what fills the slot."""
    if not len(sentence):
        return {}
    to_slot = sentence @ slot
    said = (sentence @ rest.T).max(axis=1) if len(rest) else np.zeros(len(sentence))
    return {
        "slot_max": float(to_slot.max()),
        "slot_novel": float((to_slot * (1 - np.clip(said, 0, 1))).max()),
    }


def slot_vector(asked: Pieces, slot: tuple[int, int] | None) -> np.ndarray | None:
    """The normalised mean of the question's pieces from its wh-word to its head noun."""
    if slot is None:
        return None
    inside = asked.within(*slot)
    if not len(inside):
        return None
    mean = inside.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def local_coverage(
    question: Question,
    sentences: list[Sentence],
    bodies: dict[str, str],
    spans: dict[str, list[tuple[int, int]]],
    acronyms: dict[str, dict[str, str]],
) -> None:
    """The share of the question's words in a sentence (and with its neighbours), each weighted
    by its rarity among the sentences of the same article. The lead sentence shares the article's
    topic words with every question about it; the answer sentence holds the words only it has."""
    for doc, body in bodies.items():
        mine = [s for s in sentences if s.doc_id == doc]
        if not mine:
            continue
        terms = [terms_of(spelled_out(body[a:b], acronyms[doc])) for a, b in spans[doc]]
        found = {t: [i for i, x in enumerate(terms) if x.has_word(t)] for t in question.content}
        weights = {
            t: math.log((1 + len(terms)) / len(where)) for t, where in found.items() if where
        }
        total = sum(weights.values()) or 1.0
        for s in mine:
            own = sum(w for t, w in weights.items() if s.index in found[t])
            near = sum(
                w for t, w in weights.items() if any(abs(i - s.index) <= 1 for i in found[t])
            )
            s.features.update(local_own=own / total, local_around=near / total)


def new_tokens(sentence: str, asked: set[str], names: bool) -> list[str]:
    """Capitalised words after the first (names=True), or numbers, that the question lacks."""
    tokens = TOKEN.findall(sentence)
    if names:
        return [t for t in tokens[1:] if t[:1].isupper() and t.lower() not in asked]
    return [t for t in tokens if re.search(r"\d", t) and t.lower() not in asked]


def top_sentences(evidence: Evidence, allowed_docs: set[str], n: int) -> list[Sentence]:
    allowed = [s for s in evidence.sentences if s.doc_id in allowed_docs]
    return sorted(allowed, key=lambda s: s.order, reverse=True)[:n]


def answer_spans(question: Question, sentences: list[Sentence]) -> list[tuple[Entity, ...]]:
    """Each sentence's entities, neighbouring entities joined (`joined_entities`) and, for a
    question that a phrase may answer, its noun chunks that are not already an entity."""
    texts = [s.text for s in sentences]
    found = [
        (*ents, *joined_entities(text, ents))
        for text, ents in zip(texts, entity_cache().entities(texts), strict=True)
    ]
    if PHRASE_LABEL not in question.answer_type.showable:
        return found
    return [
        (*ents, *(c for c in chunks if (c.start, c.end) not in {(e.start, e.end) for e in ents}))
        for ents, chunks in zip(found, entity_cache().noun_chunks(texts), strict=True)
    ]


def span_candidates(
    question: Question,
    sentences: list[Sentence],
    evidence: Evidence,
    entities: list[tuple[Entity, ...]],
) -> list[Candidate]:
    """Each sentence as an answer (span None), and each of its `entities` (entities, and noun
    chunks where a phrase may answer) the question does not already name as a short answer. A
    sentence's answer features include the best of its spans of the expected type, so that
    "Brian Welch, the guitarist" beats the lead sentence that never names him."""
    kind = question.answer_type
    bodies = evidence.bodies
    asked = {stem(w) for w in words(question.text)}
    places = [e for e in parse(question.text).ents if e.label_ in {*PLACE_LABELS, PEOPLE_LABEL}]
    content = {stem(w) for w in question.content}
    wanted = asked_part(parse(question.text))
    parses = entity_cache().parses([s.text for s in sentences]) if any(entities) else []
    head = stem(kind.head.rsplit("-", 1)[-1]) if kind.head else None
    found = []
    best = {
        name: max((x.features.get(name, 0.0) for x in sentences), default=0.0)
        for name in ("similarity", "own", "around", "local_own")
    }
    top_score = max((x.score for x in sentences), default=0.0)
    top_order = max((x.order for x in sentences), default=0.0)
    for rank, (s, ents) in enumerate(zip(sentences, entities, strict=True), 1):
        tokens = [(m.start(), stem(m.group(0).lower())) for m in re.finditer(r"[^\W_]+", s.text)]
        if ents:
            parsed = parses[rank - 1]
            question_words = [
                i
                for i, w in enumerate(parsed.words)
                if stem(s.text[w.start : w.end].lower()) in content
            ]
        near_question = [i for i, (_, t) in enumerate(tokens) if t in content]
        near_head = [i for i, (_, t) in enumerate(tokens) if head and t == head]
        article = bodies[s.doc_id].lower()
        spans = []
        for entity in ents:
            names = [w for w in words(entity.text) if w not in STOPWORDS]
            if not names or all(stem(w) in asked for w in names):
                continue
            if any(restates(entity, place) for place in places):
                continue  # "India" for "which Indian region": the question already says it
            first = token_index(tokens, entity.start)
            last = token_index(tokens, max(entity.end - 1, entity.start))
            spans.append(
                Candidate(
                    s,
                    entity,
                    {
                        "stage1": s.score,
                        "similarity": s.features.get("similarity", 0.0),
                        "own": s.features["own"],
                        "type_match": float(entity.label in kind.labels),
                        "showable": float(entity.label in kind.showable),
                        f"{kind.name}|{entity.label}": 1.0,
                        "near_question": nearness(near_question, first, last),
                        "near_head": nearness(near_head, first, last),
                        "rarity": 1.0 / (1.0 + math.log(max(article.count(names[-1]), 1))),
                        "span_position": entity.start / max(len(s.text), 1),
                        "span_words": 1.0 / len(names),
                        "joined": float(entity.joined),
                        # "best musical *actor*" for "which actor": a span that restates the
                        # question's words stands for them, not for the answer
                        "span_asked": sum(stem(w) in asked for w in names) / len(names),
                        "span_has_head": float(bool(head) and head in {stem(w) for w in names}),
                        **slot_fit(evidence.slot, s.pieces, entity),
                        **span_syntax(parsed, entity.start, entity.end, question_words, wanted),
                    },
                )
            )
        typed = [c for c in spans if c.features["type_match"]]
        answer = {
            "stage1": s.score,
            "similarity": s.features.get("similarity", 0.0),
            "own": s.features["own"],
            "around": s.features["around"],
            "local_own": s.features.get("local_own", 0.0),
            "local_around": s.features.get("local_around", 0.0),
            f"{kind.name}|typed": float(bool(typed)),
            "typed_spans": min(len(typed), 5) / 5,
            "typed_near_question": max((c.features["near_question"] for c in typed), default=0),
            "typed_near_head": max((c.features["near_head"] for c in typed), default=0),
            "typed_rarity": max((c.features["rarity"] for c in typed), default=0),
            "typed_slot_fit": max((c.features.get("slot_fit", 0) for c in typed), default=0),
            "typed_slot_near": max((c.features.get("slot_near", 0) for c in typed), default=0),
            # How the sentence compares with the others read for this question.
            "stage1_gap": s.score - top_score,
            "order_gap": s.order - top_order,
            "stage1_rank": 1.0 / rank,
            **{f"{name}_gap": s.features.get(name, 0.0) - value for name, value in best.items()},
        }
        found.append(Candidate(s, None, answer))
        found += spans
    return found


def restates(span: Entity, asked) -> bool:
    """Whether a span names a place the question names by its people, or the reverse."""
    labels = {span.label, asked.label_}
    if PEOPLE_LABEL not in labels or not labels & PLACE_LABELS:
        return False
    return same_place(span.text, asked.text)


def slot_fit(slot: np.ndarray | None, pieces: Pieces | None, span: Entity) -> dict[str, float]:
    """How well a span stands in for the question's words that ask: the cosine of its pieces'
    mean to the slot vector ("Maroon 5" for "which band"), and the best cosine of the pieces
    just before or after it ("pop rock *act* Maroon 5", "a company *called* ...")."""
    if slot is None or pieces is None:
        return {}
    inside = pieces.within(span.start, span.end)
    if not len(inside):
        return {}
    mean = inside.mean(axis=0)
    fit = float(mean @ slot) / max(float(np.linalg.norm(mean)), 1e-12)
    starts = pieces.offsets[:, 0]
    first = int(np.searchsorted(starts, span.start))
    last = int(np.searchsorted(starts, span.end))
    around = np.concatenate(
        [
            pieces.vectors[max(first - SLOT_WINDOW, 0) : first],
            pieces.vectors[last : last + SLOT_WINDOW],
        ]
    )
    near = float((around @ slot).max()) if len(around) else 0.0
    return {"slot_fit": fit, "slot_near": near}


def token_index(tokens: list[tuple[int, str]], char: int) -> int:
    index = 0
    for i, (start, _) in enumerate(tokens):
        if start <= char:
            index = i
    return index


def nearness(positions: list[int], first: int, last: int) -> float:
    """1 for a span next to one of `positions`, falling with the words in between; 0 if none."""
    if not positions:
        return 0.0
    gap = min(max(first - p, p - last, 0) for p in positions)
    return 1.0 / (1.0 + gap)


def score_candidates(ranker: Ranker, found: list[Candidate]) -> None:
    """Spans first; a sentence's answer features then include its best span of the expected
    type, so the sentence that holds the likeliest short answer is preferred."""
    spans = [c for c in found if c.span is not None]
    if spans:
        rows = [c.features for c in spans]
        for candidate, value, order in zip(
            spans, ranker.score("span", rows), ranker.span_ranking(rows), strict=True
        ):
            candidate.score, candidate.order = float(value), float(order)
    add_best_span(found)
    answers = [c for c in found if c.span is None]
    if answers:
        for candidate, value in zip(
            answers, ranker.score("answer", [c.features for c in answers]), strict=True
        ):
            candidate.score = float(value)


def add_best_span(found: list[Candidate]) -> None:
    best: dict[int, float] = {}
    for c in found:
        if c.span is not None and c.features["type_match"]:
            best[id(c.sentence)] = max(best.get(id(c.sentence), 0.0), c.score)
    for c in found:
        if c.span is None:
            c.features["best_span"] = best.get(id(c.sentence), 0.0)


def choose(
    found: list[Candidate], span_threshold: float
) -> tuple[Candidate | None, Candidate | None]:
    """The best sentence, and the first span of the expected type inside it (in the span
    order) of those whose score clears `span_threshold` (a span of the wrong type is never
    shown)."""
    answer = max((c for c in found if c.span is None), key=lambda c: c.score, default=None)
    if answer is None:
        return None, None
    return answer, shown_span(found, answer.sentence, span_threshold)


def shown_span(
    found: list[Candidate], sentence: Sentence, span_threshold: float
) -> Candidate | None:
    """The first span of `sentence` in the span order of those of a showable type whose score
    clears `span_threshold`."""
    spans = [
        c
        for c in found
        if c.sentence is sentence
        and c.span is not None
        and c.features["showable"]
        and c.score >= span_threshold
    ]
    return max(spans, key=lambda c: c.order, default=None)


def opening_span(
    found: list[Candidate],
    short: Candidate | None,
    second: Candidate | None,
    span_threshold: float,
) -> Candidate | None:
    """The short answer that opens an answer: its own sentence's (`short`) or, when that shows
    none, the second quoted sentence's (`runner_up`), quoted because it may hold the answer too.
    The refusal still goes by the answer's own sentence. Out of fold on the 558 training
    questions: short answers +5.0 [+1.7, +9.0] of 449 (docs/evaluation-log.md)."""
    if short is not None or second is None:
        return short
    return shown_span(found, second.sentence, span_threshold)


def runner_up(found: list[Candidate], answer: Candidate) -> Candidate | None:
    """The next best sentence after `answer`'s, when it scores at least SECOND_QUOTE_RATIO of
    it (another article's copy of the same sentence does not count)."""
    second = max(
        (
            c
            for c in found
            if c.span is None
            and c.sentence is not answer.sentence
            and c.sentence.text != answer.sentence.text
        ),
        key=lambda c: c.score,
        default=None,
    )
    if second is None or second.score < SECOND_QUOTE_RATIO * answer.score:
        return None
    return second


def quote(candidate: Candidate, body: str) -> Pick:
    """The answer's quote: the sentence, with the one before when it leans on it."""
    s = candidate.sentence
    start = s.start
    if PRONOUN_START.match(s.text) and s.index > 0:
        previous = list(sentence_spans(body[: s.start]))
        if previous:
            start = previous[-1][0]
    return Pick(s.doc_id, start, s.end, body[start : s.end], candidate.score)


def shown_in(pick: Pick, short: Candidate, asked: set[str]) -> None:
    """`short` opens the answer: its text, and its offsets in its own sentence's article."""
    s = short.sentence
    start, end = shown_bounds(short, asked)
    pick.short = s.text[start:end]
    pick.short_doc_id = s.doc_id
    pick.short_start = s.start + start
    pick.short_end = s.start + end


def shown_bounds(short: Candidate, asked: set[str]) -> tuple[int, int]:
    """Where a short answer stands in its sentence. The span models score an entity as the
    recogniser found it; what is shown is the whole name or number it is part of (`whole_name`:
    "3-1", not "3"; "Fearne Cotton", not "Cotton"), without the question's own words (`asked`,
    lowercased), and with the currency a number is in when a word after it names one ("1.7bn
    euros"): the small model leaves such a word out of the entity ("1.7bn", a CARDINAL), and a
    sum shown without its currency misleads. Shown whole, the short answers chosen out of fold
    gained +9 of 457 on our six fitted sets and +9 of 721 on eight locked sets, none of the
    pool's 356, and lost none (docs/evaluation-log.md)."""
    span = short.span
    text = short.sentence.text
    if span.label != PHRASE_LABEL:
        span = whole_name(text, span, entity_cache().parses([text])[0], asked)
    end = span.end
    if span.label in AMOUNT_LABELS and (unit := CURRENCY_AFTER.match(text, end)):
        end = unit.end()
    return paired_quotes(text, span.start, end)


def paired_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds that show no quotation mark without its pair: a noun chunk ending inside a quote
    ('the so-called "one-euro jobs') takes the closing mark after it; one starting or ending on
    a lone mark ('"trackers') leaves it out."""
    shown = text[start:end]
    if sum(map(shown.count, QUOTE_MARKS)) % 2 == 0:
        return start, end
    if end < len(text) and text[end] in QUOTE_MARKS:
        return start, end + 1
    if shown[:1] in QUOTE_MARKS:
        return start + 1, end
    if shown[-1:] in QUOTE_MARKS:
        return start, end - 1
    return start, end


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
