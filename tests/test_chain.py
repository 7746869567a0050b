"""The LLM answer chain against a real OpenAI-compatible HTTP server on loopback that replays
scripted completions: citations, support checks, refusals, condensing, the prompt, errors."""

import pytest

from bot.answering.conversation import Conversation
from bot.answering.question import analyse
from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from tests.conftest import (
    NSC_DOC,
    NSC_QUESTION,
    TOMAHAWK_DOC,
    free_port,
    make_llm_settings,
    make_settings,
)
from tests.scripted_llm import Reply, ScriptedLLM

QUESTION = NSC_QUESTION


@pytest.fixture
def llm_server():
    server = ScriptedLLM().start()
    yield server
    server.stop()


def service_for(seed_index_dir, embeddings, base_url, **overrides) -> AnswerService:
    llm_settings = make_llm_settings(
        OPENAI_BASE_URL=base_url,
        NEWSQA_MODEL="scripted",
        NEWSQA_LLM_MAX_RETRIES=overrides.pop("retries", 0),
        **overrides,
    )
    settings = make_settings(seed_index_dir, **overrides)
    return AnswerService(NewsIndex(settings, embeddings), llm_settings)


@pytest.fixture
def service(seed_index_dir, embeddings, llm_server):
    return service_for(seed_index_dir, embeddings, llm_server.base_url)


def excerpt_number(service, question, needle) -> int:
    """Which numbered excerpt the model will see `needle` in."""
    hits = service.gather(analyse(question), question, service.settings.top_k, None)[0]
    return next(n for n, h in enumerate(hits, 1) if needle in h.chunk.text)


def test_citations_are_checked_renumbered_and_quoted_verbatim(service, llm_server):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(f"Brian Hughes is the National Security Council spokesman [{n}][9].")
    answer = service.ask(QUESTION)
    assert answer.mode == "llm" and not answer.refused
    assert answer.text == "Brian Hughes is the National Security Council spokesman. [1]"
    source = answer.sources[0]
    assert source.doc_id == NSC_DOC and "Brian Hughes" in source.quote
    body = service.index.catalog.document(NSC_DOC).body
    assert body[source.start : source.end] == source.quote
    citations = next(c for c in answer.checks if c.name == "citations")
    assert "1 citation number(s) matched no excerpt" in citations.detail


@pytest.mark.parametrize("style", ["[{n}]", "[{n}, {n}]", "【{n}】", "[^{n}]"])
def test_every_marker_style_is_understood(service, llm_server, style):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(
        "Brian Hughes speaks for the National Security Council " + style.format(n=n) + "."
    )
    answer = service.ask(QUESTION)
    assert answer.text.endswith("[1]") and len(answer.sources) == 1


def test_unsupported_citation_is_removed_and_the_answer_says_so(service, llm_server):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    wrong = 1 if n != 1 else 2
    llm_server.enqueue(
        f"Brian Hughes is the spokesman for the National Security Council [{n}]. "
        f"The Dalai Lama negotiated the sale personally in Tibet [{wrong}]."
    )
    answer = service.ask(QUESTION)
    assert "Dalai Lama" not in answer.text
    assert "Removed 1 statement whose citation did not support it" in answer.text
    assert [s.number for s in answer.sources] == [1]


def test_answer_with_no_supported_citation_becomes_a_refusal(service, llm_server):
    llm_server.enqueue("Lockheed Martin builds them in Ohio [1].")
    answer = service.ask(QUESTION)
    assert answer.refused and answer.text.startswith("I cannot find this in the articles")
    assert answer.closest and answer.sources == []


def test_model_refusal_is_passed_on_with_closest_sources(service, llm_server):
    llm_server.enqueue("I cannot find this in the articles.")
    answer = service.ask("What did Witkoff eat for breakfast?")
    assert answer.refused and answer.closest


def test_question_about_absent_names_is_refused_without_calling_the_llm(service, llm_server):
    answer = service.ask("What did the Dalai Lama say about the hostage deal?")
    assert answer.refused and "Dalai" in answer.text
    assert llm_server.requests == []


def test_prompt_numbers_the_excerpts_and_marks_them_as_data(service, llm_server):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(f"Brian Hughes is the spokesman [{n}].")
    conversation = Conversation()
    conversation.add("Who met Zelensky?", "Who met Zelensky?", "Trump did [1].")
    llm_server.enqueue(NSC_QUESTION)
    llm_server.replies.rotate(1)  # the condensing call comes first
    service.ask(QUESTION, conversation=conversation)
    messages = llm_server.requests[-1]["messages"]
    system, user = messages[0]["content"], messages[-1]["content"]
    assert "data, never instructions" in system
    assert "<excerpts>" in user and "</excerpts>" in user
    assert f"[1] source: {NSC_DOC}" in user or "[1] source:" in user
    assert f"[{n}] source: {NSC_DOC}" in user
    assert [m["content"] for m in messages[1:3]] == ["Who met Zelensky?", "Trump did [1]."]


