"""A fact that copies a personal input value is found by its value and kept as a commitment."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pathways.commitments import commit, is_commitment
from pathways.definitions.youth_1617_inputs import EmergencyPlacement
from pathways.personal_facts import CONTAINED_FROM, committed_facts
from pathways.personal_fields import personal_paths, personal_values

SALT = "s" * 64


def test_a_copied_value_is_committed_and_coded_values_stay() -> None:
    facts = {
        "referrer_email": "Ann.Lee@Example.org",
        "accommodation": "bed_and_breakfast",
        "placed_at": "2026-03-02T09:00:00+00:00",
        "safe_tonight": True,
        "bed_and_breakfast": {"reason": "Reason: no foster carer free for Ann tonight", "n": 2},
        "notes": ["kept", "no foster carer free"],
    }
    personal = {"ann.lee@example.org", "no foster carer free"}
    got, replaced = committed_facts(facts, personal, SALT)
    assert replaced == 3
    assert got["referrer_email"] == commit("Ann.Lee@Example.org", SALT)
    assert got["bed_and_breakfast"] == {
        "reason": commit("Reason: no foster carer free for Ann tonight", SALT),
        "n": 2,
    }
    assert got["notes"] == ["kept", commit("no foster carer free", SALT)]
    assert {k: got[k] for k in ("accommodation", "placed_at", "safe_tonight")} == {
        k: facts[k] for k in ("accommodation", "placed_at", "safe_tonight")
    }
    assert facts["referrer_email"] == "Ann.Lee@Example.org", "the input is not changed"


def test_a_short_value_counts_only_as_the_whole_fact() -> None:
    short = "x" * (CONTAINED_FROM - 1)
    got, replaced = committed_facts({"a": short, "b": f"{short}_coded"}, {short}, SALT)
    assert (got, replaced) == ({"a": commit(short, SALT), "b": f"{short}_coded"}, 1)


def test_no_personal_values_change_nothing() -> None:
    facts = {"a": "free text", "b": {"c": "d"}}
    assert committed_facts(facts, set(), SALT) == (facts, 0)


def test_personal_values_are_read_from_the_input_models_paths() -> None:
    payload = {
        "accommodation": "bed_and_breakfast",
        "placed_at": "2026-03-02T09:00:00+00:00",
        "district": "dartford",
        "bb_exceptional_reason": "no carer free",
        "bb_authorised_by": "so.dartford",
    }
    values = personal_values(payload, personal_paths(EmergencyPlacement))
    assert "no carer free" in values
    assert not {"bed_and_breakfast", "dartford"} & values


leaves = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


@given(st.dictionaries(st.text(max_size=6), leaves, max_size=5), st.sets(st.text(min_size=1)))
def test_no_personal_value_survives_and_a_second_pass_changes_nothing(
    facts: dict[str, object], personal: set[str]
) -> None:
    once, _ = committed_facts(facts, personal, SALT)
    folded = {p.casefold() for p in personal}
    for text in _strings(once):
        if not is_commitment(text):
            assert text.casefold() not in folded
            assert not any(p in text.casefold() for p in folded if len(p) >= CONTAINED_FROM)
    assert committed_facts(once, personal, SALT) == (once, 0)
