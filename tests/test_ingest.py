"""Ingest into real Chroma: idempotent, follows file changes, survives bad files."""

from pathlib import Path

import pytest

from retrieval.errors import EmbeddingMismatchError
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import SEEDS, TOMAHAWK_DOC, make_settings


def run(index, *paths, **kwargs):
    with index.writing():
        return ingest(index, list(paths), **kwargs)


def test_reingesting_the_same_files_adds_nothing(empty_index, seed_copy):
    first = run(empty_index, seed_copy)
    chunks = empty_index.store.count()
    again = run(empty_index, seed_copy)
    assert (first.added, again.added, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert again.chunks == 0
    assert empty_index.store.count() == chunks == empty_index.catalog.counts()["chunks"]
    assert empty_index.disagreements() == []


def test_every_chunk_carries_its_source_path(empty_index, seed_copy):
    run(empty_index, seed_copy)
    metadatas = empty_index.store.collection.get(include=["metadatas"])["metadatas"]
    assert {m["source"] for m in metadatas} == {p.name for p in seed_copy.iterdir()}


def test_changed_file_replaces_its_old_chunks(empty_index, seed_copy):
    run(empty_index, seed_copy)
    path = seed_copy / TOMAHAWK_DOC
    path.write_text(path.read_text().replace("Raytheon", "Acme Rockets"))
    report = run(empty_index, seed_copy)
    assert (report.updated, report.unchanged) == (1, 4)
    chunk_ids = empty_index.store.ids_of([TOMAHAWK_DOC])
    joined = " ".join(c.text for c in empty_index.catalog.chunks(sorted(chunk_ids)).values())
    assert "Acme Rockets" in joined and "Raytheon" not in joined
    assert empty_index.disagreements() == []


def test_prune_removes_deleted_files_only_with_prune(empty_index, seed_copy):
    run(empty_index, seed_copy)
    (seed_copy / TOMAHAWK_DOC).unlink()
    run(empty_index, seed_copy)
    assert empty_index.store.ids_of([TOMAHAWK_DOC])
    report = run(empty_index, seed_copy, prune=True)
    assert report.pruned == 1
    assert empty_index.store.ids_of([TOMAHAWK_DOC]) == set()
    assert TOMAHAWK_DOC not in empty_index.catalog.doc_ids()
    assert empty_index.disagreements() == []


def test_latin1_and_empty_files_do_not_stop_the_ingest(empty_index, tmp_path):
    folder = tmp_path / "mixed"
    (folder / "sport").mkdir(parents=True)
    (folder / "sport" / "199.txt").write_bytes(
        "Chelsea sack Mutu\n\nChelsea have sacked Adrian Mutu after he failed a drugs test. "
        "The Romanian striker's agent said the café meeting went well.".encode("latin-1")
    )
    (folder / "empty.txt").write_text("")
    (folder / "ok.md").write_text("# Fine\n\nA perfectly fine story about the harbour.")
    report = run(empty_index, folder)
    assert report.added == 2
    assert report.skipped == [("empty.txt", "empty file")]
    assert report.notes[0][0] == "sport/199.txt" and "Latin-1" in report.notes[0][1]
    assert "sport/199.txt" in empty_index.catalog.doc_ids()


def test_duplicate_story_is_kept_once_as_an_alias(empty_index, tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    story = "Storm hits coast\n\nA storm hit the coast on Monday, officials said."
    (folder / "a.txt").write_text(story)
    (folder / "b.txt").write_text(story.replace("Monday,", "Monday ,"))
    report = run(empty_index, folder)
    assert (report.added, report.aliased) == (1, 1)
    assert empty_index.catalog.aliases_of("a.txt") == ["b.txt"]


def edited(text: str) -> str:
    """The same story re-issued: a new headline and one phrase reworded."""
    title, body = text.split("\n", 1)
    return f"{title} (updated)\n{body.replace('Raytheon', 'the US firm Raytheon', 1)}"


def test_edited_copy_of_a_story_is_kept_as_an_alias(empty_index, seed_copy, tmp_path):
    run(empty_index, seed_copy)
    later = tmp_path / "later"
    later.mkdir()
    (later / "reissued.txt").write_text(edited((seed_copy / TOMAHAWK_DOC).read_text()))
    report = run(empty_index, later)
    assert (report.added, report.aliased) == (0, 1)
    assert empty_index.catalog.aliases_of(TOMAHAWK_DOC) == ["reissued.txt"]


def wire_with_copy(tmp_path) -> Path:
    folder = tmp_path / "wire"
    folder.mkdir()
    original = (Path(__file__).parents[1] / "seeds" / TOMAHAWK_DOC).read_text()
    (folder / "a.txt").write_text(original)
    (folder / "b.txt").write_text(edited(original))
    return folder


def test_edited_copy_in_the_same_ingest_is_kept_as_an_alias(empty_index, tmp_path):
    report = run(empty_index, wire_with_copy(tmp_path))
    assert (report.added, report.aliased) == (1, 1)


def test_when_the_kept_copy_is_pruned_its_alias_takes_its_place(empty_index, tmp_path):
    folder = wire_with_copy(tmp_path)
    run(empty_index, folder)
    (folder / "a.txt").unlink()
    report = run(empty_index, folder, prune=True)
    assert (report.pruned, report.added) == (1, 1)
    assert empty_index.catalog.document("b.txt") is not None
    assert empty_index.store.ids_of(["b.txt"])
    assert empty_index.disagreements() == []


def test_when_the_kept_copy_becomes_another_story_its_alias_is_kept_too(empty_index, tmp_path):
    folder = wire_with_copy(tmp_path)
    run(empty_index, folder)
    (folder / "a.txt").write_text("Storm hits coast\n\nA storm hit the coast on Monday.")
    report = run(empty_index, folder)
    assert (report.updated, report.added, report.aliased) == (1, 1, 0)
    assert empty_index.catalog.aliases_of("a.txt") == []
    assert "b.txt" in {
        c.doc_id
        for c in empty_index.catalog.chunks(sorted(empty_index.catalog.all_chunk_ids())).values()
    }


def test_a_story_sharing_only_half_its_text_is_kept(empty_index, tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    original = (Path(__file__).parents[1] / "seeds" / TOMAHAWK_DOC).read_text()
    paragraphs = original.split("\n\n")
    half = len(paragraphs) // 2
    other = (Path(__file__).parents[1] / "seeds").glob("*.txt")
    filler = next(p for p in other if p.name != TOMAHAWK_DOC).read_text().split("\n\n")
    (folder / "a.txt").write_text(original)
    (folder / "b.txt").write_text("\n\n".join(paragraphs[:half] + filler[1 : half + 1]))
    report = run(empty_index, folder)
    assert (report.added, report.aliased) == (2, 0)


def test_collection_built_with_another_model_is_refused(seed_index_dir, embeddings):
    other = NewsIndex(make_settings(seed_index_dir), embeddings)
    other.store.model_name = "some-other-model"
    with pytest.raises(EmbeddingMismatchError, match="rebuild"):
        other.store.check()


def test_cli_ingest_reports_skips_and_fails_only_when_nothing_was_ingested(tmp_path, newsqa):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    failed = newsqa("ingest", str(folder))
    assert failed.returncode == 1
    assert "skipped empty.txt: empty file" in failed.stderr
    assert "Traceback" not in failed.stderr
    (folder / "good.txt").write_text("Good title\n\nA good story about a bridge opening.")
    ok = newsqa("ingest", str(folder))
    assert ok.returncode == 0, ok.stderr
    assert "1 added" in ok.stdout


def test_stats_warns_when_the_vector_store_and_the_catalog_disagree(newsqa, cli_env, embeddings):
    assert newsqa("ingest", str(SEEDS)).returncode == 0
    assert newsqa("stats").returncode == 0
    index = NewsIndex(make_settings(Path(cli_env["NEWSQA_DATA_DIR"])), embeddings)
    index.store.delete(sorted(index.store.all_ids())[:2])
    index.close()
    result = newsqa("stats")
    assert result.returncode == 1
    assert "the catalog has 2 chunks with no vector" in result.stderr
    assert "newsqa ingest --rebuild" in result.stderr
