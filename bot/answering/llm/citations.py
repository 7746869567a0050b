"""Citations in generated answers: parse every marker style models write, drop numbers that match
no excerpt, check each claim against the excerpt it cites, quote the best-supporting sentence,
and renumber what survives so the reader sees [1], [2], ... in order.

A claim whose citation does not support it is removed and the answer says so: an unsupported
citation is never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.answering.evidence import TextTerms
from retrieval.catalog import StoredChunk
from retrieval.sentences import sentence_spans
from retrieval.terms import content_words

# [1]  [1, 3]  [^1]  【1】  【1, 2】  (runs such as [1][2] are several matches)
MARKER = re.compile(r"\[\^?\s*(\d+(?:\s*[,;]\s*\^?\d+)*)\s*\]|【\s*(\d+(?:\s*[,;]\s*\d+)*)\s*】")
URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.I)
SUPPORT_SIMILARITY = 0.55
SUPPORT_WITH_OVERLAP = (0.35, 0.5)  # (similarity, share of claim words) that also counts


@dataclass
class Claim:
    """One sentence of the answer and the excerpt numbers it cites (as the model wrote them)."""

    text: str
    cited: list[int]


@dataclass
class Support:
    """The best sentence of a chunk for a claim, and whether it supports it."""

    chunk: StoredChunk
    start: int
    end: int
    quote: str
    similarity: float
    overlap: float

    @property
    def supports(self) -> bool:
        min_sim, min_overlap = SUPPORT_WITH_OVERLAP
        return self.similarity >= SUPPORT_SIMILARITY or (
            self.similarity >= min_sim and self.overlap >= min_overlap
        )


@dataclass
class CheckedAnswer:
    """The answer text with renumbered markers, the sources in number order, and notes."""

    text: str
    sources: list[Support] = field(default_factory=list)
    removed_claims: list[str] = field(default_factory=list)
    dropped_numbers: list[int] = field(default_factory=list)


def parse_numbers(group: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", group)]


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
    for start, end in sentence_spans(answer):
        sentence = answer[start:end]
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

    def __init__(self, embeddings) -> None:
        self.embeddings = embeddings

    def check(self, answer: str, excerpts: list[StoredChunk]) -> CheckedAnswer:
        claims = split_claims(sanitise(answer))
        result = CheckedAnswer(text="")
        numbering: dict[tuple[str, int], int] = {}
        parts: list[str] = []
        for claim in claims:
            valid = []
            for n in dict.fromkeys(claim.cited):
                if 1 <= n <= len(excerpts):
                    valid.append(n)
                else:
                    result.dropped_numbers.append(n)
            if not content_words(claim.text):
                parts.append(claim.text)  # "Here is what I found:" needs no citation
                continue
            supports = [self.best_support(claim.text, excerpts[n - 1]) for n in valid]
            good = [s for s in supports if s.supports]
            if not valid:
                found = max(
                    (self.best_support(claim.text, e) for e in excerpts),
                    key=lambda s: s.similarity,
                    default=None,
                )
                if found and found.supports:
                    good = [found]
            if not good:
                result.removed_claims.append(claim.text)
                continue
            markers = []
            for support in good:
                key = (support.chunk.chunk_id, support.start)
                if key not in numbering:
                    numbering[key] = len(numbering) + 1
                    result.sources.append(support)
                markers.append(f"[{numbering[key]}]")
            parts.append(f"{claim.text.rstrip()} {''.join(markers)}")
        result.text = " ".join(parts)
        return result

    def best_support(self, claim: str, chunk: StoredChunk) -> Support:
        """The sentence of `chunk` that best supports `claim` (embedding similarity plus the
        share of the claim's content words it contains)."""
        spans = list(sentence_spans(chunk.text)) or [(0, len(chunk.text))]
        sentences = [chunk.text[s:e] for s, e in spans]
        vectors = np.asarray(self.embeddings.embed_documents([claim, *sentences]))
        similarity = vectors[1:] @ vectors[0]
        claim_words = content_words(claim)
        overlaps = []
        for sentence in sentences:
            terms = TextTerms(sentence)
            overlaps.append(sum(terms.has_word(w) for w in claim_words) / max(len(claim_words), 1))
        scores = similarity + 0.5 * np.asarray(overlaps)
        best = int(np.argmax(scores))
        start, end = spans[best]
        return Support(
            chunk,
            chunk.start + start,
            chunk.start + end,
            sentences[best],
            float(similarity[best]),
            overlaps[best],
        )
