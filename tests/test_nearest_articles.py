"""A question often names its story in words its article does not use ("Which *Glasgow* club
did the Welsh striker join?" about an article that never says Glasgow). When no article found
names everything the question names, those naming the most of it may answer, and the answer
says so; a name no indexed article has still refuses, and an article without a number the
question states never answers in its place."""

from pathlib import Path

import pytest

from bot.answering.evidence import coverage
from bot.answering.question import analyse
from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import make_llm_settings, make_settings
from tests.scripted_llm import ScriptedLLM

CORPUS = Path(__file__).parent / "nearest_corpus"
LOAN = (CORPUS / "loan.txt").read_text()
GLASGOW = (
    "Which Glasgow club did the Welsh striker join on loan after his row with the Dunmore manager?"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory, embeddings):
    index = NewsIndex(make_settings(tmp_path_factory.mktemp("nearest-index")), embeddings)
    with index.writing():
        ingest(index, [CORPUS])
    yield index
    index.close()


@pytest.fixture(scope="module")
def service(index):
    return AnswerService(index)


def test_the_article_naming_most_of_the_question_answers_and_says_so(service):
    answer = service.ask(GLASGOW)
    assert not answer.refused, answer.text
    assert "has joined Kelvin Rovers on loan" in answer.text
    assert answer.sources[0].doc_id == "loan.txt"
    assert "never mention all of Glasgow, Welsh, Dunmore together" in answer.notice


def test_a_name_no_article_has_still_refuses(service):
    answer = service.ask("Which Cardiff club did the Welsh striker join on loan?")
    assert answer.refused
    assert "the articles never mention Cardiff" in answer.text


@pytest.mark.parametrize(
    "question, nearest",
    [
        ("Which Glasgow club did the Welsh striker join on loan?", {"loan"}),
        ("Which club did the Welsh striker join on loan in 2019?", set()),
    ],
)
def test_an_article_without_the_number_asked_about_is_never_the_nearest(question, nearest):
    assert coverage(analyse(question), {"loan": LOAN}).nearest_docs == nearest


def test_the_llm_is_asked_too(index):
    """The LLM chain lets the same articles answer as the offline reader."""
    llm = ScriptedLLM().start()
    try:
        settings = make_llm_settings(OPENAI_BASE_URL=llm.base_url, NEWSQA_MODEL="scripted")
        service = AnswerService(index, settings)
        hits = service.gather(analyse(GLASGOW), GLASGOW, service.settings.top_k, None).hits
        n = next(n for n, h in enumerate(hits, 1) if "Kelvin Rovers on loan" in h.chunk.text)
        llm.enqueue(f"Alan Pryce has joined Kelvin Rovers on loan [{n}].")
        answer = service.ask(GLASGOW)
    finally:
        llm.stop()
    assert answer.mode == "llm" and not answer.refused, answer.text
    assert len(llm.requests) == 1
    assert answer.sources[0].doc_id == "loan.txt"
