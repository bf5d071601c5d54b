"""Turns team and staff e-mail addresses into Apprise URLs on the configured SMTP relay."""

from __future__ import annotations

from urllib.parse import quote

from infrastructure.settings import get_settings


def email_route(address: str, smtp_url: str | None = None) -> str:
    base = smtp_url or get_settings().smtp_url
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}to={quote(address, safe='@.+-_')}"
