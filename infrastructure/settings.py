"""Runtime configuration, read from ``PATHWAYS_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = PROJECT_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", description="development | test | production")
    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'pathways.db'}")
    authority_config: Path = Field(default=PROJECT_ROOT / "config" / "authorities.yaml")
    base_url: str = Field(default="http://127.0.0.1:8080")
    smtp_url: str = Field(
        default="mailto://127.0.0.1:1025?from=pathways@localhost&mode=insecure",
        description="Apprise URL prefix of the SMTP relay; team addresses are appended as 'to='.",
    )
    dispatch: Literal["inline", "deployment"] = Field(
        default="inline", description="run pathway flows in this process, or via the deployment"
    )
    log_dir: Path = Field(default=VAR_DIR / "logs")
    mail_dir: Path = Field(
        default=VAR_DIR / "mail", description="where the demo SMTP sink of `pathways serve` writes"
    )
    allow_time_travel: bool = Field(
        default=False, description="let `pathways clock` move the shared virtual clock (demos)"
    )
    definition_modules: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="comma-separated modules that register extra pathway definitions on import",
    )

    @field_validator("definition_modules", mode="before")
    @classmethod
    def _split_module_list(cls, value: object) -> object:
        # An environment variable is one string; a comma list reads better there than JSON.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
