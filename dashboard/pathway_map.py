"""The pathway map on a case page (issue #11): a pathway drawn from its definition, with one
case's route and current step marked, and the same map as text.

Pure: a definition and a route in, markup out, so the page and the tests draw the same map.
The drawing is a small layered (Sugiyama-style) layout, top to bottom: layers by the longest
path from the opening step once loops are broken, long moves routed through bend points so no
line crosses a box, and the order in each layer chosen to cut crossings. Moves that keep a case
at its step are counted in the box rather than drawn, and moves open from any step are drawn
once, from a single "any open step" box in a band at the foot of the map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from typing import Final, Literal

from markupsafe import Markup, escape

from pathways.engine.definition import ANY_STEP, SAME_STEP, PathwayDefinition, TransitionSpec
from pathways.roles import ROLES

Status = Literal["done", "current", "not reached"]
STATUS_LABELS: Final[Mapping[Status, str]] = {
    "current": "Current step",
    "done": "Done",
    "not reached": "Not reached",
}

# The GOV.UK palette (govuk-frontend 6). Text is black on white, pale blue or yellow: AAA.
BLACK: Final = "#0b0c0c"
DARK_GREY: Final = "#484949"  # black tint-25: lines and borders, 9:1 on white
PALE_GREY: Final = "#f3f3f3"  # black tint-95: the any-step band
MID_GREY: Final = "#cecece"  # black tint-80
BLUE: Final = "#1d70b8"  # 5.2:1 on white, enough for lines and borders (WCAG 1.4.11)
PALE_BLUE: Final = "#d2e2f1"  # blue tint-80
YELLOW: Final = "#ffdd00"  # the GOV.UK focus colour, for the one step that needs attention
WHITE: Final = "#ffffff"
FONT: Final = "'GDS Transport', arial, sans-serif"

BOX_WIDTH: Final = 216.0
PAD_X: Final = 12.0
PAD_Y: Final = 9.0
TITLE_SIZE: Final = 15.0
SMALL_SIZE: Final = 13.0
LINE_HEIGHT: Final = 1.3
ROW_GAP: Final = 64.0
BAND_HEADING: Final = 44.0
MARGIN: Final = 16.0
BULGE: Final = 40.0
MIN_WIDTH: Final = 560.0
ANY_STEP_TITLE: Final = "Any open step (one that has not ended)"
SWEEPS: Final = 12
PASSES: Final = 24

_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class MapMove:
    """One move a step offers: ``destination`` is the step it leads to, None if it stays."""

    title: str
    destination: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True)
class MapStep:
    name: str
    title: str
    status: Status
    terminal: bool
    moves: tuple[MapMove, ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class PathwayMap:
    title: str
    summary: str
    svg: Markup
    text: list[MapStep]
    any_step_moves: list[MapMove]


def pathway_map(
    definition: PathwayDefinition,
    route: Sequence[str],
    current: str | None,
    id_prefix: str = "pathway-map",
) -> PathwayMap:
    """The map of ``definition`` for a case that has been at ``route`` (in order) and is at
    ``current``. Route steps this version does not have are passed over: a case moved onto a
    newer version keeps the steps it was at before."""
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(
            "id_prefix: must start with a letter and hold only letters, digits, '-' and '_'"
        )
    if current is not None and current not in definition.steps:
        raise ValueError(f"current: '{current}' is not a step of {definition.key}")
    known = [step for step in route if step in definition.steps]
    statuses = {name: _status(name, known, current) for name in definition.steps}
    summary = _summary(definition, known, current)
    title = f"Pathway map: {definition.title} (version {definition.version})"
    prepared = _prepared(definition)
    taken = _taken_pairs(prepared.graph, known)
    layout = _layout(definition, prepared, statuses)
    svg = _svg(layout, prepared.graph, taken, title, summary, id_prefix)
    return PathwayMap(
        title=title,
        summary=summary,
        svg=svg,
        text=[
            MapStep(
                name=name,
                title=step.title,
                status=statuses[name],
                terminal=step.terminal,
                moves=prepared.moves[name],
            )
            for name, step in definition.steps.items()
        ],
        any_step_moves=list(prepared.any_moves),
    )


def _status(name: str, route: Sequence[str], current: str | None) -> Status:
    if name == current:
        return "current"
    return "done" if name in route else "not reached"


def _summary(definition: PathwayDefinition, route: Sequence[str], current: str | None) -> str:
    titles = [definition.steps[step].title for step in _collapse(route)]
    parts = [f"Route so far: {', then '.join(titles)}." if titles else "No steps taken yet."]
    if current is None:
        parts.append("The case has no current step.")
    else:
        parts.append(f"Current step: {definition.steps[current].title}.")
    return " ".join(parts)


def _collapse(route: Sequence[str]) -> list[str]:
    """The route without repeats in a row: staying at a step is not a move."""
    return [step for i, step in enumerate(route) if i == 0 or route[i - 1] != step]


def _move(definition: PathwayDefinition, transition: TransitionSpec, at: str | None) -> MapMove:
    stays = transition.to_step in (SAME_STEP, at)
    return MapMove(
        title=transition.title,
        destination=None if stays else definition.steps[transition.to_step].title,
        roles=tuple(ROLES[role] for role in transition.roles),
    )


# ---- the graph: one edge per (from, to) pair --------------------------------------------------


@dataclass(frozen=True)
class _Graph:
    edges: dict[tuple[str, str], list[TransitionSpec]]
    """Moves between two different steps; a from of ANY_STEP means the any-step box."""
    stays: dict[str, list[TransitionSpec]]
    """Moves that keep the case at its step, by step (ANY_STEP: from any open step)."""
    band: list[str]
    """Ends reached from any open step, drawn in the band beside the any-step box."""

    @property
    def has_any(self) -> bool:
        return ANY_STEP in self.stays or any(source == ANY_STEP for source, _ in self.edges)

    @classmethod
    def of(cls, definition: PathwayDefinition) -> _Graph:
        edges: dict[tuple[str, str], list[TransitionSpec]] = {}
        stays: dict[str, list[TransitionSpec]] = {}
        for transition in definition.transitions:
            for source in transition.from_steps:
                target = transition.to_step
                if target in (SAME_STEP, source):
                    stays.setdefault(source, []).append(transition)
                else:
                    edges.setdefault((source, target), []).append(transition)
        band = [
            name
            for name, step in definition.steps.items()
            if step.terminal and (ANY_STEP, name) in edges
        ]
        return cls(edges=edges, stays=stays, band=band)


def _taken_pairs(graph: _Graph, route: Sequence[str]) -> set[tuple[str, str]]:
    taken: set[tuple[str, str]] = set()
    for before, after in pairwise(route):
        if (before, after) in graph.edges:
            taken.add((before, after))
        elif before != after and (ANY_STEP, after) in graph.edges:
            taken.add((ANY_STEP, after))
    return taken


# ---- text --------------------------------------------------------------------------------------


def _char_widths() -> dict[str, int]:
    # Helvetica's advance widths in thousandths of an em, close to Arial and GDS Transport.
    groups = {
        191: "'",
        222: "ijl‘’",
        260: "|",
        278: " !,./:;I[\\]ft",
        333: "()-r`",
        355: '"',
        389: "*",
        469: "^",
        500: "Jcksvxyz",
        556: "0123456789abdeghnopqu#$?_L–",
        584: "+<=>~",
        611: "FTZ",
        667: "ABEKPSVXY&",
        722: "CDHNRUw",
        778: "GOQ",
        833: "Mm",
        889: "%",
        944: "W",
        1015: "@",
    }
    return {char: width for width, chars in groups.items() for char in chars}


_WIDTHS: Final = _char_widths()
_REGULAR_SAFETY: Final = 1.1
_BOLD_SAFETY: Final = 1.18
"""Room for a face wider than Helvetica, and bold being wider still."""


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of how wide ``text`` renders at ``size`` px, for layout and tests."""
    units = sum(_WIDTHS.get(char, 600) for char in text)
    return units / 1000 * size * (_BOLD_SAFETY if bold else _REGULAR_SAFETY)


def wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width``; a word longer than a line is broken."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while text_width(line, size, bold=bold) > width and len(line) > 1:
            cut = max(
                (n for n in range(1, len(line)) if text_width(line[:n], size, bold=bold) <= width),
                default=1,
            )
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


# ---- layout ------------------------------------------------------------------------------------

NodeKind = Literal["step", "any", "bend"]


@dataclass(frozen=True)
class _Line:
    text: str
    size: float
    bold: bool
    baseline: float
    """From the top of the box."""


@dataclass
class _Node:
    key: str
    kind: NodeKind
    layer: int
    width: float = 0.0
    height: float = 0.0
    lines: tuple[_Line, ...] = ()
    status: Status = "not reached"
    terminal: bool = False
    x: float = 0.0
    """The centre."""
    y: float = 0.0
    """The top."""


@dataclass(frozen=True)
class _Chain:
    """One drawn edge: its two ends and the bend points between, one per layer crossed."""

    source: str
    target: str
    keys: list[str]
    back: bool


@dataclass
class _Layout:
    nodes: dict[str, _Node]
    layers: list[list[str]]
    chains: list[_Chain]
    rows: list[tuple[float, float]] = field(default_factory=list)
    """Each layer's top and bottom."""
    width: float = 0.0
    height: float = 0.0
    legend: list[tuple[str, str, float, float]] = field(default_factory=list)
    """Each legend item's kind, label and position."""
    band: tuple[float, float] | None = None


