"""The configured audit keyring (``PATHWAYS_AUDIT_KEY`` and ``PATHWAYS_AUDIT_RETIRED_KEYS``),
and the commitment key a case's salt names.

Everything that needs a key asks here, so the pure modules (``pathways.commitments``,
``pathways.record_digests``) take keys as arguments and never read settings.
"""

from __future__ import annotations

from functools import lru_cache

from infrastructure.settings import get_settings
from pathways.audit_keys import Keyring
from pathways.commitments import new_salt, salt_key_id

RETIRED_KEYS_SETTING = "PATHWAYS_AUDIT_RETIRED_KEYS"


class CommitmentKeyError(RuntimeError):
    """A case's salt names a key that is not configured: its commitments cannot be made or
    checked. The text names the key id (public), never a key."""


@lru_cache(maxsize=4)
def _keyring(current: str | None, retired: tuple[str, ...]) -> Keyring:
    # Cached by the keys themselves, so a changed environment (tests, a restart) takes effect.
    return Keyring(
        None if current is None else current.encode("utf-8"),
        tuple(key.encode("utf-8") for key in retired),
    )


def keyring() -> Keyring:
    settings = get_settings()
    current = settings.audit_key
    return _keyring(
        None if current is None else current.get_secret_value(),
        tuple(key.get_secret_value() for key in settings.audit_retired_keys),
    )


def not_configured(kid: str) -> str:
    """What to do about a key id nothing configured matches."""
    return f"key {kid}, which is not configured: add it to {RETIRED_KEYS_SETTING}"


def new_case_salt() -> str:
    """A new case's salt: naming the current key's id when one is configured, so its
    commitments cannot be brute-forced from the database alone."""
    return new_salt(keyring().current_id)


def commitment_key(salt: str) -> bytes | None:
    """The commitment key a case's salt names, or None for a plain salt (SHA-256)."""
    kid = salt_key_id(salt)
    if kid is None:
        return None
    key = keyring().commitment_key(kid)
    if key is None:
        raise CommitmentKeyError(f"the case's commitments are keyed with {not_configured(kid)}")
    return key
