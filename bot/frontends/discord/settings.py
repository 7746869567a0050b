"""Settings of the Discord front end. The token is read here and nowhere else."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.settings import ENV_FILE


class DiscordSettings(BaseSettings):
    """Who may ask, how often, and what `/reindex` reads."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", populate_by_name=True)

    token: str | None = Field(default=None, alias="DISCORD_TOKEN")
    answer_dms: bool = Field(default=True, alias="NEWSQA_DISCORD_ANSWER_DMS")
    allowed_channels: list[int] = Field(default=[], alias="NEWSQA_DISCORD_CHANNELS")
    allowed_roles: list[int] = Field(default=[], alias="NEWSQA_DISCORD_ROLES")
    allowed_users: list[int] = Field(default=[], alias="NEWSQA_DISCORD_USERS")
    questions_per_minute: float = Field(default=4.0, gt=0, alias="NEWSQA_DISCORD_RATE")
    burst: int = Field(default=3, ge=1, alias="NEWSQA_DISCORD_BURST")
    reindex_paths: list[Path] = Field(default=[Path("seeds")], alias="NEWSQA_DISCORD_REINDEX_PATHS")
    # Refresh the subscribed feeds (`newsqa feeds add`) in the background, on their schedule.
    refresh_feeds: bool = Field(default=True, alias="NEWSQA_DISCORD_REFRESH_FEEDS")
    # Memory bounds: conversations and rate-limit buckets of idle channels and users are dropped.
    max_conversations: int = Field(default=1000, ge=1, alias="NEWSQA_DISCORD_MAX_CONVERSATIONS")
    idle_expiry_s: float = Field(default=86400.0, gt=0, alias="NEWSQA_DISCORD_IDLE_EXPIRY")
