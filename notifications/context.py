"""What a notification may say (spec §6): the case reference, pathway, event, due date,
owning team and a link. Nothing else can reach a template, so nothing else can leak."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

LONDON = ZoneInfo("Europe/London")


class NotificationContext(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_reference: str
    pathway: str
    event: str
    due: str | None = None
    owning_team: str
    link: str


def minimal_context(
    *,
    case_reference: str,
    pathway: str,
    event: str,
    due: str | None,
    owning_team: str,
    link: str,
) -> dict[str, str | None]:
    """The stored form of a NotificationContext. Keyword-only, so no other field fits; the
    delivery validates it against the model before rendering. A plain dict, because the sweep
    builds thousands at a time."""
    return {
        "case_reference": case_reference,
        "pathway": pathway,
        "event": event,
        "due": due,
        "owning_team": owning_team,
        "link": link,
    }


def format_due(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M (UK time)")


def case_link(base_url: str, case_reference: str) -> str:
    return f"{base_url.rstrip('/')}/cases/{case_reference}"
