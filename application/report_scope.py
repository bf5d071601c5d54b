"""What every report is over: a period of whole days (UK time) and the authorities asked for,
checked once for the compliance report and the H-CLIC export alike.

A period runs from 00:00 Europe/London on its first day to 00:00 on the day after its last, so
a day's events count on the day staff in Kent saw them. An authority asked for must be in the
directory and be one the viewer covers: a report on another council is refused (and audited),
not quietly narrowed to the few of its cases shared with the viewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlmodel import Session, col, select

from application.principals import Acting, audit_refusal
from models import Authority
from pathways.calendar import start_of_day
from pathways.principal import Principal
from pathways.refusal import Refusal
from pathways.roles import OPERATOR_ROLE

AUTHORITY_ID: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}\Z")
MAX_DAYS: Final = 3660
"""Ten years: longer than any retention period, so a typo such as 2206 for 2026 is refused."""


@dataclass(frozen=True)
class ReportPeriod:
    first_day: date
    last_day: date

    @property
    def since(self) -> datetime:
        return start_of_day(self.first_day)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return start_of_day(self.last_day + timedelta(days=1))

    @property
    def text(self) -> str:
        return f"{self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}"


def report_period(first_day: date, last_day: date) -> ReportPeriod | Refusal:
    if last_day < first_day:
        return Refusal(
            "invalid_input",
            f"to: the last day ({last_day.isoformat()}) is before the first "
            f"({first_day.isoformat()})",
            "to",
        )
    if (last_day - first_day).days >= MAX_DAYS:
        return Refusal(
            "invalid_input", f"to: a report covers at most {MAX_DAYS} days (ten years)", "to"
        )
    return ReportPeriod(first_day, last_day)


def quarter_to_date(today: date) -> ReportPeriod:
    """The default period: the quarter so far, as the H-CLIC return is made quarterly."""
    first_month = (today.month - 1) // 3 * 3 + 1
    return ReportPeriod(date(today.year, first_month, 1), today)


def checked_authority(
    session: Session, viewer: Acting, authority_id: str | None, *, attempted: str, at: datetime
) -> Refusal | None:
    """None when the authority (if one is asked for) may be reported on by the viewer."""
    if authority_id is None:
        return None
    if not AUTHORITY_ID.match(authority_id):
        return Refusal(
            "invalid_input", "authority: not an authority id (such as 'dartford')", "authority"
        )
    if session.get(Authority, authority_id) is None:
        return Refusal(
            "invalid_input",
            f"authority: no authority '{authority_id}' in the directory",
            "authority",
        )
    principal = viewer.principal
    if principal.is_system or authority_id in principal.covers:
        return None
    covered = ", ".join(sorted(principal.covers)) or "none"
    refusal = Refusal(
        "forbidden",
        f"authority: '{principal.username}' reports only on the authorities they cover ({covered})",
        "authority",
    )
    return audit_refusal(session, viewer, refusal, attempted=attempted, case_reference=None, at=at)


def server_operator(session: Session, username: str) -> Acting:
    """The operator at the server's own command line, who reaches the whole database there
    anyway: every authority in the directory, in the operator role (never the system's)."""
    every = session.exec(select(Authority.id).order_by(col(Authority.id))).all()
    principal = Principal(
        username=username,
        display_name="Operator at the server's command line",
        roles=frozenset({OPERATOR_ROLE}),
        authority_id=None,
        team=None,
        covers=frozenset(every),
    )
    return Acting(principal, OPERATOR_ROLE)
