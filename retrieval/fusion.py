"""How the dense and the lexical ranked lists become one: a fitted linear score on the two
retrievers' own scores, the chance (logistic) that a chunk holds the answer.

Fitted on the labelled questions (`make train`, grouped k-fold by article), a linear mix of the
cosine and the BM25 score as a share of the query's best beat reciprocal rank fusion out of fold
over the 446 answerable questions fitted on (answer@1 of the diverse top 4 0.82 against 0.78,
answer@4 0.955 against 0.928): ranks throw away how far ahead the first hit is. The weights are
`fusion.json`, beside this file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("fusion.json")
# A chunk dense search did not return is scored as a little less similar than the last it did.
UNSEEN_COSINE_GAP = 0.02
FEATURES = ("cosine", "lexical")


@dataclass
class Fused:
    """A chunk's fused score and its 1-based rank in each list (None where absent)."""

    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


def fusion_features(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]]
) -> dict[str, dict[str, float]]:
    """Per chunk of either list: its cosine to the query and its BM25 score as a share of the
    query's best (0 where BM25 did not return it)."""
    unseen = (dense[-1][1] - UNSEEN_COSINE_GAP) if dense else 0.0
    cosine = dict(dense)
    best = max((score for _, score in lexical), default=0.0) or 1.0
    relative = {chunk_id: score / best for chunk_id, score in lexical}
    return {
        chunk_id: {"cosine": cosine.get(chunk_id, unseen), "lexical": relative.get(chunk_id, 0.0)}
        for chunk_id in dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical])
    }


@dataclass(frozen=True)
class Fusion:
    """The fitted weights of `FEATURES` and the intercept, on the logistic scale."""

    weights: dict[str, float]
    intercept: float

    def fuse(
        self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]]
    ) -> dict[str, Fused]:
        """Every chunk of either list (chunk_id, score; best first), with its fused score."""
        fused = {
            chunk_id: Fused(self.probability(row))
            for chunk_id, row in fusion_features(dense, lexical).items()
        }
        for rank, (chunk_id, _) in enumerate(dense, 1):
            fused[chunk_id].dense_rank = rank
        for rank, (chunk_id, _) in enumerate(lexical, 1):
            fused[chunk_id].lexical_rank = rank
        return fused

    def probability(self, row: dict[str, float]) -> float:
        z = self.intercept + sum(w * row[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self, provenance: dict) -> dict:
        return {
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "intercept": round(self.intercept, 6),
            "provenance": provenance,
        }

    @classmethod
    def from_json(cls, data: dict) -> Fusion:
        return cls(dict(data["weights"]), float(data["intercept"]))


@lru_cache(maxsize=1)
def load_fusion(path: Path = WEIGHTS) -> Fusion:
    return Fusion.from_json(json.loads(path.read_text()))
