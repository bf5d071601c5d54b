"""The audit keyring, pure: key ids, keyed commitments and their salts, the order of signers
along a chain, and one row's check against the keyring."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infrastructure.audit import GENESIS_HASH, PLAIN, check_row, keyed_scheme, row_hash
from infrastructure.settings import load_settings
from models import AuditEvent
from pathways.audit_keys import Keyring, KeySequence, derive_commitment_key, is_key_id, key_id
from pathways.commitments import commit, committed, is_commitment, new_salt, salt_key_id
from pathways.record_digests import record_digest

keys = st.binary(min_size=1, max_size=64)
texts = st.text(max_size=40)
K1, K2, K3 = b"first key " * 4, b"second key " * 4, b"third key " * 4
ID1, ID2, ID3 = key_id(K1), key_id(K2), key_id(K3)


@given(keys, keys)
def test_a_key_id_is_a_short_labelled_fingerprint(key: bytes, other: bytes) -> None:
    kid = key_id(key)
    assert is_key_id(kid) and len(kid) == 12
    assert kid == key_id(key)
    assert (kid == key_id(other)) == (key == other)
    # Labelled: not the start of the key's plain SHA-256, which may be in use elsewhere.
    assert kid != hashlib.sha256(key).hexdigest()[:12]


def test_the_keyring_finds_keys_by_id_and_never_shows_one() -> None:
    ring = Keyring(K2, (K1, K2, K1))
    assert (ring.current_id, ring.retired_ids, ring.ids) == (ID2, (ID1,), (ID2, ID1))
    assert ring.key(ID1) == K1 and ring.key(ID3) is None
    assert ring.commitment_key(ID1) == derive_commitment_key(K1) != K1
    assert K1.decode() not in repr(ring) and K2.decode() not in repr(ring)
    assert ring and not Keyring()


@given(texts, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), keys)
def test_a_keyed_commitment_is_an_hmac_that_commits_once(value: str, hex_: str, key: bytes) -> None:
    salt = f"{ID1}${hex_[:48]}"
    ck = derive_commitment_key(key)
    keyed = commit(value, salt, ck)
    assert keyed.startswith("hmac-sha256:") and len(keyed) == 76
    assert is_commitment(keyed) and committed(keyed, salt, ck) == keyed
    assert committed(value, salt, ck) == keyed
    assert keyed.removeprefix("hmac-sha256:") != hashlib.sha256((salt + value).encode()).hexdigest()
    assert keyed != commit(value, salt, derive_commitment_key(key + b"x"))


def test_a_keyed_salt_names_its_key_and_refuses_to_commit_without_it() -> None:
    salt = new_salt(ID1)
    assert salt_key_id(salt) == ID1 and len(salt) <= 64 and salt != new_salt(ID1)
    assert salt_key_id(new_salt()) is None
    with pytest.raises(ValueError, match=f"names key {ID1}"):
        commit("Alex", salt)
    with pytest.raises(ValueError, match="plain salt"):
        commit("Alex", new_salt(), derive_commitment_key(K1))
    assert commit(None, salt, derive_commitment_key(K1)) == "none"


def test_both_forms_count_as_commitments_and_nothing_else_does() -> None:
    digits = "ab" * 32
    assert is_commitment(f"sha256:{digits}") and is_commitment(f"hmac-sha256:{digits}")
    for other in ("none", f"hmac-sha1:{digits}", f"hmac-sha256:{digits[:-1]}", f"x{digits}"):
        assert not is_commitment(other)


def test_a_keyed_case_date_of_birth_cannot_be_brute_forced_from_the_database() -> None:
    salt, born = new_salt(ID1), date(2009, 6, 1)
    ck = derive_commitment_key(K1)
    stored = commit(born.isoformat(), salt, ck)
    guesses = [date(1990, 1, 1) + timedelta(days=n) for n in range(365 * 40)]
    assert born in guesses
    # The ~15,000 guesses that find a plain-salted date of birth from the database find nothing.
    table = {hashlib.sha256((salt + g.isoformat()).encode()).hexdigest() for g in guesses}
    assert stored.partition(":")[2] not in table
    # With the key they do: the guesses were right, only the key was missing.
    assert [g for g in guesses if commit(g.isoformat(), salt, ck) == stored] == [born]


def test_a_keyed_digest_takes_commitments_under_the_key() -> None:
    salt, born = new_salt(ID1), date(2009, 6, 1)
    ck = derive_commitment_key(K1)
    person = {
        "id": 3,
        "case_id": 1,
        "relationship_to_case": "young_person",
        "full_name": "Alex Example",
        "date_of_birth": born,
        "date_of_birth_commitment": None,
    }
    digest = record_digest("person", person, salt, ck)
    assert digest != record_digest("person", person, salt, derive_commitment_key(K2))
    # Retention replaces the values by their keyed commitments: the digest stays the same.
    anonymised = {
        **person,
        "full_name": commit("Alex Example", salt, ck),
        "date_of_birth": None,
        "date_of_birth_commitment": commit(born.isoformat(), salt, ck),
    }
    assert record_digest("person", anonymised, salt, ck) == digest


def test_signers_go_forward_only() -> None:
    forward = KeySequence(ID2)
    assert [forward.step(n, s) for n, s in enumerate([None, None, ID1, ID1, ID2], 1)] == [None] * 5
    assert forward.newest_problem(5) is None

    after_current = KeySequence(ID2)
    assert after_current.step(1, ID2) is None
    problem = after_current.step(2, ID1)
    assert problem is not None and f"retired key {ID1} after" in problem and "rollback" in problem

    back = KeySequence(ID3)
    steps = [back.step(n, s) for n, s in enumerate([ID1, ID2, ID1], 1)]
    assert steps[:2] == [None, None]
    assert (
        steps[2] is not None
        and f"key {ID1} again after the chain moved on to key {ID2}" in steps[2]
    )

    unkeyed = KeySequence(ID1)
    assert unkeyed.step(1, ID1) is None
    assert "not keyed after keyed events" in (unkeyed.step(2, None) or "")


def test_the_newest_rows_must_be_signed_with_the_current_key() -> None:
    rotated = KeySequence(ID2)
    for n in range(1, 4):
        rotated.step(n, None if n == 1 else ID1)
    problem = rotated.newest_problem(3)
    assert problem is not None and problem.startswith(
        f"events 2 to 3 are signed with retired key {ID1}"
    )
    assert "pathways audit keys --record" in problem
    newly_keyed = KeySequence(ID1)
    newly_keyed.step(1, None)
    assert (newly_keyed.newest_problem(1) or "").startswith("event 1 is not keyed although")
    assert KeySequence(None).newest_problem(0) is None


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(scheme: str, key: bytes | None) -> AuditEvent:
    row = {
        "id": 4,
        "occurred_at": T0,
        "actor": "officer1",
        "role": "lha-housing-officer",
        "action": "example.record_visit",
        "case_reference": "JP-AAAA-BBBB",
        "before": None,
        "after": {"state": "visited"},
        "basis": "seed 000",
        "prev_hash": GENESIS_HASH,
        "covers": None,
        "scheme": scheme,
    }
    return AuditEvent.model_validate({**row, "hash": row_hash(row, key)})


def test_a_row_is_checked_with_the_key_its_scheme_names() -> None:
    ring = Keyring(K2, (K1,))
    assert check_row(_event(keyed_scheme(ID1), K1), ring).signer == ID1
    assert check_row(_event(PLAIN, None), ring).signer is None
    # Written before key ids: whichever configured key matches is the signer.
    assert check_row(_event("hmac-sha256", K1), ring).signer == ID1
    assert check_row(_event("hmac-sha256", K3), ring).problem == "content does not match its hash"
    unknown = check_row(_event(keyed_scheme(ID3), K3), ring).problem or ""
    assert unknown == (
        f"event 4 is keyed with key {ID3}, which is not configured: add it to "
        "PATHWAYS_AUDIT_RETIRED_KEYS"
    )
    assert "unknown hash scheme" in (check_row(_event("hmac-sha256:zz", K1), ring).problem or "")
    forged = _event(keyed_scheme(ID2), K3)
    assert check_row(forged, ring).problem == "content does not match its hash"


def test_retired_keys_are_a_comma_list_of_secrets() -> None:
    settings = load_settings(audit_retired_keys=" one-old-key , another-old-key,, ")
    assert [k.get_secret_value() for k in settings.audit_retired_keys] == [
        "one-old-key",
        "another-old-key",
    ]
    assert "one-old-key" not in repr(settings) and "one-old-key" not in str(settings)
