"""The catalog: one SQLite file next to the vector store that holds what Chroma does not.

- `documents`: one row per ingested article (file hash, title, byline, outlet, date, chunk ids),
  written only after its chunks are in the vector store, so a row means "fully ingested". A crash
  mid-document leaves no row and the next ingest redoes that document.
- `aliases`: near-duplicate articles (the same wire story twice) point at the one kept.
- `sketches`: each document's sampled body shingles (`retrieval.sketches`), an inverted table that
  finds a new article's near-duplicate among all earlier ones with one query.
- `acronyms`: the acronyms each document spells out ("UK Internet Forum (UKIF)"), so a question
  using either form also searches for the other.
- `chunks` + `chunks_fts`: the chunk texts and an FTS5 index over them, ranked with BM25, for the
  lexical half of hybrid search. FTS5 updates row by row, so ingest keeps it current incrementally.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.acronyms import definitions
from retrieval.chunking import Chunk
from retrieval.errors import IndexCorruptError
from retrieval.sketches import NEAR_DUPLICATE, resemblance, sketch
from retrieval.terms import content_words, words

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    file_hash TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    outlet TEXT,
    date TEXT,
    url TEXT,
    root TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_body_hash ON documents(body_hash);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date DESC, doc_id);
CREATE TABLE IF NOT EXISTS aliases (
    doc_id TEXT PRIMARY KEY,
    file_hash TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    root TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sketches (
    hash INTEGER NOT NULL,
    doc_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sketches_hash ON sketches(hash);
CREATE INDEX IF NOT EXISTS sketches_doc ON sketches(doc_id);
CREATE TABLE IF NOT EXISTS acronyms (
    short TEXT NOT NULL,
    long TEXT NOT NULL,
    doc_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acronyms_short ON acronyms(short);
CREATE INDEX IF NOT EXISTS acronyms_long ON acronyms(long COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS acronyms_doc ON acronyms(doc_id);
CREATE TABLE IF NOT EXISTS web_pages (
    url TEXT PRIMARY KEY,
    doc_id TEXT,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT
);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    every_s INTEGER NOT NULL,
    refreshed_at REAL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, content='chunks', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;
"""
# Bumped when what `_save_derived` stores changes; older catalogs are backfilled at ingest.
DERIVED_VERSION = 1


@dataclass
class DocumentRecord:
    """What the catalog knows about one ingested article."""

    doc_id: str
    file_hash: str
    body_hash: str
    title: str
    body: str
    authors: list[str] = field(default_factory=list)
    outlet: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as retrieval sees it: where it sits in which article, and how to cite it."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    title: str
    outlet: str | None
    date: str | None
    url: str | None = None
    authors: tuple[str, ...] = ()


