"""The bounds on moving the shared clock (``pathways.clock_moves``): one move goes at most the
configured number of days, never backwards while cases exist, and no amount typed, however
absurd, raises instead of being refused by name."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.settings import Settings
from pathways.clock_moves import (
    MAX_SETTING,
    AdvanceBy,
    ClockMoveRefused,
    ClockRequest,
    PlannedMove,
    ResetToReal,
    SetTo,
    duration_seconds,
    max_move,
    plan_move,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DEFAULT = max_move(200)
DAY = 86_400

# Within a few years of today, where demos run; the extremes are tested separately.
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
limits = st.integers(min_value=1, max_value=3650).map(max_move)
# Any offset a zone could have, so set targets cross the edges of the calendar too.
zones = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
requests: st.SearchStrategy[ClockRequest] = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: AdvanceBy(n, f"{n}s")),
    st.datetimes(timezones=zones).map(lambda moment: SetTo(moment, moment.isoformat())),
    st.just(ResetToReal()),
)


def plan(
    request: ClockRequest,
    before: datetime = NOW,
    *,
    real: datetime = NOW,
    limit: timedelta = DEFAULT,
    cases_exist: bool = True,
) -> PlannedMove | ClockMoveRefused:
    return plan_move(request, before=before, real=real, limit=limit, cases_exist=cases_exist)


# --- durations ---------------------------------------------------------------------------


@given(
    parts=st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)), min_size=5, max_size=5
    )
)
@settings(max_examples=60, deadline=None)
def test_a_duration_is_the_sum_of_its_units(parts: list[int | None]) -> None:
    text = "".join(f"{n}{unit}" for n, unit in zip(parts, "wdhms", strict=True) if n is not None)
    expected = sum(
        n * unit for n, unit in zip(parts, (7 * DAY, DAY, 3600, 60, 1), strict=True) if n
    )
    assert duration_seconds(text) == (expected if text else None)


@given(text=st.text(max_size=60))
@settings(max_examples=60, deadline=None)
def test_any_text_is_a_duration_or_none_and_never_raises(text: str) -> None:
    seconds = duration_seconds(text)
    assert seconds is None or seconds >= 0


@pytest.mark.parametrize("text", ["3x", "", "  ", "1h2d", "-3d", "3.5d", "1" * 41 + "d"])
def test_what_is_not_a_duration(text: str) -> None:
    assert duration_seconds(text) is None


# --- the maximum ------------------------------------------------------------------------


@given(before=moments, limit=limits, fraction=st.floats(min_value=0.0, max_value=1.0))
@settings(max_examples=60, deadline=None)
def test_an_advance_within_the_maximum_lands_where_asked(
    before: datetime, limit: timedelta, fraction: float
) -> None:
    seconds = max(1, math.floor(limit.total_seconds() * fraction))
    planned = plan(AdvanceBy(seconds, f"{seconds}s"), before, limit=limit)
    assert planned == PlannedMove(before + timedelta(seconds=seconds))


@given(before=moments, limit=limits, extra=st.integers(min_value=1, max_value=10**40))
@settings(max_examples=60, deadline=None)
def test_an_advance_past_the_maximum_is_refused_naming_the_argument_and_rule(
    before: datetime, limit: timedelta, extra: int
) -> None:
    seconds = int(limit.total_seconds()) + extra
    refused = plan(AdvanceBy(seconds, f"{seconds}s"), before, limit=limit, cases_exist=False)
    assert isinstance(refused, ClockMoveRefused)
    assert refused.rule == "too_far"
    assert refused.argument == "DURATION"
    assert refused.reason.startswith(f"DURATION: '{seconds}s'")
    assert MAX_SETTING in refused.reason and f"at most {limit.days} days" in refused.reason


@given(
    request=requests,
    before=moments,
    real=moments,
    limit=limits,
    cases_exist=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_every_request_is_planned_or_refused_within_the_bounds(
    request: ClockRequest, before: datetime, real: datetime, limit: timedelta, cases_exist: bool
) -> None:
    outcome = plan(request, before, real=real, limit=limit, cases_exist=cases_exist)
    if isinstance(outcome, ClockMoveRefused):
        assert outcome.reason.startswith(f"{outcome.argument}: ")
        assert "\n" not in outcome.reason
        return
    target = real if outcome.target is None else outcome.target
    assert outcome.target is None or outcome.target.tzinfo is UTC
    if not isinstance(request, ResetToReal):
        assert abs(target - before) <= limit
    if cases_exist:
        assert target >= before


def test_the_issue_example_and_the_edges_of_the_default() -> None:
    refused = plan(AdvanceBy(99_999 * DAY, "99999d"), cases_exist=False)
    assert refused == ClockMoveRefused(
        "too_far",
        "DURATION: '99999d' would move the clock 99999 days ahead; one move is at most 200 "
        f"days ({MAX_SETTING}), so one sweep never fires more than that at once",
        "DURATION",
    )
    assert plan(AdvanceBy(200 * DAY, "200d")) == PlannedMove(NOW + timedelta(days=200))
    assert isinstance(plan(AdvanceBy(200 * DAY + 1, "200d1s")), ClockMoveRefused)
    assert plan(SetTo(NOW + timedelta(days=200), "x")) == PlannedMove(NOW + timedelta(days=200))
    far = plan(SetTo(datetime(2030, 1, 1, tzinfo=LONDON), "2030-01-01"))
    assert isinstance(far, ClockMoveRefused) and far.rule == "too_far"
    assert far.reason.startswith("ISO_DATETIME: '2030-01-01' would move the clock 1126 days")


def test_the_default_reaches_an_18th_birthday_in_a_few_moves() -> None:
    # The youngest person on the 16/17 pathway turned 16 today; demos jump to their 18th.
    default = max_move(int(Settings.model_fields["max_clock_move_days"].default))
    assert math.ceil(timedelta(days=2 * 365 + 1) / default) <= 4
    # And one move passes the longest single period the rules count (6 calendar months).
    assert default > timedelta(days=184)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00+05:00", "9999-12-31T23:59-05:00", "9999-12-31T23:59"]
)
def test_a_moment_at_the_edge_of_the_calendar_is_refused_not_raised(moment: str) -> None:
    parsed = datetime.fromisoformat(moment)
    request = SetTo(parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON), moment)
    refused = plan(request, cases_exist=False)
    assert isinstance(refused, ClockMoveRefused)
    assert refused.rule in ("out_of_range", "too_far")
    assert refused.reason.startswith(f"ISO_DATETIME: '{moment}'")


def test_an_advance_near_the_end_of_the_calendar_is_refused_not_raised() -> None:
    end = datetime(9999, 12, 31, tzinfo=UTC)
    refused = plan(AdvanceBy(2 * DAY, "2d"), end, real=end, cases_exist=False)
    assert isinstance(refused, ClockMoveRefused) and refused.rule == "out_of_range"


# --- backwards ---------------------------------------------------------------------------


@given(before=moments, back=st.integers(min_value=1, max_value=200 * DAY))
@settings(max_examples=60, deadline=None)
def test_setting_the_clock_back_is_refused_while_cases_exist_and_allowed_without(
    before: datetime, back: int
) -> None:
    target = before - timedelta(seconds=back)
    request = SetTo(target.astimezone(LONDON), target.isoformat())
    refused = plan(request, before, cases_exist=True)
    assert isinstance(refused, ClockMoveRefused)
    assert refused.rule == "backwards_with_cases"
    assert refused.reason.startswith(f"ISO_DATETIME: '{target.isoformat()}' is ")
    assert "while cases exist" in refused.reason
    assert plan(request, before, cases_exist=False) == PlannedMove(target)


@given(before=moments, back=st.integers(min_value=1, max_value=200 * DAY))
@settings(max_examples=60, deadline=None)
def test_a_negative_advance_is_a_backwards_move(before: datetime, back: int) -> None:
    refused = plan(AdvanceBy(-back, "back"), before, cases_exist=True)
    assert isinstance(refused, ClockMoveRefused) and refused.rule == "backwards_with_cases"


@given(ahead=st.integers(min_value=1, max_value=10 * 365 * DAY), cases_exist=st.booleans())
@settings(max_examples=60, deadline=None)
def test_a_reset_from_ahead_of_real_time_is_backwards_but_never_too_far(
    ahead: int, cases_exist: bool
) -> None:
    outcome = plan(ResetToReal(), NOW + timedelta(seconds=ahead), cases_exist=cases_exist)
    if cases_exist:
        assert isinstance(outcome, ClockMoveRefused)
        assert outcome.rule == "backwards_with_cases"
        assert outcome.reason.startswith("reset: the clock is ahead of real time")
    else:
        assert outcome == PlannedMove(None)


@given(behind=st.integers(min_value=0, max_value=10 * 365 * DAY))
@settings(max_examples=60, deadline=None)
def test_a_reset_from_behind_real_time_is_allowed_with_cases(behind: int) -> None:
    assert plan(ResetToReal(), NOW - timedelta(seconds=behind)) == PlannedMove(None)


def test_london_times_are_compared_as_instants_not_wall_clock() -> None:
    # 01:30 on the night the clocks go back happens twice; the second is an hour later.
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)
    second = first.replace(fold=1)
    assert plan(SetTo(second, "second 01:30"), first, cases_exist=True) == PlannedMove(
        second.astimezone(UTC)
    )
    refused = plan(SetTo(first, "first 01:30"), second.astimezone(UTC), cases_exist=True)
    assert isinstance(refused, ClockMoveRefused) and refused.rule == "backwards_with_cases"