@lru_cache(maxsize=1024)
def _box_lines(
    title: str, badges: tuple[str, ...], note: str | None, *, strong: bool
) -> tuple[tuple[_Line, ...], float]:
    lines: list[_Line] = []
    y = PAD_Y
    inner = BOX_WIDTH - 2 * PAD_X
    spans: list[tuple[str, float, bool]] = []
    spans += [(text, SMALL_SIZE, True) for text in _badge_lines(badges, inner)]
    spans += [(text, TITLE_SIZE, strong) for text in wrap(title, TITLE_SIZE, inner, bold=strong)]
    if note:
        spans += [(text, SMALL_SIZE, False) for text in wrap(note, SMALL_SIZE, inner)]
    for text, size, bold in spans:
        y += size * LINE_HEIGHT
        lines.append(_Line(text=text, size=size, bold=bold, baseline=y - size * 0.28))
    return tuple(lines), y + PAD_Y


def _badge_lines(badges: Sequence[str], width: float) -> list[str]:
    """Badges in bold on as few lines as fit, never split inside one ("Current step")."""
    lines: list[str] = []
    for badge in badges:
        joined = f"{lines[-1]} · {badge}" if lines else badge
        if lines and text_width(joined, SMALL_SIZE, bold=True) <= width:
            lines[-1] = joined
        else:
            lines += wrap(badge, SMALL_SIZE, width, bold=True)
    return lines


def _stays_note(count: int, *, anywhere: bool) -> str | None:
    if not count:
        return None
    actions = "1 action keeps" if count == 1 else f"{count} actions keep"
    return f"+ {actions} the case at {'its' if anywhere else 'this'} step"


def _step_node(definition: PathwayDefinition, graph: _Graph, base: _Node, status: Status) -> _Node:
    step = definition.steps[base.key]
    badges = [STATUS_LABELS[status]] if status != "not reached" else []
    if base.key == definition.initial_step:
        badges.append("Start")
    if step.terminal:
        badges.append("End of pathway")
    note = _stays_note(len(graph.stays.get(base.key, [])), anywhere=False)
    lines, height = _box_lines(step.title, tuple(badges), note, strong=status == "current")
    return replace(base, lines=lines, height=height, status=status, terminal=step.terminal)


