"""Extractive answers over the real seeds: cited, verbatim, and refused when not covered."""

import json

import pytest

from bot.answering.language import Entity
from bot.answering.reader import (
    Candidate,
    Sentence,
    choose,
    opening_span,
    quote,
    runner_up,
    shown_in,
)
from bot.answering.service import ANSWER_POOL, AnswerService, answer_pool
from retrieval.catalog import StoredChunk
from retrieval.errors import BadInputError, IndexMissingError
from retrieval.search import Hit
from tests.conftest import (
    NSC_DOC,
    NSC_QUESTION,
    READER_GAP,
    SEEDS,
    TOMAHAWK_DOC,
    cited_numbers,
    run_newsqa,
)


@pytest.fixture
def service(seed_index):
    return AnswerService(seed_index)


def test_answer_names_the_company_and_cites_its_article(service, seed_index):
    answer = service.ask("Which company makes the Tomahawk missiles?")
    assert not answer.refused
    assert "Raytheon" in answer.text
    assert cited_numbers(answer) and answer.sources[0].doc_id == TOMAHAWK_DOC
    raytheon = next(s for s in answer.sources if "Raytheon" in s.quote)
    body = seed_index.catalog.document(raytheon.doc_id).body
    assert body[raytheon.start : raytheon.end] == raytheon.quote


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How long did Trump's trip to the Middle East last?", "36-hour"),
        ("Who is the spokesman for the National Security Council?", "Brian Hughes"),
        ("Which group did Witkoff say Hamas should learn a lesson from?", "Houthis"),
        ("How many of the four key issues had been settled after the proximity talks?", "three"),
    ],
)
def test_answers_quote_the_sentence_that_holds_the_answer(service, question, expected):
    answer = service.ask(question)
    assert expected in answer.text
    for source in answer.sources:
        assert source.quote in answer.text


def test_an_unsure_reader_quotes_both_sentences_each_verbatim(service, seed_index):
    """The White House sentence scores best, the one naming the agency close behind: both are
    quoted, the better first, each resolving to its exact words in the article."""
    answer = service.ask("Which news agency reported on the Tuesday Oval Office meeting?")
    assert "Anadolu" in answer.text and answer.text.count("[1]") == 2, answer.text
    (source,) = answer.sources
    assert len(source.quotes) == 2 and source.quotes[0].text == source.quote
    body = seed_index.catalog.document(source.doc_id).body
    positions = [answer.text.index(q.text) for q in source.quotes]
    assert positions == sorted(positions)
    for q in source.quotes:
        assert body[q.start : q.end] == q.text and q.chunk_id


def test_every_citation_marker_resolves_to_a_verbatim_quote(service):
    answer = service.ask("Who delivered the draft plan to the Ukrainians?")
    assert sorted(set(cited_numbers(answer))) == [s.number for s in answer.sources]
    for source in answer.sources:
        raw = (SEEDS / source.doc_id).read_text()
        assert source.quote.split("\n")[0] in raw


@pytest.mark.parametrize(
    "question",
    [
        "What did the Dalai Lama say about the hostage deal?",
        "What is the capital of Australia?",
        "What did Trump say about buying Greenland?",
        "What recipe do the articles give for sourdough bread?",
    ],
)
def test_questions_the_articles_do_not_cover_are_refused(service, question):
    answer = service.ask(question)
    assert answer.refused
    assert answer.text.startswith("I cannot find this in the articles")
    assert answer.short_answer is None and not cited_numbers(answer)
    assert "hostage" not in answer.text


def test_refusal_names_what_is_missing_and_offers_the_closest_articles(service):
    answer = service.ask("What did the Dalai Lama say about the hostage deal?")
    assert "Dalai" in answer.text
    assert answer.closest


def test_empty_and_overlong_questions_are_rejected_clearly(service):
    with pytest.raises(BadInputError, match="empty"):
        service.ask("   \n ")
    with pytest.raises(BadInputError, match="limit"):
        service.ask("why " * 10_000)


def test_asking_before_anything_was_ingested_says_how_to_fix_it(empty_index):
    with pytest.raises(IndexMissingError, match="newsqa ingest"):
        AnswerService(empty_index).ask("Anything?")


