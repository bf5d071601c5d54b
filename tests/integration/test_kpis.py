"""The KPI report over cases and timers written straight to the database: every figure exact,
the zero-case report in words, only the viewer's cases counted, a fixed number of queries
however many cases, and the page rendered through the dashboard's own templates."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from application.kpis import (
    MAIN_DUTY_NOT_RECORDED,
    NO_CASES,
    KpiReport,
    Line,
    Share,
    kpi_report,
)
from application.principals import SYSTEM_ACTING, Acting
from dashboard.templating import environment
from models import Authority, Case, CaseShare, Timer
from pathways.deadlines import RULES
from pathways.principal import Principal
from pathways.roles import Role
from pathways.vocabulary import TimerStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
YOUTH = "youth-1617-intake"
HO: Final[Role] = "lha-housing-officer"
NAMES = {
    "dartford": "Dartford Borough Council",
    "swale": "Swale Borough Council",
    "thanet": "Thanet District Council",
}


def officer_of(authority_id: str) -> Acting:
    principal = Principal(
        username=f"ho-{authority_id}",
        display_name=f"Housing officer, {authority_id}",
        roles=frozenset({HO}),
        authority_id=authority_id,
        team=None,
        covers=frozenset({authority_id}),
    )
    return Acting(principal, HO)


DARTFORD = officer_of("dartford")
THANET = officer_of("thanet")


class Data:
    """Cases and timers added straight through the ORM, so each figure is known."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0
        for authority_id, name in NAMES.items():
            session.add(
                Authority(
                    id=authority_id, name=name, kind="district", children_services_authority="kcc"
                )
            )
        session.flush()

    def case(
        self,
        authority_id: str = "dartford",
        facts: dict[str, Any] | None = None,
        *,
        pathway: str = YOUTH,
        version: str = "1.1",
        outcome: str | None = None,
        closed: bool = False,
    ) -> Case:
        self.count += 1
        row = Case(
            reference=f"K{self.count:05d}",
            pathway=pathway,
            definition_version=version,
            authority_id=authority_id,
            state="closed" if closed else "support_package",
            status="closed" if closed else "open",
            outcome_code=outcome,
            facts=facts or {},
            opened_at=NOW - 60 * DAY,
            closed_at=NOW - DAY if closed else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def duty(
        self, authority_id: str = "dartford", *, prevention: bool, relief: bool, outcome: str | None
    ) -> Case:
        """The facts the duty steps record: the dates each duty was owed from, the latest duty
        and how it ended (None while it is open)."""
        facts: dict[str, Any] = {"lha_duty": "relief" if relief else "prevention"}
        if prevention:
            facts["prevention_duty_from"] = "2026-01-02"
        if relief:
            facts["relief_duty_from"] = "2026-01-20"
        facts["duty_outcome"] = outcome
        return self.case(authority_id, facts)

    def timer(
        self,
        case: Case,
        rule_id: str,
        due_at: datetime,
        status: TimerStatus = "open",
        closed_at: datetime | None = None,
    ) -> None:
        self.session.add(
            Timer(
                case_id=case.id or 0,
                name=rule_id.replace("-", "_"),
                rule_id=rule_id,
                citation="test",
                owner_team="lha",
                started_at=due_at - 10 * DAY,
                due_at=due_at,
                status=status,
                closed_at=closed_at,
            )
        )

    def share(self, case: Case, authority_id: str) -> None:
        self.session.add(
            CaseShare(
                case_id=case.id or 0, authority_id=authority_id, reason="placement", shared_by="t"
            )
        )


def populate(data: Data) -> None:
    """Dartford's own cases, a Swale case shared with Dartford, and Swale cases it cannot see."""
    data.duty(prevention=True, relief=False, outcome=None)  # prevention open
    data.duty(prevention=True, relief=False, outcome="accommodation_secured_6_months_existing")
    data.duty(prevention=True, relief=False, outcome="accommodation_secured_6_months_existing")
    data.duty(prevention=True, relief=False, outcome="contact_lost")
    moved_open = data.duty(prevention=True, relief=True, outcome=None)
    data.duty(prevention=True, relief=True, outcome="56_days_elapsed")
    data.duty(prevention=False, relief=True, outcome="accommodation_secured_6_months_alternative")
    relief_late = data.duty(prevention=False, relief=True, outcome=None)
    data.case()  # no duty at all
    shared = data.duty("swale", prevention=False, relief=True, outcome=None)
    data.share(shared, "dartford")

    # The relief duty timers of the three open relief duties: one running, one breached, one
    # past its end but not yet swept.
    data.timer(moved_open, "relief-duty", NOW + 5 * DAY)
    data.timer(relief_late, "relief-duty", NOW - 3 * DAY, "breached")
    data.timer(shared, "relief-duty", NOW - DAY)
    # Joint visits: two on time, one closed late, one still running.
    visits = data.case()
    data.timer(visits, "joint-visit-1617", NOW - 5 * DAY, "closed", NOW - 6 * DAY)
    data.timer(visits, "joint-visit-1617", NOW - 5 * DAY, "closed", NOW - 5 * DAY)
    data.timer(visits, "joint-visit-1617", NOW - 5 * DAY, "closed", NOW - 4 * DAY)
    data.timer(visits, "joint-visit-1617", NOW + DAY)
    # Prevention duty: one warned and past due (late), one closed on its due moment.
    data.timer(visits, "prevention-duty", NOW - DAY, "warned")
    data.timer(visits, "prevention-duty", NOW - 2 * DAY, "closed", NOW - 2 * DAY)
    # An assessment not yet due: nothing settled, so no rate.
    data.timer(visits, "cf-assessment", NOW + 10 * DAY)

    for code in ("O1", "O1", "O1", "O2", "O2", "O3", "O4", "O5a", "O5b"):
        data.case(outcome=code, closed=True)
    data.case(version="1.0", outcome="O5", closed=True)
    data.case(outcome="O3")  # an outcome on an open case is not an ending
    data.case(pathway="intentionality", outcome="IH_ISSUED", closed=True)

    hidden = data.duty("swale", prevention=True, relief=True, outcome="56_days_elapsed")
    data.case("swale", outcome="O1", closed=True)
    data.timer(hidden, "joint-visit-1617", NOW - 9 * DAY, "breached")
    data.timer(hidden, "relief-duty", NOW - 9 * DAY, "breached")


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as session:
        yield session


@pytest.fixture
def data(session: Session) -> Data:
    return Data(session)


def line(measure_lines: tuple[Line, ...], label: str) -> Line:
    (found,) = [entry for entry in measure_lines if entry.label == label]
    return found


def test_the_seed_001_measures_count_dartfords_cases_and_the_one_shared_with_it(
    data: Data, session: Session
) -> None:
    populate(data)

    report = kpi_report(session, DARTFORD, NOW)

    prevention = report.prevention_owed
    assert prevention.headline == Line("Total", 6)
    assert prevention.lines == (Line("Dartford Borough Council", 6),)
    relief = report.relief_owed
    assert relief.headline == Line("Total", 5)
    assert relief.lines == (Line("Dartford Borough Council", 4), Line("Swale Borough Council", 1))

    secured = report.accommodation_secured
    assert secured.headline == Line("Accommodation secured for 6+ months", 3, Share(3, 5))
    assert secured.headline.text == "60% (3 of 5)"
    endings = {entry.label: entry.text for entry in secured.lines}
    assert endings["Accommodation secured for 6+ months: existing home"] == "40% (2 of 5)"
    assert endings["Accommodation secured for 6+ months: alternative home"] == "20% (1 of 5)"
    assert endings["56 days elapsed"] == "20% (1 of 5)"
    assert endings["Contact lost"] == "20% (1 of 5)"
    assert endings["Not co-operating"] == "0% (0 of 5)"
    assert len(secured.lines) == 10


def test_conversion_rates_count_ended_duties_and_show_open_ones_apart(
    data: Data, session: Session
) -> None:
    populate(data)

    report = kpi_report(session, DARTFORD, NOW)

    onward = report.prevention_to_relief
    assert onward.headline == Line("Moved to the relief duty", 2, Share(2, 5))
    assert onward.lines == (
        Line("Moved to the relief duty", 2, Share(2, 5)),
        Line("Prevention duty ended another way", 3, Share(3, 5)),
        Line("Prevention duty still open (not counted yet)", 1),
    )
    assert onward.headline is not None
    assert onward.headline.text == "40% (2 of 5)"

    main = report.relief_to_main
    assert main.lines == (
        Line("Moved to the main duty decision stage", 1, Share(1, 2)),
        Line("Relief duty ended another way", 1, Share(1, 2)),
        Line("Relief duty still open (not counted yet)", 3),
    )
    assert main.not_recorded == MAIN_DUTY_NOT_RECORDED


def test_relief_cases_past_56_days_read_the_relief_timers_breached_or_past_due(
    data: Data, session: Session
) -> None:
    populate(data)

    measure = kpi_report(session, DARTFORD, NOW).relief_past_56_days

    assert measure.lines == (
        Line("Past day 56", 2, Share(2, 3)),
        Line("Within 56 days", 1, Share(1, 3)),
    )
    assert [bar.text for bar in measure.bars] == ["67% (2 of 3)", "33% (1 of 3)"]
    assert [bar.value for bar in measure.bars] == [67.0, 33.0]


def test_the_16_17_outcome_mix_counts_closed_cases_beside_the_pilot(
    data: Data, session: Session
) -> None:
    populate(data)

    mix = kpi_report(session, DARTFORD, NOW).outcome_mix

    assert mix.closed == 10
    rows = {(row.code, row.part_of): (row.count, row.share.text, row.pilot) for row in mix.rows}
    assert rows == {
        ("O1", None): (3, "30% (3 of 10)", "just over half"),
        ("O2", None): (2, "20% (2 of 10)", "25%"),
        ("O3", None): (1, "10% (1 of 10)", "15%"),
        ("O4", None): (1, "10% (1 of 10)", "the remainder, under 10%, with O5"),
        ("O5", None): (3, "30% (3 of 10)", "the remainder, under 10%, with O4"),
        ("O5a", "O5"): (1, "10% (1 of 10)", "not split in the pilot"),
        ("O5b", "O5"): (1, "10% (1 of 10)", "not split in the pilot"),
        ("O5", "O5"): (1, "10% (1 of 10)", "not split in the pilot"),
    }
    assert [[(bar.label, bar.value, bar.text) for bar in group.bars] for group in mix.groups] == [
        [("Here", 30.0, "30% (3 of 10)"), ("Pilot", 50.0, "just over half")],
        [("Here", 20.0, "20% (2 of 10)"), ("Pilot", 25.0, "25%")],
        [("Here", 10.0, "10% (1 of 10)"), ("Pilot", 15.0, "15%")],
        [("Here", 40.0, "40% (4 of 10)"), ("Pilot", 10.0, "the remainder, under 10%")],
    ]
    assert mix.groups[3].label.startswith("O4 and O5")


def test_the_on_time_rate_per_rule_settles_closed_breached_and_past_due_timers(
    data: Data, session: Session
) -> None:
    populate(data)

    on_time = kpi_report(session, DARTFORD, NOW).on_time

    found = {r.rule_id: (r.on_time, r.late, r.not_due, r.share.text) for r in on_time.rules}
    assert found == {
        "joint-visit-1617": (2, 1, 1, "67% (2 of 3)"),
        "prevention-duty": (1, 1, 0, "50% (1 of 2)"),
        "relief-duty": (0, 2, 1, "0% (0 of 2)"),
        "cf-assessment": (0, 0, 1, NO_CASES),
    }
    assert [r.rule_id for r in on_time.rules] == [r for r in RULES if r in found]
    assert on_time.rules[0].title == RULES["joint-visit-1617"].title
    assert on_time.bars[0].label == RULES["joint-visit-1617"].short_title


def test_rfs_feedback_with_no_requests_says_so(data: Data, session: Session) -> None:
    populate(data)

    rfs = kpi_report(session, DARTFORD, NOW).rfs_feedback

    assert (rfs.overall.received, rfs.overall.text) == (0, "no feedback yet")
    assert rfs.authorities == ()
    assert rfs.bars == ()
    assert rfs.period.text == "01 Jan 2026 to 01 Mar 2026"


def test_with_no_cases_every_share_says_no_cases_yet(data: Data, session: Session) -> None:
    report = kpi_report(session, DARTFORD, NOW)

    assert report.prevention_owed.headline == Line("Total", 0)
    assert report.prevention_owed.lines == ()
    assert report.relief_owed.headline == Line("Total", 0)
    for measure in report.duty_measures[2:]:
        assert measure.headline is not None
        assert measure.headline.text == NO_CASES, measure.key
        assert all(bar.value == 0 and bar.text == NO_CASES for bar in measure.bars), measure.key
    assert report.outcome_mix.closed == 0
    assert {row.share.text for row in report.outcome_mix.rows} == {NO_CASES}
    assert report.on_time.rules == ()
    assert report.scope == "Cases of Dartford Borough Council, and cases shared with them."


def test_a_viewer_of_another_authority_sees_none_of_them(data: Data, session: Session) -> None:
    empty = kpi_report(session, THANET, NOW)
    populate(data)

    seen = kpi_report(session, THANET, NOW)

    assert seen == empty
    assert seen.scope == "Cases of Thanet District Council, and cases shared with them."


def test_the_system_sees_every_authority(data: Data, session: Session) -> None:
    populate(data)

    report = kpi_report(session, SYSTEM_ACTING, NOW)

    assert report.prevention_owed.lines == (
        Line("Dartford Borough Council", 6),
        Line("Swale Borough Council", 1),
    )
    assert report.outcome_mix.closed == 11
    assert report.scope == "Cases of every authority."


def test_the_number_of_queries_does_not_grow_with_the_cases(
    data: Data, session: Session, db_engine: Engine
) -> None:
    def queries() -> int:
        session.flush()
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(db_engine, "before_cursor_execute", count)
        try:
            kpi_report(session, DARTFORD, NOW)
        finally:
            event.remove(db_engine, "before_cursor_execute", count)
        return len(seen)

    populate(data)
    few = queries()
    for _ in range(40):
        populate_more(data)

    assert queries() == few


def populate_more(data: Data) -> None:
    late = data.duty(prevention=True, relief=True, outcome=None)
    data.timer(late, "relief-duty", NOW - DAY, "breached")
    data.case(outcome="O2", closed=True)


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, flags=re.S)]


