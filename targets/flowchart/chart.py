"""Graph IR (+ optional highlight, section) → a `Chart`: every word and style decision.

A `Chart` is the flowchart before it has a notation: which boxes exist, in which
section cluster, with which wrapped title lines, caption (`EMERGENT · within 6 h`),
citation marker (`[1, 3]`), tooltip, and whether the patient's path takes, skips or
waits at it. The Graphviz and Mermaid back ends only translate a `Chart` into their
syntax and escape its text, so both draw the same chart.

References are numbered by their order in the guideline, whichever part of it is
drawn, so `[3]` means the same source on the whole chart and on a section view.
A section view (`section=`) keeps that section's nodes and adds, greyed, the nodes
one edge away in other sections: the reader sees where the section is entered from
and where it leads, without the layout cost of the whole graph.
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections import Counter
from collections.abc import Mapping

from attrs import evolve, frozen

from carepath.compiler import ir
from carepath.targets.flowchart.conditions import condition_label, score_items, scores_read
from carepath.targets.flowchart.expressions import expand_defines, format_expr, humanize
from carepath.targets.flowchart.highlight import Highlight

TITLE_WIDTH = 26  # characters per title line in a box
DIAMOND_WIDTH = 20  # diamonds lose their corners: narrower lines keep them compact
EDGE_LABEL_WIDTH = 26
JUMP_WIDTH = 22
JUMP_FAN_IN = 4  # a step this many edges reach is a shared sink
ENTRY_LIMIT = 3  # in a section view, more arrows than this into one step are gathered into one box
JUMP_SPAN = 25  # steps in graph order: a longer edge into a shared sink is drawn as a connector
OTHERWISE = "otherwise"


class State(str, enum.Enum):
    """How the patient's path treats a node or an edge."""

    PLAIN = "plain"  # no patient: drawn normally
    TAKEN = "taken"
    PENDING = "pending"  # a decision waiting for inputs (on the path)
    DIMMED = "dimmed"  # not on the patient's path


class SectionUnknown(ValueError):
    def __init__(self, section: str, known: tuple[str, ...]):
        listing = ", ".join(known) if known else "none: the guideline declares no sections"
        super().__init__(f"no section `{section}` in this guideline (sections: {listing})")


@frozen
class ChartNode:
    id: str
    kind: ir.NodeKind
    title_lines: tuple[str, ...]
    caption: str  # small line above the title: urgency and timing, "all that apply"
    citations: str  # "[1, 3]" or ""
    tooltip: str  # the full text, plain, lines separated by "\n"
    urgency: ir.Urgency | None
    section: str | None
    state: State
    needs: tuple[str, ...]  # humanised inputs a pending decision waits for
    external: bool  # a neighbour from another section, shown in a section view
    doses: tuple[str, ...] = ()  # an action's doses, one line each: "apixaban 10 mg"
    # Scores this decision is the first to read, each drawn beside it as a table:
    # (title, ((item, points), ...)).
    scores: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


@frozen
class ChartEdge:
    source: str
    target: str
    label_lines: tuple[str, ...]  # empty for unconditional edges
    tooltip: str
    otherwise: bool
    state: State
    # Drawn as a short arrow to a "go to" connector beside the source, not a long arrow
    # across the chart: see `_is_jump`. `jump_label` names where it goes.
    jump_label: tuple[str, ...] = ()
    jump_tooltip: str = ""  # the target step's own tooltip, for the connector
    # The connector stands for an end point: drawn as a small end of its own ("Workup
    # complete"), never as "go to <other section>", which would read as more to do.
    jump_end: bool = False

    @property
    def jump(self) -> bool:
        return bool(self.jump_label)


@frozen
class Part:
    """Some of a section's steps, drawn as one page of it: `label` says which ("part 2 of 3")."""

    steps: frozenset[str]
    label: str = ""


@frozen
class ChartSection:
    id: str
    title: str
    node_ids: tuple[str, ...]


