"""Settings of the LLM answer chain: any OpenAI-compatible endpoint."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.settings import ENV_FILE


class LLMSettings(BaseSettings):
    """The model, its endpoint and its limits. No key and no base URL: offline answers."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", populate_by_name=True)

    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o-mini", alias="NEWSQA_MODEL")
    llm_timeout_s: float = Field(default=30.0, gt=0, alias="NEWSQA_LLM_TIMEOUT")
    llm_max_retries: int = Field(default=2, ge=0, alias="NEWSQA_LLM_MAX_RETRIES")
    llm_max_tokens: int = Field(default=512, ge=1, alias="NEWSQA_LLM_MAX_TOKENS")

    @property
    def configured(self) -> bool:
        """An LLM is used when either an API key or a base URL is given."""
        return bool(self.openai_api_key or self.openai_base_url)
