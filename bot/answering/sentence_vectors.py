"""The embedder's vectors and word pieces of evidence sentences, remembered across questions.

A sentence's vector and its pieces' contextual vectors do not depend on the question, and the
same articles answer many questions (the turns of a conversation, a day's questions about the
day's news), while embedding the sentences is most of an answer's time. The least recently used
sentence goes first once `capacity` is reached. Vectors are kept as the embedder gives them
(float32): the reader's features, and so its answers, are those it computes without the memory
(up to the last bits, which the padding of each batch moves anyway).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from retrieval.embeddings import Pieces

# About 30 pieces of 384 float32 values each: some 70 MB at most.
CAPACITY = 1_500


class SentenceVectors:
    def __init__(self, embeddings, capacity: int = CAPACITY) -> None:
        self.embeddings = embeddings
        self.capacity = capacity
        self._remembered: OrderedDict[str, tuple[np.ndarray, Pieces]] = OrderedDict()
        self._lock = threading.Lock()

    def embed_with_tokens(self, question: str, texts: list[str]) -> tuple[np.ndarray, list[Pieces]]:
        """The vectors and pieces of the question (never remembered) and of each text, as the
        embedder's `embed_with_tokens([question, *texts])` gives them."""
        with self._lock:  # read now: another question's thread may push them out meanwhile
            known = {t: self._remembered[t] for t in texts if t in self._remembered}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        vectors, pieces = self.embeddings.embed_with_tokens([question, *missing])
        fresh = {
            text: (vector, piece)
            for text, vector, piece in zip(missing, vectors[1:], pieces[1:], strict=True)
        }
        found = [fresh.get(t) or known[t] for t in texts]
        with self._lock:
            self._remembered.update(fresh)
            for text in texts:
                if text in self._remembered:
                    self._remembered.move_to_end(text)
            while len(self._remembered) > self.capacity:
                self._remembered.popitem(last=False)
        out = np.stack([vectors[0], *(v for v, _ in found)])
        return out, [pieces[0], *(p for _, p in found)]

    def clear(self) -> None:
        with self._lock:
            self._remembered.clear()

    @contextmanager
    def set_aside(self) -> Iterator[None]:
        """Inside the block nothing is remembered from before it, and after it nothing it
        embedded is: the evaluation's retrieval pass over a question must not warm the memory
        for the answer it then times."""
        with self._lock:
            kept, self._remembered = self._remembered, OrderedDict()
        try:
            yield
        finally:
            with self._lock:
                self._remembered = kept