@frozen
class Chart:
    title: str
    version: str
    sections: tuple[ChartSection, ...]  # in source order; only those with nodes
    loose_node_ids: tuple[str, ...]  # nodes outside every section, and external neighbours
    nodes: tuple[ChartNode, ...]  # in graph order
    edges: tuple[ChartEdge, ...]  # in graph order
    sources: tuple[tuple[int, str], ...]  # (number, "Title (2026), Publisher") cited on the chart
    kinds: tuple[ir.NodeKind, ...]  # node kinds present, for the legend
    urgencies: tuple[ir.Urgency, ...]  # action urgencies present, for the legend
    highlighted: bool

    def node(self, node_id: str) -> ChartNode:
        return next(node for node in self.nodes if node.id == node_id)


def build_chart(
    graph: ir.Graph,
    highlight: Highlight | None = None,
    section: str | None = None,
    part: Part | None = None,
    pages: Mapping[str, int] | None = None,
) -> Chart:
    """Decide the whole chart. Raises `SectionUnknown` and `HighlightError` on bad requests.

    `part` draws only some of `section`'s steps (a page of a long section in the PDF
    booklet): arrows to the section's other steps become connectors, arrows from them
    come from greyed neighbours. `pages` (step id → page number) makes each connector
    name the page its step is drawn on.
    """
    if highlight is not None:
        highlight.check(graph)
    section_ids = tuple(s.id for s in graph.sections)
    if section is not None and section not in section_ids:
        raise SectionUnknown(section, section_ids)

    numbers = {reference.id: number for number, reference in enumerate(graph.references, 1)}
    inside = {n.id for n in graph.nodes if section is None or n.section == section}
    if part is not None:
        inside &= part.steps
    shown = _shown_nodes(graph, inside) if section is not None else inside
    scores = _first_readers_of_scores(graph)
    nodes = tuple(
        _chart_node(
            graph, node, numbers, highlight, external=node.id not in inside,
            scores=scores.get(node.id, ()) if node.id in inside else (),
        )
        for node in graph.nodes
        if node.id in shown
    )
    fan_in = Counter(edge.target for edge in graph.edges)
    order = {node.id: index for index, node in enumerate(graph.nodes)}
    titles = {node.id: node.title for node in graph.nodes}
    section_titles = {s.id: s.title for s in graph.sections}
    sections_of = {node.id: node.section for node in graph.nodes}
    homes = _homes(graph)
    edges = []
    for edge in graph.edges:
        if not _edge_shown(edge, shown, inside):
            continue
        chart_edge = _chart_edge(graph, edge, highlight)
        if _is_jump(edge, fan_in, order, homes, inside):
            target = graph.node(edge.target)
            page = f", p. {pages[edge.target]}" if pages and edge.target in pages else ""
            if target.kind == ir.NodeKind.END:
                label = ("end",) + wrap(titles[edge.target], JUMP_WIDTH)
            elif section is not None and sections_of[edge.target] == section:
                label = (f"continued{page}",) + wrap(_short_title(titles[edge.target]), JUMP_WIDTH)
            else:
                where = section_titles.get(sections_of[edge.target] or "", "")
                label = ("go to " + where + page if where else "go to" + page,) + wrap(
                    _short_title(titles[edge.target]), JUMP_WIDTH)
            chart_edge = evolve(
                chart_edge,
                jump_label=label,
                jump_tooltip=_node_tooltip(graph, target, numbers),
                jump_end=target.kind == ir.NodeKind.END,
            )
        edges.append(chart_edge)
    edges = _merge_parallel(tuple(edges))
    if section is not None:
        nodes, edges = _gather_entries(graph, nodes, edges, section_titles)
    # A neighbour reached only through a go-to connector would float unconnected: the
    # connector already names it.
    anchored = {e.source for e in edges} | {e.target for e in edges if not e.jump}
    nodes = tuple(n for n in nodes if not n.external or n.id in anchored)

    sections = []
    for declared in graph.sections:
        members = tuple(n.id for n in nodes if n.section == declared.id and not n.external)
        if members:
            title = f"{declared.title} ({part.label})" if part is not None and part.label else declared.title
            sections.append(ChartSection(declared.id, title, members))
    clustered = {node_id for s in sections for node_id in s.node_ids}
    loose = tuple(n.id for n in nodes if n.id not in clustered)

    drawn = {n.id for n in nodes if not n.external}
    cited = sorted({numbers[c] for n in graph.nodes if n.id in drawn for c in n.citations if c in numbers})
    references = graph.references
    sources = tuple((number, reference_text(references[number - 1])) for number in cited)
    kinds = tuple(kind for kind in ir.NodeKind if any(n.kind == kind for n in nodes))
    urgencies = tuple(u for u in ir.Urgency if any(n.urgency == u for n in nodes if n.kind == ir.NodeKind.ACTION))
    return Chart(
        title=graph.title,
        version=graph.version,
        sections=tuple(sections),
        loose_node_ids=loose,
        nodes=nodes,
        edges=edges,
        sources=sources,
        kinds=kinds,
        urgencies=urgencies,
        highlighted=highlight is not None,
    )