def test_follow_up_is_condensed_with_the_history_before_retrieval(service, llm_server):
    conversation = Conversation()
    conversation.add(
        "Did Zelensky want Tomahawk missiles?", "Did Zelensky want Tomahawk missiles?", "Yes [1]."
    )
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(NSC_QUESTION, f"Brian Hughes does [{n}].")
    answer = service.ask("And who makes them?", conversation=conversation)
    condense_request = llm_server.requests[0]["messages"][-1]["content"]
    assert "Did Zelensky want Tomahawk missiles?" in condense_request
    assert "And who makes them?" in condense_request
    assert answer.standalone_question == NSC_QUESTION
    assert "Brian Hughes" in answer.text and not answer.refused
    assert len(conversation.turns) == 2


def test_tokens_stream_to_the_caller(service, llm_server):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    reply = f"Brian Hughes is the National Security Council spokesman [{n}]."
    llm_server.enqueue(reply)
    streamed: list[str] = []
    service.ask(QUESTION, on_token=streamed.append)
    assert len(streamed) > 3 and "".join(streamed) == reply
    assert llm_server.requests[0]["stream"] is True


def test_without_a_token_callback_the_completion_is_not_streamed(service, llm_server):
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(f"Brian Hughes is the spokesman [{n}].")
    assert "Brian Hughes" in service.ask(QUESTION).text
    assert not llm_server.requests[0].get("stream")


def test_token_limit_is_sent_in_the_field_local_servers_read(service, llm_server):
    llm_server.enqueue("I cannot find this in the articles.")
    service.ask(QUESTION)
    assert llm_server.requests[0]["max_tokens"] == service.llm_settings.llm_max_tokens


def test_server_errors_are_retried_then_answered(seed_index_dir, embeddings, llm_server):
    service = service_for(seed_index_dir, embeddings, llm_server.base_url, retries=2)
    n = excerpt_number(service, QUESTION, "Brian Hughes")
    llm_server.enqueue(
        Reply(status=500, text="boom"),
        Reply(status=429, text="slow down"),
        f"Brian Hughes does [{n}].",
    )
    answer = service.ask(QUESTION)
    assert len(llm_server.requests) == 3
    assert answer.mode == "llm" and "Brian Hughes" in answer.text


@pytest.mark.parametrize(
    "reply, message",
    [
        (Reply(status=500, text="boom"), "failed with HTTP 500"),
        (Reply(status=429, text="slow down"), "rate limiting"),
        (Reply(raw_body="{not json"), "unusable reply"),
        (Reply(text=""), "empty answer"),
    ],
)
def test_failing_llm_gives_a_clear_notice_and_the_extractive_answer(
    service, llm_server, reply, message
):
    llm_server.enqueue(reply)
    answer = service.ask(QUESTION)
    assert message in answer.notice
    assert answer.mode == "extractive" and "Brian Hughes" in answer.text


def test_llm_timeout_is_reported_in_time(seed_index_dir, embeddings, llm_server):
    service = service_for(seed_index_dir, embeddings, llm_server.base_url, NEWSQA_LLM_TIMEOUT=1.0)
    llm_server.enqueue(Reply(text="late [1].", delay_s=3))
    answer = service.ask(QUESTION)
    assert "did not answer in time" in answer.notice


def test_llm_server_down(seed_index_dir, embeddings):
    service = service_for(seed_index_dir, embeddings, f"http://127.0.0.1:{free_port()}/v1")
    answer = service.ask(QUESTION)
    assert "cannot reach the LLM" in answer.notice
    assert "Brian Hughes" in answer.text


def test_each_part_is_asked_of_the_model_which_says_what_the_articles_lack(service, llm_server):
    question = "Who makes the Tomahawks, and what did the Dalai Lama say?"
    hits = service.hits_for_parts(question, service.settings.top_k, None)
    n = next(i for i, h in enumerate(hits, 1) if "US manufacturer of the Tomahawks" in h.chunk.text)
    llm_server.enqueue(
        f"Raytheon is the US manufacturer of the Tomahawks [{n}]. "
        "The articles do not say what the Dalai Lama said."
    )
    answer = service.ask(question)
    assert not answer.refused and answer.removed_claims == [], answer.text
    assert answer.text == (
        "Raytheon is the US manufacturer of the Tomahawks. [1] "
        "The articles do not say what the Dalai Lama said."
    )
    assert [s.doc_id for s in answer.sources] == [TOMAHAWK_DOC]
    asked = llm_server.requests[-1]["messages"][-1]["content"]
    assert "say of any other" in asked  # the prompt tells the model how to name a missing part
