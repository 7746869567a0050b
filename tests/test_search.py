"""Hybrid search puts the right seed article first and shows each hit as a passage."""

import itertools

import pytest

from retrieval.search import Retriever, SearchFilter
from retrieval.sentences import sentence_spans

CASES = [
    ("How long did Trump's trip to the Middle East last?", "000_819f83673a16a71b.txt"),
    ("Who is the spokesman for the National Security Council?", "001_4f7398dcd4859725.txt"),
    ("Which group did Witkoff say Hamas should learn a lesson from?", "002_37c46e8199f88752.txt"),
    ("Who delivered the draft plan to the Ukrainians?", "003_eb4ef2e04cf15c9e.txt"),
    ("Which news agency reported on the Tuesday Oval Office meeting?", "004_8bbeadb7ac7fca71.txt"),
]


@pytest.mark.parametrize("question, expected", CASES)
def test_right_article_ranks_first(seed_index, question, expected):
    hits = Retriever(seed_index).search(question, k=4).hits
    assert hits[0].chunk.doc_id == expected
    assert all(h.found_by for h in hits)


def test_filter_restricts_results_to_matching_sources(seed_index):
    where = SearchFilter.parse("source=004_*")
    hits = Retriever(seed_index).search("Trump and Putin", k=4, where=where).hits
    assert hits and {h.chunk.doc_id for h in hits} == {"004_8bbeadb7ac7fca71.txt"}


def test_outlet_filter_and_bad_filters(seed_index):
    cnn = SearchFilter.parse("outlet=CNN")
    hits = Retriever(seed_index).search("ceasefire", k=6, where=cnn).hits
    assert hits and all(h.chunk.outlet == "CNN" for h in hits)
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        SearchFilter.parse("since=yesterday")


def test_hits_are_passages_of_whole_sentences_grown_from_their_chunks(seed_index):
    """What a person reads and a model answers from is more of the story than the 600-character
    chunk that matched, never cut mid-sentence, and no two passages repeat each other."""
    hits = Retriever(seed_index).search("Who delivered the draft plan to the Ukrainians?", k=6).hits
    catalog, limit = seed_index.catalog, seed_index.settings.passage_chars
    stored = catalog.chunks([h.chunk.chunk_id for h in hits])
    for hit in hits:
        passage, chunk = hit.chunk, stored[hit.chunk.chunk_id]
        body = catalog.document(passage.doc_id).body
        assert body[passage.start : passage.end] == passage.text
        assert passage.start <= chunk.start and chunk.end <= passage.end
        assert len(passage.text) <= max(limit, len(chunk.text))
        spans = list(sentence_spans(body))
        assert passage.start in {s for s, _ in spans} and passage.end in {e for _, e in spans}
    assert any(len(h.chunk.text) > seed_index.settings.chunk_chars for h in hits)
    for a, b in itertools.combinations(hits, 2):
        if a.chunk.doc_id == b.chunk.doc_id:
            shared = min(a.chunk.end, b.chunk.end) - max(a.chunk.start, b.chunk.start)
            assert shared < 0.5 * min(len(a.chunk.text), len(b.chunk.text))
