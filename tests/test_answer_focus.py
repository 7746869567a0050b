"""What a question asks for decides the answer: a count of the thing asked about, a sum of money,
and the sentence about the question's subject even when it calls that subject "the bank"."""

from pathlib import Path

import pytest

from bot.answering.places import is_region
from bot.answering.question import analyse
from bot.answering.reader import person_name
from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import make_settings

CORPUS = Path(__file__).parent / "focus_corpus"


@pytest.fixture(scope="module")
def service(tmp_path_factory, embeddings):
    index = NewsIndex(make_settings(tmp_path_factory.mktemp("focus-index")), embeddings)
    with index.writing():
        ingest(index, [CORPUS])
    yield AnswerService(index)
    index.close()


def test_a_vice_president_is_asked_for_as_one():
    assert analyse("Who is Brazil's vice president?").roles == [["president"], ["vice"]]
    assert analyse("Who is the mayor of Tokyo?").roles == [["mayor"]]


def test_a_possessive_is_not_a_first_name():
    assert not person_name("Brazil's Petrobras")
    assert person_name("Dan O'Brien") and person_name("Carl-Peter Forster")


def test_how_many_knows_what_it_counts():
    assert analyse("How many civil service jobs did Gordon Brown say would be cut?").unit == [
        "civil",
        "service",
        "jobs",
    ]
    assert analyse("How many people attended the opening night?").unit == ["people"]


@pytest.mark.parametrize(
    "question, focus",
    [
        ("What fine did the FA give Chelsea?", "money"),
        ("What weekly wage would Fernando Morientes earn at Liverpool?", "money"),
        ("How much is Yukos claiming in damages?", "money"),
        ("How much did Singapore's economy grow in 2004?", "number"),
        ("At what level did the bank hold interest rates?", "number"),
        ("By what score did Rangers lose?", "number"),
        ("Which French side knocked Rangers out of the Uefa Cup?", "organisation"),
        ("Which team did Boro beat 2-1 in the UEFA Cup when Morrison scored?", "organisation"),
        ("What was McIlroy's time in the Leipzig indoor meeting?", "number"),
        ("In which town is Saab's loss-making factory?", "settlement"),
        ("Which country did the envoy visit?", "place"),
    ],
)
def test_the_kind_of_answer_a_question_wants(question, focus):
    assert analyse(question).focus == focus


def test_a_count_answers_the_question_that_counts_the_same_thing(service):
    answer = service.ask("How many net cafes did Freedonian authorities close?")
    assert "4,210" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Who said the 4,210 net cafes were closed?",  # a number with a thousands separator
        "Which authorities shut 4,210 cafes near schools in 300m?",  # "300m" found as "300 metres"
    ],
)
def test_a_number_in_the_question_is_found_as_the_article_writes_it(service, question):
    answer = service.ask(question)
    assert not answer.refused, answer.text
    assert "interior ministry" in answer.text


def test_a_count_of_something_else_is_not_an_answer(service):
    answer = service.ask("How many schools did Freedonian authorities inspect?")
    assert answer.refused, answer.text


def test_a_money_question_is_not_answered_without_a_sum(service):
    answer = service.ask("What fine did the Freedonian interior ministry give the net cafes?")
    assert answer.refused, answer.text


def test_what_was_her_time_is_answered_with_a_time(service):
    answer = service.ask("What was Ada Quist's time at the Harbour Games?")
    assert "52.31 seconds" in answer.sources[0].quote, answer.text


def test_a_bid_for_a_player_is_not_his_wage(service):
    answer = service.ask("What weekly wage would Joe Tamsin earn at Calder Athletic?")
    assert answer.refused, answer.text


def test_the_sentence_about_the_subject_wins_even_when_it_says_the_bank(service):
    answer = service.ask("At what level did Ruritania's central bank hold interest rates?")
    assert "2.75%" in answer.text
    assert answer.sources[0].doc_id == "rates.txt"


def test_which_town_is_not_answered_by_a_country(service):
    answer = service.ask("In which town will Bellport Ferries open its new repair depot?")
    assert "Kesterby" in answer.text, answer.text


@pytest.mark.parametrize(
    "name, region",
    [
        ("Sweden", True),
        ("Alaska", True),
        ("the United States", True),
        ("Wales", True),
        ("Russia", True),
        ("New York", False),
        ("Washington", False),
        ("Singapore", False),
        ("Budapest", False),
    ],
)
def test_countries_and_states_are_regions_but_cities_named_like_them_are_not(name, region):
    assert is_region(name) == region


def test_a_question_naming_the_spelled_out_form_finds_the_acronym(service):
    answer = service.ask("Who is the director of the Harbour Traders Forum?")
    assert "Ann Okafor" in answer.text, answer.text


def test_who_is_the_role_is_not_answered_by_someone_else(service):
    answer = service.ask("Who is the mayor of Port Vellmar?")
    assert answer.refused, answer.text


def test_a_hyphenated_first_name_answers_who(service):
    answer = service.ask("Who is the chief curator of the Vellmar Harbour Museum?")
    assert "Jean-Luc Marais" in answer.text, answer.text


def test_the_wh_word_not_a_later_when_sets_the_focus(service):
    answer = service.ask("Which team did Vellmar Rovers beat 2-1 when Tom Reyes scored?")
    assert "Calder Athletic" in answer.text, answer.text
