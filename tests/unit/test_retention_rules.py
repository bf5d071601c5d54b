"""The pure parts of retention: the retention date, which input fields are personal, and the
replacement of their values by commitments, which leaves the audit chain's digest unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.retention import SETTING, retention_policy
from infrastructure.caches import reset_caches
from pathways.commitments import commit, is_commitment
from pathways.definitions.intentionality_inputs import Referral
from pathways.definitions.youth_1617_inputs import ConsentChange, Intake, Placement
from pathways.personal_fields import anonymised, personal_paths
from pathways.record_digests import COVERED, record_digest
from pathways.retention import DEFAULT_SOURCE, closed_before, is_expired, retention_date

SALT = "ab" * 32


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_the_retention_date_is_whole_years_after_closure_and_never_earlier() -> None:
    assert retention_date(at("2019-06-03T09:00"), 6) == at("2025-06-03T09:00")
    # Closed on 29 February: kept until 1 March in a year with no 29th.
    assert retention_date(at("2020-02-29T12:00"), 6) == at("2026-03-01T12:00")
    assert retention_date(at("2020-02-29T12:00"), 4) == at("2024-02-29T12:00")


def test_only_a_closed_case_past_its_date_is_expired() -> None:
    closed = at("2019-06-03T09:00")
    assert is_expired(closed, 6, at("2025-06-03T09:00"))
    assert not is_expired(closed, 6, at("2025-06-03T08:59"))
    assert not is_expired(None, 6, at("2100-01-01T00:00"))


@pytest.mark.parametrize(
    "now", ["2026-02-28T10:00", "2028-02-29T10:00", "2026-03-01T00:00", "2026-12-31T23:59"]
)
def test_the_query_bound_never_leaves_out_an_expired_case(now: str) -> None:
    moment = at(now)
    bound = closed_before(moment, 6)
    for days in range(-800, 800):
        closed = bound + timedelta(days=days, hours=3)
        if is_expired(closed, 6, moment):
            assert closed <= bound, closed


def paths(model: type) -> set[str]:
    return {".".join(path) for path in personal_paths(model)}


def test_people_contact_details_and_free_text_are_personal_codes_and_staff_are_not() -> None:
    intake = paths(Intake)
    assert {
        "young_person.full_name",
        "young_person.date_of_birth",
        "parent_or_pr_holder.full_name",
        "parent_or_pr_holder.date_of_birth",
        "referrer_email",
        "ics_case_reference",
        "young_person_consent.scope",
    } <= intake
    assert not {"enquiry_received_at", "slept_last_night", "safe_tonight", "approached"} & intake
    # A StaffReference names a member of staff, an AuthorityReference an authority: kept.
    assert paths(Placement) == {"bb_exceptional_reason"}
    assert "personal_adviser" not in paths(Referral)
    assert "applicant.full_name" in paths(Referral)
    assert paths(ConsentChange) == {"consent.purpose", "consent.scope"}


def test_values_become_commitments_once_and_the_digest_stays_the_same() -> None:
    payload = {
        "young_person": {"person_on_case": "young_person"},
        "rationale": "Quillon is safe at home.",
        "notes": ["first note", "", None],
        "decision": "s20_offer",
    }
    model_paths = frozenset({("rationale",), ("notes", "*"), ("missing", "x")})
    changed, replaced = anonymised(payload, model_paths, SALT)
    assert replaced == 2
    assert changed["rationale"] == commit("Quillon is safe at home.", SALT)
    assert changed["notes"][0] == commit("first note", SALT) and changed["notes"][1:] == ["", None]
    assert changed["decision"] == "s20_offer" and changed["young_person"] == payload["young_person"]
    assert payload["rationale"] == "Quillon is safe at home.", "the input is not changed"
    assert anonymised(changed, model_paths, SALT) == (changed, 0)
    assert is_commitment(changed["rationale"])
    event = dict.fromkeys(COVERED["caseevent"].fields)
    digest = record_digest("caseevent", {**event, "payload": payload}, SALT)
    assert record_digest("caseevent", {**event, "payload": changed}, SALT) == digest


def test_the_policy_names_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTING, raising=False)
    reset_caches()
    default = retention_policy()
    monkeypatch.setenv(SETTING, "7")
    reset_caches()
    configured = retention_policy()
    reset_caches()
    assert (default.years, default.source) == (6, DEFAULT_SOURCE)
    assert (configured.years, configured.source) == (7, SETTING)
