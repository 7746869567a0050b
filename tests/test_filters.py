"""Filters say what they did: a refusal under a filter blames only the filtered articles (and
without one, only the closest articles when others name what it lacks), a filter that matches
nothing fails at once, and a date range reports the undated articles it left out (all five seeds
are undated)."""

from __future__ import annotations

import json

from bot.answering.question import analyse
from bot.answering.service import AnswerService
from retrieval.search import SearchFilter
from tests.conftest import SEEDS

CAPITOL = "What happened on Capitol Hill?"  # only the seed without an outlet mentions it


def test_a_refusal_under_a_filter_blames_only_the_filtered_articles(seeded_newsqa):
    result = seeded_newsqa("ask", "--filter", "outlet=CNN", CAPITOL)
    assert result.returncode == 3
    assert "the articles matching outlet=CNN never mention Capitol Hill." in result.stdout
    unfiltered = seeded_newsqa("ask", CAPITOL)
    assert "never mention" not in unfiltered.stdout


def test_a_refusal_never_says_the_articles_lack_a_name_that_other_articles_mention(seed_index):
    service = AnswerService(seed_index)
    question = analyse(CAPITOL)
    cnn_only = service.retriever.search(CAPITOL, 6, SearchFilter.parse("outlet=CNN")).pool
    _, checks = service.evidence_checks(question, cnn_only)
    assert checks[0].detail == "the closest articles never mention Capitol Hill"
    _, checks = service.evidence_checks(analyse("What did Trump say about Zanzibar?"), cnn_only)
    assert checks[0].detail == "the articles never mention Zanzibar"


def test_a_filter_that_matches_no_article_is_reported_at_once(seeded_newsqa):
    result = seeded_newsqa("ask", "--filter", "outlet=Reuters", CAPITOL)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no article matches outlet=Reuters (outlets: CNN)"
    search = seeded_newsqa("search", "--filter", "source=nothing/*", "Capitol Hill")
    assert "no article matches source=nothing/*" in search.stderr


def test_a_date_range_over_undated_articles_says_so_and_can_include_them(seeded_newsqa):
    result = seeded_newsqa("ask", "--filter", "outlet=CNN since=2025-01-01", CAPITOL)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no article matches outlet=CNN since=2025-01-01 (2 undated articles left out "
        "by the date filter; add undated=include to search them)"
    )
    included = seeded_newsqa(
        "ask", "--json", "--filter", "since=2025-01-01 undated=include", "Who makes the Tomahawks?"
    )
    answer = json.loads(included.stdout)
    assert not answer["refused"] and "Raytheon" in answer["text"]


def test_an_answer_under_a_date_range_notes_the_undated_articles_left_out(newsqa, tmp_path):
    dated = tmp_path / "dated.json"
    dated.write_text(
        json.dumps(
            {
                "title": "Raytheon wins a missile contract",
                "text": "Raytheon won a contract to build Tomahawk missiles for the Navy. "
                "The deal is worth two billion dollars, officials said on Monday.",
                "date": "2025-10-20",
            }
        )
    )
    assert newsqa("ingest", str(SEEDS), str(dated)).returncode == 0
    question = "Who builds Tomahawk missiles?"
    answer = json.loads(newsqa("ask", "--json", "--filter", "since=2025-10-01", question).stdout)
    assert answer["sources"][0]["doc_id"] == "dated.json"
    assert answer["notice"] == (
        "5 undated articles left out by the date filter; add undated=include to search them"
    )
    search = newsqa("search", "--filter", "since=2025-10-01", "Tomahawk")
    assert search.stdout.startswith("note: 5 undated articles left out")
