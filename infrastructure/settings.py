"""Runtime configuration, read from ``PATHWAYS_*`` environment variables."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pathways.notification_lifecycle import DEFAULT_RETRY_SCHEDULE, parse_retry_schedule

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = PROJECT_ROOT / "var"
ENV_PREFIX = "PATHWAYS_"
MIN_SECRET_LENGTH = 32
# Values copied from a template or a README rather than chosen: refused in production.
PLACEHOLDERS = frozenset({"changeme", "change-me", "change_me", "secret", "password"})
PLACEHOLDER_PARTS = ("example", "changeme", "change-me", "change_me", "placeholder")
# Apprise takes an SMTP password in the query as well as before the host.
PASSWORD_QUERY_KEYS = ("pass", "password")
ROUTE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """Configuration the application refuses to start with: one line per variable, naming
    it and never showing its value."""


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or any(part in lowered for part in PLACEHOLDER_PARTS)


def _url_passwords(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        passwords = [parts.password] if parts.password else []
    except ValueError:  # not a URL at all; the code that opens it says so
        return []
    query = parse_qs(parts.query)
    passwords += [value for key in PASSWORD_QUERY_KEYS for value in query.get(key, [])]
    return [unquote(password) for password in passwords]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        extra="ignore",
        # A refused URL or secret must not reach a log or a terminal through the error.
        hide_input_in_errors=True,
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="production refuses time travel and placeholder or missing secrets",
    )
    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'pathways.db'}")
    authority_config: Path = Field(default=PROJECT_ROOT / "config" / "authorities.yaml")
    law_config: Path = Field(default=PROJECT_ROOT / "config" / "law.yaml")
    hclic_config: Path = Field(
        default=PROJECT_ROOT / "config" / "hclic.yaml",
        description="the H-CLIC-style categories and who may export the return: configurable, "
        "not the official list",
    )
    base_url: str = Field(default="http://127.0.0.1:8080")
    smtp_url: str = Field(
        default="mailto://127.0.0.1:1025?from=pathways@localhost&mode=insecure",
        description="Apprise URL prefix of the SMTP relay; team addresses are appended as 'to='.",
    )
    routes: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        description="named channels as a JSON object, name -> Apprise URL (often holding a "
        "token): what a stored 'route:<name>' reference is sent through; a secret, never printed",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        # Checked even when unset: production must not start without one.
        validate_default=True,
        description="signs dashboard sessions; required in production",
    )
    audit_key: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="keys the audit chain (HMAC-SHA256), so rewriting it needs this key, kept "
        "outside the database; required in production; never printed",
    )
    audit_retired_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="comma-separated former audit keys, kept only to verify the rows and the "
        "cases' commitments made under them (README: Rotating the audit key); never printed",
    )
    audit_anchor_file: Path = Field(
        default=VAR_DIR / "audit-anchors.jsonl",
        description="append-only file where each sweep records the audit chain's head, out of "
        "reach of a database edit",
    )
    dispatch: Literal["inline", "deployment"] = Field(
        default="inline", description="run pathway flows in this process, or via the deployment"
    )
    log_dir: Path = Field(default=VAR_DIR / "logs")
    run_dir: Path = Field(
        default=VAR_DIR / "run",
        description="where `pathways serve` records how the command line reaches it",
    )
    mail_dir: Path = Field(
        default=VAR_DIR / "mail", description="where the demo SMTP sink of `pathways serve` writes"
    )
    allow_time_travel: bool = Field(
        default=False, description="let `pathways clock` move the shared virtual clock (demos)"
    )
    max_clock_move_days: int = Field(
        # Past the longest single period (6 calendar months), and a 16-year-old reaches 18 in
        # four moves; a typo such as 99999d is refused instead of firing every timer at once.
        default=200,
        ge=1,
        le=3650,
        description="the most days one `pathways clock` move may go",
    )
    demo_with_real_relay: bool = Field(
        default=False,
        description="let `pathways serve` seed the demo cases although PATHWAYS_SMTP_URL names a "
        "real relay (their notifications then reach the directory's real inboxes)",
    )
    definition_modules: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="comma-separated modules that register extra pathway definitions on import",
    )
    max_clock_skew_minutes: int = Field(
        default=5,
        ge=0,
        le=24 * 60,
        description="how far ahead of the application clock a time something happened "
        "(enquiry_received_at, placed_at) may be; anything later is refused as in the future",
    )
    min_parent_age_gap_years: int = Field(
        default=12,
        ge=0,
        le=60,
        description="a parent's date of birth must be at least this many years before the "
        "young person's",
    )
    retry_schedule: Annotated[tuple[timedelta, ...], NoDecode] = Field(
        default=parse_retry_schedule(DEFAULT_RETRY_SCHEDULE),
        description="waits before each retry of a temporary delivery failure, e.g. 1m,5m,1h; "
        "once they are spent the notification is a permanent failure (a dead letter)",
    )
    delivery_senders: int = Field(
        default=4,
        ge=1,
        le=32,
        description="how many messages one delivery run sends at once, each sender on its own "
        "SMTP session kept open for the run",
    )
    operations_email: str | None = Field(
        default=None,
        description="where dead-letter alerts go for an authority that names no "
        "operations_email in the authority configuration",
    )
    retention_years: int = Field(
        default=6,
        ge=1,
        le=100,
        description="whole years after a case closes that its personal data is kept; then "
        "`pathways retention run` anonymises it (default and its basis: pathways/retention.py)",
    )

    @field_validator("definition_modules", mode="before")
    @classmethod
    def _split_module_list(cls, value: object) -> object:
        # An environment variable is one string; a comma list reads better there than JSON.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("audit_retired_keys", mode="before")
    @classmethod
    def _split_key_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("routes", mode="before")
    @classmethod
    def _routes_from_json(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            # The text is not repeated: it may hold a token.
            raise ValueError(
                'must be a JSON object of route names and Apprise URLs, e.g. {"teams": "msteams://…"}'
            ) from None
        return parsed

    @field_validator("routes")
    @classmethod
    def _named_apprise_urls(
        cls, value: dict[str, SecretStr], info: ValidationInfo
    ) -> dict[str, SecretStr]:
        production = info.data.get("environment") is Environment.PRODUCTION
        for name, url in value.items():
            if not ROUTE_NAME.match(name):
                # A name that is not a plain word may be a URL pasted into the wrong place.
                shown = f" '{name}'" if re.fullmatch(r"[\w .-]{1,60}", name) else ""
                raise ValueError(
                    f"route name{shown} must be lower-case letters, digits, '.', '_' or '-'"
                )
            if "://" not in url.get_secret_value():
                raise ValueError(f"route '{name}' is not an Apprise URL (scheme://…)")
            if production and any(
                is_placeholder(password) for password in _url_passwords(url.get_secret_value())
            ):
                raise ValueError(f"route '{name}': the URL's password is a placeholder")
        return value

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _parse_retry_schedule(cls, value: object) -> object:
        return parse_retry_schedule(value) if isinstance(value, str) else value

    @field_validator("operations_email")
    @classmethod
    def _an_email_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not EMAIL.match(value.strip()):
            raise ValueError(f"'{value}' is not an e-mail address such as ops@council.gov.uk")
        return value.strip()

    # These read ``environment`` from info.data, which holds only the fields declared above
    # the one being checked: ``environment`` stays first.
    @field_validator("database_url", "smtp_url")
    @classmethod
    def _no_placeholder_password(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("environment") is Environment.PRODUCTION and any(
            is_placeholder(password) for password in _url_passwords(value)
        ):
            raise ValueError("the URL's password is a placeholder; production needs the real one")
        return value

    @field_validator("session_secret", "audit_key")
    @classmethod
    def _real_secret_in_production(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if info.data.get("environment") is not Environment.PRODUCTION:
            return value
        secret = value.get_secret_value().strip() if value is not None else ""
        if not secret:
            raise ValueError(
                f"must be set in production (at least {MIN_SECRET_LENGTH} random characters)"
            )
        if is_placeholder(secret):
            raise ValueError("is a placeholder; production needs a randomly generated secret")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters in production")
        return value


def _variable(location: tuple[int | str, ...]) -> str:
    return f"{ENV_PREFIX}{str(location[0]).upper()}" if location else "settings"


def _problem(error: ErrorDetails) -> str:
    context = error.get("ctx") or {}
    if error["type"] == "value_error" and "error" in context:
        return str(context["error"])
    if error["type"] in ("enum", "literal_error") and "expected" in context:
        # A choice is not secret, and naming the value read shows a typo at once.
        return f"'{error['input']}' is not one of {context['expected']}"
    return str(error["msg"])


def describe(invalid: ValidationError) -> str:
    """One line per refused variable, e.g. ``PATHWAYS_ENVIRONMENT: 'prod' is not one of ...``."""
    return "\n".join(f"{_variable(error['loc'])}: {_problem(error)}" for error in invalid.errors())


def load_settings(**overrides: Any) -> Settings:
    """The settings, or a SettingsError whose text is safe to print."""
    try:
        return Settings(**overrides)
    except ValidationError as invalid:
        # Not chained: the original's repr is no use to an operator and holds the same lines.
        raise SettingsError(describe(invalid)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
