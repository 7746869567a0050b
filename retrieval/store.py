"""The vector store: Chroma, embedded (`PersistentClient` in the data directory) by default or a
Chroma server when `NEWSQA_CHROMA_URL` is set; the rest of the code path is the same for either.

Searches go to the chromadb collection directly rather than through langchain-chroma's wrapper,
whose import (LangChain's retriever and tracing modules) cost 0.6 s of every `newsqa ask`."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import sys
from functools import cache, cached_property
from urllib.parse import urlparse

from retrieval.errors import (
    EmbeddingMismatchError,
    IndexCorruptError,
    IndexMissingError,
    NewsQAError,
)
from retrieval.settings import RetrievalSettings
from retrieval.unused_modules import hidden, stood_in

log = logging.getLogger(__name__)
WRITE_BATCH = 1000
# How widely HNSW searches (Chroma's `ef_search`). At Chroma's default of 100 the 40 nearest
# chunks missed 126 of the exact 8,000 for 200 questions on the BBC index (11,542 chunks), and
# which ones changed from one process to the next: two `newsqa train` runs of the same code on
# the same index fitted different rankers. At 400 it missed 10, and 1 of 386 questions still
# differed between two processes; at 1,000 it missed 1 and three processes agreed on all 386,
# for 9 ms a search against 6 (p50, this 2-core AVX2 machine).
SEARCH_BREADTH = 1000
# What chromadb imports from modules newsqa never uses: the embedding functions of other
# providers (it reads the table only for a collection made with one) and the OTLP exporter.
CHROMADB_UNUSED = {
    "chromadb.utils.embedding_functions": (
        "known_embedding_functions",
        "register_embedding_function",
    ),
    "opentelemetry.exporter.otlp.proto.grpc.trace_exporter": ("OTLPSpanExporter",),
}


def import_chromadb():
    """chromadb, imported without the `overrides` package's signature checks. chromadb marks
    about 160 methods `@override`, and checking one disassembles the class body that defines it:
    0.2-0.3 s of every `newsqa ask`, spent re-proving chromadb's own class hierarchy. The
    `__override__` marker its `EnforceOverrides` classes look for is still set, and the real
    decorator is put back once chromadb is loaded. Modules it imports that newsqa never uses
    (`CHROMADB_UNUSED`, httpx's command line) are left out meanwhile."""
    if "chromadb" in sys.modules:
        return sys.modules["chromadb"]
    import overrides

    def mark(method=None, **_options):
        def marked(function):
            function.__override__ = True
            return function

        return marked if method is None else marked(method)

    checked = overrides.override, overrides.overrides
    overrides.override = overrides.overrides = mark
    try:
        with hidden("httpx._main"), stood_in(CHROMADB_UNUSED):
            import chromadb
    finally:
        overrides.override, overrides.overrides = checked
    return chromadb


@cache
def store_errors() -> tuple[type[BaseException], ...]:
    """What Chroma and its SQLite raise for a damaged store or an unreachable server. Anything
    else is a bug and surfaces as one, instead of a hint to rebuild the index. (chromadb
    reports a refused connection as ValueError, an HTTP failure as httpx's error.)"""
    import httpx

    chromadb = import_chromadb()
    return (chromadb.errors.ChromaError, sqlite3.Error, OSError, ValueError, httpx.HTTPError)


def is_rust_panic(exc: BaseException) -> bool:
    """chromadb's Rust bindings turn a panic (a damaged file, say) into pyo3's PanicException,
    a BaseException that cannot be imported by name."""
    return type(exc).__name__ == "PanicException"


def make_client(settings: RetrievalSettings):
    """A chromadb client for the configured store."""
    chromadb = import_chromadb()

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = {}
        if settings.chroma_auth_header:
            name, _, value = settings.chroma_auth_header.partition(":")
            headers[name.strip()] = value.strip()
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                tenant=settings.chroma_tenant,
                database=settings.chroma_database,
            )
        except store_errors() as exc:
            raise IndexMissingError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from exc
    path = settings.data_dir / "chroma"
    try:
        return chromadb.PersistentClient(
            path=str(path), settings=chromadb.Settings(anonymized_telemetry=False)
        )
    except BaseException as exc:
        if not (isinstance(exc, store_errors()) or is_rust_panic(exc)):
            raise
        raise IndexCorruptError(
            f"the vector store in {path} cannot be opened ({exc}); "
            "rebuild it with `newsqa ingest --rebuild PATH`"
        ) from exc


