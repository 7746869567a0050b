"""A short answer shows the whole name or number as the article writes it, where the entity
recogniser found only part of it ("Bulletin Board" of "OTC Bulletin Board", "4.67" of "A$4.67"),
and a count with what it counts ("3 billion webpages", not "3 billion")."""

from pathlib import Path

import pytest

from bot.answering.language import entity_cache, whole_name
from bot.answering.reader import paired_quotes
from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import make_settings

CORPUS = Path(__file__).parent / "names_corpus"


@pytest.fixture(scope="module")
def service(tmp_path_factory, embeddings):
    index = NewsIndex(make_settings(tmp_path_factory.mktemp("names-index")), embeddings)
    with index.writing():
        ingest(index, [CORPUS])
    yield AnswerService(index)
    index.close()


@pytest.mark.parametrize(
    "question, expected",
    [
        ("On which board did Lookwise shares start trading?", "OTC Bulletin Board"),
        ("How large is the Lookwise search index now?", "3 billion webpages"),
    ],
)
def test_the_short_answer_is_the_whole_name_as_written(service, question, expected):
    answer = service.ask(question)
    assert answer.short_answer is not None, answer.text
    assert answer.short_answer.text == expected
    assert answer.text.startswith(expected)
    record = service.index.catalog.document(answer.short_answer.doc_id)
    assert record.body[answer.short_answer.start : answer.short_answer.end] == expected


@pytest.mark.parametrize(
    "sentence, found, asked, shown",
    [
        ("Arsenal lost 3-1 to Bayern Munich in the first leg.", "3", "", "3-1"),
        ("Its shares closed at A$4.67 on their first day.", "4.67", "", "A$4.67"),
        ("GE forecast growth of 10-15% for this year.", "15%", "", "10-15%"),
        ("Shares in Munich Re and Swiss Re fell.", "Swiss", "", "Swiss Re"),
        ("The result leaves United four points behind.", "four", "how many points", "four"),
    ],
)
def test_a_recognised_part_is_shown_as_the_whole_it_belongs_to(sentence, found, asked, shown):
    """The recogniser's part of a score, a price, a range or a name is shown whole; a word the
    question already says is not added to it."""
    (span,) = [e for e in entity_cache().entities([sentence])[0] if e.text == found]
    parsed = entity_cache().parses([sentence])[0]
    assert whole_name(sentence, span, parsed, set(asked.split())).text == shown


@pytest.mark.parametrize(
    "sentence, found, shown",
    [
        (
            'They are the so-called "one-euro jobs" in Germany.',
            'the so-called "one-euro jobs',
            'the so-called "one-euro jobs"',
        ),
        ('He called them "trackers, not leaders".', '"trackers', "trackers"),
        ('The "nuclear option" was dropped.', 'The "nuclear option"', 'The "nuclear option"'),
    ],
)
def test_a_short_answer_shows_quotation_marks_in_pairs(sentence, found, shown):
    start = sentence.index(found)
    bounds = paired_quotes(sentence, start, start + len(found))
    assert sentence[slice(*bounds)] == shown
