"""The embedder's vectors and word pieces of evidence sentences, remembered across questions.

A sentence's vector and its pieces' contextual vectors do not depend on the question, and the
same articles answer many questions (the turns of a conversation, a day's questions about the
day's news), while embedding the sentences is most of an answer's time. The least recently used
sentence goes first once `capacity` is reached. Piece vectors are kept as float16 (half the
memory; every answer reads them back the same way, remembered or not, so an answer does not
change between the first and the second time it is asked).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from retrieval.embeddings import Pieces

# About 30 pieces of 384 float16 values each: some 45 MB at most.
CAPACITY = 2_000


class SentenceVectors:
    def __init__(self, embeddings, capacity: int = CAPACITY) -> None:
        self.embeddings = embeddings
        self.capacity = capacity
        self._remembered: OrderedDict[str, tuple[np.ndarray, Pieces]] = OrderedDict()
        self._lock = threading.Lock()

    def embed_with_tokens(self, question: str, texts: list[str]) -> tuple[np.ndarray, list[Pieces]]:
        """The vectors and pieces of the question (never remembered) and of each text, as the
        embedder's `embed_with_tokens([question, *texts])` gives them."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._remembered))
        vectors, pieces = self.embeddings.embed_with_tokens([question, *missing])
        fresh = {
            text: (vector, stored(piece))
            for text, vector, piece in zip(missing, vectors[1:], pieces[1:], strict=True)
        }
        with self._lock:
            self._remembered.update(fresh)
            found = [fresh.get(t) or self._remembered[t] for t in texts]
            for text in texts:
                if text in self._remembered:
                    self._remembered.move_to_end(text)
            while len(self._remembered) > self.capacity:
                self._remembered.popitem(last=False)
        out = np.stack([vectors[0], *(v for v, _ in found)])
        return out, [pieces[0], *(read(p) for _, p in found)]


def stored(pieces: Pieces) -> Pieces:
    return Pieces(pieces.vectors.astype(np.float16), pieces.offsets)


def read(pieces: Pieces) -> Pieces:
    return Pieces(pieces.vectors.astype(np.float32), pieces.offsets)
