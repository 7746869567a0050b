"""Passages: the top chunks widened with the whole sentences around them.

Chunks are small (600 characters) so that retrieval and the reader score text close to one
answer. A person reading the evidence, or a language model answering from it, needs more of the
story: the answer often sits in the sentence after the one that matched. A passage grows its
chunk by whole sentences, one after and then one before, up to `max_chars`
(`NEWSQA_PASSAGE_CHARS`, by default 1,000: the size of the chunks the LangChain recipe
retrieves), and never into a sentence that a passage of the same article already shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from retrieval.sentences import remembered_spans

if TYPE_CHECKING:
    from retrieval.search import Hit


class Passages:
    """Grows a hit into its passage, given the passages of its article already chosen."""

    def __init__(self, body_of: Callable[[str], str | None], max_chars: int) -> None:
        self.body_of = body_of
        self.max_chars = max_chars

    def __call__(self, hit: Hit, shown: list[Hit]) -> Hit:
        """`hit` with its chunk grown; `body[start:end] == text` still holds, so citations into
        it stay exact. A chunk whose article changed since it was indexed stays as it is."""
        chunk = hit.chunk
        body = self.body_of(chunk.doc_id)
        if body is None or body[chunk.start : chunk.end] != chunk.text:
            return hit
        spans = remembered_spans(body)
        inside = [i for i, (s, e) in enumerate(spans) if s >= chunk.start and e <= chunk.end]
        if not inside:
            return hit
        free = [not any(h.chunk.start < e and s < h.chunk.end for h in shown) for s, e in spans]
        first, last = inside[0], inside[-1]
        while True:
            grew = False
            after, before = last + 1, first - 1
            if after < len(spans) and free[after] and self.fits(spans[first][0], spans[after][1]):
                last, grew = after, True
            if before >= 0 and free[before] and self.fits(spans[before][0], spans[last][1]):
                first, grew = before, True
            if not grew:
                break
        start, end = min(chunk.start, spans[first][0]), max(chunk.end, spans[last][1])
        return replace(hit, chunk=replace(chunk, start=start, end=end, text=body[start:end]))

    def fits(self, start: int, end: int) -> bool:
        return end - start <= self.max_chars
