"""Plays a scenario through the real services and flows on a fresh database.

The application is pointed at the simulation's database and SMTP sink, and at the scenario's
law in force when it sets any, for the duration of the run (``PATHWAYS_*`` environment plus
cleared caches, restored afterwards). At each entry the shared virtual clock is frozen at that
entry's time, so the flows, which read the clock themselves, see the same moment the runner
passes to ``start_case`` / ``record_step``.
Flows run in this process against whichever Prefect server is configured.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from application.directory import import_directory
from infrastructure.caches import reset_caches
from infrastructure.clock import set_virtual_time
from infrastructure.db import get_engine, make_engine, migrate, session_scope
from models import Case, StaffMember
from pathways.definitions import get_definition
from pathways.refusal import Refusal
from simulation.expectations import ExpectationChecker
from simulation.law_for_run import law_config_for
from simulation.plan import Deliver, OpenCase, Play, RecordStep, Sweep, play_order
from simulation.player import ACTOR, ACTOR_ROLE, EntryPlayer, refusal_of
from simulation.result import Check, SimulationResult
from simulation.scenario_format import Scenario
from simulation.smtp import SmtpSink
from simulation.timeline import TimelineRecorder

OnPlay = Callable[[int, Play], None]
"""Called before each entry is played, with how many entries are done so far."""


class DatabaseNotFreshError(RuntimeError):
    """The database already holds cases or staff, which would mix into the scenario's results."""


def require_fresh(database_url: str) -> None:
    """Refuses a database that already holds cases or staff; reads only."""
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with Session(engine) as session:
            for model in (Case, StaffMember):
                if model.__tablename__ in tables and session.exec(select(model).limit(1)).first():
                    raise DatabaseNotFreshError(
                        f"the database already holds {model.__tablename__} rows; "
                        "a simulation needs a fresh database"
                    )
    finally:
        engine.dispose()


@contextmanager
def configured_app(
    database_url: str, smtp_url: str, law_config: Path | None = None
) -> Iterator[None]:
    """Points the application's settings at this database and SMTP server (and law file, if
    given) until the block ends."""
    wanted = {
        "PATHWAYS_DATABASE_URL": database_url,
        "PATHWAYS_SMTP_URL": smtp_url,
        # Flows run here, in order, so each entry sees the previous one's result.
        "PATHWAYS_DISPATCH": "inline",
    }
    if law_config is not None:
        wanted["PATHWAYS_LAW_CONFIG"] = str(law_config)
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    reset_caches()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_caches()


def run_scenario(
    scenario: Scenario,
    *,
    database_url: str,
    smtp: SmtpSink,
    on_play: OnPlay | None = None,
) -> SimulationResult:
    require_fresh(database_url)
    with (
        law_config_for(scenario.in_force) as law_config,
        configured_app(database_url, smtp.url, law_config),
    ):
        migrate(database_url)
        engine = get_engine()
        try:
            return _Simulation(scenario, engine, smtp, database_url).run(on_play)
        finally:
            engine.dispose()


