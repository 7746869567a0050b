"""The labelled claim set (`eval/claims.jsonl`) and the citation checker measured on it.

Each line is a claim as an LLM might write it, the excerpt it cites, and its type: `verbatim`
and `paraphrase` (true, keep), `wrong_article` (true, cited to another article), `fabricated`
(on the article's topic, but it does not say it), `changed` (one number or name changed) and
`negated`. The BBC corpus is not ours to redistribute, so a line holds no article text: the
claim is written as pieces, spans of the article body (`[start, end]`) or our own words, and
the cited excerpt is named by a span of its article; both are rebuilt from the corpus folders.
`eval/make_claims.py` wrote the lines of every type but `paraphrase`, which were written by hand.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.catalog import StoredChunk
from retrieval.chunking import chunk_article
from retrieval.documents import read_file
from retrieval.errors import BadInputError

KEPT_TYPES = ("verbatim", "paraphrase")
TYPES = (*KEPT_TYPES, "wrong_article", "fabricated", "changed", "negated")
BOOTSTRAP = 2000


@dataclass
class LabelledClaim:
    id: str
    kind: str
    claim: str
    excerpt: StoredChunk
    group: str  # the article the claim is about, for grouped folds

    @property
    def keep(self) -> bool:
        return self.kind in KEPT_TYPES


class Corpora:
    """Article bodies and chunks by path ("seeds/x.txt", "bbc/tech/1.txt"), read once."""

    def __init__(self, roots: dict[str, Path], chunk_chars: int = 600, overlap: int = 1) -> None:
        self.roots = roots
        self.chunk_chars = chunk_chars
        self.overlap = overlap
        self._articles: dict[str, object] = {}

    def article(self, path: str):
        if path not in self._articles:
            root, _, rest = path.partition("/")
            if root not in self.roots:
                raise BadInputError(f"claim set: no corpus folder given for {root}/")
            (article,) = read_file(self.roots[root] / rest, path, 10_000_000).articles[:1]
            self._articles[path] = article
        return self._articles[path]

    def body(self, path: str) -> str:
        return self.article(path).body

    def excerpt(self, path: str, start: int, end: int) -> StoredChunk:
        """The chunk of the article holding the span, as ingest cuts it."""
        article = self.article(path)
        for chunk in chunk_article(article, self.chunk_chars, self.overlap):
            if chunk.start <= start and end <= chunk.end:
                return StoredChunk(
                    chunk.chunk_id,
                    path,
                    chunk.start,
                    chunk.end,
                    chunk.text,
                    article.title,
                    None,
                    None,
                )
        raise BadInputError(f"claim set: no chunk of {path} holds {start}-{end}")


def load_claims(path: Path, corpora: Corpora) -> list[LabelledClaim]:
    claims = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            body = corpora.body(record["about"])
            text = "".join(
                piece if isinstance(piece, str) else body[piece[0] : piece[1]]
                for piece in record["claim"]
            )
            cited = record["cited"]
            excerpt = corpora.excerpt(cited["source"], *cited["span"])
        except (ValueError, KeyError, TypeError, BadInputError) as exc:
            raise BadInputError(f"{path}:{number}: {exc}") from exc
        claims.append(LabelledClaim(record["id"], record["type"], text, excerpt, record["about"]))
    return claims


def kept_by_type(claims: list[LabelledClaim], kept: list[bool]) -> dict[str, tuple]:
    """Per type: the share kept, with its bootstrap 95% interval, and the count."""
    rng = random.Random(0)
    rows = {}
    for kind in TYPES:
        values = [float(k) for c, k in zip(claims, kept, strict=True) if c.kind == kind]
        if not values:
            continue
        means = sorted(
            sum(rng.choices(values, k=len(values))) / len(values) for _ in range(BOOTSTRAP)
        )
        rows[kind] = (
            sum(values) / len(values),
            means[int(0.025 * BOOTSTRAP)],
            means[int(0.975 * BOOTSTRAP) - 1],
            len(values),
        )
    return rows


@dataclass
class Measured:
    """A labelled claim as the checker sees it: its best cited sentence's similarity and word
    overlap, and whether the fact and polarity checks pass (with the reason when not)."""

    claim: LabelledClaim
    similarity: float
    overlap: float
    facts_hold: bool
    reason: str


def measure(claims: list[LabelledClaim], embeddings) -> list[Measured]:
    from bot.answering.llm.citations import CitationChecker, SupportModel, verify
    from bot.answering.ranker import LinearModel

    anything = SupportModel(LinearModel([], np.zeros(0), np.ones(0), np.zeros(0), 0.0), 0.0)
    checker = CitationChecker(embeddings, anything)
    measured = []
    for claim in claims:
        support = checker.best_support(claim.claim, claim.excerpt)
        good, reason = verify(claim.claim, [support])
        measured.append(Measured(claim, support.similarity, support.overlap, bool(good), reason))
    return measured


def topical_label(claim: LabelledClaim) -> int:
    """The cited sentence is about the claim unless the claim was made up or is another
    article's (a changed or negated claim is about its sentence; the fact checks remove it)."""
    return int(claim.kind not in {"fabricated", "wrong_article"})


def kept(measured: list[Measured], probabilities, threshold: float) -> list[bool]:
    return [m.facts_hold and p >= threshold for m, p in zip(measured, probabilities, strict=True)]


def separation(measured: list[Measured], keep: list[bool]) -> float:
    """The mean share kept of the true types less the mean share kept of the others."""
    rows = kept_by_type([m.claim for m in measured], keep)
    true = [rows[k][0] for k in KEPT_TYPES if k in rows]
    false = [v[0] for k, v in rows.items() if k not in KEPT_TYPES]
    return (sum(true) / max(len(true), 1)) - (sum(false) / max(len(false), 1))


def fit_support(measured: list[Measured], folds: int = 5):
    """Out-of-fold topicality probabilities (grouped by article), the threshold that separates
    best on them, the per-type figures at that threshold, and the model refitted on all."""
    from sklearn.model_selection import GroupKFold

    from bot.answering.llm.citations import SupportModel
    from bot.evaluation.training import fit_linear

    features = SupportModel.features
    rows = [features(m.similarity, m.overlap) for m in measured]
    labels = [topical_label(m.claim) for m in measured]
    groups = [m.claim.group for m in measured]
    out_of_fold = np.zeros(len(measured))
    for train, test in GroupKFold(folds).split(rows, groups=groups):
        model = fit_linear([rows[i] for i in train], [labels[i] for i in train])
        out_of_fold[test] = model.probability([rows[i] for i in test])
    grid = np.unique(np.round(out_of_fold, 3))
    threshold = float(max(grid, key=lambda t: separation(measured, kept(measured, out_of_fold, t))))
    figures = kept_by_type([m.claim for m in measured], kept(measured, out_of_fold, threshold))
    return SupportModel(fit_linear(rows, labels), threshold), figures
