"""The audit keyring: the current key, the retired keys that only verify, and their public ids.

A key id is a short fingerprint of a key (SHA-256 over a fixed label and the key, first 12 hex
digits): safe to print and store, it tells which key signed an audit row (scheme
``hmac-sha256:<id>``) and which key a case's commitments are made under (its salt starts
``<id>$``). The label keeps the id from being any other hash of the key in use.

Commitments are not keyed with the audit key itself but with a key derived from it
(HMAC(key, label)): one secret to keep, and a commitment never doubles as a chain hash.

``KeySequence`` is the rule a keyed chain follows in order: plain rows, then the rows of one
key, then of the next, never back. A row signed with a key the chain had moved on from, or with
a retired key after rows of the current key, is a rollback: someone holding a retired (perhaps
leaked) key rewrote the chain from that row, which is what rotating the key is meant to stop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Final

KEY_ID_LABEL: Final = b"pathways audit key id v1\x00"
COMMITMENT_LABEL: Final = b"pathways commitment v1"
KEY_ID_LENGTH: Final = 12
KEY_ID: Final = re.compile(rf"^[0-9a-f]{{{KEY_ID_LENGTH}}}\Z")


def key_id(key: bytes) -> str:
    """The key's public fingerprint: 12 hex digits."""
    return hashlib.sha256(KEY_ID_LABEL + key).hexdigest()[:KEY_ID_LENGTH]


def is_key_id(text: str) -> bool:
    return bool(KEY_ID.match(text))


def derive_commitment_key(key: bytes) -> bytes:
    """The key commitments are made under, domain-separated from the chain's use of ``key``."""
    return hmac.digest(key, COMMITMENT_LABEL, "sha256")


@dataclass(frozen=True)
class Keyring:
    """The configured keys by id. The keys themselves are never part of its repr."""

    current: bytes | None = field(default=None, repr=False)
    retired: tuple[bytes, ...] = field(default=(), repr=False)
    _by_id: dict[str, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [*([] if self.current is None else [self.current]), *self.retired]
        object.__setattr__(self, "_by_id", {key_id(key): key for key in reversed(keys)})

    @property
    def current_id(self) -> str | None:
        return None if self.current is None else key_id(self.current)

    @property
    def retired_ids(self) -> tuple[str, ...]:
        """Retired ids in the order configured, without the current one or repeats."""
        ids = dict.fromkeys(key_id(key) for key in self.retired)
        ids.pop(self.current_id or "", None)
        return tuple(ids)

    @property
    def ids(self) -> tuple[str, ...]:
        return (*([] if self.current_id is None else [self.current_id]), *self.retired_ids)

    def key(self, kid: str) -> bytes | None:
        """The key with this id, if configured."""
        return self._by_id.get(kid)

    def commitment_key(self, kid: str) -> bytes | None:
        key = self.key(kid)
        return None if key is None else derive_commitment_key(key)

    def __bool__(self) -> bool:
        return bool(self._by_id)


@dataclass
class KeySequence:
    """Feeds each row's signer (its key id, or None for plain SHA-256) in chain order and names
    the first row that goes back: plain after keyed, or a rollback to a retired key."""

    current_id: str | None
    last: str | None = None
    run_start: int | None = None
    """The first row of the newest run of one signer."""
    current_seen: bool = False
    left: set[str] = field(default_factory=set)

    def step(self, event_id: int, signer: str | None) -> str | None:
        problem = self._problem(event_id, signer)
        if self.run_start is None or signer != self.last:
            self.run_start = event_id
            if self.last is not None:
                self.left.add(self.last)
        self.last = signer
        self.current_seen = self.current_seen or (signer is not None and signer == self.current_id)
        return problem

    def _problem(self, event_id: int, signer: str | None) -> str | None:
        if signer is None:
            if self.last is not None:
                return (
                    f"event {event_id} is not keyed after keyed events: the chain from it on "
                    "was recomputed without the key"
                )
            return None
        if self.current_seen and signer != self.current_id:
            return (
                f"event {event_id} is signed with retired key {signer} after events signed "
                f"with the current key {self.current_id}: a rollback to a retired key (someone "
                "holding it rewrote the chain from here), not a rotation"
            )
        if signer != self.last and signer in self.left:
            return (
                f"event {event_id} is signed with key {signer} again after the chain moved on "
                f"to key {self.last}: a rollback to a retired key (someone holding it rewrote "
                "the chain from here), not a rotation"
            )
        return None

    def newest_problem(self, last_id: int) -> str | None:
        """Whether the newest rows are signed with the current key, when one is configured:
        the service signs every row with it, so older keys at the end mean the chain since was
        recomputed without the current key, or nothing was written since it was set."""
        if self.current_id is None or self.run_start is None or self.last == self.current_id:
            return None
        rows = (
            f"event {last_id} is"
            if self.run_start == last_id
            else f"events {self.run_start} to {last_id} are"
        )
        if self.last is None:
            return (
                f"{rows} not keyed although PATHWAYS_AUDIT_KEY is set: the chain was "
                "recomputed without the key, or nothing was written since the key was set "
                "(`pathways audit keys --record` writes a row under it)"
            )
        return (
            f"{rows} signed with retired key {self.last}, not the current key "
            f"{self.current_id}: the chain was recomputed with a retired key, or nothing was "
            "written since the key was rotated (`pathways audit keys --record` writes a row "
            "under it)"
        )
