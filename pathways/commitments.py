"""Commitments to personal values: what the audit chain covers instead of the raw value.

A commitment is the SHA-256 of a per-case salt followed by the value. The chain's digests are
computed over commitments, so retention can later replace a personal field by its commitment
(the value is gone, the salt stays) and every digest, and so the chain, still verifies. The
salt keeps a commitment from being reversed by a table of likely names or dates of birth
computed once for every case.

The contract retention follows, so that the chain still verifies after it:

- a text field (``Person.full_name``, ``Decision.rationale``, ``ConsentRecord.scope`` and
  ``override_rationale``) is replaced by ``commit(value, case.pii_salt)``;
- inside ``CaseEvent.payload``, each string leaf is replaced on its own (never a whole object
  or list by one commitment); numbers, booleans and nulls stay;
- ``Person.date_of_birth`` is a date column: it is set to NULL and
  ``commit(date_of_birth.isoformat(), salt)`` goes into ``Person.date_of_birth_commitment``;
- a missing value stays missing, and ``case.pii_salt`` is kept (digests of the fields that
  were not replaced still need it).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

PREFIX: Final = "sha256:"
NONE: Final = "none"
"""The commitment to a missing value: "no value" stays distinguishable from an empty one."""
_COMMITMENT: Final = re.compile(r"^sha256:[0-9a-f]{64}\Z")


def new_salt() -> str:
    """32 random bytes from the OS's CSPRNG, as hex: a case's salt, fixed for its lifetime."""
    return secrets.token_hex(32)


def commit(value: str | None, salt: str) -> str:
    """``sha256:<hex>`` of salt + value; ``none`` for a missing value."""
    if value is None:
        return NONE
    return PREFIX + hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def is_commitment(value: str | None) -> bool:
    """Whether a stored value is already a commitment (retention has replaced it).

    Only the ``sha256:`` form counts: "none" is ordinary free text ("health needs: none"), so
    retention leaves a missing value missing rather than storing ``NONE``.
    """
    return value is not None and bool(_COMMITMENT.match(value))


def committed(value: str | None, salt: str) -> str:
    """The commitment a stored value stands for, whether it is raw or already replaced.

    This is what digests are computed over: a field before retention and the same field after
    it give the same result.
    """
    if value is not None and is_commitment(value):
        return value
    return commit(value, salt)
