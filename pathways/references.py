"""Case references: human-readable, unguessable, and free of personal data (e.g. JP-7K3Q-9D2F)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

# Crockford-style alphabet: no I, L, O or U, so references survive being read out over the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = re.compile(rf"^JP-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_case_reference(choose: Callable[[str], str] = secrets.choice) -> str:
    """40 bits from the OS's CSPRNG: about a trillion references, so they cannot be guessed."""
    body = "".join(choose(ALPHABET) for _ in range(8))
    return f"JP-{body[:4]}-{body[4:]}"


def is_case_reference(value: str) -> bool:
    return bool(REFERENCE_PATTERN.match(value))
