"""route references: stored routes name a reference, never an Apprise URL with credentials

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:40:00

Until this revision every stored route was the full Apprise URL, the SMTP relay's user and
password included (issue 10, point 3). A data migration, no schema change:

- Each route of ``authority.routes``, ``ics_routes`` and ``ooh_routes`` and each
  ``notification.route`` becomes a reference: ``mailto(s)://…?to=<address>`` (one address)
  becomes ``email:<address>``; a URL that is exactly one of the named routes configured in
  ``PATHWAYS_ROUTES`` when the migration runs becomes ``route:<name>``. Delivery resolves a
  reference with the relay configured at the time it sends.
- Anything else cannot be mapped (a mailto URL with several or no ``to=`` addresses, another
  service's URL that ``PATHWAYS_ROUTES`` does not name). It becomes
  ``unmapped:<scheme>://<host, credentials hidden>``: delivery treats it as a permanent failure
  whose message names it, and the secret is gone from the database. To send such a message,
  configure the channel in ``PATHWAYS_ROUTES`` and re-queue it.
- A notification's idempotency key ends with a hash of its route, so the key is recomputed
  from the reference: re-queueing the same message after the upgrade stays a no-op. Where two
  old rows map to the same key (one address via two relays), the later keeps its old key.
- ``notification.last_error`` has any URL in it redacted.
- The hash-chained audit events already written (the directory import recorded each
  authority's routes) are left alone: changing them would break the chain. New events record
  references only.
"""

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from alembic import op

from infrastructure.settings import get_settings
from notifications.redaction import redact_url, redact_urls_in

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as they were when this migration was written.
REFERENCE_PREFIXES = ("email:", "route:", "unmapped:")
MAIL_SCHEMES = ("mailto", "mailtos")
ADDRESS = re.compile(r"^[^@\s,;]+@[^@\s,;/?#]+$")
BATCH = 1000

AUTHORITY = sa.table(
    "authority",
    sa.column("id", sa.String()),
    sa.column("routes", sa.JSON()),
    sa.column("ics_routes", sa.JSON()),
    sa.column("ooh_routes", sa.JSON()),
)
ROUTE_LISTS = ("routes", "ics_routes", "ooh_routes")
NOTIFICATION = sa.table(
    "notification",
    sa.column("id", sa.Integer()),
    sa.column("idempotency_key", sa.String()),
    sa.column("route", sa.String()),
    sa.column("last_error", sa.String()),
)


def _named_routes() -> dict[str, str]:
    """The URLs of ``PATHWAYS_ROUTES`` by value, read as the application reads them."""
    return {url.get_secret_value(): name for name, url in get_settings().routes.items()}


def _single_recipient(query: str) -> str | None:
    found = [
        unquote(value)
        for key, _, value in (part.partition("=") for part in query.split("&"))
        if key.lower() == "to"
    ]
    if len(found) == 1 and ADDRESS.match(found[0]):
        return found[0]
    return None


def reference_for(route: str, named: Mapping[str, str]) -> str:
    """The reference a stored route becomes (a reference already is one: unchanged)."""
    if route.startswith(REFERENCE_PREFIXES) or "://" not in route:
        return route
    if route in named:
        return f"route:{named[route]}"
    scheme, _, rest = route.partition("://")
    before_fragment = rest.partition("#")[0]
    address_part, _, query = before_fragment.partition("?")
    if scheme.lower() in MAIL_SCHEMES and (address := _single_recipient(query)):
        return f"email:{address}"
    netloc = address_part.partition("/")[0]
    return f"unmapped:{redact_url(f'{scheme}://{netloc}')}"


def _route_key(route: str) -> str:
    return hashlib.sha256(route.encode("utf-8")).hexdigest()[:16]


def _rekeyed(key: str, old_route: str, new_route: str) -> str:
    """The idempotency key the outbox would have given the row had it held the reference."""
    suffix = f":{_route_key(old_route)}"
    if not key.endswith(suffix):
        return key
    return key[: -len(suffix)] + f":{_route_key(new_route)}"


def _authorities(bind: sa.Connection, named: Mapping[str, str]) -> None:
    for row in bind.execute(sa.select(AUTHORITY)).mappings().all():
        values: dict[str, Any] = {}
        for name in ROUTE_LISTS:
            current = list(row[name] or [])
            mapped = [reference_for(str(route), named) for route in current]
            if mapped != current:
                values[name] = mapped
        if values:
            bind.execute(sa.update(AUTHORITY).where(AUTHORITY.c.id == row["id"]).values(**values))


def _notification_batches(bind: sa.Connection) -> Iterator[list[sa.RowMapping]]:
    last_id = 0
    while True:
        batch = (
            bind.execute(
                sa.select(NOTIFICATION)
                .where(NOTIFICATION.c.id > last_id)
                .where(
                    sa.or_(
                        NOTIFICATION.c.route.like("%://%"),
                        NOTIFICATION.c.last_error.like("%://%"),
                    )
                )
                .order_by(NOTIFICATION.c.id)
                .limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not batch:
            return
        yield list(batch)
        last_id = batch[-1]["id"]


def _keys_taken(bind: sa.Connection, keys: set[str]) -> set[str]:
    if not keys:
        return set()
    column = NOTIFICATION.c.idempotency_key
    return set(bind.execute(sa.select(column).where(column.in_(sorted(keys)))).scalars())


def _notifications(bind: sa.Connection, named: Mapping[str, str]) -> None:
    for batch in _notification_batches(bind):
        updates = []
        for row in batch:
            route = reference_for(row["route"], named)
            key = _rekeyed(row["idempotency_key"], row["route"], route)
            error = row["last_error"]
            updates.append(
                {
                    "row_id": row["id"],
                    "old_key": row["idempotency_key"],
                    "new_route": route,
                    "new_key": key,
                    "new_error": redact_urls_in(error) if error else error,
                }
            )
        # A new key another row already holds (or takes in this batch) stays the old one.
        taken = _keys_taken(bind, {u["new_key"] for u in updates if u["new_key"] != u["old_key"]})
        for update in updates:
            if update["new_key"] != update["old_key"]:
                if update["new_key"] in taken:
                    update["new_key"] = update["old_key"]
                else:
                    taken.add(update["new_key"])
        bind.execute(
            sa.update(NOTIFICATION)
            .where(NOTIFICATION.c.id == sa.bindparam("row_id"))
            .values(
                route=sa.bindparam("new_route"),
                idempotency_key=sa.bindparam("new_key"),
                last_error=sa.bindparam("new_error"),
            ),
            [{k: v for k, v in u.items() if k != "old_key"} for u in updates],
        )


def upgrade() -> None:
    bind = op.get_bind()
    named = _named_routes()
    _authorities(bind, named)
    _notifications(bind, named)


def downgrade() -> None:
    """A no-op: the credentials are not put back.

    Before 0004 routes were full Apprise URLs; rebuilding them would copy the relay's password
    from the settings back into every row, which is what 0004 exists to end. The references
    left in place are not URLs, so code from before 0004 fails them permanently rather than
    sending them anywhere; re-queue them after upgrading again.
    """