def _layer_numbers(definition: PathwayDefinition, graph: _Graph) -> dict[str, int]:
    """Longest-path layers over the steps outside the band, once the loops found by a
    depth-first walk from the opening step are set aside."""
    main = [name for name in definition.steps if name not in graph.band]
    successors: dict[str, list[str]] = {name: [] for name in main}
    for source, target in graph.edges:
        if source in successors and target in successors:
            successors[source].append(target)
    state: dict[str, bool] = {}  # False while on the walk's path, True once finished
    back: set[tuple[str, str]] = set()
    finished: list[str] = []

    def visit(node: str) -> None:
        state[node] = False
        for target in successors[node]:
            if target not in state:
                visit(target)
            elif not state[target]:
                back.add((node, target))
        state[node] = True
        finished.append(node)

    for root in [definition.initial_step, *main]:
        if root in successors and root not in state:
            visit(root)
    layer: dict[str, int] = {}
    for node in reversed(finished):  # a topological order once back edges are set aside
        layer.setdefault(node, 0)
        for target in successors[node]:
            if (node, target) not in back:
                layer[target] = max(layer.get(target, 0), layer[node] + 1)
    if graph.has_any:
        below = max(layer.values()) + 1
        layer[ANY_STEP] = below
        layer.update(dict.fromkeys(graph.band, below + 1))
    return layer


@dataclass(frozen=True)
class _Prepared:
    """What a map owes to its definition alone: the graph, the layers, their order and every
    x, and the moves as text. Ordering the layers is slow, and case pages draw the same few
    versions again and again, so this is worked out once per version."""

    graph: _Graph
    nodes: Mapping[str, _Node]
    layers: list[list[str]]
    chains: list[_Chain]
    width: float
    moves: Mapping[str, tuple[MapMove, ...]]
    any_moves: tuple[MapMove, ...]


_PREPARED: dict[str, tuple[PathwayDefinition, _Prepared]] = {}


def _prepared(definition: PathwayDefinition) -> _Prepared:
    cached = _PREPARED.get(definition.key)
    if cached is not None and cached[0] is definition:
        return cached[1]
    graph = _Graph.of(definition)
    numbers = _layer_numbers(definition, graph)
    nodes: dict[str, _Node] = {}
    if graph.has_any:
        nodes[ANY_STEP] = _Node(ANY_STEP, "any", numbers[ANY_STEP], BOX_WIDTH)
    for name in definition.steps:
        nodes[name] = _Node(name, "step", numbers[name], BOX_WIDTH)
    chains: list[_Chain] = []
    for source, target in graph.edges:
        start, end = numbers[source], numbers[target]
        direction = 1 if end > start else -1
        keys = [source]
        for layer in range(start + direction, end, direction):
            bend = f"~{len(nodes)}"
            nodes[bend] = _Node(bend, "bend", layer)
            keys.append(bend)
        keys.append(target)
        chains.append(_Chain(source, target, keys, back=end < start))
    layers: list[list[str]] = [[] for _ in range(max(numbers.values()) + 1)]
    for key, node in nodes.items():
        layers[node.layer].append(key)
    layout = _Layout(nodes=nodes, layers=layers, chains=chains)
    up, down = _neighbours(layout)
    layout.layers = _order(layout.layers, up, down)
    _place_x(layout, up, down, graph.band)
    prepared = _Prepared(
        graph=graph,
        nodes=nodes,
        layers=layout.layers,
        chains=chains,
        width=layout.width,
        moves={
            name: tuple(
                _move(definition, t, name) for t in definition.transitions if name in t.from_steps
            )
            for name in definition.steps
        },
        any_moves=tuple(
            _move(definition, t, None) for t in definition.transitions if ANY_STEP in t.from_steps
        ),
    )
    _PREPARED[definition.key] = (definition, prepared)
    return prepared


def _layout(
    definition: PathwayDefinition, prepared: _Prepared, statuses: Mapping[str, Status]
) -> _Layout:
    graph = prepared.graph
    nodes: dict[str, _Node] = {}
    for key, node in prepared.nodes.items():
        if node.kind == "step":
            nodes[key] = _step_node(definition, graph, node, statuses[key])
        elif node.kind == "any":
            note = _stays_note(len(graph.stays.get(ANY_STEP, [])), anywhere=True)
            lines, height = _box_lines(ANY_STEP_TITLE, (), note, strong=False)
            nodes[key] = replace(node, lines=lines, height=height)
        else:
            nodes[key] = replace(node)
    layout = _Layout(nodes, prepared.layers, prepared.chains, width=prepared.width)
    _place_y(layout, graph)
    return layout


