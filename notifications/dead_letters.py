"""Dead letters are noticed: a notification that fails permanently is reported to operations.

The alert is one more outbox row (template ``dead_letter``), queued in the transaction that
records the permanent failure, so it is queued exactly once per failure and only by the
sender that still held the row. It says which notification failed and why, never what it said:
the notification id, the case reference, the failed message's event type, its recipient label
and the error kind. An alert that itself fails permanently raises no alert about itself.

The operations route of a case's authority is, in order: its ``operations_email`` in the
authority configuration, else ``PATHWAYS_OPERATIONS_EMAIL``, else the authority's LHA team
routes (so a failure is never only found by polling). A notification without a case has only
the setting; with none configured the failure is logged and stays on the operations list.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session

from infrastructure.authority_config import UnknownAuthorityError, authority_config
from infrastructure.settings import get_settings
from models import Authority, Case, Notification
from notifications.context import case_link, minimal_context
from notifications.outbox import outbox_rows
from notifications.routes import email_route
from pathways.notification_lifecycle import KIND_LABELS, FailureKind

log = logging.getLogger(__name__)

DEAD_LETTER_TEMPLATE = "dead_letter"
OPERATIONS_RECIPIENT = "operations"
NO_CASE = "no case"


def _authority_id(session: Session, failed: Notification) -> str | None:
    if failed.case_id is None:
        return None
    case = session.get(Case, failed.case_id)
    return case.authority_id if case is not None else None


def operations_routes(session: Session, authority_id: str | None) -> list[str]:
    """Where a dead letter of this authority's cases is reported (see the module's text)."""
    if authority_id is not None:
        try:
            configured = authority_config().authority(authority_id).operations_email
        except UnknownAuthorityError:
            configured = None
        if configured:
            return [email_route(configured)]
    fallback = get_settings().operations_email
    if fallback:
        return [email_route(fallback)]
    if authority_id is not None and (authority := session.get(Authority, authority_id)):
        return list(authority.routes)
    return []


def alert_event(failed: Notification, kind: FailureKind) -> str:
    """The alert's one line: which notification failed, and the kind of failure."""
    return (
        f"notification {failed.id} ({failed.event_type} to {failed.recipient}) "
        f"failed permanently: {KIND_LABELS[kind]}"
    )


def dead_letter_alert_rows(
    session: Session, failed: Notification, kind: FailureKind, now: datetime
) -> list[dict[str, Any]]:
    """Outbox rows reporting ``failed`` (now a permanent failure) to operations; none for an
    alert's own failure, or where no operations route is configured."""
    if failed.event_type == DEAD_LETTER_TEMPLATE:
        log.warning("dead-letter alert %s failed permanently (%s): not reported", failed.id, kind)
        return []
    routes = operations_routes(session, _authority_id(session, failed))
    if not routes:
        log.warning(
            "notification %s failed permanently (%s): no operations route is configured "
            "(operations_email or PATHWAYS_OPERATIONS_EMAIL)",
            failed.id,
            kind,
        )
        return []
    base_url = get_settings().base_url
    reference = failed.case_reference
    pathway = failed.context.get("pathway") if isinstance(failed.context, dict) else None
    context = minimal_context(
        case_reference=reference or NO_CASE,
        pathway=pathway or "—",
        event=alert_event(failed, kind),
        due=None,
        owning_team="Operations",
        link=case_link(base_url, reference) if reference else base_url,
    )
    return outbox_rows(
        # Unique per failure: a row retried by an operator that fails again is reported again.
        key_prefix=f"dead-letter:{failed.id}:{now.strftime('%Y%m%dT%H%M%S%f')}",
        case_id=failed.case_id,
        case_reference=reference,
        event_type=DEAD_LETTER_TEMPLATE,
        context=context,
        routes=[(OPERATIONS_RECIPIENT, route) for route in routes],
        now=now,
    )