def _gather_entries(
    graph: ir.Graph, nodes: tuple[ChartNode, ...], edges: tuple[ChartEdge, ...], section_titles: dict[str, str]
) -> tuple[tuple[ChartNode, ...], tuple[ChartEdge, ...]]:
    """In a section view, a step entered from many places gets one greyed "reached from" box.

    A follow-up visit reached from a dozen treatment branches would otherwise be drawn
    under a row of a dozen greyed neighbours, a page wide; the box names how many steps
    in which sections lead there, and the section's own page stays readable.
    """
    by_id = {node.id: node for node in nodes}
    entering: dict[str, list[ChartEdge]] = {}
    for edge in edges:
        if by_id[edge.source].external and not by_id[edge.target].external:
            entering.setdefault(edge.target, []).append(edge)
    gathered = {target: into for target, into in entering.items() if len(into) > ENTRY_LIMIT}
    if not gathered:
        return nodes, edges
    dropped = {id(edge) for into in gathered.values() for edge in into}
    kept_edges = [edge for edge in edges if id(edge) not in dropped]
    entries = []
    for target, into in gathered.items():
        sections = dict.fromkeys(graph.node(edge.source).section for edge in into)
        where = "; ".join(section_titles.get(s or "", "outside every section") for s in sections)
        entry_id = f"carepath-entry-{target}"
        text = f"Reached from {len(into)} steps: {where}"
        entries.append(ChartNode(
            id=entry_id, kind=ir.NodeKind.ASSESS, title_lines=wrap(text, TITLE_WIDTH + 10), caption="",
            citations="", tooltip=text, urgency=None, section=None, state=State.PLAIN, needs=(), external=True,
        ))
        kept_edges.append(ChartEdge(entry_id, target, (), "", False, State.PLAIN))
    still_used = {e.source for e in kept_edges} | {e.target for e in kept_edges}
    kept_nodes = tuple(n for n in nodes if not n.external or n.id in still_used) + tuple(entries)
    return kept_nodes, tuple(kept_edges)


def _short_title(title: str) -> str:
    """The part of a title a connector shows, whole: up to its first colon."""
    return title.split(":", 1)[0].strip() or title


def _is_jump(
    edge: ir.Edge,
    fan_in: Counter,
    order: dict[str, int],
    homes: dict[str, str | None],
    inside: set[str],
) -> bool:
    """Whether an edge is drawn as a "go to" connector instead of a long arrow.

    Every arrow from one section to another is a connector, so each section is drawn
    on its own and the sections can be packed side by side like pages of a booklet:
    long arrows across the chart were what stretched it into a diagonal staircase
    (and what made Graphviz slow: each is a chain of virtual nodes through every rank
    it crosses). Within a section, an edge into a step that JUMP_FAN_IN or more edges
    reach becomes a connector when it comes from more than JUMP_SPAN steps back. In a
    section view, the arrows into the section stay arrows from their greyed sources:
    they show where the section is entered from.
    """
    source_home, target_home = homes[edge.source], homes[edge.target]
    if source_home is None or target_home is None:
        return False
    if source_home != target_home or edge.target not in inside:
        return edge.source in inside
    shared = fan_in[edge.target] >= JUMP_FAN_IN
    return shared and order[edge.target] - order[edge.source] > JUMP_SPAN


