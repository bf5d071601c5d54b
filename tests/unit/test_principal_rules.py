"""The pure rules about who acts: choosing a role, acting on another authority's case, and a
rule that reads the case's history ("the second sign-off is by a different person, from the
other service") written as an ordinary part of a definition."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Final, get_args

from hypothesis import given
from hypothesis import strategies as st

from pathways.engine.definition import PathwayDefinition, StepSpec, TransitionSpec
from pathways.engine.snapshot import CaseSnapshot, HistoryEntry
from pathways.engine.transitions import Plan, decide
from pathways.principal import SYSTEM, Actor, Principal, choose_role, may_act_on
from pathways.refusal import HTTP_STATUS, PRINCIPAL_CODES, Refusal, RefusalCode
from pathways.roles import ROLES, Role, parse_role

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
HOUSING_DIRECTOR: Final[Role] = "housing-director"
CHILDRENS_DIRECTOR: Final[Role] = "ics-assistant-director"


def _principal(roles: set[str], covers: Collection[str] = ("dartford",)) -> Principal:
    return Principal(
        username="someone",
        display_name="Someone",
        roles=frozenset(parse_role(role) for role in roles),
        authority_id="dartford",
        team="lha",
        covers=frozenset(covers),
    )


role_sets = st.sets(st.sampled_from(sorted(ROLES)), min_size=1, max_size=4)


@given(held=role_sets, asked=st.one_of(st.none(), st.sampled_from(sorted(ROLES))))
def test_a_role_is_chosen_only_from_those_held(held: set[str], asked: str | None) -> None:
    chosen = choose_role(_principal(held), asked)
    if asked is not None:
        assert (chosen == asked) if asked in held else (chosen.code == "role_not_held")  # type: ignore[union-attr]
    elif len(held) == 1:
        assert chosen == next(iter(held))
    else:
        assert isinstance(chosen, Refusal) and chosen.code == "role_ambiguous"
        assert all(role in chosen.reason for role in held)


@given(
    covers=st.sets(st.sampled_from(["dartford", "swale", "medway"]), max_size=3),
    owner=st.sampled_from(["dartford", "swale", "medway"]),
    shared=st.sets(st.sampled_from(["dartford", "swale", "medway"]), max_size=2),
)
def test_a_case_is_acted_on_only_by_its_authority_or_one_it_is_shared_with(
    covers: set[str], owner: str, shared: set[str]
) -> None:
    refused = may_act_on(_principal({"lha-housing-officer"}, covers), owner, shared)
    assert (refused is None) == (owner in covers or bool(covers & shared))
    if refused is not None:
        assert refused.code == "other_authority" and refused.http_status == 403
    assert may_act_on(SYSTEM, owner, shared) is None


def second_sign_off_by_someone_else_in_the_other_service(
    case: CaseSnapshot, actor: Actor
) -> str | None:
    earlier = case.entries("sign_off")
    if not earlier:
        return None
    first = earlier[0]
    if first.actor == actor.username:
        return f"the second sign-off must be by a different person than '{first.actor}'"
    if first.service == actor.service:
        return f"the second sign-off must come from the other service than {first.service}"
    return None


SIGN_OFF = PathwayDefinition(
    name="dual-sign-off-example",
    version="1.0",
    title="Dual sign-off (example)",
    citation="example",
    initial_step="awaiting_first",
    opening_transition="sign_off",
    steps={
        "awaiting_first": StepSpec(title="Awaiting the first sign-off"),
        "awaiting_second": StepSpec(title="Awaiting the second sign-off"),
        "signed_off": StepSpec(title="Signed off by both services", terminal=True),
    },
    transitions=(
        TransitionSpec(
            name="sign_off",
            title="First sign-off",
            from_steps=("awaiting_first",),
            to_step="awaiting_second",
            roles=(HOUSING_DIRECTOR, CHILDRENS_DIRECTOR),
        ),
        TransitionSpec(
            name="second_sign_off",
            title="Second sign-off",
            from_steps=("awaiting_second",),
            to_step="signed_off",
            roles=(HOUSING_DIRECTOR, CHILDRENS_DIRECTOR),
            actor_rule=second_sign_off_by_someone_else_in_the_other_service,
        ),
    ),
    timers={},
)


def _after_first(username: str, role: Role) -> CaseSnapshot:
    return CaseSnapshot("awaiting_second", history=(HistoryEntry("sign_off", username, role, T0),))


def test_the_second_sign_off_is_by_another_person_from_the_other_service() -> None:
    case = _after_first("hd.dartford", HOUSING_DIRECTOR)
    same_person = decide(
        SIGN_OFF, case, "second_sign_off", Actor("hd.dartford", CHILDRENS_DIRECTOR), {}
    )
    assert isinstance(same_person, Refusal) and same_person.code == "forbidden"
    assert "different person" in same_person.reason
    same_service = decide(
        SIGN_OFF, case, "second_sign_off", Actor("ad.housing", HOUSING_DIRECTOR), {}
    )
    assert isinstance(same_service, Refusal) and "other service" in same_service.reason
    other = decide(SIGN_OFF, case, "second_sign_off", Actor("ad.kcc", CHILDRENS_DIRECTOR), {})
    assert isinstance(other, Plan) and other.ends_case


@given(
    first=st.tuples(
        st.sampled_from(["a", "b"]), st.sampled_from([HOUSING_DIRECTOR, CHILDRENS_DIRECTOR])
    ),
    second=st.tuples(
        st.sampled_from(["a", "b"]), st.sampled_from([HOUSING_DIRECTOR, CHILDRENS_DIRECTOR])
    ),
)
def test_dual_sign_off_passes_exactly_for_two_people_of_two_services(
    first: tuple[str, Role], second: tuple[str, Role]
) -> None:
    decided = decide(SIGN_OFF, _after_first(*first), "second_sign_off", Actor(*second), {})
    assert isinstance(decided, Plan) == (first[0] != second[0] and first[1] != second[1])


def test_every_refusal_has_its_http_status() -> None:
    assert set(HTTP_STATUS) == set(get_args(RefusalCode))
    assert set(HTTP_STATUS) > PRINCIPAL_CODES
