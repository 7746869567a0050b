"""Citations in generated answers: parse every marker style models write, drop numbers that match
no excerpt, check each claim against the sentences it cites, quote them, and renumber what
survives so the reader sees [1], [2], ... in order.

A claim is supported when the best sentence of a cited excerpt is about the same thing
(embedding similarity and the share of the claim's words in it), every fact of the claim (amount,
date, name: `facts`) is stated by the cited sentences or their neighbours, and the claim does not
say the opposite of them. A claim that fails is removed with its reason, and the answer says how
many were: an unsupported citation is never shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answering.answer import CitationAudit, RemovedClaim
from bot.answering.evidence import TextTerms
from bot.answering.facts import Mismatch, says_opposite, unstated_facts
from bot.answering.ranker import LinearModel
from retrieval.catalog import StoredChunk
from retrieval.sentences import is_heading, sentence_spans
from retrieval.terms import content_words

# [1]  [1, 3]  [^1]  【1】  【1, 2】  (runs such as [1][2] are several matches)
MARKER = re.compile(r"\[\^?\s*(\d+(?:\s*[,;]\s*\^?\d+)*)\s*\]|【\s*(\d+(?:\s*[,;]\s*\d+)*)\s*】")
URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.I)
SUPPORT_WEIGHTS = Path(__file__).with_name("support.json")


@dataclass
class Claim:
    """One sentence of the answer and the excerpt numbers it cites (as the model wrote them)."""

    text: str
    cited: list[int]


@dataclass
class Support:
    """The best sentence of a chunk for a claim (its span in the article body), the chunk's
    sentence spans around it, and whether it is about what the claim says."""

    chunk: StoredChunk
    start: int
    end: int
    quote: str
    similarity: float
    overlap: float
    spans: list[tuple[int, int]] = field(default_factory=list)  # in chunk text
    index: int = 0
    topical: bool = False  # about what the claim says (`SupportModel`)

    def widened(self, before: int, after: int) -> Support:
        """The same support quoting `before` sentences before and `after` after it."""
        first = max(self.index - before, 0)
        last = min(self.index + after, len(self.spans) - 1)
        start, end = self.spans[first][0], self.spans[last][1]
        return Support(
            self.chunk,
            self.chunk.start + start,
            self.chunk.start + end,
            self.chunk.text[start:end],
            self.similarity,
            self.overlap,
            self.spans,
            self.index,
            self.topical,
        )


@dataclass
class SupportModel:
    """Whether a sentence is about what a claim says, from their embedding similarity and the
    share of the claim's content words in it: a logistic model and its threshold, fitted by
    `make train` on the labelled claim set (`eval/claims.jsonl`) with grouped cross-validation."""

    model: LinearModel
    threshold: float

    @staticmethod
    def features(similarity: float, overlap: float) -> dict[str, float]:
        return {"similarity": similarity, "overlap": overlap, "both": similarity * overlap}

    def topical(self, similarity: float, overlap: float) -> bool:
        row = self.features(similarity, overlap)
        return bool(self.model.probability([row])[0] >= self.threshold)

    def to_json(self, provenance: dict) -> dict:
        return {
            "model": self.model.to_json(),
            "threshold": round(self.threshold, 4),
            "provenance": provenance,
        }


@lru_cache(maxsize=1)
def load_support(path: Path = SUPPORT_WEIGHTS) -> SupportModel:
    data = json.loads(path.read_text())
    return SupportModel(LinearModel.from_json(data["model"]), float(data["threshold"]))


@dataclass
class CheckedAnswer:
    """The answer text with renumbered markers, the sources in number order (for each cited
    article, the supports quoted from it), and notes."""

    text: str
    sources: list[list[Support]] = field(default_factory=list)
    removed_claims: list[RemovedClaim] = field(default_factory=list)
    dropped_numbers: list[int] = field(default_factory=list)
    audit: CitationAudit = field(default_factory=CitationAudit)


def parse_numbers(group: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", group)]


# A sentence about what the excerpts lack, which states nothing that needs a citation.
NOT_IN_THE_ARTICLES = re.compile(
    r"^\s*(?:the (?:articles|excerpts) (?:do not|don't|does not|never) (?:say|mention|give|state)"
    r"|i cannot find)\b",
    re.IGNORECASE,
)


def sanitise(text: str) -> str:
    """No links or @-mentions get through from model output (or from injected article text)."""
    text = URL.sub("[link removed]", text)
    return MENTION.sub("[mention removed]", text)


def split_claims(answer: str) -> list[Claim]:
    """Sentences of the answer; markers at the start of a sentence belong to the one before."""
    answer = re.sub(r"【\s*([\d,;\s]+?)\s*】", r"[\1]", answer)
    answer = re.sub(r"\[\^(\d+)\]", r"[\1]", answer)
    # "claim.[1][2] Next" and "claim. [1] Next": markers after the full stop belong before it.
    answer = re.sub(r"([.!?])((?:\s*\[[\d,;\s]+\])+)", r"\2\1", answer)
    claims: list[Claim] = []
    # A marker and a full stop end a claim, whatever starts the next ("[1]. @everyone ...").
    pieces = re.split(r"(?<=\][.!?])\s+", answer)
    for sentence in (p[a:b] for p in pieces for a, b in sentence_spans(p)):
        leading = re.match(rf"^(?:\s*(?:{MARKER.pattern}))+", sentence)
        if leading and claims:
            claims[-1].cited += [
                n
                for m in MARKER.finditer(leading.group(0))
                for n in parse_numbers(m.group(1) or m.group(2))
            ]
            sentence = sentence[leading.end() :]
        cited = [
            n for m in MARKER.finditer(sentence) for n in parse_numbers(m.group(1) or m.group(2))
        ]
        text = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", sentence)).strip()
        if text:
            claims.append(Claim(text, cited))
    return claims


class CitationChecker:
    """Checks claims against the numbered excerpts they cite."""

    def __init__(self, embeddings, support: SupportModel | None = None) -> None:
        self.embeddings = embeddings
        self.support = support or load_support()

    def check(self, answer: str, excerpts: list[StoredChunk]) -> CheckedAnswer:
        claims = split_claims(sanitise(answer))
        vectors = self.vectors(claims, excerpts)
        result = CheckedAnswer(text="")
        numbering: dict[str, int] = {}  # doc id -> source number
        parts: list[str] = []
        for claim in claims:
            valid = []
            for n in dict.fromkeys(claim.cited):
                if 1 <= n <= len(excerpts):
                    valid.append(n)
                else:
                    result.dropped_numbers.append(n)
            lacking = NOT_IN_THE_ARTICLES.match(claim.text) and not claim.cited
            if not content_words(claim.text) or lacking:
                parts.append(claim.text)  # "Here is what I found:" needs no citation, nor
                continue  # "The articles do not say where he will meet Xi."
            supports = [self.best_support(claim.text, excerpts[n - 1], vectors) for n in valid]
            if not valid:
                found = max(
                    (self.best_support(claim.text, e, vectors) for e in excerpts),
                    key=lambda s: s.similarity,
                    default=None,
                )
                supports = [found] if found else []
            good, reason = verify(claim.text, supports, self.about_together)
            self.audit(result.audit, claim.text, supports if valid else [], bool(good))
            if not good:
                result.removed_claims.append(RemovedClaim(text=claim.text, reason=reason))
                continue
            markers = []
            for support in good:  # one number per article, however many of its sentences
                doc_id = support.chunk.doc_id
                if doc_id not in numbering:
                    numbering[doc_id] = len(numbering) + 1
                    result.sources.append([])
                quoted = result.sources[numbering[doc_id] - 1]
                if all(q.start != support.start for q in quoted):
                    quoted.append(support)
                markers.append(f"[{numbering[doc_id]}]")
            parts.append(f"{claim.text.rstrip()} {''.join(dict.fromkeys(markers))}")
        result.text = " ".join(parts)
        return result

    def vectors(self, claims: list[Claim], excerpts: list[StoredChunk]) -> dict[str, np.ndarray]:
        """The embeddings of every claim and of every sentence of the excerpts they cite (all
        excerpts when one cites none), in one batch."""
        wanted = [c for c in claims if content_words(c.text)]
        cited = {n for c in wanted for n in c.cited if 1 <= n <= len(excerpts)}
        if any(not c.cited for c in wanted):
            cited = set(range(1, len(excerpts) + 1))
        texts = [c.text for c in wanted]
        for n in sorted(cited):
            texts += [text for _, text in sentences_of(excerpts[n - 1])]
        unique = list(dict.fromkeys(texts))
        found = np.asarray(self.embeddings.embed_documents(unique)) if unique else []
        return dict(zip(unique, found, strict=True))

    def audit(
        self, audit: CitationAudit, claim: str, cited: list[Support], supported: bool
    ) -> None:
        """Count a claim and its citations (a claim citing nothing is not supported)."""
        audit.claims += 1
        audit.citations += len(cited)
        if not cited or not supported:
            return
        audit.supported += 1
        if len(cited) == 1:
            audit.needed += 1
            return
        for i, support in enumerate(cited):
            alone = bool(verify(claim, [support])[0])
            others = cited[:i] + cited[i + 1 :]
            audit.needed += alone or not verify(claim, others, self.about_together)[0]

    def about_together(self, claim: str, supports: list[Support]) -> bool:
        """Whether the sentences of several supports, joined, are about the claim."""
        joined = " ".join(s.quote for s in supports)
        claim_vector, joined_vector = np.asarray(self.embeddings.embed_documents([claim, joined]))
        terms = TextTerms(joined)
        claim_words = content_words(claim)
        overlap = sum(terms.has_word(w) for w in claim_words) / max(len(claim_words), 1)
        return self.support.topical(float(claim_vector @ joined_vector), overlap)

    def best_support(
        self, claim: str, chunk: StoredChunk, vectors: dict[str, np.ndarray] | None = None
    ) -> Support:
        """The sentence of `chunk` that best supports `claim` (embedding similarity plus the
        share of the claim's content words it contains)."""
        found = sentences_of(chunk)
        spans = [span for span, _ in found]
        sentences = [text for _, text in found]
        if vectors is None or claim not in vectors:
            vectors = self.vectors([Claim(claim, [1])], [chunk])
        similarity = np.asarray([vectors[s] for s in sentences]) @ vectors[claim]
        claim_words = content_words(claim)
        overlaps = []
        for sentence in sentences:
            terms = TextTerms(sentence)
            overlaps.append(sum(terms.has_word(w) for w in claim_words) / max(len(claim_words), 1))
        scores = similarity + 0.5 * np.asarray(overlaps)
        headings = [is_heading(chunk.text, a, b) for a, b in spans]
        if not all(headings):  # a heading is never quoted as if it said something
            scores[np.asarray(headings)] = -np.inf
        best = int(np.argmax(scores))
        start, end = spans[best]
        return Support(
            chunk,
            chunk.start + start,
            chunk.start + end,
            sentences[best],
            float(similarity[best]),
            overlaps[best],
            spans,
            best,
            self.support.topical(float(similarity[best]), overlaps[best]),
        )


def sentences_of(chunk: StoredChunk) -> list[tuple[tuple[int, int], str]]:
    spans = list(sentence_spans(chunk.text)) or [(0, len(chunk.text))]
    return [((start, end), chunk.text[start:end]) for start, end in spans]


# The quotes tried, in order, for a claim whose facts the best sentence alone does not state:
# (sentences before, sentences after) it.
WIDENINGS = ((0, 0), (1, 0), (0, 1), (1, 1))
NOT_SAID = "the article does not say this"
OPPOSITE = "the article says the opposite"


def verify(
    claim: str,
    supports: list[Support],
    together: Callable[[str, list[Support]], bool] | None = None,
) -> tuple[list[Support], str]:
    """The supports of a claim, each quoting the one to three sentences that state its facts,
    or none and the reason. The claim's facts must be stated by the cited sentences about it,
    or by those and the other cited sentences together (when none is about it, the best cited
    sentences name the fact that differs); a claim no cited sentence is about is not said; and
    it must not negate what it cites. A claim that joins two cited sentences is about them when
    `together` says so of their quotes joined."""
    topical = [s for s in supports if s.topical]
    if not topical and len(supports) > 1 and together and together(claim, supports):
        topical = supports
    tried = [topical, supports] if topical and len(topical) < len(supports) else [topical]
    missing: list[Mismatch] = []
    quotes: list[Support] = []
    for cited in tried if topical else [supports]:
        for before, after in WIDENINGS:
            quotes = [s.widened(before, after) for s in cited]
            missing = unstated_facts(claim, " ".join(q.quote for q in quotes))
            if not missing:
                break
        if not missing:
            break
    if missing:
        return [], missing[0].reason()
    if not topical:
        return [], NOT_SAID
    best = max(quotes, key=lambda s: s.similarity)
    if says_opposite(claim, best.quote):
        return [], OPPOSITE
    return quotes, ""
