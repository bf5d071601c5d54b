"""What a member of staff may start: the pathways whose opening step one of their roles may
record, and the authorities whose cases they may open (those they cover)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models import Authority
from pathways.definitions import latest_definitions
from pathways.engine.definition import PathwayDefinition
from pathways.principal import Principal
from pathways.roles import Role


@dataclass(frozen=True)
class StartablePathway:
    name: str
    title: str
    version: str
    citation: str
    step_title: str
    roles: tuple[Role, ...]
    input_model: type[BaseModel] | None


def _startable(definition: PathwayDefinition) -> StartablePathway | None:
    opening = definition.transition(definition.opening_transition)
    if opening is None:
        return None
    return StartablePathway(
        name=definition.name,
        title=definition.title,
        version=definition.version,
        citation=definition.citation,
        step_title=opening.title,
        roles=opening.roles,
        input_model=opening.input_model,
    )


def startable_pathways(principal: Principal) -> list[StartablePathway]:
    found = (_startable(definition) for definition in latest_definitions())
    return [p for p in found if p is not None and principal.roles.intersection(p.roles)]


def openable_authorities(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """(id, name) of the authorities this person may open a case in, by name."""
    rows = session.exec(
        select(Authority.id, Authority.name)
        .where(col(Authority.id).in_(principal.covers))
        .order_by(col(Authority.name))
    ).all()
    return [(authority_id, name) for authority_id, name in rows]
