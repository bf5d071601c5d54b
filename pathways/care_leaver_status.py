"""Who is a relevant or former relevant child, and when s.191(1ZA)-(1C) bars an intentional
homelessness finding for them (spec §5, Pathway D, "Law change"; errata 5).

Pure: no I/O and no configuration. The commencement date of CWSA 2026 s.9 is passed in (the
engine reads it from ``config/law.yaml`` into ``CaseSnapshot.in_force[CWSA_2026_S9]``).

The Children Act 1989 definitions, as enacted (not paraphrased):

- An *eligible child* (Sch.2 para 19B(2); SI 2010/959 reg.40(1)) is aged 16 or 17 and has been
  looked after for 13 weeks, or periods amounting in all to 13 weeks, which began after they
  reached 14 and ended after they reached 16.
- A *relevant child* (s.23A(2)) is not being looked after by any local authority in England or
  Wales, was an eligible child before last ceasing to be looked after, and is aged 16 or 17.
- A *former relevant child* (s.23C(1)) is (a) a person who has been a relevant child and would
  be one if they were under 18, or (b) a person who was being looked after when they reached
  18 and was an eligible child immediately before ceasing to be looked after.

The regulations' extra categories and exclusions (s.23A(3), Sch.2 para 19B(3); SI 2010/2571
regs 3-4 and SI 2010/959 reg.40(2), e.g. pre-planned short breaks, or a return home for six
months) are not modelled: the worker records what the ICS record says of the definitions
above. The inputs are booleans because that is what a housing officer can read from it.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal, get_args

from pathways.eligibility import age_on, check_date_of_birth

CWSA_2026_S9: Final = "cwsa-2026-s9"
"""The provision's key in ``config/law.yaml`` and ``CaseSnapshot.in_force``."""

CareLeaverCategory = Literal[
    "eligible_child_looked_after",
    "relevant_child",
    "former_relevant_child",
    "not_relevant_or_former_relevant",
]
CATEGORIES: Final[frozenset[str]] = frozenset(get_args(CareLeaverCategory))
BARRED_CATEGORIES: Final = frozenset({"relevant_child", "former_relevant_child"})
"""The cohort of s.191(1B) and (1C); a former relevant child only while under 25."""

CITATION: Final = (
    "Housing Act 1996 s.191(1ZA)-(1C), inserted by the Children's Wellbeing and Schools Act "
    "2026 s.9"
)


