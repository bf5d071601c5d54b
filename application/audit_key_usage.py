"""Which audit keys the trail uses: for each key id, configured or not, how many audit rows it
signed and how many cases' commitments it keys; and the row that starts a rotated key's use.

Only key ids (public fingerprints) leave this module, never a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from infrastructure import audit
from infrastructure.audit_keys import keyring
from models import AuditEvent, Case
from pathways.commitments import KEY_ID_SEPARATOR
from pathways.principal import Actor

KEY_IN_USE: Final = "audit.key.in_use"
KeyStatus = Literal["current", "retired", "not configured"]


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    status: KeyStatus
    rows: int = 0
    """Audit rows whose scheme names this key."""
    cases: int = 0
    """Cases whose salt names this key (their commitments are HMACs under it)."""


@dataclass(frozen=True)
class KeyUsage:
    keys: list[KeyUse]
    plain_rows: int = 0
    unnamed_rows: int = 0
    """``hmac-sha256`` rows from before rows named their key: verify tries every key."""
    other_rows: dict[str, int] = field(default_factory=dict)
    """Rows of a scheme no version of the service writes (verify names them)."""
    plain_cases: int = 0

    @property
    def missing(self) -> list[KeyUse]:
        """Keys the trail needs that are not configured: verify cannot pass without them."""
        return [use for use in self.keys if use.status == "not configured"]


def _salt_key_counts(session: Session) -> tuple[dict[str, int], int]:
    # Plain salts are hex, so only keyed ones hold the separator: grouping stays per key.
    keyed = col(Case.pii_salt).contains(KEY_ID_SEPARATOR)
    prefix = func.substr(Case.pii_salt, 1, 12)
    rows = session.exec(select(prefix, func.count()).where(keyed).group_by(prefix)).all()
    plain = session.exec(select(func.count()).select_from(Case).where(~keyed)).one()
    return {str(kid): int(count) for kid, count in rows}, int(plain)


def key_usage(session: Session) -> KeyUsage:
    ring = keyring()
    by_scheme = session.exec(
        select(AuditEvent.scheme, func.count()).group_by(col(AuditEvent.scheme))
    ).all()
    signed: dict[str, int] = {}
    plain = unnamed = 0
    other: dict[str, int] = {}
    for scheme, count in by_scheme:
        kid = audit.scheme_key_id(scheme)
        if kid is not None:
            signed[kid] = signed.get(kid, 0) + count
        elif scheme == audit.PLAIN:
            plain += count
        elif scheme == audit.KEYED:
            unnamed += count
        else:
            other[scheme] = count
    cases, plain_cases = _salt_key_counts(session)
    statuses: dict[str, KeyStatus] = dict.fromkeys(ring.retired_ids, "retired")
    if ring.current_id is not None:
        statuses = {ring.current_id: "current", **statuses}
    for kid in sorted((signed.keys() | cases.keys()) - statuses.keys()):
        statuses[kid] = "not configured"
    keys = [
        KeyUse(kid, status, signed.get(kid, 0), cases.get(kid, 0))
        for kid, status in statuses.items()
    ]
    return KeyUsage(keys, plain, unnamed, other, plain_cases)


def record_key_in_use(session: Session, actor: Actor) -> int:
    """Writes one audit row under the current key, so that right after a rotation (before the
    service has written anything) the chain's newest row is the current key's and verify
    holds. Raises AuditKeyMissingError when no key is configured."""
    ring = keyring()
    if ring.current_id is None:
        raise audit.AuditKeyMissingError("PATHWAYS_AUDIT_KEY is not set: there is no key to record")
    event = audit.record(
        session,
        actor=actor.username,
        role=actor.role,
        action=KEY_IN_USE,
        after={"key_id": ring.current_id, "retired_key_ids": list(ring.retired_ids)},
        basis="audit key rotation: the chain's rows from here on are signed with this key",
    )
    return event.id or 0
