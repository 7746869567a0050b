"""The retrieval recipes a user would otherwise pick, measured beside newsqa with the same
embedding model over the same cleaned articles:

- `langchain-default`: the LangChain RAG tutorial, RecursiveCharacterTextSplitter(1000, 200) and
  Chroma similarity search;
- `bm25`: bm25s over those same chunks.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from retrieval.index import NewsIndex

COLLECTION = "peer-langchain-default"


@dataclass
class PeerHit:
    doc_id: str
    text: str


class PeerIndex:
    """Both peers, built from the documents already in a newsqa catalog."""

    def __init__(self, index: NewsIndex) -> None:
        self.index = index
        self.chunks: list[PeerHit] = []
        self._bm25 = None
        self._vectors = None

    def build(self, progress=None) -> float:
        """Split, embed and store the peer chunks (reused when already built). Returns the
        seconds spent embedding and writing, for the ingest benchmark."""
        import time

        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        rows = self.index.catalog.db.execute(
            "SELECT doc_id, title, body FROM documents ORDER BY doc_id"
        ).fetchall()
        texts, metadatas, ids = [], [], []
        for doc_id, title, body in rows:
            for n, piece in enumerate(splitter.split_text(f"{title}\n\n{body}")):
                texts.append(piece)
                metadatas.append({"source": doc_id})
                ids.append(f"{doc_id}::{n}::{hashlib.sha1(piece.encode()).hexdigest()[:8]}")
        self.chunks = [PeerHit(m["source"], t) for m, t in zip(metadatas, texts, strict=True)]
        self._vectors = Chroma(
            collection_name=COLLECTION,
            client=self.index.store.client,
            embedding_function=self.index.embeddings,
        )
        started = time.perf_counter()
        existing = self._vectors._collection.count()
        if existing != len(ids):
            self.index.store.client.delete_collection(COLLECTION)
            self._vectors = Chroma(
                collection_name=COLLECTION,
                client=self.index.store.client,
                embedding_function=self.index.embeddings,
            )
            for first in range(0, len(ids), 256):
                batch = slice(first, first + 256)
                self._vectors.add_texts(texts[batch], metadatas[batch], ids=ids[batch])
                if progress:
                    progress(min(first + 256, len(ids)), len(ids))
        seconds = time.perf_counter() - started
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._bm25 = bm25s.BM25()
        self._bm25.index(
            bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False
        )
        return seconds

    def langchain_default(self, query: str, k: int) -> list[PeerHit]:
        docs = self._vectors.similarity_search(query, k=k)
        return [PeerHit(d.metadata["source"], d.page_content) for d in docs]

    def bm25(self, query: str, k: int) -> list[PeerHit]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        results, _ = self._bm25.retrieve(tokens, k=min(k, len(self.chunks)), show_progress=False)
        return [self.chunks[i] for i in results[0]]