class VectorStore:
    """One Chroma collection whose metadata records the embedding model and its dimension."""

    def __init__(self, settings: RetrievalSettings, model_name: str) -> None:
        self.settings = settings
        self.model_name = model_name

    @cached_property
    def client(self):
        return make_client(self.settings)

    @cached_property
    def collection(self):
        """The collection, created on first use; refuses one built with another model."""
        try:
            collection = self.client.get_or_create_collection(
                self.settings.collection,
                metadata={"embedding_model": self.model_name},
                configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_BREADTH}},
                embedding_function=None,
            )
            if collection.configuration["hnsw"]["ef_search"] < SEARCH_BREADTH:  # an older index
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_BREADTH}})
        except store_errors() as exc:
            raise IndexCorruptError(
                f"cannot open the collection {self.settings.collection!r}: {exc}; "
                "rebuild it with `newsqa ingest --rebuild PATH`"
            ) from exc
        recorded = (collection.metadata or {}).get("embedding_model")
        if recorded and recorded != self.model_name:
            raise EmbeddingMismatchError(
                f"the index was built with {recorded!r} but the configured model is "
                f"{self.model_name!r}; use that model or rebuild with `newsqa ingest --rebuild`"
            )
        return collection

    def check_dimension(self, dimension: int) -> None:
        recorded = (self.collection.metadata or {}).get("dimension")
        if recorded is None:
            self.collection.modify(metadata={**self.collection.metadata, "dimension": dimension})
        elif recorded != dimension:
            raise EmbeddingMismatchError(
                f"the index holds {recorded}-d vectors but the model makes {dimension}-d ones; "
                "rebuild with `newsqa ingest --rebuild`"
            )

    def upsert(self, ids, vectors, metadatas) -> None:
        """Write vectors and their metadata. The chunk texts live in the catalog: Chroma would
        index them for full-text search, which nothing here uses (measured: half of the time an
        upsert takes)."""
        for first in range(0, len(ids), WRITE_BATCH):
            end = first + WRITE_BATCH
            self.collection.upsert(
                ids=ids[first:end], embeddings=vectors[first:end], metadatas=metadatas[first:end]
            )

    def delete(self, ids: list[str]) -> None:
        for first in range(0, len(ids), WRITE_BATCH):
            self.collection.delete(ids=ids[first : first + WRITE_BATCH])

    def ids_of(self, doc_ids: list[str]) -> set[str]:
        """The chunk ids stored for these documents."""
        ids: set[str] = set()
        for first in range(0, len(doc_ids), WRITE_BATCH):
            batch = doc_ids[first : first + WRITE_BATCH]
            ids.update(self.collection.get(where={"source": {"$in": batch}}, include=[])["ids"])
        return ids

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while batch := self.collection.get(include=[], limit=10_000, offset=offset)["ids"]:
            ids.update(batch)
            offset += len(batch)
        return ids

    def count(self) -> int:
        return self.collection.count()

    def search(self, vector: list[float], k: int, where: dict | None = None):
        """(chunk_id, cosine similarity) of the `k` nearest chunks (none from an empty store)."""
        try:
            found = self.collection.query(
                query_embeddings=[vector], n_results=k, where=where or None, include=["distances"]
            )
        except store_errors() as exc:
            raise self.unreachable(exc) from exc
        return [
            (chunk_id, 1.0 - distance)
            for chunk_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    def unreachable(self, exc: Exception) -> NewsQAError:
        """A server that went away: forget the connection so the next call reconnects."""
        if not self.settings.chroma_url:
            return IndexCorruptError(
                f"the vector store failed ({exc}); rebuild it with `newsqa ingest --rebuild PATH`"
            )
        for name in ("client", "collection", "checked"):
            self.__dict__.pop(name, None)
        return IndexMissingError(
            f"lost the Chroma server at {self.settings.chroma_url} ({type(exc).__name__}); "
            "it will be retried with the next question"
        )

    def check(self) -> None:
        """A health query (count and fetch one record), once per connection. Every question
        asks for it (3 ms on the BBC index); a store that fails later fails its search with the
        same message (`unreachable`), and a new connection is checked again."""
        if self.__dict__.get("checked"):
            return
        try:
            self.collection.count()
            self.collection.peek(1)
        except store_errors() as exc:
            if self.settings.chroma_url:
                raise self.unreachable(exc) from exc
            raise IndexCorruptError(
                f"the vector store failed its health check ({exc}); "
                "rebuild it with `newsqa ingest --rebuild PATH`"
            ) from exc
        self.checked = True

    def reset(self) -> None:
        """Drop the collection (for --rebuild). An embedded store is removed from disk, so a
        store too damaged to open can still be rebuilt."""
        if not self.settings.chroma_url:
            shutil.rmtree(self.settings.data_dir / "chroma", ignore_errors=True)
        else:
            try:
                self.client.delete_collection(self.settings.collection)
            except store_errors() as exc:
                log.info("no collection to drop: %s", exc)
        for name in ("client", "collection", "checked"):
            self.__dict__.pop(name, None)
