"""The local connection a care leaver has with the housing authority chosen for a duty to refer.

Pure: the caller reads the chosen authority's kind and children's services authority from
``config/authorities.yaml``, the policy from the case's recorded ``case_policy``, and whether the
s.23C duty still lasts from the case's facts, and records the result in the ``duty_to_refer``
fact (``local_connection`` = ``code``, ``local_connection_basis`` = ``basis``).

The rule (spec §13 errata 16, §3 Cohorts; seed 004 §2.9):

- A care leaver has a local connection with the area of the children's services authority that
  owes them the s.23C duty, and where that authority is a county council (KCC) with every district
  of the county: the 12 Kent districts (Housing Act 1996 s.199(8)-(9), inserted by the
  Homelessness Reduction Act 2017 s.8).
- The statute ties it to the s.23C duty (Children Act 1989 s.23C(6)-(7)): to 21, and beyond while
  the education or training programme in the pathway plan continues. Seed 004 §2.9 gives no age
  limit ("every housing authority in the county council area"): that is the per-authority
  alternative, case policy ``care_leaver_local_connection`` = ``seed_no_age_limit``.
- Medway is a unitary authority with its own care leavers: the two-tier rule gives a KCC care
  leaver no connection with Medway, nor a Medway care leaver one with a Kent district. A Medway
  care leaver has one with Medway (s.199(8)).
- The connection where the young person lived for two years, some of it before 16, lasting to 21
  (s.199(10)-(11)), is not assessed here: the housing officer assesses it, as any other
  connection under s.199(1).
- The choice itself is never limited to Kent: the young person may choose any housing authority
  in England (s.213B; Homelessness Code of Guidance ch.4). A local connection decides only whether
  that authority may later refer the case on (s.198), never whether the referral may be made.

VERIFY: the wording of s.199(8)-(11) above was recalled, not read from legislation.gov.uk here
(this system had no access to it when written). The spec asks for it to be checked against the
Act, the age limit above all, before it is relied on; the citations in ``basis`` name it so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

ResponsibleAuthority = Literal["kcc", "medway", "other"]
"""The children's services authority that owes the s.23C duty (fact ``responsible_authority``)."""
HousingAuthorityKind = Literal["district", "unitary"]
"""A district of a two-tier county, or a unitary authority (``kind`` in the directory config)."""
LocalConnectionPolicy = Literal["while_s23c_duty", "seed_no_age_limit"]
LocalConnectionCode = Literal[
    "two_tier_every_district",
    "children_services_area",
    "not_by_care_leaver_rule",
    "not_assessed_outside_directory",
]

DUTY_TO_REFER_AUTHORITY: Final = "duty_to_refer_authority"
"""The case fact naming the chosen authority when it is in the directory: the ``referred_lha``
recipient reads it. An authority outside the directory is told by the officer, not the system."""
POLICY_KEY: Final = "care_leaver_local_connection"
DEFAULT_POLICY: Final[LocalConnectionPolicy] = "while_s23c_duty"
POLICIES: Final = get_args(LocalConnectionPolicy)
CODES: Final = get_args(LocalConnectionCode)
RESPONSIBLE_AUTHORITIES: Final = get_args(ResponsibleAuthority)
KINDS: Final = get_args(HousingAuthorityKind)
CONNECTED: Final = frozenset({"two_tier_every_district", "children_services_area"})

CARE_LEAVER_RULE: Final = (
    "Housing Act 1996 s.199(8)-(9), inserted by the Homelessness Reduction Act 2017 s.8 "
    "(wording recalled, to be verified)"
)
S23C_DURATION: Final = (
    "Children Act 1989 s.23C(6)-(7): to 21, and beyond while the education or training "
    "programme in the pathway plan continues"
)
SEED: Final = "seed 004 §2.9"
SPEC: Final = "spec errata 16"
NOT_ASSESSED: Final = (
    "Not assessed here: a connection where the young person lived for two years, some of it "
    "before 16 (s.199(10)-(11), to 21), or any other under s.199(1); the housing officer "
    "assesses it."
)
CHOICE: Final = (
    "The referral may go to any housing authority in England the young person chooses "
    "(s.213B; Homelessness Code of Guidance ch.4)."
)


