"""A typed refusal: which rule said no, why, and the HTTP status an API answers with.

Every use case returns a result or one of these. The CLI maps the status to an exit code and
the dashboard to a response, so both give the same answer for the same attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

MoveRefusalCode = Literal[
    "unknown_transition", "case_closed", "forbidden", "not_allowed_now", "invalid_input", "refused"
]
"""Refused by the pathway rules: the move itself."""
PrincipalRefusalCode = Literal[
    "unknown_user",
    "disabled_user",
    "role_not_held",
    "role_ambiguous",
    "reserved_principal",
    "other_authority",
]
"""Refused for who is asking, before any rule of the pathway was looked at."""
RefusalCode = Literal[MoveRefusalCode, PrincipalRefusalCode, "not_found"]

HTTP_STATUS: Final[dict[RefusalCode, int]] = {
    "unknown_transition": 404,
    "case_closed": 409,
    "forbidden": 403,
    "not_allowed_now": 409,
    "invalid_input": 422,
    "refused": 409,
    "unknown_user": 401,
    "disabled_user": 401,
    "role_not_held": 403,
    "role_ambiguous": 422,
    "reserved_principal": 403,
    "other_authority": 403,
    "not_found": 404,
}
PRINCIPAL_CODES: Final = frozenset(get_args(PrincipalRefusalCode))


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    reason: str
    field: str | None = None
    problems: tuple[tuple[str, str], ...] = ()
    """Every (field, rule) broken, where the input had several problems: a form shows each
    at its own field."""

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    @property
    def about_the_principal(self) -> bool:
        """Refused for who is asking, before any rule of the pathway was looked at."""
        return self.code in PRINCIPAL_CODES
