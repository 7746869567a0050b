"""`--json` is a contract scripts rely on: a versioned, documented answer object, a status per
outcome, and output that survives a pipe."""

from __future__ import annotations

import json

from bot.answering.answer import SCHEMA_VERSION
from tests.conftest import NSC_DOC, NSC_QUESTION, SEEDS, TOMAHAWK_DOC, run_newsqa

UNANSWERABLE = "What did the Pope say about Venezuela?"


def test_schema_command_describes_every_field_of_the_answer_object(seeded_newsqa):
    schema = json.loads(seeded_newsqa("schema").stdout)
    answer = json.loads(seeded_newsqa("ask", "--json", NSC_QUESTION).stdout)
    assert set(answer) == set(schema["properties"])
    reasons = schema["properties"]["refusal_reason"]["anyOf"][0]["enum"]
    assert {"no_articles", "terms_not_found", "no_answer"} <= set(reasons)
    assert answer["schema_version"] == SCHEMA_VERSION


def test_sources_carry_their_chunk_url_and_authors(seeded_newsqa):
    answer = json.loads(seeded_newsqa("ask", "--json", "Which company makes the Tomahawks?").stdout)
    (source,) = answer["sources"]
    assert source["doc_id"] == TOMAHAWK_DOC
    assert source["authors"] == ["Kevin Liptak"]
    assert "url" in source
    chunk = next(r for r in answer["retrieved"] if r["chunk_id"] == source["chunk_id"])
    assert source["quote"] in chunk["text"]


def test_a_refusal_has_a_reason_and_its_own_exit_status(seeded_newsqa):
    result = seeded_newsqa("ask", "--json", UNANSWERABLE)
    assert result.returncode == 3
    answer = json.loads(result.stdout)
    assert answer["refused"] and answer["refusal_reason"] == "terms_not_found"
    assert answer["closest"] and all(c["chunk_id"] for c in answer["closest"])


def test_search_json_lists_ranked_chunks(seeded_newsqa):
    result = json.loads(seeded_newsqa("search", "--json", "-k", "3", "Tomahawk missiles").stdout)
    assert result["query"] == "Tomahawk missiles"
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    assert result["hits"][0]["doc_id"] == TOMAHAWK_DOC
    assert {"chunk_id", "text", "score", "found_by", "title"} <= set(result["hits"][0])


def test_piped_answers_read_the_question_from_stdin_and_are_never_wrapped(seeded_env):
    env = {k: v for k, v in seeded_env.items() if k != "COLUMNS"}
    result = run_newsqa("ask", "-", env=env, stdin=NSC_QUESTION + "\n")
    assert result.returncode == 0, result.stderr
    first, *_ = result.stdout.splitlines()
    body = " ".join((SEEDS / NSC_DOC).read_text().split())
    assert first.startswith("Brian Hughes — ") and len(first) > 80
    assert first.split(" — ", 1)[1].removesuffix(" [1]") in body


def test_refusal_exit_status_reaches_the_shell(seeded_env):
    result = run_newsqa("ask", UNANSWERABLE, env=seeded_env)
    assert result.returncode == 3
    assert result.stdout.startswith("I cannot find this in the articles.")


def test_version_is_printed(newsqa):
    result = newsqa("--version")
    assert result.returncode == 0 and result.stdout.startswith("newsqa 0.")


def test_every_command_spells_its_options_alike_and_help_shows_no_flag_noise(newsqa):
    for command in ("ask", "search", "chat"):
        shown = newsqa(command, "--help").stdout
        assert "-k N" in shown and "--filter FILTER" in shown, command
        assert "<bool>" not in shown and "<int>" not in shown, command
    assert (
        "--mode" in newsqa("ask", "--help").stdout
        and "--continue" in newsqa("chat", "--help").stdout
    )