def _homes(graph: ir.Graph) -> dict[str, str | None]:
    """Each node's section; the start node belongs with the first step it leads to."""
    homes = {node.id: node.section for node in graph.nodes}
    for node in graph.nodes:
        if node.section is None and node.kind == ir.NodeKind.START:
            first = next((e.target for e in graph.outgoing(node.id)), None)
            homes[node.id] = homes.get(first) if first else None
    return homes


def _first_readers_of_scores(graph: ir.Graph) -> dict[str, tuple]:
    """Each score's items and points, on the first decision (in graph order) that reads it."""
    placed: set[str] = set()
    found: dict[str, tuple] = {}
    for node in graph.nodes:
        if node.kind != ir.NodeKind.DECIDE:
            continue
        names: dict[str, None] = {}
        for edge in graph.outgoing(node.id):
            if edge.guard is not None:
                names.update(dict.fromkeys(name for name in scores_read(edge.guard, graph) if name not in placed))
        if names:
            placed.update(names)
            found[node.id] = tuple((title, tuple(items)) for title, items in score_items(graph, tuple(names)))
    return found


def _shown_nodes(graph: ir.Graph, inside: set[str]) -> set[str]:
    """The steps drawn in a section view: the section's (or part's) own and their neighbours."""
    neighbours = {e.target for e in graph.edges if e.source in inside}
    neighbours |= {e.source for e in graph.edges if e.target in inside}
    return inside | neighbours


def _edge_shown(edge: ir.Edge, shown: set[str], inside: set[str]) -> bool:
    # In a section view, an edge between two outside neighbours belongs to another section.
    return edge.source in shown and edge.target in shown and (edge.source in inside or edge.target in inside)


def wrap(text: str, width: int) -> tuple[str, ...]:
    """Wrap at word boundaries, keeping the author's own line breaks."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""])
    return tuple(lines)


# A comparison sign, its value and the value's unit: `≤ 10 min` stays on one line.
_COMPARISON = re.compile(r" ([<>=≤≥≠]) (\S+)(?: (?!(?:and|or|if)\b)([^\s\d(),]+))?")
_KEEP = "\x00"  # stands for a space that must not break while wrapping


def wrap_guard(text: str, width: int) -> tuple[str, ...]:
    """Wrap a guard without separating a comparison sign from its operand and unit."""

    def glue(match: re.Match) -> str:
        return _KEEP.join(["", match.group(1), match.group(2)] + ([match.group(3)] if match.group(3) else []))

    protected = _COMPARISON.sub(glue, text)
    return tuple(line.replace(_KEEP, " ") for line in wrap(protected, width))


def _chart_node(
    graph: ir.Graph,
    node: ir.Node,
    numbers: dict[str, int],
    highlight: Highlight | None,
    external: bool,
    scores: tuple = (),
) -> ChartNode:
    width = DIAMOND_WIDTH if node.kind == ir.NodeKind.DECIDE else TITLE_WIDTH
    # A neighbour from another section is context: its sources belong to its own section.
    cited = [] if external else sorted({numbers[c] for c in node.citations if c in numbers})
    citations = "[" + ", ".join(str(n) for n in cited) + "]" if cited else ""
    needs = highlight.needs(node.id) if highlight else None
    if highlight is None:
        state = State.PLAIN
    elif needs is not None:
        state = State.PENDING
    elif node.id in highlight.taken_nodes:
        state = State.TAKEN
    else:
        state = State.DIMMED
    return ChartNode(
        id=node.id,
        kind=node.kind,
        title_lines=wrap(node.title, width),
        caption=_caption(node),
        citations=citations,
        tooltip=_node_tooltip(graph, node, numbers),
        urgency=node.urgency if isinstance(node, ir.Action) else None,
        section=node.section,
        state=state,
        needs=tuple(humanize(name) for name in needs or ()),
        external=external,
        doses=tuple(str(dose) for dose in node.doses) if isinstance(node, ir.Action) else (),
        scores=scores,
    )


def _caption(node: ir.Node) -> str:
    if isinstance(node, ir.Action):
        parts = [node.urgency.value.upper()]
        if node.timing is not None:
            parts.append(str(node.timing))
        return " · ".join(parts)
    if isinstance(node, ir.Decide) and node.policy == ir.HitPolicy.ANY:
        return "all that apply"
    return ""


def reference_text(reference: ir.Reference) -> str:
    """A source as listed under a chart: `Title (2026), Publisher`."""
    text = reference.title
    if reference.year is not None:
        text += f" ({reference.year})"
    if reference.source:
        text += f", {reference.source}"
    return text


def _node_tooltip(graph: ir.Graph, node: ir.Node, numbers: dict[str, int]) -> str:
    lines = [node.title]
    if node.text:
        lines += ["", node.text]
    details = []
    if isinstance(node, ir.Action):
        details.append(f"Urgency: {node.urgency.value}")
        if node.timing is not None:
            details.append(f"Timing: {node.timing}")
        details += [f"Dose: {dose}" for dose in node.doses]
    if isinstance(node, ir.Assess) and node.collects:
        details.append("Records: " + ", ".join(humanize(name) for name in node.collects))
    if isinstance(node, ir.Decide):
        details.append(f"Hit policy: {node.policy.value}")
        titles = {n.id: n.title for n in graph.nodes}
        for edge in graph.outgoing(node.id):
            condition = OTHERWISE if edge.otherwise or edge.guard is None else format_expr(edge.guard)
            details.append(f"• {condition} → {titles.get(edge.target, edge.target)}")
    for citation in node.citations:
        if citation in numbers:
            reference = graph.references[numbers[citation] - 1]
            details.append(f"[{numbers[citation]}] {reference_text(reference)}")
    if details:
        lines += [""] + details
    return "\n".join(lines)


def edge_condition_text(graph: ir.Graph, edge: ir.Edge) -> str:
    """An arrow's condition in chart words, on one line ("" for an unconditional arrow)."""
    if edge.otherwise:
        return OTHERWISE
    if edge.guard is None:
        return ""
    return condition_label(edge.guard, graph)


