"""The learned ranker's weights (`ranker.json`, written by `make train`), applied with numpy.

Three logistic models over named features: `sentence` scores every retrieved sentence (and so
reranks chunks); of the best sentences, `answer` scores each as the answer (with features of
its best spans) and `span` scores each entity in it as the short answer. A feature a model has no
weight for counts nothing; a missing feature is 0. The refusal thresholds and the number of
sentences read for spans were chosen by grouped cross-validation on the training pool. There are
two refusal thresholds: a question that asks for a name, number or date and finds none in the
best sentence is answered by the quote alone only above `quote_threshold`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("ranker.json")


@dataclass
class LinearModel:
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        return cls(
            data["features"],
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            np.asarray(data["weights"]),
            float(data["bias"]),
        )

    def to_json(self) -> dict:
        return {
            "features": self.features,
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "bias": round(self.bias, 6),
        }

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        column = {name: i for i, name in enumerate(self.features)}
        x = np.zeros((len(rows), len(self.features)))
        for r, row in enumerate(rows):
            for name, value in row.items():
                if (c := column.get(name)) is not None:
                    x[r, c] = value
        return x

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        z = ((self.matrix(rows) - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Ranker:
    models: dict[str, LinearModel]
    threshold: float
    quote_threshold: float
    span_threshold: float
    top_sentences: int

    def needed(self, wants_span: bool, has_short: bool) -> float:
        """The score an answer must reach: a question wanting a span that is answered by the
        quote alone has its own threshold."""
        return self.quote_threshold if wants_span and not has_short else self.threshold

    def score(self, model: str, rows: list[dict[str, float]]) -> np.ndarray:
        return self.models[model].probability(rows)

    @classmethod
    def from_json(cls, data: dict) -> Ranker:
        return cls(
            {name: LinearModel.from_json(m) for name, m in data["models"].items()},
            float(data["threshold"]),
            float(data["quote_threshold"]),
            float(data["span_threshold"]),
            int(data["top_sentences"]),
        )

    def to_json(self, provenance: dict) -> dict:
        return {
            "models": {name: m.to_json() for name, m in self.models.items()},
            "threshold": round(self.threshold, 4),
            "quote_threshold": round(self.quote_threshold, 4),
            "span_threshold": round(self.span_threshold, 4),
            "top_sentences": self.top_sentences,
            "provenance": provenance,
        }


@lru_cache(maxsize=1)
def load_ranker(path: Path = WEIGHTS) -> Ranker:
    return Ranker.from_json(json.loads(path.read_text()))
