"""The case page's pathway map (issue #11): every registered definition drawn as an accessible
SVG with one box per step and one line per move between two steps, none of them overlapping,
the case's route and current step marked by more than colour, and the same map as text.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.pathway_map import PathwayMap, pathway_map, text_width
from dashboard.templating import environment
from pathways.definitions import all_definitions, get_definition
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    PathwayDefinition,
    StepSpec,
    TransitionSpec,
)

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
DEFINITIONS = all_definitions()
Box = tuple[float, float, float, float]


def walk(definition: PathwayDefinition, choices: list[int]) -> list[str]:
    """The steps a case passes through taking the moves ``choices`` pick, as CaseStep rows
    record them: a move that keeps the case at its step adds no row."""
    step = definition.initial_step
    route = [step]
    for choice in choices:
        open_moves = [
            t
            for t in definition.transitions
            if step in t.from_steps
            or (ANY_STEP in t.from_steps and not definition.steps[step].terminal)
        ]
        if not open_moves:
            break
        step = definition.step_after(open_moves[choice % len(open_moves)], step)
        if step != route[-1]:
            route.append(step)
    return route


def sample_route(definition: PathwayDefinition) -> list[str]:
    """A few moves in, each to a step not yet visited where one is open."""
    route = [definition.initial_step]
    for _ in range(4):
        onward = [
            t.to_step
            for t in definition.transitions
            if route[-1] in t.from_steps
            and t.to_step not in (SAME_STEP, *route)
            and not definition.steps[t.to_step].terminal
        ]
        if not onward:
            break
        route.append(onward[0])
    return route


def expected_pairs(definition: PathwayDefinition) -> set[tuple[str, str]]:
    return {
        (source, t.to_step)
        for t in definition.transitions
        for source in t.from_steps
        if t.to_step not in (SAME_STEP, source)
    }


def parse(drawn: PathwayMap) -> ET.Element:
    return ET.fromstring(str(drawn.svg))


def step_groups(root: ET.Element) -> dict[str, ET.Element]:
    groups = [g for g in root.iter(f"{SVG}g") if "data-step" in g.attrib]
    names = [g.attrib["data-step"] for g in groups]
    assert len(names) == len(set(names)), "a step is drawn once"
    return dict(zip(names, groups, strict=True))


def edge_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "data-from" in g.attrib]


def rect(element: ET.Element) -> Box:
    return (
        float(element.attrib["x"]),
        float(element.attrib["y"]),
        float(element.attrib["width"]),
        float(element.attrib["height"]),
    )


def box_of(group: ET.Element) -> Box:
    found = group.find(f"{SVG}rect")
    assert found is not None
    return rect(found)


def text_extent(text: ET.Element) -> Box:
    size = float(text.attrib["font-size"])
    width = text_width(text.text or "", size, bold=text.attrib.get("font-weight") == "bold")
    x, y = float(text.attrib["x"]), float(text.attrib["y"])
    left = {"start": x, "middle": x - width / 2, "end": x - width}[text.attrib["text-anchor"]]
    return left, y - size * 0.8, width, size


def badges(group: ET.Element) -> list[str]:
    """The bold labels on a box: its status, "Start", "End of pathway"."""
    return [
        badge
        for text in group.iter(f"{SVG}text")
        if text.attrib.get("font-weight") == "bold"
        for badge in (text.text or "").split(" · ")
    ]


def view_box(root: ET.Element) -> Box:
    x, y, width, height = (float(part) for part in root.attrib["viewBox"].split())
    return x, y, width, height


def inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def the_map(definition: PathwayDefinition) -> tuple[list[str], PathwayMap]:
    route = sample_route(definition)
    return route, pathway_map(definition, route, route[-1])


@pytest.fixture(params=DEFINITIONS, ids=[d.key for d in DEFINITIONS])
def definition(request: pytest.FixtureRequest) -> PathwayDefinition:
    found: PathwayDefinition = request.param
    return found


def test_every_version_is_mapped() -> None:
    keys = {d.key for d in DEFINITIONS}
    assert {"youth-1617-intake@1.0", "youth-1617-intake@1.1"} <= keys
    assert {"intentional-homelessness@1.0", "care-leaver-transition@0.2"} <= keys


def test_one_box_per_step(definition: PathwayDefinition) -> None:
    _, drawn = the_map(definition)
    groups = step_groups(parse(drawn))
    any_step = any(ANY_STEP in t.from_steps for t in definition.transitions)
    assert set(groups) == set(definition.steps) | ({ANY_STEP} if any_step else set())


def test_one_edge_per_pair_of_steps(definition: PathwayDefinition) -> None:
    _, drawn = the_map(definition)
    pairs = [(g.attrib["data-from"], g.attrib["data-to"]) for g in edge_groups(parse(drawn))]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == expected_pairs(definition)


def test_edges_name_their_moves(definition: PathwayDefinition) -> None:
    """Hovering a line shows the moves it stands for."""
    _, drawn = the_map(definition)
    for group in edge_groups(parse(drawn)):
        title = group.find(f"{SVG}title")
        assert title is not None and title.text
        source, target = group.attrib["data-from"], group.attrib["data-to"]
        for t in definition.transitions:
            if source in t.from_steps and t.to_step == target:
                assert t.title in title.text


def test_boxes_do_not_overlap(definition: PathwayDefinition) -> None:
    _, drawn = the_map(definition)
    boxes = {name: box_of(group) for name, group in step_groups(parse(drawn)).items()}
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not overlap(box_a, box_b), f"{a} and {b} overlap"


def test_text_fits_its_box_and_the_view_box(definition: PathwayDefinition) -> None:
    _, drawn = the_map(definition)
    root = parse(drawn)
    frame = view_box(root)
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for text in texts:
        assert inside(text_extent(text), frame), text.text
    for name, group in step_groups(root).items():
        for text in group.iter(f"{SVG}text"):
            assert inside(text_extent(text), box_of(group)), f"{name}: {text.text}"
        assert inside(box_of(group), frame), name


def test_the_current_step_is_marked_in_words_and_weight(definition: PathwayDefinition) -> None:
    route, drawn = the_map(definition)
    groups = step_groups(parse(drawn))
    current = groups[route[-1]]
    assert current.attrib["data-status"] == "current"
    assert "Current step" in badges(current)
    others = [g for name, g in groups.items() if name != route[-1] and name != ANY_STEP]
    assert all(g.attrib["data-status"] != "current" for g in others)
    current_box = current.find(f"{SVG}rect")
    assert current_box is not None
    widths = {
        float(box.attrib["stroke-width"])
        for g in others
        if (box := g.find(f"{SVG}rect")) is not None
    }
    assert float(current_box.attrib["stroke-width"]) > max(widths)
    for name in route[:-1]:
        assert "Done" in badges(groups[name])


def test_the_route_is_drawn_thicker(definition: PathwayDefinition) -> None:
    route, drawn = the_map(definition)
    taken = set(itertools.pairwise(route))
    assert taken, "the sample route makes at least one move"
    for group in edge_groups(parse(drawn)):
        pair = (group.attrib["data-from"], group.attrib["data-to"])
        path = group.find(f"{SVG}path")
        assert path is not None
        on_route = pair in taken
        assert group.attrib["data-taken"] == ("true" if on_route else "false")
        assert float(path.attrib["stroke-width"]) == (4.0 if on_route else 1.5)


def test_a_return_is_dashed_and_a_case_may_loop() -> None:
    definition = get_definition("intentional-homelessness")
    route = ["referred", "joint_review", "awaiting_sign_off", "joint_review", "awaiting_sign_off"]
    root = parse(pathway_map(definition, route, "awaiting_sign_off"))
    edges = {(g.attrib["data-from"], g.attrib["data-to"]): g for g in edge_groups(root)}
    back = edges[("awaiting_sign_off", "joint_review")]
    assert back.attrib["data-return"] == "true"
    assert back.attrib["data-taken"] == "true"
    path = back.find(f"{SVG}path")
    assert path is not None and "stroke-dasharray" in path.attrib
    assert edges[("joint_review", "awaiting_sign_off")].attrib["data-return"] == "false"


def test_a_move_from_any_step_lights_the_band() -> None:
    definition = get_definition("youth-1617-intake")
    route = ["new_enquiry", "safety_triage", "transferred"]
    drawn = pathway_map(definition, route, "transferred")
    edges = {(g.attrib["data-from"], g.attrib["data-to"]): g for g in edge_groups(parse(drawn))}
    assert edges[(ANY_STEP, "transferred")].attrib["data-taken"] == "true"
    assert edges[(ANY_STEP, "assistance_rejected")].attrib["data-taken"] == "false"


def test_the_svg_is_labelled_and_scales(definition: PathwayDefinition) -> None:
    route, drawn = the_map(definition)
    root = parse(drawn)
    assert root.attrib["role"] == "img"
    # Drawn at its natural size, which map.css shrinks to the page: no inline style, which
    # the dashboard's content security policy would block.
    assert root.attrib["viewBox"].split()[2:] == [root.attrib["width"], root.attrib["height"]]
    assert "style" not in root.attrib
    ids = {e.attrib["id"]: e for e in root.iter() if "id" in e.attrib}
    labels = root.attrib["aria-labelledby"].split()
    assert [ids[label].tag for label in labels] == [f"{SVG}title", f"{SVG}desc"]
    description = ids[labels[1]].text or ""
    current_title = definition.steps[route[-1]].title
    assert f"Current step: {current_title}." in description
    assert description == drawn.summary


def test_ids_carry_the_prefix_so_two_maps_can_share_a_page() -> None:
    definition = get_definition("youth-1617-intake")
    first = parse(pathway_map(definition, [], None, id_prefix="map-a"))
    second = parse(pathway_map(definition, [], None, id_prefix="map-b"))
    ids_a = {e.attrib["id"] for e in first.iter() if "id" in e.attrib}
    ids_b = {e.attrib["id"] for e in second.iter() if "id" in e.attrib}
    assert all(i.startswith("map-a-") for i in ids_a)
    assert not ids_a & ids_b


def test_the_text_alternative_lists_every_step(definition: PathwayDefinition) -> None:
    route, drawn = the_map(definition)
    assert [step.name for step in drawn.text] == list(definition.steps)
    for step in drawn.text:
        expected = (
            "current" if step.name == route[-1] else "done" if step.name in route else "not reached"
        )
        assert step.status == expected
        assert step.title == definition.steps[step.name].title
        leaving = [t for t in definition.transitions if step.name in t.from_steps]
        assert [move.title for move in step.moves] == [t.title for t in leaving]
    anywhere = [t.title for t in definition.transitions if ANY_STEP in t.from_steps]
    assert [move.title for move in drawn.any_step_moves] == anywhere


def test_a_move_names_where_it_leads_and_who_makes_it() -> None:
    definition = get_definition("youth-1617-intake", "1.1")
    drawn = pathway_map(definition, ["new_enquiry"], "new_enquiry")
    triage = next(step for step in drawn.text if step.name == "safety_triage")
    safe = next(move for move in triage.moves if move.title == "A1 Safety triage: safe tonight")
    assert safe.destination == "A2 Joint visit to family and young person"
    assert safe.roles == ("LHA Housing Officer", "ICS Social Worker")
    consent = next(m for m in drawn.any_step_moves if m.title == "Consent withdrawn")
    assert consent.destination is None


def test_the_same_case_draws_the_same_map(definition: PathwayDefinition) -> None:
    route = sample_route(definition)
    assert pathway_map(definition, route, route[-1]) == pathway_map(definition, route, route[-1])


_DIGEST = """
import hashlib
from pathways.definitions import all_definitions
from dashboard.pathway_map import pathway_map
digest = hashlib.sha256()
for definition in all_definitions():
    route = [definition.initial_step]
    digest.update(str(pathway_map(definition, route, route[-1]).svg).encode())