def _chart_edge(graph: ir.Graph, edge: ir.Edge, highlight: Highlight | None) -> ChartEdge:
    if edge.otherwise:
        label: tuple[str, ...] = (OTHERWISE,)
        tooltip = OTHERWISE
    elif edge.guard is not None:
        label = wrap_guard(condition_label(edge.guard, graph), EDGE_LABEL_WIDTH)
        tooltip = "\n".join(expand_defines(edge.guard, graph))
    else:
        label = ()
        tooltip = ""
    if highlight is None:
        state = State.PLAIN
    elif (edge.source, edge.target) in highlight.taken_edges:
        state = State.TAKEN
    else:
        state = State.DIMMED
    return ChartEdge(edge.source, edge.target, label, tooltip, edge.otherwise, state)


def _merge_parallel(edges: tuple[ChartEdge, ...]) -> tuple[ChartEdge, ...]:
    """Two `when` lines leading to the same place become one arrow labelled `A / or B`.

    One arrow per pair of boxes keeps the chart free of parallel arrows whose labels
    crowd each other; the arrow sits where the first of them was.
    """
    merged: dict[tuple[str, str], ChartEdge] = {}
    for edge in edges:
        key = (edge.source, edge.target)
        if key not in merged:
            merged[key] = edge
            continue
        first = merged[key]
        merged[key] = ChartEdge(
            source=first.source,
            target=first.target,
            label_lines=first.label_lines + ("or",) + edge.label_lines,
            tooltip=f"{first.tooltip}\nor\n{edge.tooltip}",
            otherwise=first.otherwise and edge.otherwise,
            state=first.state,
            jump_label=first.jump_label,
            jump_tooltip=first.jump_tooltip,
            jump_end=first.jump_end,
        )
    return tuple(merged.values())


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def safe_id(name: str) -> str:
    """`name` as an id either notation can carry verbatim: itself when it is a name of the language.

    Compiled graphs and loaded graph JSON only hold such names (the loader checks them),
    so this changes nothing there; anything else (a graph built by hand through the
    API) is written as hex, so no id can carry a directive, markup or a backslash.
    """
    return name if _NAME.fullmatch(name) else "x_" + name.encode("utf-8").hex()
