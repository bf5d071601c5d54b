"""The authority contact directory: seed 002 (spec §9) merged with ``config/authorities.yaml``.

``import_directory`` upserts one ``Authority`` row per seed entry and appends one audit event
per created or changed row in the caller's transaction; an unchanged row writes nothing, so a
second import is a no-op. The seed owns the contact fields; configuration owns the kind
(district/unitary), the children's services authority, routes and escalation chains.
``ooh_verified`` and ``last_verified`` are set by people: an import starts them at
False/None and afterwards leaves them alone (``ooh_verified`` resets only if the OOH number
itself changes).

Routes are stored as references (``email:<address>``, ``route:<name>``; see
``notifications.routes``), so neither the rows nor the audit events of an import hold a relay
URL or its credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from infrastructure import audit
from infrastructure.authority_config import (
    AuthorityConfig,
    AuthorityConfigError,
    UnknownAuthorityError,
    authority_config,
)
from infrastructure.settings import PROJECT_ROOT
from models.directory import Authority
from notifications.routes import RouteError, configured_route, email_route
from pathways.directory_seed import OOH_SAME_AS_MAIN_GAP, SeedAuthority, parse_contacts
from pathways.escalation import chain_levels
from pathways.vocabulary import ChainName

__all__ = [
    "SEED_PATH",
    "DirectoryConfigMismatchError",
    "DirectoryRouteError",
    "ImportResult",
    "Team",
    "UnknownAuthorityError",
    "authority_record",
    "check_seed_matches_config",
    "directory_is_empty",
    "escalation_chain",
    "get_authority",
    "import_directory",
    "known_ids",
    "list_authorities",
    "load_seed",
]

SEED_PATH = PROJECT_ROOT / "models" / "data" / "seed_002_contacts.txt"
SOURCE = "seed 002 (Kent practice guidance, April 2023) §contacts"
BASIS = "seed 002 §contacts; spec §9"

LHA_TOP_GAP = (
    "LHA escalation chain: top level missing in seed 002 (spec §7) — configure escalation_lha_top"
)
LAST_VERIFIED_GAP = "no 'last verified' date in seed 002 (spec §9 issue 6)"
NO_LHA_ROUTE_GAP = "no LHA team inbox: alerts to this LHA cannot be e-mailed (no route)"

Team = ChainName

# Fields the import owns and compares; the verification fields are handled separately.
SEEDED_FIELDS = (
    "name",
    "kind",
    "children_services_authority",
    "main_phone",
    "ooh_phone",
    "email",
    "website",
    "extra_contacts",
    "routes",
    "ics_routes",
    "ooh_routes",
    "escalation_chains",
    "data_gaps",
    "source",
)


class DirectoryConfigMismatchError(ValueError):
    """Seed 002 and config/authorities.yaml do not list the same authority ids."""


class DirectoryRouteError(AuthorityConfigError):
    """A configured route is not an e-mail address or ``route:<name>``; names the field."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    changed_ids: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def load_seed(path: Path | None = None) -> list[SeedAuthority]:
    """The shipped seed block (``models/data/seed_002_contacts.txt``), parsed."""
    return parse_contacts((path or SEED_PATH).read_text(encoding="utf-8"))


def check_seed_matches_config(seed: Sequence[SeedAuthority], config: AuthorityConfig) -> None:
    """Every seed id must be configured and every configured id must be in the seed."""
    seed_ids = {entry.id for entry in seed}
    config_ids = set(config.authorities)
    if seed_ids == config_ids:
        return
    problems = []
    if missing := sorted(seed_ids - config_ids):
        problems.append(f"in seed 002 but not in config/authorities.yaml: {', '.join(missing)}")
    if extra := sorted(config_ids - seed_ids):
        problems.append(f"in config/authorities.yaml but not in seed 002: {', '.join(extra)}")
    raise DirectoryConfigMismatchError("authority ids differ: " + "; ".join(problems))


def _configured_routes(config: AuthorityConfig) -> dict[str, list[str]]:
    """Every configured route as a reference, by its field; refuses the first bad one.

    Configuration holds addresses and ``route:<name>`` only: an Apprise URL (which may hold
    credentials) is refused, not converted, so a token pasted into the YAML is noticed and
    moved to ``PATHWAYS_ROUTES`` rather than quietly kept in a file under version control.
    """
    fields: dict[str, list[str]] = {}
    for services_id, services in config.children_services.items():
        for kind in ("ics_routes", "ifd_routes", "ooh_routes"):
            fields[f"children_services.{services_id}.{kind}"] = getattr(services, kind)
    for authority_id, entry in config.authorities.items():
        fields[f"authorities.{authority_id}.extra_routes"] = entry.extra_routes
    references: dict[str, list[str]] = {}
    for field, targets in fields.items():
        references[field] = []
        for index, target in enumerate(targets):
            try:
                references[field].append(configured_route(target))
            except RouteError as refused:
                raise DirectoryRouteError(
                    f"authority configuration: {field}[{index}]: {refused}"
                ) from None
    return references


def _is_placeholder(address: str) -> bool:
    return address.rstrip("/").lower().endswith(".invalid")


def _json(value: Any) -> Any:
    """The value as the JSON column stores and reads it back (tuples become lists)."""
    return json.loads(json.dumps(value, default=str))