def _neighbours(layout: _Layout) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    up: dict[str, list[str]] = {key: [] for key in layout.nodes}
    down: dict[str, list[str]] = {key: [] for key in layout.nodes}
    for chain in layout.chains:
        for a, b in pairwise(chain.keys):
            upper, lower = (a, b) if layout.nodes[a].layer < layout.nodes[b].layer else (b, a)
            down[upper].append(lower)
            up[lower].append(upper)
    return up, down


def _crossings(layers: list[list[str]], down: Mapping[str, list[str]]) -> int:
    total = 0
    for upper, lower in pairwise(layers):
        where = {key: i for i, key in enumerate(lower)}
        segments = [(i, where[n]) for i, key in enumerate(upper) for n in down[key]]
        total += sum(
            1
            for j, (a1, b1) in enumerate(segments)
            for a2, b2 in segments[j + 1 :]
            if (a1 - a2) * (b1 - b2) < 0
        )
    return total


def _barycentre(
    index: int, key: str, where: Mapping[str, int], near: Mapping[str, list[str]]
) -> float:
    """The mean place of a node's neighbours in the layer it is sorted against; a node with
    none keeps its own place."""
    placed = [where[n] for n in near[key]]
    return sum(placed) / len(placed) if placed else float(index)


def _order(
    layers: list[list[str]], up: Mapping[str, list[str]], down: Mapping[str, list[str]]
) -> list[list[str]]:
    """Barycentre sweeps, down then up, keeping the order with the fewest crossings."""
    current = [list(layer) for layer in layers]
    best, fewest = [list(layer) for layer in current], _crossings(current, down)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for i in indices:
            reference = current[i - 1] if downward else current[i + 1]
            where = {key: j for j, key in enumerate(reference)}
            near = up if downward else down
            ranked = sorted(
                (_barycentre(j, key, where, near), j, key) for j, key in enumerate(current[i])
            )
            current[i] = [key for _, _, key in ranked]
        count = _crossings(current, down)
        if count < fewest:
            best, fewest = [list(layer) for layer in current], count
    return best


def _gap(a: _Node, b: _Node) -> float:
    bends = (a.kind == "bend") + (b.kind == "bend")
    return (a.width + b.width) / 2 + (40.0, 22.0, 14.0)[bends]


