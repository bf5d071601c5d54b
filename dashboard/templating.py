"""The Jinja2 environment every page renders through: the dashboard's own templates, and the
GOV.UK Frontend macros of ``govuk-frontend-jinja`` under the ``govuk_frontend_jinja/`` prefix.

Autoescaping is always on: every value a page shows came from a user or a case.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from application.case_views import ANY_STEP_LABEL
from application.people_in_inputs import described
from dashboard.charts import bar_chart, grouped_bar_chart
from pathways.roles import ROLES, is_role

TEMPLATES = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")


def london_time(moment: datetime | None) -> str:
    """A moment as staff in Kent read it: local time, day first."""
    if moment is None:
        return ""
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


def role_title(role: str) -> str:
    return ROLES[role] if is_role(role) else role


def contains_any_step(from_steps: list[str]) -> bool:
    """A move the case view lists as open "at any open step" (application.case_views)."""
    return ANY_STEP_LABEL in from_steps


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["london_time"] = london_time
    env.filters["role_title"] = role_title
    env.filters["person_label"] = described
    env.tests["contains_any_step"] = contains_any_step
    env.globals.update(bar_chart=bar_chart, grouped_bar_chart=grouped_bar_chart)
    return env
