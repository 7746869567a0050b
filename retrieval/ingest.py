"""Ingest: files, pages and feeds -> articles -> chunks -> vectors, written to the vector store
and the catalog.

A document counts as ingested only once its catalog row is written, which happens after its
vectors are in Chroma. Re-running after a crash therefore redoes exactly the unfinished
documents, and deterministic chunk ids make the redo an upsert instead of a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.catalog import DocumentRecord
from retrieval.chunking import Chunk, chunk_article, embedding_text
from retrieval.documents import SUPPORTED_SUFFIXES, Article, article_from_page, read_file
from retrieval.errors import BadInputError
from retrieval.index import NewsIndex
from retrieval.plurals import counted
from retrieval.sketches import NEAR_DUPLICATE, resemblance, sketch
from retrieval.web import (
    Fetched,
    Fetcher,
    Validators,
    feed_items,
    fetch_all,
    is_feed,
)

log = logging.getLogger(__name__)
EMBED_BATCH_CHUNKS = 256
WEB_ROOT = "web"  # the root recorded for documents fetched from a URL
Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    """What an ingest did, for the user and for tests."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    aliased: int = 0
    pruned: int = 0
    chunks: int = 0
    stopped_early: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ingested_anything(self) -> bool:
        return bool(self.added or self.updated or self.unchanged or self.aliased)

    def problems(self) -> list[tuple[str, str, str]]:
        """("skipped" | "note", input name, reason) for every input that lost something."""
        return [("skipped", name, reason) for name, reason in self.skipped] + [
            ("note", name, note) for name, note in self.notes
        ]

    def summary(self) -> str:
        parts = [
            f"{self.added} added",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{counted(self.chunks, 'chunk')} written",
        ]
        if self.aliased:
            parts.append(f"{counted(self.aliased, 'duplicate')} kept as aliases")
        if self.pruned:
            parts.append(f"{self.pruned} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.stopped_early:
            parts.append("stopped early (run the same command again to finish)")
        return ", ".join(parts)


@dataclass
class SourceFile:
    path: Path
    root: Path
    doc_id: str


@dataclass
class Pending:
    """An article waiting for its chunk vectors."""

    article: Article
    chunks: list[Chunk]
    file_hash: str
    body_hash: str
    root: str
    is_update: bool


def discover(paths: Iterable[Path]) -> Iterator[SourceFile]:
    """Every supported file under `paths`; ids are relative to the folder named on the command
    line (a file named directly is its own root's child)."""
    for given in paths:
        given = Path(given)
        if given.is_dir():
            root = given.resolve()
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    path = Path(dirpath) / name
                    if path.suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith("."):
                        yield SourceFile(path, root, path.relative_to(root).as_posix())
        elif given.exists():  # a missing path is reported once, by `ingest`
            yield SourceFile(given, given.resolve().parent, given.name)


def body_fingerprint(body: str) -> str:
    """Equal for the same story with different whitespace, punctuation or case."""
    normalised = re.sub(r"[^\w]+", " ", body.lower()).strip()
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def ingest(
    index: NewsIndex,
    paths: Iterable[Path],
    *,
    prune: bool = False,
    progress: Progress | None = None,
    stop: Callable[[], bool] = lambda: False,
    urls: Iterable[str] = (),
) -> IngestReport:
    """Bring the index up to date with the files under `paths`. One bad file never stops it.

    When `stop()` turns true (a shutdown signal), the documents read so far are still embedded and
    written before returning, so a clean shutdown loses nothing and leaves a consistent index."""
    settings = index.settings
    report = IngestReport()
    paths = [Path(p) for p in paths]
    files = list(discover(paths))
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        report.skipped.append((str(path), "no such file or directory"))
    config = f"{settings.chunk_chars}/{settings.chunk_overlap_sentences}".encode()
    catalog = index.catalog
    pending: list[Pending] = []
    seen_ids: set[str] = set()
    batch_fingerprints: dict[str, str] = {}
    batch_sketches: dict[str, frozenset[int]] = {}  # not yet in the catalog
    web_rows: list[tuple] = []  # (url, doc id, ETag, Last-Modified, content hash) to record
    feed_rows: list[tuple] = []
    catalog.backfill()

    def flush() -> None:
        write_pending(index, pending, report)
        for row in web_rows + feed_rows:  # only once their articles are written
            catalog.save_web_page(*row)
        web_rows.clear()
        feed_rows.clear()
        pending.clear()
        batch_fingerprints.clear()
        batch_sketches.clear()

    def duplicate_of(doc_id: str, fingerprint: str, body_sketch: frozenset[int]) -> str | None:
        """The document already kept that this article repeats, exactly or edited."""
        if kept := batch_fingerprints.get(fingerprint):
            return kept
        for kept, other in batch_sketches.items():
            shared = len(body_sketch & other)
            if resemblance(shared, len(body_sketch), len(other)) >= NEAR_DUPLICATE:
                return kept
        rewritten = {p.article.doc_id for p in pending}  # the catalog still has old versions
        for kept in (
            catalog.duplicate_of(fingerprint, doc_id),
            catalog.near_duplicate_of(body_sketch, doc_id),
        ):
            if kept and kept not in rewritten:
                return kept
        return None

    def release_aliases(doc_id: str) -> None:
        """A kept document changed or went away: its aliases are read again in this run, to
        be kept in its place or matched anew."""
        for alias_id, root in catalog.release_aliases(doc_id):
            file_id = alias_id.split("#", 1)[0]
            if (Path(root) / file_id).is_file():
                queue.append(SourceFile(Path(root) / file_id, Path(root), file_id))

    def forget(doc_id: str) -> None:
        remove_document(index, doc_id)
        release_aliases(doc_id)

    def process(source: SourceFile) -> None:
        try:
            raw_hash = hashlib.sha1(source.path.read_bytes() + config).hexdigest()
        except OSError as exc:
            report.skipped.append((source.doc_id, f"cannot read: {exc.strerror or exc}"))
            return
        previous_ids = catalog.ids_from_file(source.doc_id)
        if previous_ids and catalog.file_hash(previous_ids[0]) == raw_hash:
            report.unchanged += len(previous_ids)
            seen_ids.update(previous_ids)
            return
        try:
            parsed = read_file(source.path, source.doc_id, settings.max_file_bytes)
        except BadInputError as exc:
            report.skipped.append((source.doc_id, str(exc)))
            seen_ids.update(previous_ids)  # keep what an earlier, good version left
            return
        report.notes.extend((source.doc_id, note) for note in parsed.notes)
        new_ids = {a.doc_id for a in parsed.articles}
        for stale in set(previous_ids) - new_ids:
            forget(stale)
        for doc_id in set(previous_ids) & new_ids:
            release_aliases(doc_id)
        for article in parsed.articles:
            admit(article, raw_hash, str(source.root), is_update=bool(previous_ids))

    def admit(article: Article, raw_hash: str, root: str, is_update: bool) -> None:
        """Keep an article read from a file or the web, or record it as a duplicate."""
        seen_ids.add(article.doc_id)
        fingerprint = body_fingerprint(article.body)
        body_sketch = sketch(article.body)
        canonical = duplicate_of(article.doc_id, fingerprint, body_sketch)
        if canonical:
            forget(article.doc_id)
            catalog.save_alias(article.doc_id, raw_hash, canonical, root=root)
            report.aliased += 1
            return
        batch_fingerprints[fingerprint] = article.doc_id
        batch_sketches[article.doc_id] = body_sketch
        chunks = chunk_article(article, settings.chunk_chars, settings.chunk_overlap_sentences)
        pending.append(Pending(article, chunks, raw_hash, fingerprint, root, is_update=is_update))

    def download(url: str, known: tuple) -> Fetched | BadInputError:
        """Fetch a URL with the validators of its last fetch, if what it gave is still kept (a
        page's document, or a feed). Network only, so it runs in threads."""
        doc_id, etag, modified, content_hash = known
        kept = doc_id is not None or content_hash is None
        try:
            return fetcher.fetch(url, Validators(etag, modified) if kept else None)
        except BadInputError as exc:
            return exc

    def take_page(url: str, known: tuple, outcome, fallback: dict | None = None) -> None:
        """Keep a fetched page. Unchanged content is skipped before it is read; what changed
        replaces the old chunks."""
        doc_id, _, _, seen_hash = known
        try:
            if isinstance(outcome, BadInputError):
                raise outcome
            if outcome.not_modified:
                report.unchanged += 1
                seen_ids.add(doc_id)
                return
            raw_hash = hashlib.sha1(outcome.text.encode("utf-8") + config).hexdigest()
            if doc_id and raw_hash == seen_hash and catalog.document(doc_id):
                report.unchanged += 1
                seen_ids.add(doc_id)
                return
            article = article_from_page(outcome.text, outcome.url, fallback)
        except BadInputError as exc:
            report.skipped.append((url, str(exc).removeprefix(f"{url}: ")))
            return
        if not article.body.strip():
            report.skipped.append((url, "no article text found"))
            return
        if doc_id and doc_id != article.doc_id:
            forget(doc_id)
        admit(article, raw_hash, WEB_ROOT, is_update=catalog.document(article.doc_id) is not None)
        web_rows.append((url, article.doc_id, outcome.etag, outcome.last_modified, raw_hash))

    def fetch_url(url: str) -> None:
        """A page, or a feed whose items are each fetched as pages (a few at once)."""
        known = catalog.web_page(url)
        outcome = download(url, known)
        if isinstance(outcome, Fetched) and not outcome.not_modified and is_feed(outcome):
            try:
                _, items = feed_items(outcome)
            except BadInputError as exc:
                report.skipped.append((url, str(exc).removeprefix(f"{url}: ")))
                return
            states = [catalog.web_page(item.link) for item in items]
            links = [item.link for item in items]
            results = fetch_all(lambda pair: download(*pair), list(zip(links, states, strict=True)))
            before = len(report.skipped)
            for item, state, result in zip(items, states, results, strict=True):
                fallback = {"title": item.title, "date": item.date, "summary": item.summary}
                take_page(item.link, state, result, fallback)
            if len(report.skipped) - before == len(items):
                report.skipped.append((url, f"none of its {len(items)} items could be read"))
            feed_rows.append((url, None, outcome.etag, outcome.last_modified, None))
        elif isinstance(outcome, Fetched) and outcome.not_modified and known[0] is None:
            report.unchanged += 1  # a feed that has not changed
        else:
            take_page(url, known, outcome)

    def work_through_queue() -> None:
        done: set[str] = set()
        while queue:
            if stop():
                report.stopped_early = True
                break
            source = queue.popleft()
            if str(source.path) in done:
                continue
            done.add(str(source.path))
            if progress:
                progress(len(done), len(done) + len(queue), source.doc_id)
            process(source)
            if sum(len(p.chunks) for p in pending) >= EMBED_BATCH_CHUNKS:
                flush()
        flush()

    queue = deque(files)
    work_through_queue()
    if urls:
        fetcher = Fetcher(settings.fetch_timeout_s, settings.fetch_max_bytes)
        try:
            wanted = list(dict.fromkeys(urls))
            for n, url in enumerate(wanted, 1):
                if stop():
                    report.stopped_early = True
                    break
                if progress:
                    progress(n, len(wanted), url)
                fetch_url(url)
                if sum(len(p.chunks) for p in pending) >= EMBED_BATCH_CHUNKS:
                    flush()
            flush()
        finally:
            fetcher.close()
    if prune and not report.stopped_early:
        roots = {str(s.root) for s in files}
        for doc_id in catalog.doc_ids_under(roots) - seen_ids:
            forget(doc_id)
            report.pruned += 1
        work_through_queue()
    return report


def write_pending(index: NewsIndex, pending: list[Pending], report: IngestReport) -> None:
    """Embed the pending chunks in one batch and write them: all vectors first, then the catalog
    rows in one transaction. A crash in between leaves vectors without rows, which the next run
    overwrites (same ids) before writing the rows."""
    if not pending:
        return
    texts = [embedding_text(p.article.title, c.text) for p in pending for c in p.chunks]
    vectors = index.embeddings.embed_documents(texts)
    if vectors:
        index.store.check_dimension(len(vectors[0]))
    ids, metadatas = [], []
    for item in pending:
        article = item.article
        base = {"source": article.doc_id, "title": article.title, "doc_hash": item.body_hash}
        if article.outlet:
            base["outlet"] = article.outlet
        if article.date:
            base["date"] = article.date
        for c in item.chunks:
            ids.append(c.chunk_id)
            metadatas.append({**base, "start": c.start, "end": c.end, "chunk": c.index})
    index.store.upsert(ids, vectors, metadatas)
    stale = index.store.ids_of([p.article.doc_id for p in pending]) - set(ids)
    index.store.delete(sorted(stale))
    records = []
    for item in pending:
        article = item.article
        record = DocumentRecord(
            doc_id=article.doc_id,
            file_hash=item.file_hash,
            body_hash=item.body_hash,
            title=article.title,
            body=article.body,
            authors=article.authors,
            outlet=article.outlet,
            date=article.date,
            url=article.url,
        )
        records.append((record, item.chunks, item.root))
    index.catalog.save_documents(records)
    for item in pending:
        report.chunks += len(item.chunks)
        if item.is_update:
            report.updated += 1
        else:
            report.added += 1


def remove_document(index: NewsIndex, doc_id: str) -> None:
    """Remove a document's vectors and its catalog row (vectors first, like writing)."""
    ids = index.store.ids_of([doc_id])
    if ids:
        index.store.delete(sorted(ids))
    index.catalog.delete_document(doc_id)


def rebuild(index: NewsIndex) -> None:
    """Drop the collection and the catalog, for `newsqa ingest --rebuild`."""
    index.store.reset()
    index.close()
    index.__dict__.pop("catalog", None)
    for name in ("catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm"):
        (index.data_dir / name).unlink(missing_ok=True)
