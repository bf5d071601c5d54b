"""What the audit chain covers of a case's running: its timers, notifications and their
delivery, shares and staff assignments, and since when a case must have every one covered.

These records were first covered after cases already existed. A case opened since carries a
scope marker in its opening event's ``covers`` (``SCOPE_KEY`` -> the tables, space-separated):
every record of those tables on it must be covered. A case opened before has no marker: its
records of these tables are checked only where an audit event covered them (a timer fired, a
message settled, a share made since). The marker is a key without a colon, so it can never be
taken for a record's ``table:id``.

A notification has two keys: ``notification:<id>``, what it says and to whom (fixed when
queued), and ``delivery:<id>``, its settled outcome. Only a settle (sent, or dead-lettered) and
an operator's retry write the delivery key; the sender's in-flight moves do not, so a row in
flight stands for ``IN_FLIGHT`` and the retry records that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pathways.record_digests import COVERED, record_digest, record_key

SCOPE_KEY: Final = "scope"
DELIVERY: Final = "delivery"
OPERATIONAL: Final = ("timer", "notification", DELIVERY, "caseshare", "caseassignment")
SCOPE: Final = " ".join(OPERATIONAL)
SETTLED: Final = frozenset({"sent", "permanent-failure"})
IN_FLIGHT: Final = "in-flight"
"""What ``delivery:<id>`` stands for while the row is queued, being sent or to be retried."""
NO_SALT: Final = ""
"""Only a notification holds a personal value (its route): the others' digests need no salt."""


def scope_tables(marker: str) -> frozenset[str]:
    """The tables a scope marker says were covered since the case opened."""
    return frozenset(marker.split()) & frozenset(OPERATIONAL)


def operational_digest(table: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """(its key, its digest) for a row of a table without personal values, given as a mapping
    that holds its ``id``."""
    spec = COVERED[table]
    if spec.personal or spec.personal_json:
        raise ValueError(f"{table} holds personal values: its digest needs the case's salt")
    return record_key(table, int(values["id"])), record_digest(table, values, NO_SALT)


def delivery_digest(values: Mapping[str, Any]) -> tuple[str, str]:
    """(``delivery:<id>``, the settled outcome's digest, or ``IN_FLIGHT``)."""
    if values["status"] not in SETTLED:
        return record_key(DELIVERY, int(values["id"])), IN_FLIGHT
    return operational_digest(DELIVERY, values)