print(digest.hexdigest())
"""


def test_the_drawing_does_not_depend_on_hash_order() -> None:
    """Tests and pages compare maps across processes, each with its own string hashing."""
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_a_case_not_yet_started_has_no_current_step() -> None:
    definition = get_definition("care-leaver-transition")
    drawn = pathway_map(definition, [], None)
    assert {step.status for step in drawn.text} == {"not reached"}
    assert "no current step" in drawn.summary


def test_steps_of_an_earlier_version_are_passed_over() -> None:
    """A case moved from 1.0 to 1.1 keeps its 1.0 rows; 1.1 has no part7_handoff."""
    definition = get_definition("youth-1617-intake", "1.1")
    drawn = pathway_map(definition, ["new_enquiry", "part7_handoff"], "new_enquiry")
    assert "part7_handoff" not in {step.name for step in drawn.text}
    assert drawn.summary == "Route so far: New enquiry. Current step: New enquiry."


@pytest.mark.parametrize(
    ("current", "prefix", "field"),
    [
        ("no_such_step", "map", "current:"),
        (None, "1-map", "id_prefix:"),
        (None, 'map" onload="x', "id_prefix:"),
    ],
)
def test_bad_input_names_the_field(current: str | None, prefix: str, field: str) -> None:
    definition = get_definition("care-leaver-transition")
    with pytest.raises(ValueError, match=field):
        pathway_map(definition, [], current, id_prefix=prefix)


@st.composite
def walks(draw: st.DrawFn) -> tuple[PathwayDefinition, list[str]]:
    definition = draw(st.sampled_from(DEFINITIONS))
    choices = draw(st.lists(st.integers(min_value=0, max_value=1000), max_size=25))
    return definition, walk(definition, choices)


@settings(max_examples=60, deadline=None)
@given(walks())
def test_statuses_follow_any_route(case: tuple[PathwayDefinition, list[str]]) -> None:
    definition, route = case
    drawn = pathway_map(definition, route, route[-1])
    statuses = {step.name: step.status for step in drawn.text}
    assert statuses[route[-1]] == "current"
    assert all(statuses[name] in ("done", "current") for name in route)
    assert all(statuses[name] == "not reached" for name in set(definition.steps) - set(route))
    assert list(statuses.values()).count("current") == 1
    root = parse(drawn)
    groups = step_groups(root)
    assert {name: g.attrib["data-status"] for name, g in groups.items() if name != ANY_STEP} == (
        statuses
    )
    taken = {
        (g.attrib["data-from"], g.attrib["data-to"])
        for g in edge_groups(root)
        if g.attrib["data-taken"] == "true"
    }
    pairs = expected_pairs(definition)
    moves = {(a, b) if (a, b) in pairs else (ANY_STEP, b) for a, b in itertools.pairwise(route)}
    assert taken == moves


class _Outline(HTMLParser):
    """Counts what the macro renders: top-level items of the step list, and summaries."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.in_steps = 0
        self.steps = 0
        self.summary = ""
        self.in_summary = False
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        classes = dict(attrs).get("class") or ""
        if tag == "ol" and "app-pathway-map__steps" in classes:
            self.in_steps = 1
        elif self.in_steps and tag in ("ol", "ul"):
            self.in_steps += 1
        elif tag == "li" and self.in_steps == 1:
            self.steps += 1
        self.in_summary = self.in_summary or "govuk-details__summary-text" in classes

    def handle_endtag(self, tag: str) -> None:
        if self.in_steps and tag in ("ol", "ul"):
            self.in_steps -= 1
        if tag == "span":
            self.in_summary = False

    def handle_data(self, data: str) -> None:
        if self.in_summary:
            self.summary += data.strip()


