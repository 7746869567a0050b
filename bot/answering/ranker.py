"""The learned ranker's weights (`ranker.json`, written by `make train`), applied with numpy.

Four logistic models over named features: `prescreen` picks, on the features known before
embedding, the sentences worth embedding; `sentence` scores every retrieved sentence; of the
best sentences, `answer` scores each as the answer (with features of its best spans) and `span`
scores each entity or noun chunk in it as the short answer. The sentences are put in order
(which are read for spans, and so the order of chunks) by `order`, gradient-boosted trees fitted
to rank the sentences of one question (LightGBM's lambdarank), which weigh features together as
a linear model cannot ("like the question, but nothing in it fills the slot"); `span_order`,
trees of the same kind, puts the spans of one sentence in order, and a span's probability
decides whether it may be shown. A feature a model has no weight for counts nothing; a missing
feature is 0. The refusal thresholds and the number of sentences read for spans were chosen by
grouped cross-validation on the training pool. There are two refusal thresholds: a question
that asks for a name, number or date and finds none in the best sentence is answered by the
quote alone only above `quote_threshold`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("ranker.json")


def feature_matrix(features: list[str], rows: list[dict[str, float]]) -> np.ndarray:
    """Rows of named features as a matrix in `features`' order; a missing feature is 0."""
    column = {name: i for i, name in enumerate(features)}
    x = np.zeros((len(rows), len(features)))
    for r, row in enumerate(rows):
        for name, value in row.items():
            if (c := column.get(name)) is not None:
                x[r, c] = value
    return x


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

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        z = ((feature_matrix(self.features, rows) - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-(z + self.bias)))


@dataclass
class Tree:
    """One regression tree as arrays over its internal nodes: a row goes left when its value
    of `feature` is at most `threshold`. A child index below 0 is the leaf `~index`."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray


@dataclass
class TreeModel:
    """Gradient-boosted trees: a row's score is the sum of its leaf in every tree."""

    features: list[str]
    trees: list[Tree]

    def predict(self, rows: list[dict[str, float]]) -> np.ndarray:
        leaves = self._forest.leaves(feature_matrix(self.features, rows))
        out = np.zeros(len(rows))
        for column in leaves.T:  # tree by tree, as the trees were summed when fitted
            out += column
        return out

    @cached_property
    def _forest(self) -> Forest:
        return Forest(self.trees)

    @classmethod
    def from_json(cls, data: dict) -> TreeModel:
        trees = [
            Tree(
                np.asarray(t["feature"], dtype=np.int64),
                np.asarray(t["threshold"], dtype=np.float64),
                np.asarray(t["left"], dtype=np.int64),
                np.asarray(t["right"], dtype=np.int64),
                np.asarray(t["value"], dtype=np.float64),
            )
            for t in data["trees"]
        ]
        return cls(data["features"], trees)

    def to_json(self) -> dict:
        return {
            "features": self.features,
            "trees": [
                {
                    "feature": t.feature.tolist(),
                    "threshold": t.threshold.tolist(),  # exact: a rounded split moves rows
                    "left": t.left.tolist(),
                    "right": t.right.tolist(),
                    "value": t.value.round(6).tolist(),
                }
                for t in self.trees
            ],
        }


class Forest:
    """All trees' nodes in one set of arrays, so that every row walks every tree at once: one
    numpy step per level instead of one per level and tree (a question's sentences and spans
    went through 200 trees one by one, 20 ms an answer on the 2-core machines)."""

    def __init__(self, trees: list[Tree]) -> None:
        nodes = np.cumsum([0, *(len(t.feature) for t in trees)])
        leaves = np.cumsum([0, *(len(t.value) for t in trees)])

        def child(t: int, side: np.ndarray) -> np.ndarray:
            """A child's index among all trees' nodes, or `~index` among all their leaves."""
            return np.where(side < 0, ~(leaves[t] + ~side), nodes[t] + side)

        self.feature = np.concatenate([t.feature for t in trees]).astype(np.int64)
        self.threshold = np.concatenate([t.threshold for t in trees]).astype(np.float64)
        self.left = np.concatenate([child(i, t.left) for i, t in enumerate(trees)])
        self.right = np.concatenate([child(i, t.right) for i, t in enumerate(trees)])
        self.value = np.concatenate([t.value for t in trees])
        # A tree that is one leaf starts at that leaf.
        self.roots = np.array(
            [nodes[i] if len(t.feature) else ~leaves[i] for i, t in enumerate(trees)],
            dtype=np.int64,
        )

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """The value of the leaf each row reaches in each tree: (rows, trees)."""
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        inner = node >= 0
        while inner.any():
            rows, trees = np.nonzero(inner)
            here = node[rows, trees]
            goes_left = x[rows, self.feature[here]] <= self.threshold[here]
            node[rows, trees] = np.where(goes_left, self.left[here], self.right[here])
            inner = node >= 0
        return self.value[~node]


@dataclass
class Ranker:
    models: dict[str, LinearModel]
    threshold: float
    quote_threshold: float
    span_threshold: float
    top_sentences: int
    order: TreeModel | None = None
    span_order: TreeModel | None = None

    def needed(self, wants_span: bool, has_short: bool) -> float:
        """The score an answer must reach: a question wanting a span that is answered by the
        quote alone has its own threshold."""
        return self.quote_threshold if wants_span and not has_short else self.threshold

    def score(self, model: str, rows: list[dict[str, float]]) -> np.ndarray:
        return self.models[model].probability(rows)

    def sentence_order(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Scores that put a question's sentences in order (higher first)."""
        if self.order is None:
            return self.score("sentence", rows)
        return self.order.predict(rows)

    def span_ranking(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Scores that put the spans of one sentence in order (higher first)."""
        if self.span_order is None:
            return self.score("span", rows)
        return self.span_order.predict(rows)

    @classmethod
    def from_json(cls, data: dict) -> Ranker:
        return cls(
            {name: LinearModel.from_json(m) for name, m in data["models"].items()},
            float(data["threshold"]),
            float(data["quote_threshold"]),
            float(data["span_threshold"]),
            int(data["top_sentences"]),
            TreeModel.from_json(data["order"]) if "order" in data else None,
            TreeModel.from_json(data["span_order"]) if "span_order" in data else None,
        )

    def to_json(self, provenance: dict) -> dict:
        return {
            "models": {name: m.to_json() for name, m in self.models.items()},
            "threshold": round(self.threshold, 4),
            "quote_threshold": round(self.quote_threshold, 4),
            "span_threshold": round(self.span_threshold, 4),
            "top_sentences": self.top_sentences,
            **({"order": self.order.to_json()} if self.order is not None else {}),
            **({"span_order": self.span_order.to_json()} if self.span_order is not None else {}),
            "provenance": provenance,
        }


@lru_cache(maxsize=1)
def load_ranker(path: Path = WEIGHTS) -> Ranker:
    return Ranker.from_json(json.loads(path.read_text()))