def _fit(desired: Sequence[float], weights: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """The positions nearest ``desired`` (weighted least squares) that keep each neighbour at
    least its gap to the right: pool-adjacent-violators on positions less their offsets."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for target, weight, offset in zip(desired, weights, offsets, strict=True):
        blocks.append([(target - offset) * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight_sum, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight_sum
            blocks[-1][2] += count
    values = [total / weight for total, weight, count in blocks for _ in range(int(count))]
    return [value + offset for value, offset in zip(values, offsets, strict=True)]


def _place_x(
    layout: _Layout,
    up: Mapping[str, list[str]],
    down: Mapping[str, list[str]],
    band: Sequence[str],
) -> None:
    nodes = layout.nodes
    steps = [key for key, node in nodes.items() if node.kind == "step" and key not in band]
    for layer in layout.layers:
        left = 0.0
        for i, key in enumerate(layer):
            if i:
                left += _gap(nodes[layer[i - 1]], nodes[key])
            nodes[key].x = left
    for sweep in range(PASSES):
        # Alternate down and up sweeps, then settle with both neighbours at once.
        direction = sweep % 2 if sweep < PASSES - 4 else 2
        order = range(len(layout.layers))
        for i in order if direction != 1 else reversed(order):
            layer = layout.layers[i]
            desired = []
            for key in layer:
                near = (up[key], down[key], up[key] + down[key])[direction]
                if key == ANY_STEP:  # it stands for every step, so it sits under them all
                    near = steps
                xs = [nodes[n].x for n in near]
                desired.append(sum(xs) / len(xs) if xs else nodes[key].x)
            weights = [2.0 if nodes[key].kind == "bend" else 1.0 for key in layer]
            gaps = [_gap(nodes[a], nodes[b]) for a, b in pairwise(layer)]
            for key, x in zip(layer, _fit(desired, weights, gaps), strict=True):
                nodes[key].x = x
    left = min(node.x - node.width / 2 for node in nodes.values())
    right = max(node.x + node.width / 2 for node in nodes.values())
    layout.width = max(right - left + 2 * MARGIN, MIN_WIDTH)
    shift = (layout.width - (right - left)) / 2 - left
    for node in nodes.values():
        node.x = round(node.x + shift, 1)


def _legend(layout: _Layout) -> float:
    """Lays the legend out in rows across the top; returns its height."""
    items = [
        ("current", STATUS_LABELS["current"]),
        ("done", STATUS_LABELS["done"]),
        ("not reached", STATUS_LABELS["not reached"]),
        ("terminal", "End of pathway"),
        ("taken", "Move on this case's route"),
        ("move", "Possible move"),
        ("return", "Return to an earlier step"),
    ]
    x, y = MARGIN, MARGIN
    for kind, label in items:
        width = 36 + 8 + text_width(label, SMALL_SIZE) + 20
        if x > MARGIN and x + width > layout.width - MARGIN:
            x, y = MARGIN, y + 28
        layout.legend.append((kind, label, x, y))
        x += width
    return y + 20 - MARGIN


def _place_y(layout: _Layout, graph: _Graph) -> None:
    top = MARGIN + _legend(layout) + ROW_GAP / 2
    band_layer = layout.nodes[ANY_STEP].layer if graph.has_any else None
    for number, layer in enumerate(layout.layers):
        if number == band_layer:
            top += BAND_HEADING - ROW_GAP / 2
        height = max(layout.nodes[key].height for key in layer)
        for key in layer:
            node = layout.nodes[key]
            node.y = round(top + (height - node.height) / 2, 1)
        layout.rows.append((top, top + height))
        top += height + ROW_GAP
    bottom = top - ROW_GAP
    if band_layer is not None:
        layout.band = (layout.rows[band_layer][0] - BAND_HEADING, bottom + MARGIN)
        bottom += MARGIN
    layout.height = round(bottom + MARGIN, 1)


# ---- SVG ---------------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate to a tenth of a pixel, with no trailing ".0"."""
    return f"{round(value, 1):g}"


def _attrs(**values: str | float) -> str:
    """SVG attributes, escaped: ``class_`` is ``class``, ``stroke_width`` is ``stroke-width``."""
    out = []
    for name, value in values.items():
        text = escape(value) if isinstance(value, str) else _n(value)
        out.append(f' {name.rstrip("_").replace("_", "-")}="{text}"')
    return "".join(out)


def _ports(layout: _Layout) -> dict[tuple[int, int], float]:
    """Where each chain segment meets a box: spread along its top or bottom edge, in the
    order of where the segment's other end lies, a return to the right of its way out."""
    nodes = layout.nodes
    sides: dict[tuple[str, str], list[tuple[float, int, int, int]]] = {}
    for c, chain in enumerate(layout.chains):
        for s, (a, b) in enumerate(pairwise(chain.keys)):
            for end, here, there in ((0, a, b), (1, b, a)):
                if nodes[here].kind == "bend":
                    continue
                side = "bottom" if nodes[there].layer > nodes[here].layer else "top"
                sides.setdefault((here, side), []).append(
                    (nodes[there].x, int(chain.back), c, s * 2 + end)
                )
    ports: dict[tuple[int, int], float] = {}
    for (key, _), attached in sides.items():
        node = nodes[key]
        attached.sort()
        spacing = min(16.0, (node.width - 48) / max(len(attached) - 1, 1))
        for i, (_, _, c, slot) in enumerate(attached):
            ports[(c, slot)] = round(node.x + (i - (len(attached) - 1) / 2) * spacing, 1)
    return ports


def _bow(
    start: tuple[float, float], end: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Control points that bow a return between two neighbouring layers out to the right of
    its chord, so it reads as a loop beside the move it returns along; kept inside the gap."""
    (xa, ya), (xb, yb) = start, end
    dx, dy = xb - xa, yb - ya
    length = (dx * dx + dy * dy) ** 0.5
    nx, ny = -dy / length, dx / length
    if nx < 0:
        nx, ny = -nx, -ny
    low, high = min(ya, yb) + 12, max(ya, yb) - 12

    def control(t: float) -> tuple[float, float]:
        y = ya + dy * t + ny * BULGE
        return xa + dx * t + nx * BULGE, min(max(y, low), high)

    return control(1 / 3), control(2 / 3)


def _path(
    layout: _Layout, chain: _Chain, index: int, ports: Mapping[tuple[int, int], float]
) -> str:
    nodes = layout.nodes
    parts: list[str] = []
    for s, (a, b) in enumerate(pairwise(chain.keys)):
        na, nb = nodes[a], nodes[b]
        downward = nb.layer > na.layer
        xa = ports.get((index, s * 2), na.x)
        xb = ports.get((index, s * 2 + 1), nb.x)
        row_a, row_b = layout.rows[na.layer], layout.rows[nb.layer]
        if downward:
            ya_box, ya_row = na.y + na.height, row_a[1]
            yb_row, yb_box = row_b[0], nb.y
        else:
            ya_box, ya_row = na.y, row_a[0]
            yb_row, yb_box = row_b[1], nb.y + nb.height
        if nb.kind == "bend":
            yb_box = yb_row
        if not parts:
            parts.append(f"M{_n(xa)} {_n(ya_box)}")
        if ya_box != ya_row:
            parts.append(f"L{_n(xa)} {_n(ya_row)}")
        if chain.back and len(chain.keys) == 2:
            controls = _bow((xa, ya_row), (xb, yb_row))
        else:
            middle = (ya_row + yb_row) / 2
            controls = ((xa, middle), (xb, middle))
        (x1, y1), (x2, y2) = controls
        parts.append(f"C{_n(x1)} {_n(y1)} {_n(x2)} {_n(y2)} {_n(xb)} {_n(yb_row)}")
        if yb_box != yb_row:
            parts.append(f"L{_n(xb)} {_n(yb_box)}")
    return " ".join(parts)


def _markers(prefix: str) -> str:
    def marker(name: str, size: float, colour: str) -> str:
        return (
            f'<marker id="{prefix}-{name}" viewBox="0 0 10 10" refX="9" refY="5"'
            f' markerWidth="{_n(size)}" markerHeight="{_n(size)}" markerUnits="userSpaceOnUse"'
            f' orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="{colour}"/></marker>'
        )

    return f"<defs>{marker('arrow', 10, DARK_GREY)}{marker('arrow-taken', 14, BLUE)}</defs>"


def _edge_style(*, taken: bool, back: bool, prefix: str) -> str:
    colour, width, head = (BLUE, 4.0, "arrow-taken") if taken else (DARK_GREY, 1.5, "arrow")
    dashes = ("8 5" if taken else "6 4") if back else ""
    style = _attrs(fill="none", stroke=colour, stroke_width=width)
    if dashes:
        style += _attrs(stroke_dasharray=dashes)
    return style + f' marker-end="url(#{prefix}-{head})"'


_BOX_STYLES: Final[Mapping[str, tuple[str, str, float]]] = {
    "current": (YELLOW, BLACK, 4.0),
    "done": (PALE_BLUE, BLUE, 3.0),
    "not reached": (WHITE, DARK_GREY, 1.5),
    "any": (WHITE, DARK_GREY, 1.5),
}


def _box(x: float, y: float, width: float, height: float, kind: str, *, end: bool) -> str:
    """A box in one of the map's styles; an end of the pathway has round corners and a double
    border, and the any-step box a dashed one, so neither rests on colour."""
    fill, stroke, stroke_width = _BOX_STYLES[kind]
    out = (
        f'<rect class="app-pathway-map__box app-pathway-map__box--{kind.replace(" ", "-")}"'
        f' x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}"'
        f' rx="{14 if end else 4}" fill="{fill}" stroke="{stroke}"'
        f' stroke-width="{_n(stroke_width)}"'
    )
    if kind == "any":
        out += ' stroke-dasharray="6 4"'
    out += "/>"
    if end:
        out += (
            f'<rect x="{_n(x + 4)}" y="{_n(y + 4)}" width="{_n(width - 8)}"'
            f' height="{_n(height - 8)}" rx="10" fill="none" stroke="{BLACK}" stroke-width="1"/>'
        )
    return out


def _text(x: float, y: float, text: str, size: float, *, bold: bool, anchor: str) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"{weight}'
        f' fill="{BLACK}">{escape(text)}</text>'
    )


def _node_svg(node: _Node) -> str:
    left = node.x - node.width / 2
    attrs = _attrs(data_step=node.key)
    if node.kind == "step":
        attrs += _attrs(data_status=node.status)
    if node.terminal:
        attrs += ' data-terminal="true"'
    kind = "any" if node.kind == "any" else node.status
    parts = [
        f'<g class="app-pathway-map__step"{attrs}>',
        _box(left, node.y, node.width, node.height, kind, end=node.terminal),
    ]
    parts += [
        _text(node.x, node.y + line.baseline, line.text, line.size, bold=line.bold, anchor="middle")
        for line in node.lines
    ]
    parts.append("</g>")
    return "".join(parts)


def _legend_svg(layout: _Layout, prefix: str) -> str:
    parts = ['<g class="app-pathway-map__legend">']
    for kind, label, x, y in layout.legend:
        if kind in ("taken", "move", "return"):
            style = _edge_style(taken=kind == "taken", back=kind == "return", prefix=prefix)
            parts.append(f'<path d="M{_n(x)} {_n(y + 10)}H{_n(x + 34)}"{style}/>')
        else:
            box_kind = "not reached" if kind == "terminal" else kind
            parts.append(_box(x, y, 36, 20, box_kind, end=kind == "terminal"))
        parts.append(_text(x + 44, y + 15, label, SMALL_SIZE, bold=False, anchor="start"))
    parts.append("</g>")
    return "".join(parts)


def _band_svg(layout: _Layout) -> str:
    if layout.band is None:
        return ""
    top, bottom = layout.band
    return (
        f"<rect{_attrs(class_='app-pathway-map__band', x=MARGIN / 2, y=top)}"
        f"{_attrs(width=layout.width - MARGIN, height=bottom - top, fill=PALE_GREY)}"
        f"{_attrs(stroke=MID_GREY, stroke_width=1)}/>"
        + _text(
            MARGIN, top + 26, "Can happen at any open step", TITLE_SIZE, bold=True, anchor="start"
        )
    )


def _edges_svg(layout: _Layout, graph: _Graph, taken: set[tuple[str, str]], prefix: str) -> str:
    ports = _ports(layout)
    drawn: list[tuple[bool, str]] = []
    for index, chain in enumerate(layout.chains):
        pair = (chain.source, chain.target)
        on_route = pair in taken
        titles = "; ".join(t.title for t in graph.edges[pair])
        attrs = _attrs(
            class_="app-pathway-map__edge" + (" app-pathway-map__edge--taken" if on_route else ""),
            data_from=chain.source,
            data_to=chain.target,
            data_taken="true" if on_route else "false",
            data_return="true" if chain.back else "false",
        )
        style = _edge_style(taken=on_route, back=chain.back, prefix=prefix)
        drawn.append(
            (
                on_route,
                f"<g{attrs}><title>{escape(titles)}</title>"
                f'<path d="{_path(layout, chain, index, ports)}"{style}/></g>',
            )
        )
    # The route is drawn last, so no other line hides it.
    return "".join(svg for _, svg in sorted(drawn, key=lambda item: item[0]))


def _svg(
    layout: _Layout,
    graph: _Graph,
    taken: set[tuple[str, str]],
    title: str,
    summary: str,
    prefix: str,
) -> Markup:
    width, height = layout.width, layout.height
    root = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        class_="app-pathway-map__svg",
        viewBox=f"0 0 {_n(width)} {_n(height)}",
        # Its natural size, shrunk to the page by map.css: the strict CSP allows no inline style.
        width=_n(width),
        height=_n(height),
        role="img",
        aria_labelledby=f"{prefix}-title {prefix}-desc",
        font_family=FONT,
    )
    steps = (node for node in layout.nodes.values() if node.kind != "bend")
    body: Iterable[str] = (
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(summary)}</desc>',
        _markers(prefix),
        _legend_svg(layout, prefix),
        _band_svg(layout),
        *(_node_svg(node) for node in steps),
        # Lines go over the boxes they meet, so no arrowhead hides under a border.
        _edges_svg(layout, graph, taken, prefix),
    )
    return Markup(f"<svg{root}>{''.join(body)}</svg>")