def render(report: KpiReport) -> str:
    return (
        environment()
        .get_template("kpis.html")
        .render(
            report=report,
            title="Key performance indicators",
            navigation=[],
            viewer=None,
            csrf_token="",
        )
    )


def test_the_page_has_a_section_a_chart_and_a_table_for_each_measure(
    data: Data, session: Session
) -> None:
    populate(data)
    report = kpi_report(session, DARTFORD, NOW)

    page = render(report)

    keys = [m.key for m in report.duty_measures]
    keys += [report.outcome_mix.key, report.on_time.key, report.rfs_feedback.key]
    for key in keys:
        assert f'<section class="govuk-!-margin-bottom-9" id="{key}"' in page
    charts = svgs(page)
    assert len(charts) == 9
    assert all(chart.attrib["role"] == "img" for chart in charts)
    assert page.count('<table class="govuk-table') == 10  # the RFS measure has two
    assert "40% (2 of 5)" in page
    assert "67% (2 of 3)" in page
    assert "Requests received 01 Jan 2026 to 01 Mar 2026 (the quarter so far;" in page
    assert f"Not recorded yet: {MAIN_DUTY_NOT_RECORDED}." in page
    assert "Source: Seed 001 (Dartford Homelessness Strategy, Priority 1)" in page
    assert "Source: Seed 000" in page


def test_the_page_renders_with_no_cases(data: Data, session: Session) -> None:
    page = render(kpi_report(session, DARTFORD, NOW))

    assert page.count(NO_CASES) > 10
    assert "No cases yet." in page
    charts = svgs(page)
    assert len(charts) == 9


def test_the_page_escapes_what_it_shows(data: Data, session: Session) -> None:
    report = kpi_report(session, DARTFORD, NOW)
    hostile = replace(report, scope="<script>alert(1)</script>")

    page = render(hostile)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
