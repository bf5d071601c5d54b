"""The pure parts of the audit trail's integrity: commitments, record digests, the anchor file's
line chain and the check of a chain against its anchors, and the keyed row hash."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infrastructure.audit import GENESIS_HASH, KEYED, AuditKeyMissingError, row_hash
from pathways.audit_anchors import (
    FIRST_PREV,
    Anchor,
    anchor_line,
    check_anchors,
    line_hash,
    read_anchor_log,
)
from pathways.commitments import commit, committed, is_commitment, new_salt
from pathways.record_digests import record_digest

salts = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
texts = st.text(max_size=40)
hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), texts)
payloads = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@given(texts, salts)
def test_a_commitment_is_the_salted_sha256_and_commits_once(value: str, salt: str) -> None:
    committed_value = commit(value, salt)
    assert committed_value.startswith("sha256:") and len(committed_value) == 71
    assert is_commitment(committed_value)
    assert committed(value, salt) == committed_value
    assert committed(committed_value, salt) == committed_value


@given(texts, salts, salts)
def test_a_commitment_depends_on_the_salt(value: str, salt: str, other: str) -> None:
    assert (commit(value, salt) == commit(value, other)) == (salt == other)


def test_a_missing_value_commits_to_none_and_none_the_text_does_not() -> None:
    salt = new_salt()
    assert commit(None, salt) == "none"
    assert not is_commitment("none")
    assert committed("none", salt) == commit("none", salt) != "none"
    assert len(salt) == 64 and salt != new_salt()


def _person(**changes: Any) -> dict[str, Any]:
    return {
        "id": 3,
        "case_id": 1,
        "relationship_to_case": "young_person",
        "full_name": "Alex Example",
        "date_of_birth": date(2009, 5, 1),
        "date_of_birth_commitment": None,
        **changes,
    }


def _event(payload: Any, **changes: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "case_id": 1,
        "transition": "record_visit",
        "actor": "officer1",
        "role": "ics-social-worker",
        "idempotency_key": "k1",
        "status": "applied",
        "rejection_reason": None,
        "occurred_at": T0,
        "recorded_at": T0,
        "applied_at": T0 + timedelta(seconds=1),
        "payload": payload,
        **changes,
    }


def _anonymised(value: Any, salt: str) -> Any:
    """What retention stores: each string leaf replaced by its commitment."""
    if isinstance(value, str):
        return commit(value, salt)
    if isinstance(value, list):
        return [_anonymised(item, salt) for item in value]
    if isinstance(value, dict):
        return {key: _anonymised(item, salt) for key, item in value.items()}
    return value


@given(texts, st.dates(), salts)
def test_a_persons_digest_survives_retention(name: str, born: date, salt: str) -> None:
    before = record_digest("person", _person(full_name=name, date_of_birth=born), salt)
    retained = _person(
        full_name=commit(name, salt),
        date_of_birth=None,
        date_of_birth_commitment=commit(born.isoformat(), salt),
    )
    assert record_digest("person", retained, salt) == before


@given(payloads, salts)
def test_an_events_digest_survives_retention_of_every_string_leaf(payload: Any, salt: str) -> None:
    before = record_digest("caseevent", _event(payload), salt)
    assert record_digest("caseevent", _event(_anonymised(payload, salt)), salt) == before


@pytest.mark.parametrize(
    ("table", "values", "change"),
    [
        ("person", _person(), {"full_name": "Someone Else"}),
        ("person", _person(), {"date_of_birth": date(2009, 5, 2)}),
        ("person", _person(), {"relationship_to_case": "parent"}),
        ("caseevent", _event({"visit": "done"}), {"actor": "mallory"}),
        ("caseevent", _event({"visit": "done"}), {"payload": {"visit": "missed"}}),
        ("caseevent", _event({"visit": "done"}), {"applied_at": T0}),
    ],
)
def test_any_change_to_a_covered_field_changes_the_digest(
    table: str, values: dict[str, Any], change: dict[str, Any]
) -> None:
    salt = new_salt()
    assert record_digest(table, {**values, **change}, salt) != record_digest(table, values, salt)


def _anchors(heads: list[tuple[int, str]], database: str = "db1") -> list[str]:
    lines, prev = [], FIRST_PREV
    for number, (seq, head) in enumerate(heads, start=1):
        line = anchor_line(Anchor(seq, head, T0 + timedelta(minutes=number), database), prev)
        lines.append(line)
        prev = line_hash(line)
    return lines


@given(st.lists(st.tuples(st.integers(0, 10_000), hashes), min_size=1, max_size=8))
def test_anchor_lines_read_back_as_written(heads: list[tuple[int, str]]) -> None:
    log = read_anchor_log(_anchors(heads))
    assert log.problem is None
    assert [(a.seq, a.hash) for a in log.of("db1")] == heads
    assert log.of("another database") == []


@given(
    st.lists(st.tuples(st.integers(1, 10_000), hashes), min_size=2, max_size=6),
    st.data(),
)
def test_an_edited_or_removed_anchor_line_is_caught(
    heads: list[tuple[int, str]], data: st.DataObject
) -> None:
    lines = _anchors(heads)
    index = data.draw(st.integers(0, len(lines) - 2))
    edited = lines.copy()
    edited[index] = edited[index].replace('"seq":', '"seq":1', 1)
    removed = lines[:index] + lines[index + 1 :]
    for tampered in (edited, removed):
        log = read_anchor_log(tampered)
        assert log.problem is not None
        assert f"line {index + 1}" in log.problem or f"line {index + 2}" in log.problem


def test_a_chain_holding_every_anchor_passes_and_a_rewrite_before_one_is_named() -> None:
    anchors = read_anchor_log(_anchors([(5, "a" * 64), (9, "b" * 64)])).anchors
    assert check_anchors(anchors, {5: "a" * 64, 9: "b" * 64}, 12) is None

    rewritten = check_anchors(anchors, {5: "a" * 64, 9: "c" * 64}, 12)
    assert rewritten is not None and rewritten.event_id == 9
    assert "rewritten at or before it" in rewritten.problem
    assert "event 5 still matches" in rewritten.problem

    cut = check_anchors(anchors, {5: "a" * 64}, 8)
    assert cut is not None and cut.event_id == 9
    assert "newest rows were deleted and the head moved back" in cut.problem

    wiped = check_anchors(anchors, {}, 0)
    assert wiped is not None and "every row was deleted and the head reset" in wiped.problem


def _row(**changes: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "actor": "officer1",
        "role": "lha-housing-officer",
        "action": "example.record_visit",
        "case_reference": "JP-AAAA-BBBB",
        "before": None,
        "after": {"state": "support"},
        "basis": "rule",
        "prev_hash": GENESIS_HASH,
        "occurred_at": T0,
        **changes,
    }


def test_a_keyed_row_hash_needs_the_key_and_differs_from_the_plain_one() -> None:
    plain = row_hash(_row())
    keyed = row_hash(_row(scheme=KEYED), b"k" * 32)
    assert keyed != plain
    assert keyed != row_hash(_row(scheme=KEYED), b"j" * 32)
    with pytest.raises(AuditKeyMissingError):
        row_hash(_row(scheme=KEYED))


def test_a_row_without_digests_keeps_the_hash_it_had_before_they_existed() -> None:
    assert row_hash(_row(covers=None)) == row_hash(_row())
    assert row_hash(_row(covers={"casestep:1": "sha256:" + "0" * 64})) != row_hash(_row())
