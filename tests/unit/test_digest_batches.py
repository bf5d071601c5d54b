"""``BatchDigests`` gives, record for record, the digest ``record_digest`` gives: the audit chain
covers a sweep's timers and messages with it, and ``audit verify`` recomputes them with
``record_digest`` from the live rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.commitments import new_salt
from pathways.digest_batches import BatchDigests
from pathways.record_digests import COVERED, record_digest

TABLES = sorted(table for table in COVERED if table != "person")
texts = st.text(max_size=30)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    times,
    st.dates(),
)
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
SHARED = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)


def _record(table: str, draw: st.DrawFn) -> dict[str, Any]:
    spec = COVERED[table]
    record: dict[str, Any] = {name: draw(values) for name in spec.fields}
    record.update({name: draw(st.none() | texts) for name in spec.personal})
    record.update({name: draw(values) for name in spec.personal_json})
    return record


@st.composite
def batches(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    table = draw(st.sampled_from(TABLES))
    records = [_record(table, draw) for _ in range(draw(st.integers(1, 4)))]
    # Values shared by identity, as a batch's rows share its time and a firing's context.
    shared_context = draw(values)
    for record in records:
        for name in COVERED[table].fields[: draw(st.integers(0, 3))]:
            record[name] = draw(st.sampled_from([SHARED, shared_context]))
    return table, records


@settings(max_examples=150)
@given(batches(), st.booleans())
def test_batch_digests_match_record_digest(
    batch: tuple[str, list[dict[str, Any]]], keyed: bool
) -> None:
    table, records = batch
    key = b"k" * 32 if keyed else None
    salt = new_salt("0123456789ab") if keyed else new_salt()
    digests = BatchDigests(table)
    for record in records:
        assert digests.digest(record, salt, key) == record_digest(table, record, salt, key)


def test_the_same_value_object_in_two_fields_is_encoded_for_each() -> None:
    at = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    timer = dict.fromkeys(COVERED["timer"].fields)
    timer.update(id=1, started_at=at, created_at=at, warn_at=at + timedelta(hours=1))
    digests = BatchDigests("timer")
    assert digests.digest(timer, "") == record_digest("timer", timer, "")
    timer["due_at"] = date(2027, 3, 3)
    assert digests.digest(timer, "") == record_digest("timer", timer, "")


def test_a_person_is_refused() -> None:
    with pytest.raises(ValueError, match="person"):
        BatchDigests("person")
