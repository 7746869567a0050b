"""Settings of the retrieval layer, and the one loader every component's settings go through.

Precedence: explicit argument > environment / `.env` > default. Each component owns its class:
retrieval here, the LLM in `bot.answering.settings`, Discord in `bot.frontends.discord.settings`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as UnparsableSetting

from retrieval.errors import SettingsError

ENV_FILE = ".env"
T = TypeVar("T", bound=BaseSettings)


class RetrievalSettings(BaseSettings):
    """Where the index lives, how articles are embedded and chunked, and the input limits."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path(".newsqa"), alias="NEWSQA_DATA_DIR")
    collection: str = Field(default="newsqa", alias="NEWSQA_COLLECTION")
    chroma_url: str | None = Field(default=None, alias="NEWSQA_CHROMA_URL")
    chroma_auth_header: str | None = Field(default=None, alias="NEWSQA_CHROMA_AUTH_HEADER")
    chroma_tenant: str = Field(default="default_tenant", alias="NEWSQA_CHROMA_TENANT")
    chroma_database: str = Field(default="default_database", alias="NEWSQA_CHROMA_DATABASE")

    embedding: Literal["minilm-onnx", "openai"] = Field(
        default="minilm-onnx", alias="NEWSQA_EMBEDDING"
    )
    openai_embedding_model: str = Field(
        default="text-embedding-3-small", alias="NEWSQA_OPENAI_EMBEDDING_MODEL"
    )
    # Only read when NEWSQA_EMBEDDING=openai.
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")

    top_k: int = Field(default=6, ge=1, le=50, alias="NEWSQA_TOP_K")
    chunk_chars: int = Field(default=600, ge=100, alias="NEWSQA_CHUNK_CHARS")
    chunk_overlap_sentences: int = Field(default=1, ge=0, alias="NEWSQA_CHUNK_OVERLAP_SENTENCES")
    passage_chars: int = Field(default=1000, ge=100, alias="NEWSQA_PASSAGE_CHARS")

    max_question_chars: int = Field(default=2000, ge=1, alias="NEWSQA_MAX_QUESTION_CHARS")
    max_file_bytes: int = Field(default=20_000_000, ge=1, alias="NEWSQA_MAX_FILE_BYTES")
    # Fetching pages and feeds (`retrieval/web.py`).
    fetch_timeout_s: float = Field(default=15.0, gt=0, alias="NEWSQA_FETCH_TIMEOUT_S")
    fetch_max_bytes: int = Field(default=5_000_000, ge=1, alias="NEWSQA_FETCH_MAX_BYTES")


def load_settings(cls: type[T]) -> T:
    """`cls()` from the environment and `.env`; a bad value is one `SettingsError` line naming
    the variable, what it expected and where it was set, instead of a pydantic traceback."""
    try:
        return cls()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error.get("loc") else "a setting"
        problem = error["msg"].lower()
        value = error.get("input")
    except UnparsableSetting as exc:  # a list or dict setting that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        info = cls.model_fields.get(field.group(1)) if field else None
        name = (info.alias or field.group(1)) if info and field else "a setting"
        problem = "expected a JSON value such as [123, 456]"
        value = os.environ.get(name, "…")
    where = "the environment" if name in os.environ else ENV_FILE
    raise SettingsError(f"{name}={str(value)!r} (set in {where}) is not valid: {problem}") from None
