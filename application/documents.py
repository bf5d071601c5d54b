"""Documents the system produces for an officer to send themselves: today the s.208(3) notice.

A document names people, so it is returned to the officer who asked and nothing else: it is
never e-mailed, queued, logged or put into the audit trail. The audit records that a document
of a kind was produced for a case, by whom, and nothing of what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session, select

from application.cases import CaseNotFoundError, load_case
from application.principals import Acting, audit_refusal
from application.read_log import record_read
from infrastructure import audit, clock
from infrastructure.db import get_engine, session_scope
from models import Authority, Case, Person
from pathways import s208_notice
from pathways.refusal import Refusal
from pathways.roles import service_of

DocumentKind = Literal["s208-notice"]
DOCUMENT_KINDS: Final = get_args(DocumentKind)
TEMPLATE_DIR: Final = Path(__file__).parent / "document_templates"
PRODUCED: Final = "document.produced"
REFUSED: Final = "document.refused"


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    case_reference: str
    text: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Markdown for a person to read and paste, not HTML: nothing to escape.
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def _refuse(
    session: Session, acting: Acting, case: Case, kind: str, refusal: Refusal, at: datetime
) -> Refusal:
    audit.record(
        session,
        actor=acting.username,
        role=acting.role,
        action=REFUSED,
        case_reference=case.reference,
        after={"document": kind, "code": refusal.code, "reason": refusal.reason},
        basis=s208_notice.CITATION,
        at=at,
    )
    return refusal


def _who_may_produce(acting: Acting, case: Case) -> Refusal | None:
    """The placing authority gives the notice (s.208(1)), so only its own housing staff
    produce it: not children's services, and not the host authority a case is shared with."""
    if case.authority_id not in acting.principal.covers:
        return Refusal(
            "other_authority",
            f"case: the s.208 notice is given by the placing authority ({case.authority_id}); "
            f"'{acting.username}' does not work for it",
            "case",
        )
    if service_of(acting.role) != "housing":
        return Refusal(
            "forbidden",
            f"role: the s.208 notice is the housing authority's (Housing Act 1996 s.208): "
            f"a housing (LHA) role produces it, not '{acting.role}'",
            "role",
        )
    return None


def _s208_text(session: Session, case: Case) -> str | Refusal:
    problem = s208_notice.needs_no_notice(case.facts, case.authority_id)
    if problem is not None:
        return Refusal("refused", problem)
    host = session.get(Authority, case.facts[s208_notice.PLACEMENT_DISTRICT])
    placing = session.get(Authority, case.authority_id)
    if host is None or placing is None:
        return Refusal(
            "refused",
            "s.208 Housing Act 1996: the placement district is not an authority in the "
            "directory, so the notice cannot be addressed",
        )
    people = session.exec(select(Person).where(Person.case_id == case.id)).all()
    applicant = next((p for p in people if p.relationship_to_case == s208_notice.APPLICANT), None)
    if applicant is None:
        return Refusal(
            "refused", "s.208(3)(a): the notice names the applicant, and none is recorded"
        )
    notice = s208_notice.build_notice(
        case_reference=case.reference,
        facts=case.facts,
        own_authority_id=case.authority_id,
        placing_authority=placing.name,
        host_authority=host.name,
        applicant_name=applicant.full_name,
        relationships=[p.relationship_to_case for p in people],
    )
    return render_s208_notice(notice)


def render_s208_notice(notice: s208_notice.S208Notice) -> str:
    return _environment().get_template("s208_notice.md.j2").render(notice.values())


_PRODUCERS: Final[dict[DocumentKind, Callable[[Session, Case], str | Refusal]]] = {
    "s208-notice": _s208_text,
}


def produce_document(
    *, acting: Acting, case_reference: str, kind: DocumentKind, now: datetime | None = None
) -> Document | Refusal:
    """The document for the officer to send, or why not; either way the attempt is audited."""
    engine = get_engine()
    at = now or clock.now(engine)
    with session_scope(engine) as session:
        try:
            case = load_case(session, case_reference)
        except CaseNotFoundError as missing:
            return missing.refusal()
        refused = _who_may_produce(acting, case)
        if refused is not None and refused.about_the_principal:
            return audit_refusal(
                session,
                acting,
                refused,
                attempted=f"document.{kind}",
                case_reference=case.reference,
                at=at,
            )
        if refused is not None:
            return _refuse(session, acting, case, kind, refused, at)
        text = _PRODUCERS[kind](session, case)
        if isinstance(text, Refusal):
            return _refuse(session, acting, case, kind, text, at)
        audit.record(
            session,
            actor=acting.username,
            role=acting.role,
            action=PRODUCED,
            case_reference=case.reference,
            after={"document": kind},
            basis=f"{s208_notice.CITATION}; spec §13 errata 9 and 22",
            at=at,
        )
        # The notice names the applicant: producing it is a read of their personal data.
        record_read(session, acting, case.reference, "s208-notice", at)
    return Document(kind, case.reference, text)
