"""A field the model leaves optional only so that the step's gate can name every missing item
at once (``json_schema_extra={"needed_to_submit": True}``, as the Request for Support's content
marks them) is shown as needed: no "(optional)", no "leave blank" hint, nothing else added. A
blank one is still left out of the payload, for the gate to name. A field's ``title`` is its
label, in the form and in its errors."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field

from dashboard.forms import form_errors, form_fields, form_values
from dashboard.forms import payload_from_form as read
from pathways.text import Text
from tests.unit.test_dashboard_forms import Page, legend_of, render
from tests.unit.test_input_fuzz import LIMITS

NEEDED: Final[dict[str, Any]] = {"needed_to_submit": True}


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    born: date


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    synopsis: Annotated[str | None, Text(2000, multiline=True)] = Field(
        default=None, title="Synopsis of the family's situation", json_schema_extra=NEEDED
    )
    duty_ends_on: date | None = Field(
        default=None, title="Day the duty ends", json_schema_extra=NEEDED
    )
    members: list[Member] = Field(default_factory=list, max_length=2, json_schema_extra=NEEDED)
    partner: Member | None = Field(default=None, json_schema_extra=NEEDED)
    consented: bool | None = Field(default=None, json_schema_extra=NEEDED)
    consent_scope: str | None = None


def _page() -> tuple[Page, dict[str, Any]]:
    fields = form_fields(Request)
    return render(fields, form_values(Request), []), {one.name: one for one in fields}


def _group_legend(page: Page, inner_id: str) -> str:
    """The legend of the fieldset around the row that holds ``inner_id``."""
    (element,) = page.find(id=inner_id)
    row = element.enclosing("fieldset")
    group = row.enclosing("fieldset") if row else None
    assert group is not None
    (legend,) = [child for child in group.children if child.tag == "legend"]
    return legend.words()


def test_a_field_the_gate_needs_is_shown_without_optional() -> None:
    page, fields = _page()

    assert page.labels_for("synopsis") == ["Synopsis of the family's situation"]
    assert legend_of(page, "duty_ends_on-day") == "Day the duty ends"
    assert _group_legend(page, "members-0-name") == "Members"
    assert legend_of(page, "partner-name") == "Partner"
    assert legend_of(page, "consented") == "Consented"
    assert page.labels_for("consent_scope") == ["Consent scope (optional)"]
    marked = [name for name, one in fields.items() if one.needed_to_submit]
    assert marked == ["synopsis", "duty_ends_on", "members", "partner", "consented"]
    assert all(fields[name].required for name in marked)


def test_nothing_else_about_a_needed_field_changes_but_the_group_hint() -> None:
    _, fields = _page()

    assert fields["duty_ends_on"].hint == "For example, 27 3 2026."
    assert fields["partner"].hint is None  # not OPTIONAL_GROUP_HINT: it may not be left out
    # A radio that may be left unanswered still offers the way back to "not given".
    assert [option.label for option in fields["consented"].options] == ["Yes", "No", "Not known"]


def test_a_blank_needed_field_is_left_out_for_the_gate_to_name() -> None:
    blank = read(Request, {"partner.name": [" "], "members.0.name": [""]})

    assert blank.data == {}
    assert form_errors(Request, blank, LIMITS) == []
    partner = read(Request, {"partner.name": ["Jo"]})
    assert partner.data == {"partner": {"name": "Jo"}}
    # Once any of a needed group is filled, it is checked whole, as an optional one is.
    assert [error.message for error in form_errors(Request, partner, LIMITS)] == [
        "Born: enter a date"
    ]


def test_a_fields_title_is_its_label_in_its_errors_too() -> None:
    posted = read(
        Request,
        {"duty_ends_on-day": ["31"], "duty_ends_on-month": ["2"], "duty_ends_on-year": ["2026"]},
    )

    assert [(error.anchor, error.message) for error in posted.errors] == [
        ("duty_ends_on-day", "Day the duty ends: must be a real date")
    ]
