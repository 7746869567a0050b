"""Chunks are whole sentences and point back at the exact characters of the article body."""

from retrieval.chunking import chunk_article
from retrieval.documents import Article, read_file
from retrieval.sentences import sentence_spans
from tests.conftest import SEEDS


def test_chunks_are_exact_spans_of_the_body():
    for path in sorted(SEEDS.iterdir()):
        article = read_file(path, path.name, 10**7).articles[0]
        chunks = chunk_article(article, 600, 1)
        assert chunks
        for chunk in chunks:
            assert article.body[chunk.start : chunk.end] == chunk.text
            assert len(chunk.text) <= 600 or "\n" not in chunk.text


def test_chunks_end_on_sentence_boundaries_and_overlap_by_one_sentence():
    body = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_article(Article("d", "T", body), 120, 1)
    for chunk in chunks:
        assert chunk.text.startswith("Sentence") and chunk.text.endswith("here.")
    last_of_first = chunk_article(Article("d", "T", body), 120, 1)[0].text.split(". ")[-1]
    assert chunks[1].text.startswith(last_of_first.rstrip("."))


def test_abbreviations_and_initials_do_not_split_sentences():
    text = "Senior U.S. officials met Mr. Smith at 3 p.m. on Monday. J. K. Rowling was there."
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "Senior U.S. officials met Mr. Smith at 3 p.m. on Monday.",
        "J. K. Rowling was there.",
    ]


def test_chunk_ids_are_deterministic_and_change_with_the_text():
    article = Article("doc.txt", "T", "One sentence here. Another one there.")
    first, again = chunk_article(article, 600, 0), chunk_article(article, 600, 0)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    changed = chunk_article(Article("doc.txt", "T", "One sentence here. Changed."), 600, 0)
    assert changed[0].chunk_id != first[0].chunk_id
