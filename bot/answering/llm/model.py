"""The chat model: `ChatOpenAI`, so one base URL points newsqa at OpenAI, Ollama, vLLM or a
llama.cpp server."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from bot.answering.settings import LLMSettings


def make_llm(settings: LLMSettings) -> BaseChatModel:
    """ChatOpenAI with the configured timeout, retries and token limit. The chain asks for a
    token stream per call, when a front end can show one."""
    from langchain_openai import ChatOpenAI

    # langchain-openai sends the limit as `max_completion_tokens`, which llama.cpp's server
    # ignores (measured: it generated until the context was full). Other servers get the
    # classic `max_tokens` as well.
    compatible = {"max_tokens": settings.llm_max_tokens} if settings.openai_base_url else None
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or "not-needed",  # local servers ignore the key
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        extra_body=compatible,
        temperature=0,
    )