class LocalConnectionInputError(ValueError):
    """An input the rule cannot be applied to. Names the field and the rule, never the value
    (an authority outside the directory is free text)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class DirectoryAuthority:
    """A housing authority in the directory, as ``config/authorities.yaml`` describes it."""

    authority_id: str
    kind: HousingAuthorityKind
    children_services: str = "kcc"
    """The children's services authority of its area: for a district, its county council. The
    default is the directory's own (``children_services`` in the config defaults to ``kcc``)."""

    def __post_init__(self) -> None:
        if not isinstance(self.authority_id, str) or not self.authority_id:
            raise LocalConnectionInputError("authority_id", "must name a directory authority")
        if self.kind not in KINDS:
            raise LocalConnectionInputError("kind", f"must be one of {', '.join(KINDS)}")
        if not isinstance(self.children_services, str) or not self.children_services:
            raise LocalConnectionInputError(
                "children_services", "must name the area's children's services authority"
            )


@dataclass(frozen=True)
class OutsideDirectory:
    """A housing authority the young person chose that the directory does not hold."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise LocalConnectionInputError("other_authority", "must name the housing authority")


ChosenAuthority = DirectoryAuthority | OutsideDirectory


@dataclass(frozen=True)
class LocalConnection:
    code: LocalConnectionCode
    basis: str
    """Why, with its citations: shown to the officer and kept in ``duty_to_refer``."""

    @property
    def has_local_connection(self) -> bool:
        """True where the care leaver rule gives one; False says only that this rule does not
        (another connection may still exist, for the officer to assess)."""
        return self.code in CONNECTED


def s23c_duty_subsists(*, under_21: bool, programme_beyond_21_continues: bool) -> bool:
    """Children Act 1989 s.23C(6)-(7): the duties last to 21, and beyond it while the young
    person pursues the programme of education or training set out in the pathway plan.

    Personal Adviser support to 25 on request (s.23CZB) is a separate duty, not the s.23C one
    that s.199(8) names (as recalled; to be verified with the rest), so it does not count here."""
    return under_21 or programme_beyond_21_continues


def policy_in_force(case_policy: Mapping[str, Any]) -> LocalConnectionPolicy:
    """The case's recorded choice; a case that recorded none (it opened before the choice
    existed) follows the statute."""
    value = case_policy.get(POLICY_KEY, DEFAULT_POLICY)
    if value == "while_s23c_duty":
        return "while_s23c_duty"
    if value == "seed_no_age_limit":
        return "seed_no_age_limit"
    raise LocalConnectionInputError(POLICY_KEY, f"must be one of {', '.join(POLICIES)}")


def local_connection(
    *,
    responsible_authority: ResponsibleAuthority,
    chosen: ChosenAuthority,
    policy: LocalConnectionPolicy,
    s23c_duty_lasts: bool,
) -> LocalConnection:
    """The local connection the care leaver rule gives with the chosen housing authority."""
    _check(responsible_authority, chosen, policy, s23c_duty_lasts)
    if isinstance(chosen, OutsideDirectory):
        return _outside_directory(responsible_authority)
    if responsible_authority == "other":
        return _not_by_rule(
            f"The corporate parent is neither KCC nor Medway: the care leaver rule gives a "
            f"connection with that authority's own area ({CARE_LEAVER_RULE}), not with "
            f"{chosen.authority_id}."
        )
    if chosen.children_services != responsible_authority:
        return _not_by_rule(_other_area(responsible_authority, chosen))
    if not s23c_duty_lasts and policy == "while_s23c_duty":
        return _not_by_rule(
            f"{_owner(responsible_authority)}'s duty under s.23C has ended ({S23C_DURATION}), so "
            f"the care leaver rule ({CARE_LEAVER_RULE}) no longer gives a connection with "
            f"{chosen.authority_id}. This authority's case policy {POLICY_KEY} is "
            f"while_s23c_duty; the alternative, seed_no_age_limit, follows {SEED}, which gives "
            "no age limit."
        )
    if chosen.kind == "district":
        return _connected("two_tier_every_district", _two_tier(chosen, policy, s23c_duty_lasts))
    return _connected(
        "children_services_area", _own_area(responsible_authority, chosen, policy, s23c_duty_lasts)
    )


def _check(
    responsible_authority: object, chosen: object, policy: object, s23c_duty_lasts: object
) -> None:
    # The caller reads these from facts and config, which mypy cannot vouch for.
    if responsible_authority not in RESPONSIBLE_AUTHORITIES:
        raise LocalConnectionInputError(
            "responsible_authority", f"must be one of {', '.join(RESPONSIBLE_AUTHORITIES)}"
        )
    if not isinstance(chosen, DirectoryAuthority | OutsideDirectory):
        raise LocalConnectionInputError(
            "chosen", "must be a directory authority or a named authority outside the directory"
        )
    if policy not in POLICIES:
        raise LocalConnectionInputError(POLICY_KEY, f"must be one of {', '.join(POLICIES)}")
    if not isinstance(s23c_duty_lasts, bool):
        raise LocalConnectionInputError("s23c_duty_lasts", "must be true or false")


def _owner(responsible_authority: str) -> str:
    return "KCC" if responsible_authority == "kcc" else "Medway"


def _duty_words(policy: str, s23c_duty_lasts: bool) -> str:
    if policy == "while_s23c_duty":
        return f"while the s.23C duty lasts ({S23C_DURATION}), as it does"
    ended = ""
    if not s23c_duty_lasts:
        ended = "; the s.23C duty has ended, so the statute alone would not give it"
    return (
        f"with no age limit, as {SEED} words it (this authority's case policy {POLICY_KEY} is "
        f"seed_no_age_limit){ended}"
    )


def _two_tier(chosen: DirectoryAuthority, policy: str, s23c_duty_lasts: bool) -> str:
    return (
        f"A care leaver of a county council has a local connection with every district of the "
        f"county, {chosen.authority_id} among them, {_duty_words(policy, s23c_duty_lasts)}: "
        f"{CARE_LEAVER_RULE}; {SEED}; {SPEC}."
    )


def _own_area(
    responsible_authority: str, chosen: DirectoryAuthority, policy: str, s23c_duty_lasts: bool
) -> str:
    return (
        f"A care leaver has a local connection with the area of the children's services "
        f"authority that looked after them, here {_owner(responsible_authority)} "
        f"({chosen.authority_id}), {_duty_words(policy, s23c_duty_lasts)}: "
        f"{CARE_LEAVER_RULE}; {SEED}."
    )


def _other_area(responsible_authority: str, chosen: DirectoryAuthority) -> str:
    if responsible_authority == "kcc":
        what = "a unitary authority" if chosen.kind == "unitary" else "a district of another county"
        return (
            f"The chosen authority, {chosen.authority_id}, is {what} outside KCC's area: the "
            "two-tier rule gives a KCC care leaver a connection with the 12 Kent districts only "
            f"({CARE_LEAVER_RULE}; {SPEC}; spec §3 Cohorts)."
        )
    return (
        f"A Medway care leaver's connection under the care leaver rule is with Medway "
        f"({CARE_LEAVER_RULE}): Medway is a unitary authority, and the two-tier rule covers a "
        f"county council's care leavers only, so it gives none with {chosen.authority_id} "
        f"({SPEC}; spec §3 Cohorts)."
    )


def _outside_directory(responsible_authority: str) -> LocalConnection:
    if responsible_authority == "kcc":
        scope = (
            "For a KCC care leaver the two-tier rule covers the 12 Kent districts, all of them "
            f"in the directory ({CARE_LEAVER_RULE}), so it gives none there."
        )
    elif responsible_authority == "medway":
        scope = (
            "A Medway care leaver's connection under the care leaver rule is with Medway "
            f"({CARE_LEAVER_RULE})."
        )
    else:
        scope = (
            "If it is the corporate parent's own area, or a district of that county, the care "
            f"leaver rule may give one ({CARE_LEAVER_RULE})."
        )
    return LocalConnection(
        "not_assessed_outside_directory",
        f"The chosen authority is outside the Kent and Medway directory: this system does not "
        f"assess a local connection there. {scope} {NOT_ASSESSED} {CHOICE}",
    )


def _not_by_rule(why: str) -> LocalConnection:
    return LocalConnection("not_by_care_leaver_rule", f"{why} {NOT_ASSESSED} {CHOICE}")


def _connected(code: LocalConnectionCode, why: str) -> LocalConnection:
    return LocalConnection(code, f"{why} {NOT_ASSESSED} {CHOICE}")
