"""Commitments to personal values: what the audit chain covers instead of the raw value.

A commitment is the SHA-256 of a per-case salt followed by the value. The chain's digests are
computed over commitments, so retention can later replace a personal field by its commitment
(the value is gone, the salt stays) and every digest, and so the chain, still verifies. The
salt keeps a commitment from being reversed by a table of likely names or dates of birth
computed once for every case.

The salt is in the database, though, so with database access one case's date of birth falls
to some 40,000 guesses. A case opened while an audit key is configured therefore has a salt
that names the key's id (``<key id>$<random hex>``), and its commitments are
``hmac-sha256:<hex>``, an HMAC of salt + value under a commitment key derived from that audit
key (``pathways.audit_keys``), which is kept outside the database. The caller passes that key
in (``infrastructure.audit_keys.commitment_key(salt)``); this module reads no settings. Cases
with a plain salt keep SHA-256 commitments.

The contract retention follows, so that the chain still verifies after it:

- a text field (``Person.full_name``, ``Decision.rationale``, ``ConsentRecord.scope`` and
  ``override_rationale``) is replaced by ``commit(value, case.pii_salt, key)`` (``key`` the
  case's commitment key, None for a plain salt);
- inside ``CaseEvent.payload``, each string leaf is replaced on its own (never a whole object
  or list by one commitment); numbers, booleans and nulls stay;
- ``Person.date_of_birth`` is a date column: it is set to NULL and
  ``commit(date_of_birth.isoformat(), salt, key)`` goes into ``Person.date_of_birth_commitment``;
- a missing value stays missing, and ``case.pii_salt`` is kept (digests of the fields that
  were not replaced still need it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Final

PREFIX: Final = "sha256:"
KEYED_PREFIX: Final = "hmac-sha256:"
NONE: Final = "none"
"""The commitment to a missing value: "no value" stays distinguishable from an empty one."""
_COMMITMENT: Final = re.compile(r"^(?:sha256|hmac-sha256):[0-9a-f]{64}\Z")
KEY_ID_SEPARATOR: Final = "$"
_KEYED_SALT: Final = re.compile(r"^([0-9a-f]{12})\$[0-9a-f]+\Z")
KEYED_SALT_BYTES: Final = 24
"""Random bytes of a keyed salt: with its key id it still fits ``case.pii_salt`` (64)."""


def new_salt(key_id: str | None = None) -> str:
    """Random bytes from the OS's CSPRNG, as hex: a case's salt, fixed for its lifetime.
    With ``key_id``, the salt names the key its commitments are made under."""
    if key_id is None:
        return secrets.token_hex(32)
    return f"{key_id}{KEY_ID_SEPARATOR}{secrets.token_hex(KEYED_SALT_BYTES)}"


def salt_key_id(salt: str) -> str | None:
    """The key id a salt names, or None for a plain salt (SHA-256 commitments)."""
    found = _KEYED_SALT.match(salt)
    return None if found is None else found.group(1)


def commit(value: str | None, salt: str, key: bytes | None = None) -> str:
    """``sha256:<hex>`` of salt + value, or ``hmac-sha256:<hex>`` under ``key`` when the salt
    names a key id; ``none`` for a missing value.

    ``key`` is the commitment key of the id the salt names: a keyed salt without it (or a plain
    salt with one) is refused, so a weak commitment is never made by mistake.
    """
    kid = salt_key_id(salt)
    if (kid is None) != (key is None):
        raise ValueError(
            f"the salt names key {kid} but no commitment key was given"
            if kid is not None
            else "a plain salt takes no commitment key"
        )
    if value is None:
        return NONE
    material = (salt + value).encode("utf-8")
    if key is None:
        return PREFIX + hashlib.sha256(material).hexdigest()
    return KEYED_PREFIX + hmac.digest(key, material, "sha256").hex()


def is_commitment(value: str | None) -> bool:
    """Whether a stored value is already a commitment (retention has replaced it).

    Only the ``sha256:`` and ``hmac-sha256:`` forms count: "none" is ordinary free text
    ("health needs: none"), so retention leaves a missing value missing rather than storing
    ``NONE``.
    """
    return value is not None and bool(_COMMITMENT.match(value))


def committed(value: str | None, salt: str, key: bytes | None = None) -> str:
    """The commitment a stored value stands for, whether it is raw or already replaced.

    This is what digests are computed over: a field before retention and the same field after
    it give the same result.
    """
    if value is not None and is_commitment(value):
        return value
    return commit(value, salt, key)
