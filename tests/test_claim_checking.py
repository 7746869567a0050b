"""Claims that change the facts of what they cite are removed, with the reason a user sees:
through the LLM chain against a scripted OpenAI-compatible server on loopback, over the seeds."""

import json

import pytest
from rich.console import Console

from bot.answering.question import analyse
from bot.frontends.render import print_retrieved
from tests.conftest import TOMAHAWK_DOC
from tests.scripted_llm import ScriptedLLM
from tests.test_chain import service_for

QUESTION = "What range do the Tomahawk missiles have, and who makes them?"
RANGE = "the Tomahawk missiles"  # in the excerpt with the 1,000-mile range
MAKER = "Raytheon"


@pytest.fixture
def llm_server():
    server = ScriptedLLM().start()
    yield server
    server.stop()


@pytest.fixture
def service(seed_index_dir, embeddings, llm_server):
    return service_for(seed_index_dir, embeddings, llm_server.base_url)


def excerpt_with(service, needle: str, question: str = QUESTION) -> int:
    hits = service.hits_for_parts(question, service.settings.top_k, None)  # what the model reads
    return next(
        n
        for n, h in enumerate(hits, 1)
        if h.chunk.doc_id == TOMAHAWK_DOC and needle in h.chunk.text
    )


def answer_to(service, llm_server, text: str):
    llm_server.enqueue(text)
    return service.ask(QUESTION)


def test_a_true_claim_keeps_its_citation(service, llm_server):
    n = excerpt_with(service, "1,000-mile")
    answer = answer_to(service, llm_server, f"Tomahawk missiles have a 1,000-mile range [{n}].")
    assert not answer.refused and answer.removed_claims == []
    assert "1,000-mile" in answer.sources[0].quote


@pytest.mark.parametrize(
    "claim, reason",
    [
        (
            "Tomahawk missiles have a 1,500-mile range",
            "the article says 1,000-mile, not 1,500-mile",
        ),
        ("Lockheed Martin is the US manufacturer of the Tomahawks", "Lockheed"),
        ("Trump did not warm to the idea of sending Ukraine Tomahawk missiles", "the opposite"),
        ("Tomahawk missiles were first used in the Falklands war", "does not say"),
    ],
)
def test_a_claim_that_changes_the_facts_is_removed_with_its_reason(
    service, llm_server, claim, reason
):
    n = excerpt_with(service, "1,000-mile")
    m = excerpt_with(service, MAKER)
    answer = answer_to(
        service,
        llm_server,
        f"Tomahawk missiles have a 1,000-mile range [{n}]. {claim} [{n}][{m}].",
    )
    assert not answer.refused
    (removed,) = answer.removed_claims
    assert removed.text.startswith(claim[:20]) and reason in removed.reason, removed
    assert "Removed 1 statement" in answer.text and claim not in answer.text


def test_a_true_claim_cited_to_another_article_is_removed(service, llm_server):
    hits = service.gather(analyse(QUESTION), QUESTION, service.settings.top_k, None)[0]
    other = next(n for n, h in enumerate(hits, 1) if h.chunk.doc_id != TOMAHAWK_DOC)
    n = excerpt_with(service, "1,000-mile")
    answer = answer_to(
        service,
        llm_server,
        f"Tomahawk missiles have a 1,000-mile range [{n}]. "
        f"Raytheon is the US manufacturer of the Tomahawks [{other}].",
    )
    assert [c.text for c in answer.removed_claims] == [
        "Raytheon is the US manufacturer of the Tomahawks."
    ]


@pytest.mark.parametrize(
    "claim",
    [
        "The Tomahawks have a range of 1000 miles, which would put Moscow within striking distance",
        "Donald Trump was warming to sending Ukraine long-range Tomahawk missiles",
        pytest.param(
            "The missiles can fly 1000 miles, far enough to reach Moscow",
            marks=pytest.mark.xfail(
                strict=True,
                reason="a loose paraphrase shares too few words with its sentence for the "
                "fitted support model (paraphrases kept 0.90 out of fold)",
            ),
        ),
    ],
)
def test_the_same_fact_written_another_way_is_kept(service, llm_server, claim):
    n = excerpt_with(service, "1,000-mile")
    answer = answer_to(service, llm_server, f"{claim} [{n}].")
    assert answer.removed_claims == [] and answer.sources, answer.text


