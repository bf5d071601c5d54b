"""What a password must be: one pure rule, shared by the command line and the dashboard."""

from __future__ import annotations

from typing import Final

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 1024
"""Long passphrases are welcome; the cap only stops a megabyte being hashed on every try."""


def password_problem(username: str, password: str) -> str | None:
    """The rule a password breaks, naming the field; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"password: must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password: must be at most {MAX_LENGTH} characters"
    if password.strip().casefold() == username.strip().casefold():
        return "password: must not be the username"
    return None
