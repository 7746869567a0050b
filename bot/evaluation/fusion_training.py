"""`make train`'s first step: fit how retrieval fuses its dense and lexical lists
(`retrieval/fusion.json`) on the labelled questions, before the reader is fitted on what the
fused retrieval finds.

A chunk is right when it holds a gold answer. The fusion has three numbers (two weights and an
intercept), so the reader's folds that follow reuse it fitted on every question; its own
figures are out of fold, grouped by article: answer@1 and answer@4 of the diverse top 4, and the
reciprocal rank of the first chunk holding an answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bot.answering.service import AnswerService
from bot.evaluation.harness import QAItem, contains_answer
from bot.evaluation.training import article_group, conversation_before, fit_linear, folds, interval
from retrieval.catalog import StoredChunk
from retrieval.fusion import FEATURES, Fusion, fusion_features
from retrieval.search import Hit, diversify

TOP_K = 4


@dataclass
class RankedLists:
    """One answerable question's two retrieved lists and which of their chunks hold an answer."""

    set_name: str
    group: str
    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]
    chunks: dict[str, StoredChunk]
    right: set[str]


def ranked_lists(service: AnswerService, sets: dict[str, list[QAItem]]) -> list[RankedLists]:
    """The lists of every answerable question (a question none of whose chunks holds an answer
    counts as a miss in the figures and adds only wrong chunks to the fit)."""
    catalog = service.index.catalog
    found = []
    for set_name, items in sets.items():
        for item in items:
            if not item.answerable:
                continue
            _, query = service.follow_up(item.question, conversation_before(service, item))
            dense, lexical = service.retriever.ranked_lists(query)
            chunks = catalog.chunks(list(dict.fromkeys([c for c, _ in dense + lexical])))
            right = {c for c, chunk in chunks.items() if contains_answer(chunk.text, item.answers)}
            sources = [catalog.canonical(s) for s in item.sources]
            group = article_group(sources, [chunk.doc_id for chunk in chunks.values()], item)
            found.append(RankedLists(set_name, group, dense, lexical, chunks, right))
    return found


def rows_of(lists: RankedLists) -> list[tuple[str, dict[str, float]]]:
    return [
        (chunk_id, row)
        for chunk_id, row in fusion_features(lists.dense, lists.lexical).items()
        if chunk_id in lists.chunks
    ]


def fit(questions: list[RankedLists]) -> Fusion:
    rows = [(row, int(c in q.right)) for q in questions for c, row in rows_of(q)]
    model = fit_linear([r for r, _ in rows], [y for _, y in rows])
    weights = {
        name: float(w / s)
        for name, w, s in zip(model.features, model.weights, model.scale, strict=True)
    }
    intercept = model.bias - sum(w * m for w, m in zip(weights.values(), model.mean, strict=True))
    return Fusion({name: weights[name] for name in FEATURES}, float(intercept))


def first_right(fusion: Fusion, lists: RankedLists) -> int | None:
    """The 1-based rank of the first chunk holding an answer in the diverse top k."""
    fused = fusion.fuse(lists.dense, lists.lexical)
    hits = sorted(
        (Hit(lists.chunks[c], f.score) for c, f in fused.items() if c in lists.chunks),
        key=lambda h: h.score,
        reverse=True,
    )
    top = diversify(hits, TOP_K)
    return next((n for n, h in enumerate(top, 1) if h.chunk.chunk_id in lists.right), None)


def train_fusion(questions: list[RankedLists]) -> tuple[Fusion, dict]:
    """The fusion fitted on all the questions, and its out-of-fold figures per set."""
    fold_of = folds([q.group for q in questions])
    ranks: list[int | None] = [None] * len(questions)
    for fold in range(max(fold_of, default=-1) + 1):
        fitted = fit([q for q, f in zip(questions, fold_of, strict=True) if f != fold])
        for n, q in enumerate(questions):
            if fold_of[n] == fold:
                ranks[n] = first_right(fitted, q)
    rng = random.Random(0)
    report = {}
    for set_name in dict.fromkeys(q.set_name for q in questions):
        mine = [r for q, r in zip(questions, ranks, strict=True) if q.set_name == set_name]
        report[set_name] = {
            "questions": len(mine),
            "answer@1": interval([float(r == 1) for r in mine], rng),
            f"answer@{TOP_K}": interval([float(r is not None) for r in mine], rng),
            "mrr": interval([1.0 / r if r else 0.0 for r in mine], rng),
        }
    return fit(questions), report


def write_fusion(fusion: Fusion, report: dict, path: Path, sources: list[str]) -> None:
    provenance = {
        "trained_on": sources,
        "grouped_by": "article",
        "cross_validated": report,
    }
    path.write_text(json.dumps(fusion.to_json(provenance), indent=1) + "\n")
