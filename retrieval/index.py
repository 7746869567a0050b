"""The index: the vector store and the catalog, opened together from one settings object."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from filelock import FileLock, Timeout

from retrieval.catalog import Catalog
from retrieval.embeddings import embedding_name, make_embeddings
from retrieval.errors import IndexMissingError, StoreLockedError
from retrieval.plurals import counted
from retrieval.settings import RetrievalSettings
from retrieval.store import VectorStore

log = logging.getLogger(__name__)
# A model load takes well under a second; a load still running after this is abandoned.
WARM_UP_JOIN_S = 20.0


class NewsIndex:
    """Everything retrieval reads and ingest writes. Opening is cheap: the embedding model, the
    vector store and the catalog load on first use."""

    def __init__(self, settings: RetrievalSettings | None = None, embeddings=None) -> None:
        self.settings = settings or RetrievalSettings()
        self._embeddings = embeddings
        self._warm_up: threading.Thread | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @cached_property
    def embeddings(self):
        return self._embeddings or make_embeddings(self.settings)

    @cached_property
    def store(self) -> VectorStore:
        return VectorStore(self.settings, embedding_name(self.embeddings))

    @cached_property
    def catalog(self) -> Catalog:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return Catalog(self.data_dir / "catalog.sqlite3")

    def warm_up_in_background(self) -> None:
        """Start loading a local embedding model while the caller goes on (a hosted one needs no
        loading, and a warm-up call would cost a request). `close()` joins it with a bound.

        A daemon thread: a non-daemon one kept `threading._shutdown` waiting at exit after an
        error. OpenVINO killed mid-load at interpreter exit aborts the process, so every command
        that starts one ends in `close()`, which waits for the load to finish first."""
        warm_up = getattr(self.embeddings, "warm_up", None)
        if warm_up and self._warm_up is None:
            self._warm_up = threading.Thread(target=warm_up, name="warm-up", daemon=True)
            self._warm_up.start()

    def describe(self) -> str:
        """The one-line summary `stats`, the REPL and Discord show."""
        counts = self.catalog.counts()
        return (
            f"{counted(counts['documents'], 'document')} ({counted(counts['aliases'], 'duplicate')}"
            f" as aliases), {counted(counts['chunks'], 'chunk')}, model {self.store.model_name}, "
            f"store {self.settings.chroma_url or self.data_dir}"
        )

    def disagreements(self) -> list[str]:
        """Where the vector store and the catalog disagree; empty when they agree. A crash
        mid-ingest leaves vectors without a catalog row until the same ingest is run again."""
        problems = []
        vector_ids, catalog_ids = self.store.all_ids(), self.catalog.all_chunk_ids()
        if extra := vector_ids - catalog_ids:
            problems.append(
                f"the vector store has {counted(len(extra), 'chunk')} the catalog lacks"
            )
        if missing := catalog_ids - vector_ids:
            problems.append(f"the catalog has {counted(len(missing), 'chunk')} with no vector")
        return problems

    def exists(self) -> bool:
        """True if something was ingested (the catalog is written last, so it is the marker)."""
        return (self.data_dir / "catalog.sqlite3").exists() and self.catalog.counts()["chunks"] > 0

    def require(self) -> None:
        """Raise a clear error when there is nothing to search yet, or the index is damaged."""
        if not self.exists():
            raise IndexMissingError(
                f"no index in {self.data_dir} yet; run `newsqa ingest seeds/` first"
            )
        self.catalog.check()
        self.store.check()

    @contextmanager
    def writing(self):
        """Hold the writer lock for the data directory; a second writer fails at once."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.data_dir / "write.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise StoreLockedError(
                f"another newsqa process is writing to {self.data_dir}; wait for it to finish"
            ) from None
        try:
            yield self
        finally:
            lock.release()

    def close(self) -> None:
        """Close the catalog and wait (bounded) for a background model load."""
        if self._warm_up is not None:
            self._warm_up.join(WARM_UP_JOIN_S)
            self._warm_up = None
        if "catalog" in self.__dict__:
            self.catalog.close()