def authority_record(seed: SeedAuthority, config: AuthorityConfig) -> dict[str, Any]:
    """The seeded fields of one Authority row: seed contact data merged with configuration."""
    entry = config.authority(seed.id)
    services = config.children_services[entry.children_services]
    lha_chain, lha_top = config.lha_escalation_chain(seed.id)

    configured = _configured_routes(config)
    routes = [email_route(seed.email)] if seed.email else []
    routes += configured[f"authorities.{seed.id}.extra_routes"]

    gaps = list(seed.data_gaps)
    if not routes:
        gaps.append(NO_LHA_ROUTE_GAP)
    if lha_top is None:
        gaps.append(LHA_TOP_GAP)
    gaps.append(LAST_VERIFIED_GAP)
    team_addresses = services.ics_routes + services.ifd_routes + services.ooh_routes
    if any(_is_placeholder(address) for address in team_addresses):
        gaps.append(
            f"{services.name}: ICS/IFD/OOH routes are placeholders (*.invalid); "
            "seed 002 has no children's services contacts (spec §9 issue 6)"
        )

    record: dict[str, Any] = _json(
        {
            "name": seed.name,
            "kind": entry.kind,
            "children_services_authority": entry.children_services,
            "main_phone": seed.main_phone,
            "ooh_phone": seed.ooh_phone,
            "email": seed.email,
            "website": seed.website,
            "extra_contacts": [extra.as_dict() for extra in seed.extra_contacts],
            "routes": routes,
            "ics_routes": configured[f"children_services.{entry.children_services}.ics_routes"],
            "ooh_routes": configured[f"children_services.{entry.children_services}.ooh_routes"],
            "escalation_chains": {
                "lha": lha_chain,
                "lha_top": lha_top,
                "ics": list(config.defaults.escalation.ics),
                "ifd": list(config.defaults.escalation.ifd),
            },
            "data_gaps": gaps,
            "source": f"{SOURCE}, models/data/seed_002_contacts.txt line {seed.source_line}",
        }
    )
    return record


def _without_resolved_gaps(gaps: list[str], row: Authority, ooh_verified: bool) -> list[str]:
    """Drop the gaps that a person has since closed by verifying the row."""
    resolved = set()
    if ooh_verified:
        resolved.add(OOH_SAME_AS_MAIN_GAP)
    if row.last_verified is not None:
        resolved.add(LAST_VERIFIED_GAP)
    return [gap for gap in gaps if gap not in resolved]


def import_directory(
    session: Session,
    *,
    actor: str = "system",
    role: str = "system",
    config: AuthorityConfig | None = None,
    seed: Sequence[SeedAuthority] | None = None,
) -> ImportResult:
    """Upsert every seed authority by id, auditing each creation or change in this transaction."""
    config = config or authority_config()
    seed = list(seed) if seed is not None else load_seed()
    check_seed_matches_config(seed, config)
    _configured_routes(config)  # a bad route anywhere refuses the import before any write
    # A second importer waits here, then sees the first one's rows as unchanged.
    audit.lock_head(session)

    created = updated = unchanged = 0
    changed: list[str] = []
    for entry in seed:
        target = authority_record(entry, config)
        row = session.get(Authority, entry.id)
        if row is None:
            row = Authority(id=entry.id, ooh_verified=False, last_verified=None, **target)
            session.add(row)
            session.flush()
            after = {"id": entry.id, **target, "ooh_verified": False, "last_verified": None}
            audit.record(
                session,
                actor=actor,
                role=role,
                action="directory.authority.created",
                before=None,
                after=after,
                basis=BASIS,
            )
            created += 1
            changed.append(entry.id)
            continue

        # A verified OOH number stays verified unless the seed now gives a different number.
        ooh_verified = row.ooh_verified and row.ooh_phone == target["ooh_phone"]
        target["data_gaps"] = _without_resolved_gaps(target["data_gaps"], row, ooh_verified)
        before: dict[str, Any] = {}
        after = {}
        for name in SEEDED_FIELDS:
            current = _json(getattr(row, name))
            if current != target[name]:
                before[name] = current
                after[name] = target[name]
        if ooh_verified != row.ooh_verified:
            before["ooh_verified"], after["ooh_verified"] = row.ooh_verified, ooh_verified
        if not after:
            unchanged += 1
            continue
        for name, value in after.items():
            setattr(row, name, value)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            role=role,
            action="directory.authority.updated",
            before={"id": entry.id, **before},
            after={"id": entry.id, **after},
            basis=BASIS,
        )
        updated += 1
        changed.append(entry.id)
    return ImportResult(created, updated, unchanged, tuple(changed))


def directory_is_empty(session: Session) -> bool:
    return session.exec(select(Authority.id).limit(1)).first() is None


def list_authorities(session: Session) -> list[Authority]:
    """Every authority, sorted by name."""
    return list(session.exec(select(Authority).order_by(col(Authority.name))))


def known_ids(session: Session) -> list[str]:
    return list(session.exec(select(Authority.id).order_by(col(Authority.id))))


def get_authority(session: Session, authority_id: str) -> Authority:
    """One authority; ``UnknownAuthorityError`` (a LookupError) names the id and the known ids."""
    row = session.get(Authority, authority_id)
    if row is None:
        raise UnknownAuthorityError(authority_id, known_ids(session))
    return row


def escalation_chain(authority: Authority, team: Team) -> list[str]:
    """The levels of one team's escalation chain, lowest first (spec §7): what the sweep walks.

    While the LHA top level is unset (the seed text is cut off) the LHA chain ends at Service
    Manager and ``data_gaps`` says so.
    """
    return chain_levels(authority.escalation_chains, team)