class Catalog:
    """Document records and the lexical (BM25) index, in `path` (SQLite, WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
            if "chunk_ids" in columns:  # written by versions before 2026-12-03, never read
                self.db.execute("ALTER TABLE documents DROP COLUMN chunk_ids")
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(
                f"the catalog {path} is unreadable ({exc}); "
                "rebuild it with `newsqa ingest --rebuild PATH`"
            ) from exc

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    # documents -----------------------------------------------------------------------------
    def file_hash(self, doc_id: str) -> str | None:
        """The hash of the file a document (or alias) was last ingested from."""
        row = self.db.execute(
            "SELECT file_hash FROM documents WHERE doc_id=? "
            "UNION ALL SELECT file_hash FROM aliases WHERE doc_id=?",
            (doc_id, doc_id),
        ).fetchone()
        return row[0] if row else None

    def duplicate_of(self, body_hash: str, doc_id: str) -> str | None:
        """An already ingested document with the same normalised body, if any."""
        row = self.db.execute(
            "SELECT doc_id FROM documents WHERE body_hash=? AND doc_id<>? LIMIT 1",
            (body_hash, doc_id),
        ).fetchone()
        return row[0] if row else None

    def near_duplicate_of(self, body_sketch: frozenset[int], doc_id: str) -> str | None:
        """An already ingested document whose body resembles this sketch's at NEAR_DUPLICATE
        or more, if any (the most similar)."""
        if not body_sketch:
            return None
        hashes = list(body_sketch)
        rows = self.db.execute(
            f"SELECT doc_id, count(*) FROM sketches WHERE hash IN ({','.join('?' * len(hashes))})"
            " AND doc_id<>? GROUP BY doc_id ORDER BY 2 DESC LIMIT 3",
            [*hashes, doc_id],
        ).fetchall()
        for candidate, shared in rows:
            size = self.db.execute(
                "SELECT count(*) FROM sketches WHERE doc_id=?", (candidate,)
            ).fetchone()[0]
            if resemblance(shared, len(body_sketch), size) >= NEAR_DUPLICATE:
                return candidate
        return None

    def backfill(self) -> None:
        """Derive the sketches and acronyms of documents written by a version that did not
        (tracked in SQLite's user_version)."""
        if self.db.execute("PRAGMA user_version").fetchone()[0] >= DERIVED_VERSION:
            return
        with self.transaction() as db:
            db.execute("DELETE FROM sketches")
            db.execute("DELETE FROM acronyms")
            for doc_id, body in db.execute("SELECT doc_id, body FROM documents").fetchall():
                self._save_derived(db, doc_id, body)
            db.execute(f"PRAGMA user_version={DERIVED_VERSION}")

    @staticmethod
    def _save_derived(db: sqlite3.Connection, doc_id: str, body: str) -> None:
        """What is derived from a body: its sketch and the acronyms it defines."""
        db.executemany(
            "INSERT INTO sketches VALUES (?,?)", [(value, doc_id) for value in sketch(body)]
        )
        db.executemany(
            "INSERT INTO acronyms VALUES (?,?,?)",
            [(short, long, doc_id) for short, long in definitions(body).items()],
        )

    def other_forms(self, acronyms: list[str], phrases: list[str]) -> list[str]:
        """Long forms of these acronyms and acronyms of these phrases, as some article
        defined them."""
        found = []
        if acronyms:
            found += [
                r[0]
                for r in self.db.execute(
                    f"SELECT DISTINCT long FROM acronyms WHERE short IN "
                    f"({','.join('?' * len(acronyms))}) LIMIT 5",
                    acronyms,
                )
            ]
        if phrases:
            found += [
                r[0]
                for r in self.db.execute(
                    f"SELECT DISTINCT short FROM acronyms WHERE long COLLATE NOCASE IN "
                    f"({','.join('?' * len(phrases))}) LIMIT 5",
                    phrases,
                )
            ]
        return found

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self.db.execute(
            "SELECT doc_id, file_hash, body_hash, title, body, authors, outlet, date, url "
            "FROM documents WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return DocumentRecord(
            doc_id=row[0],
            file_hash=row[1],
            body_hash=row[2],
            title=row[3],
            body=row[4],
            authors=json.loads(row[5]),
            outlet=row[6],
            date=row[7],
            url=row[8],
        )

    def filtered_doc_ids(self, allows: Callable[[str, str | None, str | None], bool]) -> set[str]:
        """Documents for which `allows(doc_id, outlet, date)` is true."""
        rows = self.db.execute("SELECT doc_id, outlet, date FROM documents")
        return {r[0] for r in rows if allows(*r)}

    def outlets(self) -> list[str]:
        """The outlets the documents name, in alphabetical order."""
        rows = self.db.execute(
            "SELECT DISTINCT outlet FROM documents WHERE outlet IS NOT NULL ORDER BY outlet"
        )
        return [r[0] for r in rows]

    def doc_ids(self) -> set[str]:
        """Every ingested document id, aliases included."""
        rows = self.db.execute("SELECT doc_id FROM documents UNION SELECT doc_id FROM aliases")
        return {r[0] for r in rows}

    def newest(self, n: int) -> list[DocumentRecord]:
        """The `n` most recently dated documents, newest first."""
        rows = self.db.execute(
            "SELECT doc_id FROM documents WHERE date IS NOT NULL ORDER BY date DESC, doc_id "
            "LIMIT ?",
            (n,),
        )
        return [self.document(r[0]) for r in rows.fetchall()]

    def canonical(self, doc_id: str) -> str:
        """The kept document a duplicate was recorded as an alias of (or `doc_id` itself)."""
        row = self.db.execute("SELECT canonical_id FROM aliases WHERE doc_id=?", (doc_id,))
        found = row.fetchone()
        return found[0] if found else doc_id

    def aliases_of(self, doc_id: str) -> list[str]:
        rows = self.db.execute("SELECT doc_id FROM aliases WHERE canonical_id=?", (doc_id,))
        return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "documents": one("SELECT count(*) FROM documents").fetchone()[0],
            "aliases": one("SELECT count(*) FROM aliases").fetchone()[0],
            "chunks": one("SELECT count(*) FROM chunks").fetchone()[0],
        }

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    def save_documents(self, items: list[tuple[DocumentRecord, list[Chunk], str]]) -> None:
        """Replace documents' rows and their chunks in the lexical index, in one transaction;
        each item is (record, chunks, root folder)."""
        with self.transaction() as db:
            for record, chunks, root in items:
                self._delete(db, record.doc_id)
                db.execute(
                    "INSERT INTO documents(doc_id, file_hash, body_hash, title, authors, outlet, "
                    "date, url, root, body) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        record.doc_id,
                        record.file_hash,
                        record.body_hash,
                        record.title,
                        json.dumps(record.authors),
                        record.outlet,
                        record.date,
                        record.url,
                        root,
                        record.body,
                    ),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO chunks(chunk_id, doc_id, start, end, title, text) "
                    "VALUES (?,?,?,?,?,?)",
                    [(c.chunk_id, c.doc_id, c.start, c.end, record.title, c.text) for c in chunks],
                )
                self._save_derived(db, record.doc_id, record.body)

    def save_alias(self, doc_id: str, file_hash: str, canonical_id: str, root: str) -> None:
        with self.transaction() as db:
            self._delete(db, doc_id)
            db.execute(
                "INSERT INTO aliases VALUES (?,?,?,?)", (doc_id, file_hash, canonical_id, root)
            )

    def release_aliases(self, canonical_id: str) -> list[tuple[str, str]]:
        """Drop the aliases of a document (it changed or went away); (doc id, root) of each."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT doc_id, root FROM aliases WHERE canonical_id=?", (canonical_id,)
            ).fetchall()
            db.execute("DELETE FROM aliases WHERE canonical_id=?", (canonical_id,))
        return [(r[0], r[1]) for r in rows]

    # web pages ---------------------------------------------------------------------------
    def web_page(self, url: str) -> tuple[str | None, str | None, str | None, str | None]:
        """(document id, ETag, Last-Modified, content hash) recorded for a fetched URL."""
        row = self.db.execute(
            "SELECT doc_id, etag, last_modified, content_hash FROM web_pages WHERE url=?", (url,)
        ).fetchone()
        return tuple(row) if row else (None, None, None, None)

    def save_web_page(
        self,
        url: str,
        doc_id: str | None,
        etag: str | None,
        last_modified: str | None,
        content_hash: str | None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO web_pages VALUES (?, ?, ?, ?, ?)",
                (url, doc_id, etag, last_modified, content_hash),
            )

    # feed subscriptions --------------------------------------------------------------------
    def subscribe(self, url: str, every_s: int) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO feeds (url, every_s) VALUES (?, ?) "
                "ON CONFLICT(url) DO UPDATE SET every_s=excluded.every_s",
                (url, every_s),
            )

    def unsubscribe(self, url: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM feeds WHERE url=?", (url,)).rowcount > 0

    def subscriptions(self) -> list[tuple[str, int, float | None]]:
        """(URL, seconds between refreshes, when last refreshed or None), in URL order."""
        rows = self.db.execute("SELECT url, every_s, refreshed_at FROM feeds ORDER BY url")
        return [tuple(r) for r in rows]

    def refreshed(self, urls: list[str], when: float) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE feeds SET refreshed_at=? WHERE url=?", [(when, u) for u in urls])

    def ids_from_file(self, file_id: str) -> list[str]:
        """Documents read from one file: `file_id` itself, or `file_id#n` for JSON records."""
        rows = self.db.execute(
            "SELECT doc_id FROM documents WHERE doc_id=? OR doc_id GLOB ? "
            "UNION SELECT doc_id FROM aliases WHERE doc_id=? OR doc_id GLOB ? ORDER BY 1",
            (file_id, f"{file_id}#*", file_id, f"{file_id}#*"),
        )
        return [r[0] for r in rows]

    def doc_ids_under(self, roots: set[str]) -> set[str]:
        """Documents (and aliases) ingested from any of the folders `roots`."""
        marks = ",".join("?" * len(roots))
        rows = self.db.execute(
            f"SELECT doc_id FROM documents WHERE root IN ({marks}) "
            f"UNION SELECT doc_id FROM aliases WHERE root IN ({marks})",
            [*roots, *roots],
        )
        return {r[0] for r in rows}

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as db:
            self._delete(db, doc_id)

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM aliases WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM sketches WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM acronyms WHERE doc_id=?", (doc_id,))

    # lexical search ------------------------------------------------------------------------
    def search(
        self, query: str, k: int, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, bm25 score; higher is better) for the best `k` chunks matching any query
        word, optionally only among `doc_ids`."""
        terms = content_words(query) or words(query)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms))
        if doc_ids is None:
            # The best k by BM25 first, then their chunk ids: joined before ranking, every match
            # was looked up (seeds + BBC, 533 questions: median 6.7 ms against 4.1 ms, the same
            # chunks in the same order).
            sql = (
                "SELECT c.chunk_id, best.score FROM (SELECT rowid, -bm25(chunks_fts) AS score "
                "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) "
                "AS best JOIN chunks c ON c.rowid = best.rowid ORDER BY best.score DESC"
            )
            return [(r[0], float(r[1])) for r in self.db.execute(sql, (match, k))]
        ids = list(doc_ids)
        sql = (
            "SELECT c.chunk_id, -bm25(chunks_fts) AS score FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? "
            f"AND c.doc_id IN ({','.join('?' * len(ids))}) ORDER BY bm25(chunks_fts) LIMIT ?"
        )
        return [(r[0], float(r[1])) for r in self.db.execute(sql, [match, *ids, k])]

    def chunks(self, chunk_ids: list[str]) -> dict[str, StoredChunk]:
        """The stored chunks for `chunk_ids`, with their document's citation metadata."""
        if not chunk_ids:
            return {}
        rows = self.db.execute(
            "SELECT c.chunk_id, c.doc_id, c.start, c.end, c.text, d.title, d.outlet, d.date, "
            "d.url, d.authors FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
            f"WHERE c.chunk_id IN ({','.join('?' * len(chunk_ids))})",
            chunk_ids,
        )
        return {r[0]: StoredChunk(*r[:-1], tuple(json.loads(r[-1]))) for r in rows}

    def chunk_at(self, doc_id: str, start: int, end: int) -> str | None:
        """The chunk of `doc_id` that holds `body[start:end]` (the first, where chunks overlap)."""
        row = self.db.execute(
            "SELECT c.chunk_id FROM chunks c WHERE c.doc_id = ? AND c.start <= ? AND c.end >= ? "
            "ORDER BY c.start LIMIT 1",
            (doc_id, start, end),
        ).fetchone()
        return row[0] if row else None

    def vocabulary(self, min_length: int) -> dict[str, int]:
        """Every word of the chunks (Porter stems, as FTS5 indexes them) of at least
        `min_length` letters, with how many chunks hold it."""
        self.db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab "
            "USING fts5vocab(main, chunks_fts, 'row')"
        )
        rows = self.db.execute(
            "SELECT term, doc FROM temp.chunks_vocab WHERE length(term) >= ?", (min_length,)
        )
        return dict(rows)

    def texts_with(self, term: str, n: int = 3) -> list[str]:
        """Texts of up to `n` chunks holding the indexed `term`."""
        rows = self.db.execute(
            "SELECT text FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?", (f'"{term}"', n)
        )
        return [r[0] for r in rows]

    def mentions(self, phrase: str, doc_ids: Iterable[str] | None = None) -> bool:
        """Whether some chunk (of `doc_ids`, when given) holds `phrase`'s words in a row, as the
        lexical index reads them."""
        tokens = words(phrase)
        if not tokens:
            return False
        sql = (
            "SELECT 1 FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ?"
        )
        params: list = ['"' + " ".join(tokens).replace('"', "") + '"']
        if doc_ids is not None:
            ids = list(doc_ids)
            sql += f" AND c.doc_id IN ({','.join('?' * len(ids))})"
            params += ids
        return self.db.execute(sql + " LIMIT 1", params).fetchone() is not None

    def chunk_frequency(self, word: str) -> int:
        """How many chunks contain `word` (after Porter stemming), for IDF weights."""
        token = re.sub(r"[^\w]", "", word.lower())
        if not token:
            return 0
        row = self.db.execute(
            "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{token}"',)
        ).fetchone()
        return row[0]

    def check(self) -> None:
        """A cheap health query; raises `IndexCorruptError` when the file is damaged."""
        try:
            self.db.execute("SELECT count(*) FROM documents").fetchone()
            self.db.execute("SELECT rowid FROM chunks_fts LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(
                f"the catalog {self.path} is damaged ({exc}); "
                "rebuild it with `newsqa ingest --rebuild PATH`"
            ) from exc