def test_newsqa_ask_end_to_end_through_the_console_script(cli_env):
    ingest = run_newsqa("ingest", str(SEEDS), env=cli_env)
    assert ingest.returncode == 0, ingest.stderr
    shown = run_newsqa("ask", NSC_QUESTION, env=cli_env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Brian Hughes — ") and "[1]" in shown.stdout
    assert NSC_DOC in shown.stdout
    as_json = run_newsqa("ask", "--json", NSC_QUESTION, env=cli_env)
    answer = json.loads(as_json.stdout)
    assert any("Brian Hughes" in s["quote"] and s["doc_id"] == NSC_DOC for s in answer["sources"])
    short = answer["short_answer"]
    assert short["text"] == "Brian Hughes"
    body = (SEEDS / NSC_DOC).read_text()
    assert "Brian Hughes" in body and short["end"] - short["start"] == len("Brian Hughes")


def test_newsqa_ask_without_an_index_prints_one_line(cli_env):
    result = run_newsqa("ask", "Anything?", env=cli_env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: no index")
    assert "Traceback" not in result.stderr


def test_each_retrievers_best_chunks_reach_the_answerer_even_when_fusion_ranks_them_low():
    def hit(n, dense_rank=None, lexical_rank=None):
        chunk = StoredChunk(f"c{n}", f"doc{n}.txt", 0, 10, "text", "title", None, None)
        return Hit(chunk, 1.0 / n, dense_rank=dense_rank, lexical_rank=lexical_rank)

    fused = [hit(n, dense_rank=n + 3, lexical_rank=n + 3) for n in range(1, ANSWER_POOL + 1)]
    bm25_first, dense_second, neither = hit(90, lexical_rank=1), hit(91, dense_rank=2), hit(92, 30)
    pool = answer_pool([*fused, neither, bm25_first, dense_second])
    assert pool[:ANSWER_POOL] == fused
    assert bm25_first in pool and dense_second in pool
    assert neither not in pool


def test_the_second_quote_gives_the_short_answer_the_first_lacks():
    """Unsure between two sentences, the reader quotes both; when only the second shows a name
    of the kind asked for, the answer opens with it, its offsets in the second's article."""
    first_body = "The agency's report on the meeting came out on Tuesday."
    second_body = "Officials met at noon. Anadolu reported the meeting first."
    first = Sentence("a.txt", 0, len(first_body), first_body, rank=1, index=0)
    second = Sentence("b.txt", 23, len(second_body), second_body[23:], rank=2, index=1)
    best, runner = Candidate(first, None, {}, score=0.8), Candidate(second, None, {}, score=0.6)
    name = Candidate(second, Entity("Anadolu", "ORG", 0, 7), {"showable": 1.0}, score=0.7)
    found = [best, runner, name]

    answer, short = choose(found, span_threshold=0.1)
    assert answer is best and short is None
    pick = quote(answer, first_body)
    shown_in(pick, opening_span(found, short, runner_up(found, answer), 0.1), asked=set())
    assert pick.short == "Anadolu" and pick.short_doc_id == "b.txt"
    assert second_body[pick.short_start : pick.short_end] == "Anadolu"

    runner.score = 0.3  # under half the answer's: not quoted, so it gives no short answer
    assert opening_span(found, short, runner_up(found, answer), span_threshold=0.1) is None


def test_a_sum_opens_the_answer_with_its_scale_word(service, seed_index):
    answer = service.ask("How much is the US Treasury lifeline for Argentina?")
    short = answer.short_answer
    assert short is not None and short.text == "$20 billion", answer.text  # not "$20"
    body = seed_index.catalog.document(short.doc_id).body
    assert body[short.start : short.end] == short.text


PHRASE_GAP = (
    READER_GAP + "since the refit of 2026-12-07 (six of our sets in the pool's style fitted on), "
    "the span trees open with another part of the sentence ('purchases')"
)

# Passed with 6 sentences read for spans (the refit of fb97182), fails with 4 (the refit of
# 9eeca5f): the refits choose between them on differences inside the noise.
DIPLOMACY_GAP = READER_GAP + "the span trees open with 'very positive results'"


@pytest.mark.parametrize(
    "question, expected",
    [
        pytest.param(
            "Besides military supplies, how has Beijing helped keep the war in Ukraine going?",
            "oil",
            marks=pytest.mark.xfail(strict=True, reason=PHRASE_GAP),
        ),
        pytest.param(
            "What sort of diplomacy catalysed the breakthrough Witkoff described?",
            "diplomacy",
            marks=pytest.mark.xfail(strict=True, reason=DIPLOMACY_GAP),
        ),
    ],
)
def test_a_question_a_phrase_answers_opens_with_that_phrase(
    service, seed_index, question, expected
):
    answer = service.ask(question)
    short = answer.short_answer
    assert short is not None and expected in short.text and answer.text.startswith(short.text)
    body = seed_index.catalog.document(short.doc_id).body
    assert body[short.start : short.end] == short.text
