"""``referred_lha``: the LHA a care leaver was referred to under the duty to refer (s.213B),
found from the case fact ``duty_to_refer_authority``.

On an in-memory SQLite database holding three directory rows, so the resolver's real queries
run without a file or a server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (every table on the metadata)
from models import Authority
from notifications.messages import message_rows
from notifications.recipients import RecipientFactError, RouteResolver
from pathways.care_leaver_local_connection import DUTY_TO_REFER_AUTHORITY
from pathways.deadlines import RULES
from pathways.engine.validate import definition_problems
from pathways.vocabulary import RECIPIENT_KEYS, is_recipient
from tests.support.example_pathway import EXAMPLE

OWN = "email:housing@dartford.example"
REFERRED = "email:housing@thanet.example"
HOST = "email:housing@swale.example"
REFERRED_FACTS = {"authority": "dartford", DUTY_TO_REFER_AUTHORITY: "thanet"}


@pytest.fixture
def resolver() -> Iterator[RouteResolver]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        for authority_id, route in (("dartford", OWN), ("thanet", REFERRED), ("swale", HOST)):
            session.add(
                Authority(
                    id=authority_id,
                    name=f"{authority_id.title()} Council",
                    kind="district",
                    children_services_authority="kcc",
                    routes=[route],
                    ics_routes=["email:ics@kent.example"],
                )
            )
        session.commit()
        yield RouteResolver(session)
    engine.dispose()


def test_referred_lha_is_a_recipient_a_definition_may_name() -> None:
    assert is_recipient("referred_lha") and "referred_lha" in RECIPIENT_KEYS
    transition = EXAMPLE.transitions[0]
    notification = transition.notifications[0].model_copy(update={"to": ("referred_lha",)})
    changed = EXAMPLE.model_copy(
        update={
            "transitions": (
                transition.model_copy(update={"notifications": (notification,)}),
                *EXAMPLE.transitions[1:],
            )
        }
    )
    assert definition_problems(changed, RULES) == []


def test_referred_lha_resolves_to_the_referred_authoritys_lha_routes(
    resolver: RouteResolver,
) -> None:
    assert resolver.routes(1, "dartford", REFERRED_FACTS, ["referred_lha"]) == [
        ("referred_lha", REFERRED)
    ]
    both = resolver.routes(1, "dartford", REFERRED_FACTS, ["lha", "referred_lha"])
    assert both == [("lha", OWN), ("referred_lha", REFERRED)]


def test_it_reads_its_own_fact_not_the_placement_district(resolver: RouteResolver) -> None:
    facts = {**REFERRED_FACTS, "placement_district": "swale"}
    assert resolver.routes(1, "dartford", facts, ["referred_lha", "host_lha"]) == [
        ("referred_lha", REFERRED),
        ("host_lha", HOST),
    ]
    with pytest.raises(RecipientFactError, match=f"case fact '{DUTY_TO_REFER_AUTHORITY}'"):
        resolver.routes(1, "dartford", {"placement_district": "swale"}, ["referred_lha"])


@pytest.mark.parametrize("authority", [None, "", 7])
def test_without_the_referred_authority_it_refuses_rather_than_alert_the_own_authority(
    resolver: RouteResolver, authority: object
) -> None:
    facts = {**REFERRED_FACTS, DUTY_TO_REFER_AUTHORITY: authority}
    with pytest.raises(
        RecipientFactError, match="recipient 'referred_lha' needs the case fact"
    ) as refused:
        resolver.routes(1, "dartford", facts, ["referred_lha"])
    assert DUTY_TO_REFER_AUTHORITY in str(refused.value)
    with pytest.raises(RecipientFactError):
        resolver.routes(1, "dartford", {"authority": "dartford"}, ["referred_lha"])


def test_an_authority_missing_from_the_directory_is_refused_without_echoing_it(
    resolver: RouteResolver,
) -> None:
    facts = {**REFERRED_FACTS, DUTY_TO_REFER_AUTHORITY: "brighton-and-hove"}
    with pytest.raises(RecipientFactError, match="names no authority") as refused:
        resolver.routes(1, "dartford", facts, ["referred_lha"])
    assert "brighton" not in str(refused.value)


def test_the_referral_alert_carries_the_minimal_context_only(resolver: RouteResolver) -> None:
    rows = message_rows(
        resolver,
        case_id=1,
        case_reference="JP-7K3Q-9D2F",
        authority_id="dartford",
        facts={**REFERRED_FACTS, "placement_type": "staying_put"},
        pathway_title="Care leaver transition",
        event="Duty to refer: a care leaver referred to you",
        due=None,
        owning_team="lha",
        recipients=["referred_lha"],
        template="action_required",
        key_prefix="event:1",
        now=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    )
    assert [(row["recipient"], row["route"]) for row in rows] == [("referred_lha", REFERRED)]
    context = rows[0]["context"]
    assert set(context) == {"case_reference", "pathway", "event", "due", "owning_team", "link"}
    assert "staying_put" not in str(context) and "thanet" not in str(context)


def test_duty_lha_is_the_authority_referred_to_else_the_cases_own(
    resolver: RouteResolver,
) -> None:
    assert resolver.routes(1, "dartford", REFERRED_FACTS, ["duty_lha"]) == [("duty_lha", REFERRED)]
    not_referred = {"duty_to_refer_authority": None}
    assert resolver.routes(1, "dartford", not_referred, ["duty_lha"]) == [("duty_lha", OWN)]
    assert is_recipient("duty_lha")
