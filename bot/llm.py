"""The chat model: `ChatOpenAI`, so one base URL points newsqa at OpenAI, Ollama, vLLM or a
llama.cpp server."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from retrieval.settings import Settings


def make_llm(settings: Settings) -> BaseChatModel:
    """A streaming ChatOpenAI with the configured timeout, retries and token limit."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or "not-needed",  # local servers ignore the key
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        temperature=0,
        streaming=True,
    )
