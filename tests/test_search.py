"""Hybrid search puts the right seed article first."""

import pytest

from retrieval.search import Retriever, SearchFilter

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