def test_the_macro_renders_the_figure_and_the_text_version() -> None:
    definition = get_definition("youth-1617-intake")
    route = sample_route(definition)
    drawn = pathway_map(definition, route, route[-1])
    template = environment().from_string(
        '{% from "macros/pathway_map.html" import pathway_map %}{{ pathway_map(map) }}'
    )
    html = template.render(map=drawn)
    outline = _Outline()
    outline.feed(html)
    assert outline.summary == "Pathway map as text"
    assert outline.steps == len(definition.steps)
    assert {"figure", "figcaption", "svg", "details"} <= set(outline.tags)
    assert str(drawn.svg) in html, "the SVG is not escaped a second time"
    assert "Current step" in html and drawn.summary.replace("'", "&#39;") in html
    assert "At any open step" in html


def odd_definition() -> PathwayDefinition:
    """Shapes no registered pathway has yet: a move from any step to an open step, an end
    reached both from any step and from one, a long loop back, and a move to its own step."""
    steps = {name: StepSpec(title=f"Step {name.upper()}") for name in "abcde"}
    steps["end"] = StepSpec(title="Ended", terminal=True)

    def move(name: str, sources: tuple[str, ...], target: str) -> TransitionSpec:
        return TransitionSpec(
            name=name, title=f"Move {name}", from_steps=sources, to_step=target, roles=("system",)
        )

    return PathwayDefinition(
        name="odd-shape",
        version="1.0",
        title="An odd shape",
        citation="",
        initial_step="a",
        opening_transition="open",
        steps=steps,
        transitions=(
            move("open", ("a",), "b"),
            move("on", ("b",), "c"),
            move("further", ("c",), "d"),
            move("back", ("d",), "b"),
            move("again", ("c",), "c"),
            move("restart", (ANY_STEP,), "c"),
            move("finish", ("d",), "end"),
            move("stop", (ANY_STEP,), "end"),
            move("aside", ("b",), "e"),
        ),
        timers={},
    )