class CareLeaverRecordError(ValueError):
    """An ICS record that cannot be true, or dates out of order. ``field`` names the input at
    fault; the message gives no age or date of birth, since refusals are shown and logged."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


def care_leaver_category(
    date_of_birth: date,
    on: date,
    *,
    looked_after_now: bool,
    was_eligible_child_when_last_ceased: bool,
    looked_after_and_eligible_at_18: bool,
    relevant_child_at_18: bool,
    eligible_child_now: bool | None = None,
) -> CareLeaverCategory:
    """Where the Children Act 1989 puts someone on ``on`` (ages by ``age_on``, so a 29 February
    birthday falls on 28 February in a non-leap year).

    - ``looked_after_now``: being looked after by a local authority (s.22(1)) on ``on``.
    - ``was_eligible_child_when_last_ceased``: was an eligible child before they last ceased to
      be looked after (s.23A(2)(b)); false for someone never looked after.
    - ``looked_after_and_eligible_at_18``: was being looked after when they reached 18 and was
      an eligible child immediately before ceasing to be looked after (s.23C(1)(b)).
    - ``relevant_child_at_18``: has been a relevant child (s.23C(1)(a)). Leaving the
      regulations aside, someone who ever was one still was on turning 18 unless they were by
      then looked after again, which limb (b) covers; the record's "relevant child at 18" flag
      therefore answers limb (a).
    - ``eligible_child_now``: for a child looked after now, whether they are an eligible child
      (``pathways.eligibility.eligible_child_on`` gives the day). Left out, such a child is
      reported as neither relevant nor former relevant, which is true either way.

    Limb (a)'s "would be one if he were under eighteen" is checked as defined: not looked after,
    and an eligible child before last ceasing to be looked after. A record that contradicts the
    definitions (e.g. "relevant child at 18" without "was an eligible child when last ceased")
    raises ``CareLeaverRecordError`` rather than quietly placing someone outside the cohort the
    law protects.
    """
    check_date_of_birth(date_of_birth, on)
    age = age_on(date_of_birth, on)
    _check_record(
        age,
        looked_after_now=looked_after_now,
        was_eligible_child_when_last_ceased=was_eligible_child_when_last_ceased,
        looked_after_and_eligible_at_18=looked_after_and_eligible_at_18,
        relevant_child_at_18=relevant_child_at_18,
        eligible_child_now=eligible_child_now,
    )
    if 16 <= age < 18:
        if looked_after_now and eligible_child_now:
            return "eligible_child_looked_after"
        if not looked_after_now and was_eligible_child_when_last_ceased:  # s.23A(2)
            return "relevant_child"
    if age >= 18:
        would_be_relevant_if_under_18 = not looked_after_now and was_eligible_child_when_last_ceased
        if relevant_child_at_18 and would_be_relevant_if_under_18:  # s.23C(1)(a)
            return "former_relevant_child"
        if looked_after_and_eligible_at_18:  # s.23C(1)(b)
            return "former_relevant_child"
    return "not_relevant_or_former_relevant"


def _check_record(
    age: int,
    *,
    looked_after_now: bool,
    was_eligible_child_when_last_ceased: bool,
    looked_after_and_eligible_at_18: bool,
    relevant_child_at_18: bool,
    eligible_child_now: bool | None,
) -> None:
    if looked_after_now and age >= 18:
        raise CareLeaverRecordError(
            "looked_after_now",
            "someone of 18 or over is not a child, so is not looked after (Children Act 1989 "
            "s.22(1), s.105(1)); record whether they were looked after at 18 instead",
        )
    if eligible_child_now and not (looked_after_now and 16 <= age < 18):
        raise CareLeaverRecordError(
            "eligible_child_now",
            "only a child of 16 or 17 who is looked after now can be an eligible child now "
            "(Sch.2 para 19B(2)); for one who has left care, use "
            "was_eligible_child_when_last_ceased",
        )
    if was_eligible_child_when_last_ceased and age < 16:
        raise CareLeaverRecordError(
            "was_eligible_child_when_last_ceased",
            "an eligible child is aged 16 or 17 (Sch.2 para 19B(2)(a)), so someone under 16 "
            "cannot have been one",
        )
    limbs = (
        ("relevant_child_at_18", relevant_child_at_18),
        ("looked_after_and_eligible_at_18", looked_after_and_eligible_at_18),
    )
    for field, value in limbs:
        if value and age < 18:
            raise CareLeaverRecordError(
                field, "is about someone who has reached 18 (s.23C(1)); they have not"
            )
        if value and not was_eligible_child_when_last_ceased:
            raise CareLeaverRecordError(
                "was_eligible_child_when_last_ceased",
                f"must be true when {field} is: either way they last ceased to be looked "
                "after as an eligible child (s.23A(2)(b), s.23C(1))",
            )
    if age >= 18 and was_eligible_child_when_last_ceased and not any(v for _, v in limbs):
        # They left care as an eligible child at 16 or 17 (so were a relevant child) or at
        # 18: one limb of s.23C(1) must hold, and leaving both unset would drop them from it.
        raise CareLeaverRecordError(
            "was_eligible_child_when_last_ceased",
            "for someone of 18 or over, also record which limb of s.23C(1) applies: "
            "relevant_child_at_18 (left care before 18) or looked_after_and_eligible_at_18",
        )


def intentionality_barred(
    category: str,
    aged_25_or_over: bool,
    commenced_on: date | None,
    today: date,
    application_made_on: date,
    s184_decision_made_on: date | None,
) -> str | None:
    """Why an intentional homelessness finding cannot be made today, or None if it can.

    Once CWSA 2026 s.9 is in force, a person does not become homeless intentionally if they are
    a relevant child (s.191(1B)) or a former relevant child aged under 25 (s.191(1C)); nor can
    s.191(3) (an arrangement contrived to qualify) be used against them. ``aged_25_or_over`` is
    judged by the caller on the day of the decision.

    Never barred while s.9 is not in force: ``commenced_on`` None (no commencement regulations)
    or after ``today``. The law is in force from the start of its commencement day.

    Transitional rule (s.9(2)): the amendments do not apply to an application made before the
    commencement day, except where the authority has not yet decided the matters in
    s.184(1)(a) and (b). So a pre-commencement application is barred only while that decision
    is outstanding, or if it was made on or after the commencement day; one decided before
    then (e.g. now under review) is not. An application made on the day itself is barred.
    """
    if category not in CATEGORIES:
        raise CareLeaverRecordError(
            "care_leaver_category", f"must be one of {', '.join(sorted(CATEGORIES))}"
        )
    _check_dates(today, application_made_on, s184_decision_made_on)
    if commenced_on is None or commenced_on > today:
        return None
    if category not in BARRED_CATEGORIES:
        return None
    if category == "former_relevant_child" and aged_25_or_over:
        return None
    before_commencement = application_made_on < commenced_on
    decided_before = s184_decision_made_on is not None and s184_decision_made_on < commenced_on
    if before_commencement and decided_before:
        return None
    transitional = (
        " (the application was made before commencement, but its s.184(1)(a) and (b) "
        "decision was still outstanding: s.9(2))"
        if before_commencement
        else ""
    )
    return (
        "an intentional homelessness finding cannot be made: a relevant child, or a former "
        "relevant child under 25, does not become homeless intentionally"
        f"{transitional}; {CITATION} (in force from {commenced_on.isoformat()})"
    )


def _check_dates(today: date, application_made_on: date, decided_on: date | None) -> None:
    if application_made_on > today:
        raise CareLeaverRecordError("application_made_on", "cannot be after today")
    if decided_on is not None and decided_on > today:
        raise CareLeaverRecordError("s184_decision_made_on", "cannot be after today")
    if decided_on is not None and decided_on < application_made_on:
        raise CareLeaverRecordError(
            "s184_decision_made_on", "cannot be before the application was made"
        )
