"""The KPI page's SVG charts: well-formed XML, escaped text, bars in proportion to their values,
empty and all-zero data drawn, and (over random data) nothing ever outside the viewBox."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.charts import (
    CHAR_WIDTH,
    FONT_SIZE,
    LABEL_WIDTH,
    WIDTH,
    bar_chart,
    grouped_bar_chart,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    bars: Sequence[Bar]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bar_widths(svg: ET.Element) -> list[float]:
    return [
        float(rect.attrib["width"])
        for rect in svg.iter(f"{SVG}rect")
        if rect.attrib.get("class") == "app-chart__bar"
    ]


def texts(svg: ET.Element) -> list[str]:
    return [text.text or "" for text in svg.iter(f"{SVG}text")]


def axis_span(svg: ET.Element) -> float:
    """The x axis: the black horizontal line from the label column."""
    for line in svg.iter(f"{SVG}line"):
        a = line.attrib
        if a["stroke"] == "#0b0c0c" and a["y1"] == a["y2"]:
            return float(a["x2"]) - float(a["x1"])
    raise AssertionError("no x axis drawn")


def test_a_bar_chart_is_an_accessible_image_named_by_its_title_and_description() -> None:
    svg = parse(bar_chart("owed", "Cases owed a duty", "By authority", [Bar("Dartford", 3, "3")]))

    assert svg.tag == f"{SVG}svg"
    assert svg.attrib["role"] == "img"
    assert svg.attrib["aria-labelledby"] == "owed-title owed-desc"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.attrib["id"], title.text) == ("owed-title", "Cases owed a duty")
    assert (desc.attrib["id"], desc.text) == ("owed-desc", "By authority. Dartford: 3.")
    assert svg.attrib["viewBox"].startswith(f"0 0 {WIDTH} ")


def test_every_bar_has_its_value_printed_beside_it_and_its_label_left_of_the_axis() -> None:
    svg = parse(
        bar_chart(
            "on-time",
            "On time",
            "",
            [Bar("Joint visit", 75, "75% (3 of 4)"), Bar("Relief duty", 0, "no cases yet")],
            ceiling=100,
            axis_label="Per cent",
        )
    )

    shown = texts(svg)
    for expected in ("Joint visit", "75% (3 of 4)", "Relief duty", "no cases yet", "Per cent"):
        assert expected in shown
    assert {"0", "25", "50", "75", "100"} <= set(shown)


def test_bars_are_in_proportion_to_their_values() -> None:
    svg = parse(
        bar_chart("c", "t", "d", [Bar("a", 10, "10"), Bar("b", 20, "20"), Bar("c", 40, "40")])
    )

    a, b, c = bar_widths(svg)  # each rounded to 0.1px
    assert b == pytest.approx(2 * a, abs=0.2)
    assert c == pytest.approx(4 * a, abs=0.3)
    # 40 is the top of the axis (ticks 0, 10, 20, 30, 40), so its bar spans the axis.
    assert c == pytest.approx(axis_span(svg), abs=0.1)


def test_a_ceiling_fixes_the_top_of_the_axis() -> None:
    svg = parse(bar_chart("c", "t", "d", [Bar("half", 50, "50%")], ceiling=100))

    (width,) = bar_widths(svg)
    assert width == pytest.approx(axis_span(svg) / 2, abs=0.1)


def test_counts_get_whole_number_ticks() -> None:
    svg = parse(bar_chart("c", "t", "d", [Bar("one", 1, "1")]))

    # The axis's ticks, then the bar's label and value: no 0.25, 0.5 or 0.75 of a case.
    assert texts(svg) == ["0", "1", "one", "1"]


def test_all_text_is_escaped() -> None:
    hostile = "</title><script>alert('x')</script> & \"quoted\""
    markup = bar_chart("c", hostile, hostile, [Bar(hostile, 1, hostile)], axis_label=hostile)
    svg = parse(markup)

    assert "<script>" not in markup
    assert not list(svg.iter(f"{SVG}script"))
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == hostile
    assert any("<script>" in text for text in texts(svg))  # shown as text, not markup


def test_characters_xml_cannot_carry_are_dropped() -> None:
    svg = parse(bar_chart("c", "a\x00b", "\x1bdesc", [Bar("x\x08y", 1, "1\ufffe")]))

    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == "ab"
    assert "xy" in texts(svg)


def test_no_bars_draws_the_empty_message_and_nothing_else() -> None:
    svg = parse(bar_chart("c", "Owed", "By authority", [], empty_text="No cases yet."))

    assert texts(svg) == ["No cases yet."]
    assert bar_widths(svg) == []
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == "By authority. No cases yet."


def test_all_zero_values_draw_an_axis_and_labels_but_no_bars() -> None:
    svg = parse(bar_chart("c", "t", "d", [Bar("a", 0, "0"), Bar("b", 0, "0")]))

    assert bar_widths(svg) == []
    assert texts(svg).count("0") >= 3  # the axis's 0 and both value labels
    assert axis_span(svg) > 0


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_a_value_that_is_not_a_finite_non_negative_number_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match=r"bar 'Dartford': value must be a finite number"):
        bar_chart("c", "t", "d", [Bar("Dartford", value, "?")])


@pytest.mark.parametrize("chart_id", ["", "1st", "has space", 'q"uote', "x" * 65])
def test_an_id_that_cannot_be_an_xml_id_is_refused(chart_id: str) -> None:
    with pytest.raises(ValueError, match=r"chart_id: .* must start with a letter"):
        bar_chart(chart_id, "t", "d", [Bar("a", 1, "1")])


def test_the_same_data_gives_the_same_bytes() -> None:
    bars = [Bar("a", 3, "3"), Bar("b", 7.25, "7.25")]

    assert bar_chart("c", "t", "d", bars) == bar_chart("c", "t", "d", list(bars))


def test_a_long_label_wraps_onto_lines_left_of_the_axis() -> None:
    label = "s.202 review decision due (3 weeks: PHP steps, prevention non-cooperation)"
    svg = parse(bar_chart("c", "t", "d", [Bar(label, 1, "1")]))

    lines = [t for t in texts(svg) if t not in {"0", "1"}]
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(text_width(line) <= LABEL_WIDTH - 8 for line in lines)


PILOT = ["Here", "Pilot"]


def test_a_grouped_chart_names_each_series_on_its_bars_and_in_a_patterned_legend() -> None:
    groups = [
        Group("O1", [Bar("Here", 40, "40% (4 of 10)"), Bar("Pilot", 50, "just over half")]),
        Group("O2", [Bar("Here", 20, "20% (2 of 10)"), Bar("Pilot", 25, "25%")]),
    ]
    svg = parse(grouped_bar_chart("mix", "Outcomes", "Beside the pilot", PILOT, groups))

    shown = texts(svg)
    for expected in ("Here", "Pilot", "Here: 40% (4 of 10)", "Pilot: just over half", "O2"):
        assert expected in shown
    fills = [
        rect.attrib["fill"]
        for rect in svg.iter(f"{SVG}rect")
        if rect.attrib.get("class") == "app-chart__bar"
    ]
    assert fills == ["#1d70b8", "url(#mix-hatch)", "#1d70b8", "url(#mix-hatch)"]
    patterns = [p.attrib["id"] for p in svg.iter(f"{SVG}pattern")]
    assert patterns == ["mix-hatch"]
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "Beside the pilot. O1: Here: 40% (4 of 10), Pilot: just over half; "
        "O2: Here: 20% (2 of 10), Pilot: 25%."
    )
    here_40, pilot_50, here_20, pilot_25 = bar_widths(svg)
    assert pilot_50 == pytest.approx(here_40 * 50 / 40, abs=0.1)
    assert pilot_25 == pytest.approx(here_20 * 25 / 20, abs=0.1)


def test_a_grouped_chart_with_no_groups_or_no_series_draws_the_empty_message() -> None:
    for series, groups in (([], [Group("O1", [Bar("x", 1, "1")])]), (PILOT, [])):
        svg = parse(grouped_bar_chart("mix", "t", "d", series, groups, empty_text="Nothing."))
        assert texts(svg) == ["Nothing."]


# Everything inside the viewBox, whatever the data


def _inside(svg: ET.Element) -> None:
    _, _, width, height = (float(n) for n in svg.attrib["viewBox"].split())
    assert width == WIDTH
    for rect in svg.iter(f"{SVG}rect"):
        if "x" not in rect.attrib:  # pattern tiles, in their own coordinates
            continue
        x, y = float(rect.attrib["x"]), float(rect.attrib["y"])
        w, h = float(rect.attrib["width"]), float(rect.attrib["height"])
        assert x >= 0
        assert x + w <= width + 0.05
        assert y >= 0
        assert y + h <= height + 0.05
    for line in svg.iter(f"{SVG}line"):
        for axis, limit in (("x1", width), ("x2", width), ("y1", height), ("y2", height)):
            assert 0 <= float(line.attrib[axis]) <= limit + 0.05
    for text in svg.iter(f"{SVG}text"):
        x, y = float(text.attrib["x"]), float(text.attrib["y"])
        w = len(text.text or "") * CHAR_WIDTH
        left = {"start": x, "middle": x - w / 2, "end": x - w}[text.attrib["text-anchor"]]
        assert left >= -0.05, text.text
        assert left + w <= width + 0.05, text.text
        assert FONT_SIZE <= y <= height - 2


labels = st.text(max_size=120)
values = st.one_of(
    st.integers(min_value=0, max_value=10**12),
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=1e-300, allow_nan=False, allow_infinity=False),
)
bars = st.builds(Bar, labels, values, labels)


@settings(max_examples=150, deadline=None)
@given(
    bars=st.lists(bars, max_size=12),
    title=labels,
    ceiling=st.one_of(st.none(), values),
    axis_label=labels,
)
def test_any_bar_chart_is_valid_xml_and_stays_inside_its_view_box(
    bars: list[Bar], title: str, ceiling: float | None, axis_label: str
) -> None:
    svg = parse(bar_chart("c", title, title, bars, ceiling=ceiling, axis_label=axis_label))

    _inside(svg)
    assert len(bar_widths(svg)) <= len(bars)


@settings(max_examples=150, deadline=None)
@given(
    series=st.lists(labels, max_size=5),
    groups=st.lists(st.builds(Group, labels, st.lists(bars, max_size=5)), max_size=6),
    ceiling=st.one_of(st.none(), values),
)
def test_any_grouped_chart_is_valid_xml_and_stays_inside_its_view_box(
    series: list[str], groups: list[Group], ceiling: float | None
) -> None:
    svg = parse(grouped_bar_chart("g", "t", "d", series, groups, ceiling=ceiling))

    _inside(svg)
