"""Sentence-aware chunks that remember where they sit in the cleaned article body."""

import hashlib
from dataclasses import dataclass

from retrieval.documents import Article
from retrieval.sentences import sentence_spans


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences; `body[start:end] == text` for the article it came from."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str

    @property
    def chunk_id(self) -> str:
        """Deterministic: the same text of the same document always gets the same id."""
        digest = hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:16]
        return f"{self.doc_id}::{digest}"


def embedding_text(title: str, text: str) -> str:
    """What gets embedded and lexically indexed: the title gives every chunk its topic."""
    return f"{title}\n{text}"


def chunk_article(article: Article, max_chars: int, overlap_sentences: int) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_chars` (a longer sentence stands alone),
    repeating the last `overlap_sentences` sentences of a chunk at the start of the next."""
    spans = list(sentence_spans(article.body))
    chunks: list[Chunk] = []
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= max_chars:
            last += 1
        start, end = spans[first][0], spans[last][1]
        chunks.append(Chunk(article.doc_id, len(chunks), start, end, article.body[start:end]))
        if last + 1 >= len(spans):
            break
        first = max(first + 1, last + 1 - overlap_sentences)
    return chunks