@pytest.mark.parametrize("sum_", ["$20bn", "20 billion dollars", "$20 billion"])
def test_a_sum_is_the_same_sum_however_it_is_written(service, llm_server, sum_):
    question = "What lifeline did the US Treasury give Argentina?"
    n = excerpt_with(service, "$20 billion", question)
    llm_server.enqueue(f"The US Treasury gave Argentina a {sum_} lifeline [{n}].")
    answer = service.ask(question)
    assert answer.removed_claims == [] and answer.sources, answer.text


def test_a_different_sum_is_removed(service, llm_server):
    question = "What lifeline did the US Treasury give Argentina?"
    n = excerpt_with(service, "$20 billion", question)
    llm_server.enqueue(
        f"The US Treasury backed Argentina's leader [{n}]. "
        f"The US Treasury gave Argentina a $40bn lifeline [{n}]."
    )
    answer = service.ask(question)
    (removed,) = answer.removed_claims
    assert removed.reason == "the article says $20 billion, not $40bn"


def test_a_claim_supported_by_two_cited_sentences_together_is_kept(service, llm_server):
    question = "What lifeline did Argentina get and how far can Tomahawk missiles fly?"
    n = excerpt_with(service, "$20 billion", question)
    m = excerpt_with(service, "1,000-mile", question)
    assert n != m
    llm_server.enqueue(
        "Trump backed Argentina's leader with a $20 billion lifeline and weighed sending Ukraine "
        f"Tomahawk missiles with a 1,000-mile range [{n}][{m}]."
    )
    answer = service.ask(question)
    assert answer.removed_claims == [], answer.removed_claims
    (source,) = answer.sources  # one article, cited for two of its sentences
    quotes = [q.text for q in source.quotes]
    assert any("$20 billion" in q for q in quotes) and any("1,000-mile" in q for q in quotes)
    assert answer.text.endswith("[1]")


def test_one_article_cited_for_two_claims_is_one_source_with_both_quotes(service, llm_server):
    n, m = excerpt_with(service, "1,000-mile"), excerpt_with(service, MAKER)
    answer = answer_to(
        service,
        llm_server,
        f"Tomahawk missiles have a 1,000-mile range [{n}]. "
        f"Raytheon is the US manufacturer of the Tomahawks [{m}].",
    )
    assert answer.removed_claims == [], answer.removed_claims
    assert answer.text.count("[1]") == 2 and "[2]" not in answer.text
    (source,) = answer.sources
    body = service.index.catalog.document(TOMAHAWK_DOC).body
    assert len(source.quotes) == 2
    assert all(body[q.start : q.end] == q.text for q in source.quotes)
    assert (source.quote, source.start) == (source.quotes[0].text, source.quotes[0].start)


def test_json_lists_removed_claims_with_reasons(seed_index_dir, cli_env, llm_server, newsqa):
    cli_env.update(
        OPENAI_BASE_URL=llm_server.base_url,
        NEWSQA_MODEL="scripted",
        NEWSQA_DATA_DIR=str(seed_index_dir),
    )
    llm_server.enqueue(
        "Tomahawk missiles have a 1,000-mile range [1][2][3][4]. "
        "Tomahawk missiles have a 1,500-mile range [1][2][3][4]."
    )
    result = newsqa("ask", "--json", QUESTION)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["removed_claims"] == [
        {
            "text": "Tomahawk missiles have a 1,500-mile range.",
            "reason": "the article says 1,000-mile, not 1,500-mile",
        }
    ]


def test_why_shows_each_removed_claim_and_its_reason(service, llm_server):
    n = excerpt_with(service, "1,000-mile")
    answer = answer_to(
        service,
        llm_server,
        f"Tomahawk missiles have a 1,000-mile range [{n}]. "
        f"Tomahawk missiles have a 1,500-mile range [{n}].",
    )
    console = Console(record=True, width=200)
    print_retrieved(console, answer)
    shown = console.export_text()
    assert "removed: “Tomahawk missiles have a 1,500-mile range.”" in shown
    assert "the article says 1,000-mile, not 1,500-mile" in shown