class _Simulation:
    def __init__(
        self, scenario: Scenario, engine: Engine, smtp: SmtpSink, database_url: str
    ) -> None:
        self._scenario = scenario
        self._engine = engine
        self._smtp = smtp
        self._player = EntryPlayer(
            engine, scenario.pathway, f"simulation scenario '{scenario.name}'"
        )
        self.result = SimulationResult(
            scenario=scenario.name,
            pathway=scenario.pathway,
            database_url=make_url(database_url).render_as_string(hide_password=True),
            cases=dict.fromkeys(scenario.cases),
        )

    def run(self, on_play: OnPlay | None) -> SimulationResult:
        self._set_up()
        timeline = TimelineRecorder(
            self._engine, self._smtp, self._scenario.start, self.result.cases
        )
        self.result.timeline = timeline.entries
        for done, play in enumerate(play_order(self._scenario)):
            if on_play is not None:
                on_play(done, play)
            with session_scope(self._engine) as session:
                set_virtual_time(session, play.at, frozen=True)
            try:
                self._play(play, timeline)
            except Exception as error:
                # Whatever broke in the real flows is reported against the scenario entry that
                # triggered it; later entries would only pile up consequences, so play stops.
                self.result.stopped_at = play.where
                self.result.checks.append(
                    Check(
                        play.where,
                        f"{play.title} runs",
                        False,
                        f"stopped with {type(error).__name__}: {error}",
                    )
                )
                timeline.collect(play)
                return self.result
        with Session(self._engine) as session:
            checker = ExpectationChecker(session, self.result.cases, timeline.mails)
            self.result.checks.extend(checker.check(self._scenario.expect))
        return self.result

    def _set_up(self) -> None:
        scenario = self._scenario
        with session_scope(self._engine) as session:
            set_virtual_time(session, scenario.start, frozen=True)
            import_directory(session, actor=ACTOR, role=ACTOR_ROLE)
        self._player.add_staff(scenario.staff, scenario.start)

    def _play(self, play: Play, timeline: TimelineRecorder) -> None:
        match play:
            case OpenCase():
                self._open(play, timeline)
                timeline.collect(play)
            case RecordStep():
                self._record(play, timeline)
                timeline.collect(play)
            case Sweep():
                self._player.sweep()
                if not timeline.collect(play):
                    timeline.add(play, "sweep", "timer sweep: nothing due")
            case Deliver():
                totals = self._player.deliver()
                timeline.collect(play)
                if totals["retried"] or totals["dead"]:
                    timeline.add(
                        play,
                        "notification not delivered",
                        f"{totals['retried']} to retry later, {totals['dead']} dead letters",
                    )
                elif not totals["sent"]:
                    timeline.add(play, "deliver", "delivery: nothing due")

    def _open(self, play: OpenCase, timeline: TimelineRecorder) -> None:
        spec = play.spec
        action = f"opening {play.label}"
        outcome = self._player.open(play, f"simulation:{play.where}")
        if isinstance(outcome, Refusal):
            opening = get_definition(self._scenario.pathway).opening_transition
            detail = f"{opening} by {spec.as_.describe()}: {outcome.reason}"
            timeline.add(play, "refused", detail)
            self._judge(play, action, spec.expect_refused, outcome.reason)
            return
        self.result.cases[play.label] = outcome.case_reference
        self._judge(play, action, spec.expect_refused, refusal_of(outcome))
        if spec.assign:
            self._player.assign(outcome.case_reference, spec.assign, play.at)

    def _record(self, play: RecordStep, timeline: TimelineRecorder) -> None:
        action = f"{play.transition} on {play.label}"
        reference = self.result.cases.get(play.label)
        if reference is None:
            self.result.checks.append(
                Check(
                    play.where,
                    f"{action} is recorded",
                    False,
                    f"case {play.label} is not open (its opening was refused)",
                )
            )
            return
        outcome = self._player.record(play, reference, f"simulation:{play.where}")
        if isinstance(outcome, Refusal):
            detail = f"{play.transition} by {play.acting.describe()}: {outcome.reason}"
            timeline.add(play, "refused", detail, reference)
        self._judge(play, action, play.expect_refused, refusal_of(outcome))

    def _judge(self, play: Play, action: str, expected: str | None, reason: str | None) -> None:
        """A refusal is a failure unless the scenario expected it, with a matching reason."""
        if expected is None:
            if reason is not None:
                self.result.checks.append(
                    Check(play.where, f"{action} is accepted", False, f"refused: {reason}")
                )
            return
        expectation = f"{action} is refused with a reason containing '{expected}'"
        if reason is None:
            self.result.checks.append(Check(play.where, expectation, False, "it was applied"))
        elif expected.casefold() in reason.casefold():
            self.result.checks.append(Check(play.where, expectation, True, f"refused: {reason}"))
        else:
            self.result.checks.append(
                Check(play.where, expectation, False, f"refused for another reason: {reason}")
            )
