"""Bar charts drawn on the server as SVG: no JavaScript, nothing fetched from elsewhere.

Each chart is one ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; the description
lists every figure, and the page puts a table of the same figures under the chart. Every bar
has its value printed beside it, and the series of a grouped chart differ by pattern as well as
colour and are named on each bar, so nothing is told by colour alone. All text is escaped and
characters XML cannot carry are dropped. Sizes come from a fixed, generous estimate of text
width (there is no font to measure on the server), so the same data always gives the same bytes
and no text runs outside the drawing. A chart is as wide as its column: the viewBox keeps its
proportions, so it shrinks on a phone and its text stays in step with the page's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from markupsafe import Markup, escape

WIDTH: Final = 720
LABEL_WIDTH: Final = 232
"""The column of category labels, left of the axis."""
RIGHT_PAD: Final = 12
FONT_SIZE: Final = 14
CHAR_WIDTH: Final = 8.5
"""Wider than the average GDS Transport or Arial character at 14px, so estimates err long."""
LINE_HEIGHT: Final = 18
BAR_HEIGHT: Final = 20
BAR_GAP: Final = 4
ROW_PAD: Final = 12
MAX_LABEL_LINES: Final = 3
MAX_VALUE_CHARS: Final = 32
"""Longer value labels are shortened, so the longest bar always leaves room for its label."""
MAX_SERIES_CHARS: Final = 30
TOP: Final = 8
AXIS_SPACE: Final = 26
AXIS_LABEL_SPACE: Final = 20

BLACK: Final = "#0b0c0c"
BLUE: Final = "#1d70b8"
WHITE: Final = "#ffffff"
GRID: Final = "#b1b4b6"
FONT: Final = '"GDS Transport", arial, sans-serif'

ID_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# Characters XML 1.0 cannot carry, even escaped.
NOT_XML: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class BarData(Protocol):
    """One bar: its category, its length, and the value as the reader should see it."""

    @property
    def label(self) -> str: ...

    @property
    def value(self) -> float: ...

    @property
    def text(self) -> str: ...


class GroupData(Protocol):
    """One category of a grouped chart: a bar per series, in the order of the series."""

    @property
    def label(self) -> str: ...

    @property
    def bars(self) -> Sequence[BarData]: ...


@dataclass(frozen=True)
class _Fill:
    attribute: str
    pattern: str


def _fills(chart_id: str) -> tuple[_Fill, ...]:
    """Solid, hatched, dotted and striped: told apart without colour, and black on white or
    white on GOV.UK blue, so each keeps its 3:1 contrast against the page (WCAG 1.4.11)."""
    hatch, dots, stripes = (f"{chart_id}-hatch", f"{chart_id}-dots", f"{chart_id}-stripes")
    return (
        _Fill(BLUE, ""),
        _Fill(
            f"url(#{hatch})",
            f'<pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{WHITE}"/>'
            f'<rect width="2" height="6" fill="{BLACK}"/></pattern>',
        ),
        _Fill(
            f"url(#{dots})",
            f'<pattern id="{dots}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{WHITE}"/>'
            f'<circle cx="3" cy="3" r="1.5" fill="{BLACK}"/></pattern>',
        ),
        _Fill(
            f"url(#{stripes})",
            f'<pattern id="{stripes}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{WHITE}"/>'
            f'<rect width="6" height="2" fill="{BLACK}"/></pattern>',
        ),
    )


def clean(text: str) -> str:
    """``text`` without the characters XML cannot carry, on one line."""
    return " ".join(NOT_XML.sub("", text).split())


def text_width(text: str) -> float:
    """The estimated width of ``text`` at the chart's font size."""
    return len(text) * CHAR_WIDTH


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wrap(text: str, width: float = LABEL_WIDTH - 12) -> list[str]:
    """``text`` in lines that fit ``width``, at most ``MAX_LABEL_LINES`` (the last shortened)."""
    per_line = max(1, int(width // CHAR_WIDTH))
    lines: list[str] = []
    current = ""
    for word in clean(text).split(" "):
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > MAX_LABEL_LINES:
        lines = [
            *lines[: MAX_LABEL_LINES - 1],
            _shorten(lines[MAX_LABEL_LINES - 1] + " …", per_line),
        ]
    return lines


def _number(value: float) -> str:
    """A tick value as people read it: whole numbers with separators, else three figures."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.3g}"


def _px(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Scale:
    top: float
    ticks: tuple[float, ...]


def nice_scale(largest: float, whole: bool) -> Scale:
    """An axis from 0 to a round number at or above ``largest``, in 2 to 6 round steps."""
    if largest <= 0:
        return Scale(1.0, (0.0, 1.0))
    raw = largest / 4
    if raw <= 0:  # so small that a quarter of it is zero
        return Scale(largest, (0.0, largest))
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next((f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw), 0.0)
    if whole:
        step = float(max(1, math.ceil(step)))
    top = step * math.ceil(largest / step) if step > 0 else 0.0
    if not (math.isfinite(top) and top >= largest and step > 0):
        return Scale(largest, (0.0, largest))
    count = round(top / step)
    return Scale(top, tuple(step * i for i in range(count + 1)))


def _check_id(chart_id: str) -> None:
    if not ID_PATTERN.fullmatch(chart_id):
        raise ValueError(
            f"chart_id: '{clean(chart_id)[:40]}' must start with a letter and use only letters, "
            "digits, '-' and '_' (at most 64), as it becomes an XML id"
        )


def _check_value(label: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(
            f"bar '{clean(label)[:40]}': value must be a finite number of zero or more, "
            f"got {value!r}"
        )
    return number


def _text(x: float, y: float, content: str, *, anchor: str = "start", bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{_px(x)}" y="{_px(y)}" text-anchor="{anchor}"{weight}>{escape(content)}</text>'
    )


def _label(lines: Sequence[str], top: float, height: float) -> str:
    first = top + (height - len(lines) * LINE_HEIGHT) / 2 + LINE_HEIGHT - 4
    return "".join(
        _text(LABEL_WIDTH - 8, first + i * LINE_HEIGHT, line, anchor="end")
        for i, line in enumerate(lines)
    )


def _sentences(description: str, summary: str) -> str:
    """The description, then every figure, so a screen reader hears the chart in full."""
    if description and description[-1] not in ".!?":
        description += "."
    return f"{description} {summary}.".strip() if summary else description


def _svg(chart_id: str, title: str, desc: str, height: float, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%" '
        f'viewBox="0 0 {WIDTH} {_px(height)}" '
        f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}" fill="{BLACK}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _empty(chart_id: str, title: str, desc: str, empty_text: str) -> Markup:
    message = _shorten(empty_text, int((WIDTH - 16) // CHAR_WIDTH))
    return _svg(chart_id, title, _sentences(desc, message.rstrip(".")), 48, _text(8, 28, message))


@dataclass(frozen=True)
class _Plot:
    """Where bars go: from the axis at ``LABEL_WIDTH``, ``span`` wide for the scale's top."""

    scale: Scale
    span: float

    def length(self, value: float) -> float:
        return self.span * value / self.scale.top


def _plot(values: Sequence[float], value_texts: Sequence[str], ceiling: float | None) -> _Plot:
    # Room for the longest value label to the right of the longest bar.
    widest = max((text_width(text) for text in value_texts), default=0.0)
    span = WIDTH - RIGHT_PAD - LABEL_WIDTH - widest - 6
    largest = max([*values, ceiling or 0.0])
    whole = ceiling is None and all(v == int(v) for v in values)
    return _Plot(nice_scale(largest, whole), span)


def _axis(plot: _Plot, top: float, bottom: float, axis_label: str) -> str:
    parts = []
    for tick in plot.scale.ticks:
        x = LABEL_WIDTH + plot.length(tick)
        label = _number(tick)
        half = text_width(label) / 2
        centre = min(max(x, half + 2), WIDTH - 2 - half)
        parts.append(
            f'<line x1="{_px(x)}" y1="{_px(top)}" x2="{_px(x)}" y2="{_px(bottom + 4)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(centre, bottom + 19, label, anchor="middle"))
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{_px(top)}" x2="{LABEL_WIDTH}" y2="{_px(bottom)}" '
        f'stroke="{BLACK}" stroke-width="1"/>'
        f'<line x1="{LABEL_WIDTH}" y1="{_px(bottom)}" x2="{_px(LABEL_WIDTH + plot.span)}" '
        f'y2="{_px(bottom)}" stroke="{BLACK}" stroke-width="1"/>'
    )
    if axis_label:
        centre = LABEL_WIDTH + plot.span / 2
        label = _shorten(axis_label, int(plot.span // CHAR_WIDTH))
        parts.append(_text(centre, bottom + AXIS_SPACE + 14, label, anchor="middle"))
    return "".join(parts)


def _bar(plot: _Plot, y: float, value: float, text: str, fill: str) -> str:
    length = plot.length(value)
    rect = (
        f'<rect class="app-chart__bar" x="{LABEL_WIDTH}" y="{_px(y)}" width="{_px(length)}" '
        f'height="{BAR_HEIGHT}" fill="{fill}" stroke="{BLACK}" stroke-width="1"/>'
        if length > 0
        else ""
    )
    return rect + _text(LABEL_WIDTH + length + 6, y + BAR_HEIGHT - 5, text)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[BarData],
    *,
    ceiling: float | None = None,
    axis_label: str = "",
    empty_text: str = "No figures to show yet.",
) -> Markup:
    """Horizontal bars, one per category, each with its value printed after it.

    ``ceiling`` fixes the axis's top (e.g. 100 for percentages) unless a bar is longer.
    """
    _check_id(chart_id)
    title, description = clean(title), clean(description)
    if not bars:
        return _empty(chart_id, title, description, clean(empty_text))
    values = [_check_value(bar.label, bar.value) for bar in bars]
    texts = [_shorten(clean(bar.text), MAX_VALUE_CHARS) for bar in bars]
    plot = _plot(values, texts, ceiling)
    body, y = [], float(TOP)
    for bar, value, text in zip(bars, values, texts, strict=True):
        lines = wrap(bar.label)
        height = max(BAR_HEIGHT + ROW_PAD, len(lines) * LINE_HEIGHT + 8)
        body.append(_label(lines, y, height))
        body.append(_bar(plot, y + (height - BAR_HEIGHT) / 2, value, text, BLUE))
        y += height
    summary = "; ".join(
        f"{clean(bar.label)}: {text}" for bar, text in zip(bars, texts, strict=True)
    )
    axis = _axis(plot, TOP, y, clean(axis_label))
    bottom = y + AXIS_SPACE + (AXIS_LABEL_SPACE if axis_label else 0)
    return _svg(chart_id, title, _sentences(description, summary), bottom, axis + "".join(body))


def _legend(series: Sequence[str], fills: Sequence[_Fill]) -> tuple[str, float]:
    """Swatches with the series names, wrapped onto as many lines as they need."""
    parts, x, y = [], float(LABEL_WIDTH), float(TOP)
    for name, fill in zip(series, fills, strict=True):
        width = 24 + text_width(name) + 16
        if x + width > WIDTH - RIGHT_PAD and x > LABEL_WIDTH:
            x, y = float(LABEL_WIDTH), y + LINE_HEIGHT + 6
        parts.append(
            f'<rect x="{_px(x)}" y="{_px(y + 1)}" width="16" height="16" fill="{fill.attribute}" '
            f'stroke="{BLACK}" stroke-width="1"/>'
        )
        parts.append(_text(x + 22, y + 14, name))
        x += width
    return "".join(parts), y + LINE_HEIGHT + 14


def grouped_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[str],
    groups: Sequence[GroupData],
    *,
    ceiling: float | None = None,
    axis_label: str = "",
    empty_text: str = "No figures to show yet.",
) -> Markup:
    """Horizontal bars in groups, one bar per series in each, e.g. these cases beside a pilot.

    Each bar is labelled "<series>: <value>", and each series has its own pattern, shown in a
    legend; a group with fewer bars than series leaves the rest out.
    """
    _check_id(chart_id)
    title, description = clean(title), clean(description)
    names = [_shorten(clean(name), MAX_SERIES_CHARS) for name in series]
    if not groups or not names:
        return _empty(chart_id, title, description, clean(empty_text))
    styles = _fills(chart_id)
    fills = [styles[i % len(styles)] for i in range(len(names))]
    rows = [
        [
            (
                _check_value(bar.label, bar.value),
                _shorten(f"{name}: {clean(bar.text)}", MAX_VALUE_CHARS),
                fill,
            )
            for bar, name, fill in zip(group.bars, names, fills, strict=False)
        ]
        for group in groups
    ]
    plot = _plot(
        [v for row in rows for v, _, _ in row], [t for row in rows for _, t, _ in row], ceiling
    )
    legend, top = _legend(names, fills)
    body, y = [legend], top
    for group, row in zip(groups, rows, strict=True):
        lines = wrap(group.label)
        bars_height = max(1, len(row)) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
        height = max(bars_height + ROW_PAD, len(lines) * LINE_HEIGHT + 8)
        body.append(_label(lines, y, height))
        bar_y = y + (height - bars_height) / 2
        for value, text, fill in row:
            body.append(_bar(plot, bar_y, value, text, fill.attribute))
            bar_y += BAR_HEIGHT + BAR_GAP
        y += height
    summary = "; ".join(
        f"{clean(group.label)}: " + ", ".join(text for _, text, _ in row)
        for group, row in zip(groups, rows, strict=True)
    )
    defs = "<defs>" + "".join(fill.pattern for fill in fills if fill.pattern) + "</defs>"
    axis = _axis(plot, top, y, clean(axis_label))
    bottom = y + AXIS_SPACE + (AXIS_LABEL_SPACE if axis_label else 0)
    return _svg(
        chart_id, title, _sentences(description, summary), bottom, defs + axis + "".join(body)
    )