def test_an_unfamiliar_shape_still_lays_out_cleanly() -> None:
    definition = odd_definition()
    route = ["a", "b", "c", "d", "b", "c", "end"]
    drawn = pathway_map(definition, route, "end")
    root = parse(drawn)
    groups = step_groups(root)
    assert set(groups) == {*definition.steps, ANY_STEP}
    pairs = {(g.attrib["data-from"], g.attrib["data-to"]) for g in edge_groups(root)}
    assert pairs == expected_pairs(definition)
    boxes = [box_of(group) for group in groups.values()]
    assert not any(overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    frame = view_box(root)
    assert all(inside(text_extent(text), frame) for text in root.iter(f"{SVG}text"))
    edges = {(g.attrib["data-from"], g.attrib["data-to"]): g for g in edge_groups(root)}
    assert edges[("d", "b")].attrib["data-return"] == "true"
    assert edges[(ANY_STEP, "c")].attrib["data-return"] == "true"
    assert edges[("d", "end")].attrib["data-taken"] == "false"
    assert edges[(ANY_STEP, "end")].attrib["data-taken"] == "true"
    step_c = next(step for step in drawn.text if step.name == "c")
    assert [(m.title, m.destination) for m in step_c.moves] == [
        ("Move further", "Step D"),
        ("Move again", None),
    ]
