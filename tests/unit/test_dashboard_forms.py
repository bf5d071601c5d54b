"""The dashboard's forms, generated from each step's input model (dashboard.forms and the
render_fields macro): every model of every registered pathway gives a form whose inputs are
each labelled once, what a form posts reads back as the input the model accepts, and a
problem is said as "Label: rule", linked to its input, never repeating what was typed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from html.parser import HTMLParser
from typing import Literal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, ValidationError
from starlette.datastructures import FormData

from dashboard.forms import (
    FieldError,
    FormField,
    as_form_values,
    error_summary,
    errors_from_refusal,
    errors_from_validation,
    form_errors,
    form_fields,
    form_values,
    humanise,
    payload_from_form,
)
from dashboard.templating import environment
from pathways.calendar import LONDON
from pathways.definitions import all_definitions
from pathways.definitions.intentionality_inputs import ReasonableNotice, Referral
from pathways.definitions.youth_1617_inputs import CafPlanAgreed, Intake
from pathways.engine.transitions import validate_input
from pathways.refusal import Refusal
from tests.unit.test_input_fuzz import CANARY, LIMITS, TRANSITIONS, VALID

MODELS: dict[str, type[BaseModel]] = {
    f"{model.__module__}.{model.__name__}": model
    for definition in all_definitions()
    for transition in definition.transitions
    if (model := transition.input_model) is not None
}
DOB = "young_person.date_of_birth"
DOB_ANCHOR = "young_person-date_of_birth-day"
RENDER = environment().from_string(
    '{% from "macros/fields.html" import render_fields %}'
    "{{ render_fields(fields, values, errors) }}"
)


def _leaves(fields: Sequence[FormField]) -> Iterator[FormField]:
    for one in fields:
        yield one
        yield from _leaves(one.children)


# A small DOM, enough to check labels, legends and ids.


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.content: list[str | Node] = []

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def words(self) -> str:
        parts = [part if isinstance(part, str) else part.words() for part in self.content]
        return " ".join(" ".join(parts).split())

    def enclosing(self, tag: str) -> Node | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class Page(HTMLParser):
    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = self.current = Node("root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.root.walk()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(key) == value for key, value in attrs.items())
        ]

    def labels_for(self, element_id: str) -> list[str]:
        return [label.words() for label in self.find("label", **{"for": element_id})]


def render(
    fields: Sequence[FormField], values: Mapping[str, list[str]], errors: Sequence[FieldError]
) -> Page:
    return Page(RENDER.render(fields=fields, values=values, errors=errors))


def shown_label(one: FormField) -> str:
    label = one.caption or one.label
    return label if one.required else f"{label} (optional)"


def legend_of(page: Page, element_id: str) -> str:
    (element,) = page.find(id=element_id)
    fieldset = element.enclosing("fieldset")
    assert fieldset is not None, f"{element_id} is not in a fieldset"
    legends = [child for child in fieldset.children if child.tag == "legend"]
    assert len(legends) == 1
    return legends[0].words()


def assert_field_rendered_once(page: Page, one: FormField) -> None:
    if one.kind in ("fieldset", "repeated"):
        assert one.children
        group = page.find(id=one.children[0].anchor)[0].enclosing("fieldset")
        while group is not None and not any(
            c.tag == "legend" and c.words() == shown_label(one) for c in group.children
        ):
            group = group.enclosing("fieldset")
        assert group is not None, f"no fieldset legend for {one.name}"
        return
    if one.kind in ("text", "email", "number", "textarea"):
        (element,) = page.find(id=one.id)
        assert element.tag == ("textarea" if one.kind == "textarea" else "input")
        assert element.attrs["name"] == one.name
        assert page.labels_for(one.id) == [shown_label(one)]
        return
    if one.kind in ("date", "datetime"):
        inputs = [element for name in one.input_names for element in page.find("input", name=name)]
        assert len(inputs) == len(one.input_names)
    else:
        inputs = page.find("input", name=one.name)
        assert len(inputs) == len(one.options)
    assert inputs[0].attrs["id"] == one.anchor
    for element in inputs:
        assert len(page.labels_for(element.attrs["id"])) == 1
    assert legend_of(page, one.anchor) == shown_label(one)


@pytest.mark.parametrize("key", sorted(MODELS))
def test_every_input_model_renders_each_field_once_with_a_label(key: str) -> None:
    model = MODELS[key]
    fields = form_fields(model)
    assert [one.name for one in fields] == list(model.model_fields)
    page = render(fields, form_values(model), [])
    for one in _leaves(fields):
        assert_field_rendered_once(page, one)
    ids = [node.attrs["id"] for node in page.root.walk() if "id" in node.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    for node in page.find("input") + page.find("textarea"):
        assert page.labels_for(node.attrs["id"]), f"{node.attrs['id']} has a label"
        if node.attrs.get("type") in ("text", "email", None):
            assert node.attrs["autocomplete"] == "off"


@pytest.mark.parametrize("key", sorted(MODELS))
def test_every_field_shows_its_error_and_is_described_by_it(key: str) -> None:
    fields = form_fields(MODELS[key])
    errors = [
        FieldError(one.name, one.anchor, f"{one.label}: rule {n}")
        for n, one in enumerate(_leaves(fields))
    ]
    page = render(fields, {}, errors)
    messages = [
        node.words()
        for node in page.find("p")
        if "govuk-error-message" in node.attrs.get("class", "")
    ]
    assert sorted(messages) == sorted(f"Error: {error.message}" for error in errors)
    for error, one in zip(errors, _leaves(fields), strict=True):
        (message,) = [n for n in page.find("p") if n.words() == f"Error: {error.message}"]
        described = page.find(id=one.anchor)[0]
        holders = [described, described.enclosing("fieldset")]
        if one.kind in ("fieldset", "repeated"):
            holders = [message.enclosing("fieldset")]
        assert any(
            h is not None and message.attrs["id"] in h.attrs.get("aria-describedby", "").split()
            for h in holders
        ), f"{one.name}: the error is announced with its input"


def test_the_intake_asks_for_the_date_of_birth_in_a_gov_uk_date_input() -> None:
    fields = {one.name: one for one in _leaves(form_fields(Intake))}
    dob = fields[DOB]
    assert (dob.kind, dob.label, dob.required, dob.anchor) == (
        "date",
        "Date of birth",
        True,
        DOB_ANCHOR,
    )
    assert dob.input_names == (f"{DOB}-day", f"{DOB}-month", f"{DOB}-year")
    page = render(form_fields(Intake), {}, [])
    assert [
        page.labels_for(f"young_person-date_of_birth-{p}") for p in ("day", "month", "year")
    ] == [
        ["Day"],
        ["Month"],
        ["Year"],
    ]
    assert legend_of(page, DOB_ANCHOR) == "Date of birth"
    assert fields["young_person"].kind == "fieldset"
    assert fields["parent_or_pr_holder.date_of_birth"].required is False


def test_a_future_date_of_birth_is_an_error_at_the_date_of_birth_linked_to_its_day() -> None:
    document = {
        **VALID["Intake"],
        "young_person": {"full_name": "A Person", "date_of_birth": "2027-01-05"},
    }
    with pytest.raises(ValidationError) as refused:
        Intake.model_validate(document, context=LIMITS.context())
    (error,) = errors_from_validation(Intake, refused.value)
    assert error == FieldError(
        DOB, DOB_ANCHOR, "Date of birth: a date of birth cannot be in the future"
    )
    assert error_summary([error]) == [{"text": error.message, "href": f"#{DOB_ANCHOR}"}]
    refusal = validate_input(TRANSITIONS["Intake"], document, LIMITS)
    assert isinstance(refusal, Refusal)
    assert errors_from_refusal(refusal, Intake) == [error]


def test_a_gate_that_names_the_date_of_birth_links_to_it() -> None:
    rule = "the young person must be 16 or 17 on the enquiry date"
    refusal = Refusal("refused", f"{DOB}: {rule}")
    assert errors_from_refusal(refusal, Intake) == [
        FieldError(DOB, DOB_ANCHOR, f"Date of birth: {rule}")
    ]


def test_a_refusal_of_the_whole_step_is_one_message_that_links_nowhere() -> None:
    refusal = Refusal("refused", "not for the 16/17 intake: under 16")
    (error,) = errors_from_refusal(refusal, Intake)
    assert error == FieldError("", "", "Not for the 16/17 intake: under 16")
    assert error_summary([error]) == [{"text": error.message}]


def test_a_refusal_names_the_other_fields_to_check_and_fields_outside_the_model() -> None:
    refusal = Refusal(
        "invalid_input",
        "young_person.full_name: must not be blank (also check: safe_tonight, (the input))",
        "young_person.full_name",
    )
    assert errors_from_refusal(refusal, Intake) == [
        FieldError(
            "young_person.full_name", "young_person-full_name", "Full name: must not be blank"
        ),
        FieldError("safe_tonight", "safe_tonight", "Safe tonight: check this answer too"),
    ]
    elsewhere = Refusal("invalid_input", "authority_id: unknown authority 'x'", "authority_id")
    assert errors_from_refusal(elsewhere) == [
        FieldError("authority_id", "authority_id", "Authority ID: unknown authority 'x'")
    ]


def test_a_list_item_error_is_filed_under_its_checkbox_group() -> None:
    with pytest.raises(ValidationError) as refused:
        CafPlanAgreed.model_validate({"plan": "caf_action_plan", "stress_areas": ["debt", "nope"]})
    assert errors_from_validation(CafPlanAgreed, refused.value) == [
        FieldError("stress_areas", "stress_areas", "Stress areas: select one of the options")
    ]


def test_a_check_of_the_whole_model_is_filed_under_the_fields_it_names() -> None:
    notice = payload_from_form(
        ReasonableNotice, {"notice_days": ["35"], "priority_need_established": ["no"]}
    )
    assert form_errors(ReasonableNotice, notice, LIMITS) == [
        FieldError(
            "reason",
            "reason",
            "Reason: a notice other than 28 days needs a recorded reason (spec §10 C8: no "
            "blanket period)",
        )
    ]
    neither = {**VALID["Referral"], "household_has_children": False, "care_leaver": False}
    with pytest.raises(ValidationError) as refused:
        Referral.model_validate(neither, context=LIMITS.context())
    (error,) = errors_from_validation(Referral, refused.value)
    assert (error.field, error.anchor) == ("care_leaver", "care_leaver")
    assert error.message.startswith("Care leaver and household has children: the joint sign-off")


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_example_round_trips_through_its_form(name: str) -> None:
    model = TRANSITIONS[name].input_model
    assert model is not None
    read = payload_from_form(model, form_values(model, VALID[name]))
    assert read.errors == []
    context = LIMITS.context()
    assert model.model_validate(read.data, context=context) == model.model_validate(
        VALID[name], context=context
    )


def test_the_intake_form_posts_the_api_input_shape() -> None:
    posted = {
        "enquiry_received_at-day": ["1"],
        "enquiry_received_at-month": ["Jul"],
        "enquiry_received_at-year": ["2026"],
        "enquiry_received_at-time": ["2:30pm"],
        "young_person.full_name": ["  Fictional Person "],
        f"{DOB}-day": ["01"],
        f"{DOB}-month": ["5"],
        f"{DOB}-year": ["2009"],
        "parent_or_pr_holder.full_name": ["Fictional Parent"],
        "safe_tonight": ["no"],
        "known_to_ics": ["yes"],
        "ics_case_reference": [""],
        "young_person_consent.purpose": ["joint working"],
        "young_person_consent.given": ["yes"],
        "approached": ["co_located_team"],
        "csrf_token": ["not an input"],
    }
    read = payload_from_form(Intake, posted)
    assert read.errors == []
    assert read.data == {
        "enquiry_received_at": "2026-07-01T14:30:00+01:00",
        "young_person": {"full_name": "Fictional Person", "date_of_birth": "2009-05-01"},
        "parent_or_pr_holder": {"full_name": "Fictional Parent"},
        "safe_tonight": False,
        "known_to_ics": True,
        "young_person_consent": {"purpose": "joint working", "given": True},
        "parent_consent": {},
        "approached": "co_located_team",
    }


@pytest.mark.parametrize(
    ("parts", "anchor", "rule"),
    [
        (("31", "2", "2009"), "day", "must be a real date"),
        (("0", "1", "2009"), "day", "must be a real date"),
        (("1", "13", "2009"), "day", "must be a real date"),
        (("1", "Smarch", "2009"), "day", "must be a real date"),
        (("١", "1", "2009"), "day", "must be a real date"),
        (("1", "1", "09"), "year", "must be a real date, with a year of 4 numbers, like 2007"),
        (("1", "", "2009"), "month", "must include a month"),
        (("", "", "2009"), "day", "must include a day and month"),
    ],
)
def test_a_date_that_cannot_be_read_is_a_named_field_error(
    parts: tuple[str, str, str], anchor: str, rule: str
) -> None:
    posted = {f"{DOB}-{p}": [v] for p, v in zip(("day", "month", "year"), parts, strict=True)}
    read = payload_from_form(Intake, posted)
    assert read.errors == [
        FieldError(DOB, f"young_person-date_of_birth-{anchor}", f"Date of birth: {rule}")
    ]
    assert "date_of_birth" not in read.data["young_person"]
    all_errors = form_errors(Intake, read, LIMITS)
    assert [e for e in all_errors if e.field == DOB] == read.errors, "reported once"


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2026-01-15", "09:05", "2026-01-15T09:05:00+00:00"),
        ("2026-07-15", "9.05", "2026-07-15T09:05:00+01:00"),
        ("2026-07-15", "12am", "2026-07-15T00:00:00+01:00"),
        ("2026-07-15", "midday", "2026-07-15T12:00:00+01:00"),
        # The clocks go back at 02:00 BST on 25 October 2026: 01:30 happens twice.
        ("2026-10-25", "01:30", "2026-10-25T01:30:00+01:00"),
    ],
)
def test_a_time_is_read_as_uk_local_time(day: str, clock: str, expected: str) -> None:
    on = date.fromisoformat(day)
    posted = {
        "placed_at-day": [str(on.day)],
        "placed_at-month": [str(on.month)],
        "placed_at-year": [str(on.year)],
        "placed_at-time": [clock],
    }
    model = TRANSITIONS["Placement"].input_model
    assert model is not None
    assert payload_from_form(model, posted).data == {"placed_at": expected}


@pytest.mark.parametrize(
    ("clock", "rule"),
    [
        ("", "must include a time"),
        ("25:00", "must be a real time, like 09:30 or 14:30"),
        ("13pm", "must be a real time, like 09:30 or 14:30"),
        ("half past", "must be a real time, like 09:30 or 14:30"),
        ("01:30", "that time did not happen in the UK, because the clocks went forward: check it"),
    ],
)
def test_a_time_that_cannot_be_read_is_an_error_at_the_time(clock: str, rule: str) -> None:
    posted = {
        "placed_at-day": ["29"],
        "placed_at-month": ["3"],
        "placed_at-year": ["2026"],
        "placed_at-time": [clock],
    }
    model = TRANSITIONS["Placement"].input_model
    assert model is not None
    assert payload_from_form(model, posted).errors == [
        FieldError("placed_at", "placed_at-time", f"Placed at: {rule}")
    ]


def test_a_happened_at_field_is_optional_because_the_server_fills_it() -> None:
    (enquiry, *_) = form_fields(Intake)
    assert (enquiry.name, enquiry.kind, enquiry.required) == (
        "enquiry_received_at",
        "datetime",
        False,
    )
    assert (
        enquiry.hint is not None and "Leave it blank to use the date and time now" in enquiry.hint
    )
    model = TRANSITIONS["NoticeSent"].input_model
    assert model is not None
    (sent,) = form_fields(model)
    assert (sent.kind, sent.required) == ("date", False)
    assert sent.hint is not None and "today's date" in sent.hint
    read = payload_from_form(model, {})
    assert read.data == {} and form_errors(model, read, LIMITS) == []


def test_blank_and_unknown_inputs_are_left_out_and_defaults_prefill() -> None:
    assert payload_from_form(Referral, {"corporate_parent": ["  "], "nope": ["x"]}).data == {
        "applicant": {}
    }
    values = form_values(ReasonableNotice)
    assert values == {"notice_days": ["28"]}
    assert form_values(Referral)["s213a_consent_invited"] == ["no"]
    assert payload_from_form(
        CafPlanAgreed, {"stress_areas": ["debt", "", "drugs_or_alcohol"]}
    ).data == {"stress_areas": ["debt", "drugs_or_alcohol"]}


def test_a_posted_multidict_keeps_every_checkbox() -> None:
    posted = FormData(
        [
            ("stress_areas", "debt"),
            ("plan", "caf_action_plan"),
            ("stress_areas", "drugs_or_alcohol"),
        ]
    )
    values = as_form_values(posted)
    assert values == {"stress_areas": ["debt", "drugs_or_alcohol"], "plan": ["caf_action_plan"]}
    assert payload_from_form(CafPlanAgreed, values).data == {
        "plan": "caf_action_plan",
        "stress_areas": ["debt", "drugs_or_alcohol"],
    }


def test_the_form_shows_again_what_was_entered() -> None:
    values = form_values(Intake, VALID["Intake"])
    page = render(form_fields(Intake), values, [])
    (name,) = page.find("input", id="young_person-full_name")
    assert name.attrs["value"] == "Fictional Person"
    assert [
        page.find("input", id=f"{p}")[0].attrs["value"]
        for p in (
            "young_person-date_of_birth-day",
            "young_person-date_of_birth-month",
            "young_person-date_of_birth-year",
            "enquiry_received_at-time",
        )
    ] == ["1", "5", "2009", "09:00"]
    checked = {
        n.attrs["name"]: n.attrs["value"] for n in page.find("input") if "checked" in n.attrs
    }
    assert checked["slept_last_night"] == "sofa_surfing"
    assert checked["safe_tonight"] == "yes"
    assert checked["care_leaver"] == "no"
    (scope,) = page.find("textarea", id="young_person_consent-scope")
    assert scope.words() == "housing and ICS"
    caf = form_fields(CafPlanAgreed)
    ticked = render(caf, {"stress_areas": ["debt", "drugs_or_alcohol"]}, []).find("input")
    assert sorted(n.attrs["value"] for n in ticked if "checked" in n.attrs) == [
        "debt",
        "drugs_or_alcohol",
    ]


def test_numbers_are_read_as_numbers_or_named_errors() -> None:
    assert payload_from_form(ReasonableNotice, {"notice_days": [" 1,000 "]}).data == {
        "notice_days": 1000
    }
    assert payload_from_form(ReasonableNotice, {"notice_days": ["28 days"]}).errors == [
        FieldError("notice_days", "notice_days", "Notice days: must be a whole number, like 28")
    ]


def test_labels_and_options_read_as_words() -> None:
    assert [humanise(n) for n in ("date_of_birth", "ics_case_reference", "s20_accepted")] == [
        "Date of birth",
        "ICS case reference",
        "s.20 accepted",
    ]
    assert humanise("parent_or_pr_holder") == "Parent or PR holder"
    assert humanise("s213a_consent_given") == "s.213A consent given"
    assert humanise("co_located_team") == "Co-located team"
    optional = {one.name: one for one in form_fields(Referral)}["s213a_consent_given"]
    assert [(o.value, o.label) for o in optional.options] == [
        ("yes", "Yes"),
        ("no", "No"),
        ("", "Not known"),
    ]


# An optional nested model, and the property tests on a model that uses every kind.


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    born: date
    nickname: str | None = None


class EveryKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    at: AwareDatetime
    flag: bool
    maybe: bool | None = None
    choice: Literal["s20_accepted", "other_thing"]
    many: list[Literal["a", "b", "c"]] = []
    count: int
    ratio: float
    person: Person
    partner: Person | None = None
    note: str
    email: EmailStr | None = None


def test_an_optional_group_is_only_checked_once_any_of_it_is_filled() -> None:
    partner = {one.name: one for one in form_fields(EveryKind)}["partner"]
    assert (partner.kind, partner.required) == ("fieldset", False)
    assert [c.required for c in partner.children] == [True, True, False]
    assert "partner" not in payload_from_form(EveryKind, {"partner.name": [" "]}).data
    assert payload_from_form(EveryKind, {"partner.nickname": ["Jo"]}).data["partner"] == {
        "nickname": "Jo"
    }
    page = render(form_fields(EveryKind), form_values(EveryKind), [])
    assert legend_of(page, "partner-name") == "Partner (optional)"


WORD = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABC'-", min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), LONDON])


def _in_a_repeated_hour(moment: datetime) -> bool:
    local = moment.astimezone(LONDON)
    return local.replace(fold=1).utcoffset() != local.replace(fold=0).utcoffset()


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    moment = datetime.combine(
        draw(DAYS),
        time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
        tzinfo=draw(ZONES),
    )
    assume(not _in_a_repeated_hour(moment))
    return moment


PEOPLE = st.builds(Person, name=WORD, born=DAYS, nickname=st.none() | WORD)
EVERY_KIND = st.builds(
    EveryKind,
    day=DAYS,
    at=moments(),
    flag=st.booleans(),
    maybe=st.none() | st.booleans(),
    choice=st.sampled_from(["s20_accepted", "other_thing"]),
    many=st.lists(st.sampled_from(["a", "b", "c"]), unique=True),
    count=st.integers(),
    ratio=st.floats(allow_nan=False, allow_infinity=False),
    person=PEOPLE,
    partner=st.none() | PEOPLE,
    note=WORD,
    email=st.none() | st.from_regex(r"[a-z]{1,8}@example\.com", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(EVERY_KIND)
def test_a_model_round_trips_through_its_form(original: EveryKind) -> None:
    for dumped in (original.model_dump(), original.model_dump(mode="json")):
        read = payload_from_form(EveryKind, form_values(EveryKind, dumped))
        assert read.errors == []
        assert EveryKind.model_validate(read.data) == original


INPUT_NAMES = sorted(
    {name for model in MODELS.values() for one in form_fields(model) for name in one.input_names}
    | {name for one in form_fields(EveryKind) for name in one.input_names}
)
POSTED_TEXT = (
    st.text(max_size=12)
    | st.sampled_from(
        ["yes", "no", "31", "2", "2009", "Feb", "14:30", "2:30pm", "\ud800", "1" * 5000]
    )
    | st.just(f"Zanzibar {CANARY}")
    | st.just(f"{CANARY}@")
)
FORMS = st.dictionaries(
    st.sampled_from(INPUT_NAMES) | st.text(max_size=8),
    st.lists(POSTED_TEXT, max_size=3),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([*MODELS.values(), EveryKind]), FORMS)
def test_reading_any_posted_form_never_raises_nor_repeats_what_was_typed(
    model: type[BaseModel], form: dict[str, list[str]]
) -> None:
    read = payload_from_form(model, form)
    errors = form_errors(model, read, LIMITS)
    for error in [*read.errors, *errors]:
        assert CANARY.casefold() not in error.message.casefold(), error
        assert error.message.isprintable()
    page = render(form_fields(model), form, errors)
    assert page.find("input") + page.find("textarea"), "the form shows again"
