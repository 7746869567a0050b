"""The one typed settings object. Precedence: explicit argument > environment / .env > default."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything newsqa can be configured with; see `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path(".newsqa"), alias="NEWSQA_DATA_DIR")
    collection: str = Field(default="newsqa", alias="NEWSQA_COLLECTION")
    chroma_url: str | None = Field(default=None, alias="NEWSQA_CHROMA_URL")
    chroma_auth_header: str | None = Field(default=None, alias="NEWSQA_CHROMA_AUTH_HEADER")
    chroma_tenant: str = Field(default="default_tenant", alias="NEWSQA_CHROMA_TENANT")
    chroma_database: str = Field(default="default_database", alias="NEWSQA_CHROMA_DATABASE")

    embedding: str = Field(default="minilm-onnx", alias="NEWSQA_EMBEDDING")
    openai_embedding_model: str = Field(
        default="text-embedding-3-small", alias="NEWSQA_OPENAI_EMBEDDING_MODEL"
    )

    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o-mini", alias="NEWSQA_MODEL")
    llm_timeout_s: float = Field(default=30.0, alias="NEWSQA_LLM_TIMEOUT")
    llm_max_retries: int = Field(default=2, alias="NEWSQA_LLM_MAX_RETRIES")
    llm_max_tokens: int = Field(default=512, alias="NEWSQA_LLM_MAX_TOKENS")

    top_k: int = Field(default=6, alias="NEWSQA_TOP_K")
    chunk_chars: int = Field(default=600, alias="NEWSQA_CHUNK_CHARS")
    chunk_overlap_sentences: int = Field(default=1, alias="NEWSQA_CHUNK_OVERLAP_SENTENCES")

    max_question_chars: int = Field(default=2000, alias="NEWSQA_MAX_QUESTION_CHARS")
    max_file_bytes: int = Field(default=20_000_000, alias="NEWSQA_MAX_FILE_BYTES")

    discord_token: str | None = Field(default=None, alias="DISCORD_TOKEN")
    discord_answer_dms: bool = Field(default=True, alias="NEWSQA_DISCORD_ANSWER_DMS")
    discord_allowed_channels: list[int] = Field(default=[], alias="NEWSQA_DISCORD_CHANNELS")
    discord_allowed_roles: list[int] = Field(default=[], alias="NEWSQA_DISCORD_ROLES")
    discord_allowed_users: list[int] = Field(default=[], alias="NEWSQA_DISCORD_USERS")
    discord_questions_per_minute: float = Field(default=4.0, alias="NEWSQA_DISCORD_RATE")
    discord_burst: int = Field(default=3, alias="NEWSQA_DISCORD_BURST")
    discord_reindex_paths: list[Path] = Field(default=[Path("seeds")],
                                              alias="NEWSQA_DISCORD_REINDEX_PATHS")

    @property
    def llm_configured(self) -> bool:
        """An LLM is used when either an API key or a base URL is given."""
        return bool(self.openai_api_key or self.openai_base_url)
