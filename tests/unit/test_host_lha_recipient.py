"""``host_lha``: the host district's LHA, found from the case fact ``placement_district``.

On an in-memory SQLite database holding two directory rows, so the resolver's real queries
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
from pathways.deadlines import RULES
from pathways.engine.validate import definition_problems
from pathways.vocabulary import is_recipient
from tests.support.example_pathway import EXAMPLE

OWN = "email:housing@dartford.example"
HOST = "email:housing@swale.example"
PLACED = {"authority": "dartford", "placement_district": "swale", "placed_at": "2026-12-21"}


@pytest.fixture
def resolver() -> Iterator[RouteResolver]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        for authority_id, route in (("dartford", OWN), ("swale", HOST)):
            session.add(
                Authority(
                    id=authority_id,
                    name=f"{authority_id.title()} Borough Council",
                    kind="district",
                    children_services_authority="kcc",
                    routes=[route],
                    ics_routes=["email:ics@kent.example"],
                )
            )
        session.commit()
        yield RouteResolver(session)
    engine.dispose()


def test_host_lha_is_a_recipient_a_definition_may_name() -> None:
    assert is_recipient("host_lha")
    transition = EXAMPLE.transitions[0]
    notification = transition.notifications[0].model_copy(update={"to": ("host_lha",)})
    changed = EXAMPLE.model_copy(
        update={
            "transitions": (
                transition.model_copy(update={"notifications": (notification,)}),
                *EXAMPLE.transitions[1:],
            )
        }
    )
    assert definition_problems(changed, RULES) == []


def test_host_lha_resolves_to_the_placement_districts_lha_routes(resolver: RouteResolver) -> None:
    assert resolver.routes(1, "dartford", PLACED, ["host_lha"]) == [("host_lha", HOST)]
    both = resolver.routes(1, "dartford", PLACED, ["lha", "host_lha"])
    assert both == [("lha", OWN), ("host_lha", HOST)]


@pytest.mark.parametrize("district", [None, "", 7])
def test_without_a_placement_district_it_refuses_rather_than_alert_the_own_authority(
    resolver: RouteResolver, district: object
) -> None:
    facts = {**PLACED, "placement_district": district}
    with pytest.raises(RecipientFactError, match="case fact 'placement_district'"):
        resolver.routes(1, "dartford", facts, ["host_lha"])
    with pytest.raises(RecipientFactError):
        resolver.routes(1, "dartford", {"authority": "dartford"}, ["host_lha"])


def test_a_district_missing_from_the_directory_is_refused_without_echoing_it(
    resolver: RouteResolver,
) -> None:
    facts = {**PLACED, "placement_district": "atlantis"}
    with pytest.raises(RecipientFactError, match="names no authority") as refused:
        resolver.routes(1, "dartford", facts, ["host_lha"])
    assert "atlantis" not in str(refused.value)


def test_the_host_alert_carries_the_minimal_context_only(resolver: RouteResolver) -> None:
    rows = message_rows(
        resolver,
        case_id=1,
        case_reference="JP-7K3Q-9D2F",
        authority_id="dartford",
        facts={**PLACED, "accommodation": "supported_lodgings"},
        pathway_title="16/17-year-old intake",
        event="Accommodation made available in your district",
        due=None,
        owning_team="lha",
        recipients=["host_lha"],
        template="out_of_district_placement",
        key_prefix="event:1",
        now=datetime(2026, 12, 21, 9, 0, tzinfo=UTC),
    )
    assert [(row["recipient"], row["route"]) for row in rows] == [("host_lha", HOST)]
    context = rows[0]["context"]
    assert set(context) == {"case_reference", "pathway", "event", "due", "owning_team", "link"}
    assert "supported_lodgings" not in str(context) and "swale" not in str(context)
