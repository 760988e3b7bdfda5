"""Chart → DOT source (the `graphviz` package builds it; nothing is laid out here).

Node and edge labels are Graphviz HTML-like labels built from escaped text: the
title in bold over a small caption (`EMERGENT · within 6 h`) and citation marker,
which plain `label="..."` strings cannot style. Every piece of guideline text is
escaped on its way in: `html.escape` for label markup, `escape_string` for the
tooltips (escString attributes, where `\\N` or `\\G` would otherwise expand).
Nothing an author writes can add markup to the chart.

Layout choices, each made after looking at the reference guideline's chart:
sections are clusters stacked top to bottom in source order (invisible edges
between consecutive sections; arrows back up are go-to connectors); edge labels are real `label`s, which dot places as
rank-sized dummy nodes, so they never overlap boxes or each other; shapes follow
flowchart convention (rounded boxes for assessments, diamonds for decisions,
square boxes for actions, ovals for start and end). Big graphs get tighter limits
on dot's crossing minimisation, the phase whose cost explodes with cross edges.
"""

from __future__ import annotations

import html
import math
import re

import graphviz

from carepath.compiler import ir
from carepath.targets.flowchart.chart import Chart, ChartEdge, ChartNode, State, safe_id, wrap

FONT = "Helvetica"
SOURCES_WIDTH = 70
KEY_ROW = 3  # samples per row of the key
NODESEP, RANKSEP = 0.3, 0.35  # inches between boxes of a rank, and between ranks
FAN_ROW = 5  # a decision with more arrows than this draws them in staggered rows, not one wide row

# Above this many nodes, crossing minimisation and network simplex get bounded effort:
# measured on a generated 1,000-step workup, 0.56 s → 0.32 s, with the same readable chart
# (the big win, go-to connectors instead of long arrows, is in the chart model).
BIG_GRAPH_NODES = 150
BIG_GRAPH_ATTRS = {"mclimit": "0.3", "nslimit": "2", "nslimit1": "2", "searchsize": "20", "remincross": "false"}

PATH_COLOUR = "#0d47a1"
PENDING_COLOUR = "#6a1b9a"
DIM_FILL, DIM_LINE, DIM_TEXT = "#f6f6f6", "#d0d0d0", "#a8a8a8"


def _kind_style(kind: ir.NodeKind, urgency: ir.Urgency | None) -> dict[str, str]:
    """Shape and colours of a node by what it is (before any path highlight)."""
    if kind == ir.NodeKind.START:
        return {"shape": "oval", "style": "filled", "fillcolor": "#37474f", "color": "#263238", "fontcolor": "#ffffff"}
    if kind == ir.NodeKind.ASSESS:
        return {"shape": "box", "style": "rounded,filled", "fillcolor": "#e3f2fd", "color": "#1e88e5"}
    if kind == ir.NodeKind.DECIDE:
        return {"shape": "diamond", "style": "filled", "fillcolor": "#fff8e1", "color": "#f9a825"}
    if kind == ir.NodeKind.END:
        return {"shape": "oval", "style": "filled", "fillcolor": "#e8f5e9", "color": "#2e7d32"}
    if urgency == ir.Urgency.EMERGENT:
        return {
            "shape": "box",
            "style": "filled,bold",
            "fillcolor": "#c62828",
            "color": "#6d0000",
            "fontcolor": "#ffffff",
            "penwidth": "3",
        }
    if urgency == ir.Urgency.URGENT:
        return {"shape": "box", "style": "filled", "fillcolor": "#ffcc80", "color": "#e65100", "penwidth": "2"}
    return {"shape": "box", "style": "filled", "fillcolor": "#ffffff", "color": "#546e7a"}


_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def escape_html(text: str) -> str:
    """Text for inside an HTML-like label: markup characters as entities, no control bytes.

    Graphviz expands `\\N`, `\\G` and friends even inside HTML-like labels (and after
    decoding `&#92;`), so a backslash is doubled: `\\\\` is its one literal form.
    Every other printable ASCII character, alone, doubled or beside a letter, was
    checked against `dot`.
    """
    escaped = html.escape(_CONTROL_CHARACTERS.sub("", text), quote=True).replace("\\", "\\\\")
    # A text of only `]` is a syntax error to Graphviz's HTML lexer (2.43): an entity is not.
    escaped = escaped.replace("]", "&#93;")
    # Graphviz refuses an empty <B></B> or <FONT></FONT>: blank text becomes a no-break space.
    return escaped if escaped.strip() else "&#160;"


def escape_string(text: str) -> graphviz.quoting.NoHtml:
    """Text for an escString attribute (tooltip): backslashes literal, newlines as `\\n`."""
    cleaned = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return graphviz.nohtml(cleaned.replace("\\", "\\\\").replace("\n", "\\n"))


def _html(markup: str) -> str:
    return f"<{markup}>"


def _node_label(node: ChartNode, text_colour: str | None) -> str:
    colour = f' COLOR="{text_colour}"' if text_colour else ""
    parts = []
    if node.caption:
        parts.append(f'<FONT POINT-SIZE="9"{colour}>{escape_html(node.caption)}</FONT>')
    title = "<BR/>".join(escape_html(line) for line in node.title_lines)
    if node.kind == ir.NodeKind.START:
        parts.append(f"<B>{title}</B>")
    else:
        parts.append(f"<B>{title}</B>" if node.kind in (ir.NodeKind.ACTION, ir.NodeKind.END) else title)
    if node.citations:
        parts[-1] += f' <FONT POINT-SIZE="9"{colour}>{escape_html(node.citations)}</FONT>'
    for dose in node.doses:
        lines = "<BR/>".join(escape_html(line) for line in wrap("℞ " + dose, 34))
        parts.append(f'<FONT POINT-SIZE="9"{colour}>{lines}</FONT>')
    if node.needs:
        needs = wrap("waiting for: " + ", ".join(node.needs), 30)
        lines = "<BR/>".join(escape_html(line) for line in needs)
        parts.append(f'<FONT POINT-SIZE="9" COLOR="{PENDING_COLOUR}"><I>{lines}</I></FONT>')
    return _html("<BR/>".join(parts))


def _node_attrs(node: ChartNode) -> dict[str, str]:
    attrs = _kind_style(node.kind, node.urgency)
    text_colour = None
    if node.state == State.DIMMED or node.external:
        attrs.update(fillcolor=DIM_FILL, color=DIM_LINE, fontcolor=DIM_TEXT, penwidth="1")
        attrs["style"] = attrs["style"].replace(",bold", "")
        text_colour = DIM_TEXT
    elif node.state == State.TAKEN:
        attrs.update(color=PATH_COLOUR, penwidth="4")
    elif node.state == State.PENDING:
        attrs.update(color=PENDING_COLOUR, penwidth="4")
        attrs["style"] += ",dashed"
    classes = [node.kind.value, node.state.value]
    if node.urgency is not None:
        classes.append(node.urgency.value)
    attrs.update(
        label=_node_label(node, text_colour),
        tooltip=escape_string(node.tooltip),
        id=f"node-{safe_id(node.id)}",
        **{"class": " ".join(classes)},
    )
    return attrs


def _edge_label(edge: ChartEdge, text_colour: str | None) -> str:
    lines = "<BR/>".join(escape_html(line) for line in edge.label_lines)
    if edge.otherwise:
        lines = f"<I>{lines}</I>"
    colour = f' COLOR="{text_colour}"' if text_colour else ""
    return _html(f"<FONT{colour}>{lines}</FONT>")


def _edge_colours(edge: ChartEdge) -> tuple[dict[str, str], str | None]:
    """An arrow's line attributes by the patient's path, and its text colour."""
    if edge.state == State.TAKEN:
        return {"color": PATH_COLOUR, "penwidth": "3.5"}, PATH_COLOUR
    if edge.state == State.DIMMED:
        return {"color": DIM_LINE}, DIM_TEXT
    return {}, None


def _draw_edge(dot: graphviz.Digraph, edge: ChartEdge, head: str, label_node: str | None, tier: int = 0) -> None:
    """An arrow; a labelled one passes through its label, a text node of its own.

    Graphviz 2.43 drops edge labels when it packs components (`pack=true`), and the
    sections are packed; a label drawn as a node is laid out like any other box, so
    it neither vanishes nor overlaps. The line into the label has no arrowhead.
    """
    line, text_colour = _edge_colours(edge)
    # A tier puts the arrow's label (or its head) `2 × tier` ranks further down: see `_tiers`.
    first = {**line, "minlen": str(1 + 2 * tier)} if tier else line
    name = f"edge-{safe_id(edge.source)}-{safe_id(edge.target)}"
    if label_node is None:
        dot.edge(safe_id(edge.source), head, id=name, **first)
        return
    tooltip = escape_string(edge.tooltip)
    dot.edge(safe_id(edge.source), label_node, id=name, dir="none", tooltip=tooltip, **first)
    dot.edge(label_node, head, id=f"{name}-to", tooltip=tooltip, **line)


def _label_attrs(edge: ChartEdge) -> dict[str, str]:
    _, text_colour = _edge_colours(edge)
    return {
        "shape": "plain",
        "fontsize": "9",
        "label": _edge_label(edge, text_colour),
        "tooltip": escape_string(edge.tooltip),
        "id": f"edge-{safe_id(edge.source)}-{safe_id(edge.target)}-label",
        "class": "condition",
    }


def _title_label(chart: Chart, subtitle: str = "") -> str:
    lines = [f"version {chart.version}"] if chart.version else []
    lines += [subtitle] if subtitle else []
    small = "".join(f'<BR/><FONT POINT-SIZE="11" COLOR="#546e7a">{escape_html(line)}</FONT>' for line in lines)
    return _html(f"<B>{escape_html(chart.title)}</B>{small}")


def _key(dot: graphviz.Digraph, chart: Chart, order: int) -> None:
    """A sample of each kind of box the chart uses, and of nothing it does not use.

    The key is a component of its own (no edge ties it to the chart), packed after
    the sections (`sortv`), so its rows take only the room the samples need; in the
    same ranks as the chart, they were spread over the chart's tall ranks.
    """
    samples: list[tuple[str, dict[str, str]]] = []
    for kind in chart.kinds:
        if kind == ir.NodeKind.ACTION:
            samples += [(_URGENCY_NAMES[u], _kind_style(kind, u)) for u in chart.urgencies]
        else:
            samples.append((_KIND_NAMES[kind], _kind_style(kind, None)))
    if any(edge.jump and not edge.jump_end for edge in chart.edges):
        samples.append(("Go to: continues in another part of the chart", _JUMP_STYLE))
    if any(node.scores for node in chart.nodes):
        samples.append(("Score: its items and points", _SCORE_STYLE))
    if any(node.doses for node in chart.nodes):
        samples.append(("℞ a dose to give", {"shape": "plain"}))
    if chart.highlighted:
        samples += [
            ("On the patient's path", {"shape": "box", "style": "rounded", "color": PATH_COLOUR, "penwidth": "4"}),
            ("Waiting for input", {"shape": "box", "style": "rounded,dashed", "color": PENDING_COLOUR, "penwidth": "4"}),
            (
                "Not on the path",
                {"shape": "box", "style": "rounded,filled", "fillcolor": DIM_FILL, "color": DIM_LINE, "fontcolor": DIM_TEXT},
            ),
        ]
    with dot.subgraph(name="cluster_key") as key:
        key.attr(
            label=_html("<B>Key</B>"), style="rounded", color="#90a4ae", fontsize="11", labeljust="l", id="key",
            sortv=str(order),
        )
        key.attr("node", fontsize="9", height="0.3", margin="0.06,0.02")
        for start in range(0, len(samples), KEY_ROW):
            with key.subgraph() as row:
                row.attr(rank="same")
                for index in range(start, min(start + KEY_ROW, len(samples))):
                    text, style = samples[index]
                    row.node(f"carepath-key-{index}", label=_html(escape_html(text)), tooltip=escape_string(text), **style)
        for index in range(1, len(samples)):
            # Invisible edges fix the order: along a row, and from each row's first sample to the next row's.
            previous = index - KEY_ROW if index % KEY_ROW == 0 else index - 1
            key.edge(f"carepath-key-{previous}", f"carepath-key-{index}", style="invis")


_KIND_NAMES = {
    ir.NodeKind.START: "Start",
    ir.NodeKind.ASSESS: "Assessment: examine, ask, record",
    ir.NodeKind.DECIDE: "Decision: each arrow states its condition",
    ir.NodeKind.END: "End point",
}
_URGENCY_NAMES = {
    ir.Urgency.EMERGENT: "Emergent action: within hours",
    ir.Urgency.URGENT: "Urgent action: within days",
    ir.Urgency.ROUTINE: "Routine action",
}
_JUMP_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#78909c"}
_SCORE_STYLE = {"shape": "note", "style": "filled", "fillcolor": "#fffde7", "color": "#9e9d24"}


def _sources_label(chart: Chart) -> str:
    """The numbered sources as a table: the label under the chart."""
    rows = "".join(
        f'<TR><TD ALIGN="RIGHT" VALIGN="TOP">[{number}]</TD><TD ALIGN="LEFT" BALIGN="LEFT">'
        + "<BR/>".join(escape_html(line) for line in wrap(text, SOURCES_WIDTH))
        + "</TD></TR>"
        for number, text in chart.sources
    )
    return _html(
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Sources</B></TD></TR>{rows}</TABLE>'
    )


def to_digraph(chart: Chart, name: str, body: bool = True, legend: bool = True, subtitle: str = "") -> graphviz.Digraph:
    """The chart as a Graphviz digraph: its steps (`body`), its key and sources (`legend`), or both.

    The PDF booklet draws them apart: each section's pages without the legend, and the
    legend once, on a page of its own (`subtitle` names it under the title).
    """
    dot = graphviz.Digraph(name=name)
    dot.attr(
        "graph",
        rankdir="TB",
        fontname=FONT,
        label=_title_label(chart, subtitle),
        labelloc="t",
        fontsize="18",
        nodesep=str(NODESEP),
        ranksep=str(RANKSEP),
        splines="true",
        tooltip=escape_string(chart.title),
    )
    if len(chart.nodes) > BIG_GRAPH_NODES:
        dot.attr("graph", **BIG_GRAPH_ATTRS)
    dot.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.05")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7", color="#455a64")

    if chart.sections and body:
        dot.attr("graph", pack="true", packmode=f"array_tu{_columns(chart)}")
    if body:
        _draw_body(dot, chart)
    if not legend:
        return dot
    order = len(chart.sections) + 1
    _key(dot, chart, order)
    if chart.sources:
        with dot.subgraph(name="cluster_carepath_sources") as sources:
            sources.attr(peripheries="0", label="", sortv=str(order + 1), id="sources")
            sources.node("carepath-sources", label=_sources_label(chart), shape="plain", fontsize="9")
    return dot


def _draw_body(dot: graphviz.Digraph, chart: Chart) -> None:
    nodes = {node.id: node for node in chart.nodes}
    # A jump's connector sits in its source's cluster, so the arrow to it stays short.
    connectors: dict[str | None, list[tuple[str, ChartEdge]]] = {}
    for index, edge in enumerate(chart.edges):
        if edge.jump:
            source = nodes[edge.source]
            home = None if source.external else source.section
            connectors.setdefault(home, []).append((f"carepath-jump-{index}", edge))
    # A condition's text node sits in its arrow's source cluster, like a connector.
    labels: dict[str | None, list[tuple[str, ChartEdge]]] = {}
    for index, edge in enumerate(chart.edges):
        if edge.label_lines:
            source = nodes[edge.source]
            home = None if source.external else source.section
            labels.setdefault(home, []).append((f"carepath-condition-{index}", edge))
    for section in chart.sections:
        with dot.subgraph(name=f"cluster_{safe_id(section.id)}") as cluster:
            cluster.attr(
                sortv=str(chart.sections.index(section) + 1),
                label=_html(f"<B>{escape_html(section.title)}</B>"),
                labeljust="l",
                labelloc="t",
                peripheries="1",
                fontsize="13",
                style="rounded,filled",
                fillcolor="#f7f9fb",
                color="#b0bec5",
                tooltip=escape_string(section.title),
                id=f"section-{safe_id(section.id)}",
            )
            for node_id in section.node_ids:
                cluster.node(safe_id(node_id), **_node_attrs(nodes[node_id]))
                _draw_scores(cluster, nodes[node_id])
            for name, edge in connectors.get(section.id, []):
                cluster.node(name, **_jump_attrs(edge))
            for name, edge in labels.get(section.id, []):
                cluster.node(name, **_label_attrs(edge))
    for node_id in chart.loose_node_ids:
        dot.node(safe_id(node_id), **_node_attrs(nodes[node_id]))
        _draw_scores(dot, nodes[node_id])
    for name, edge in connectors.get(None, []):
        dot.node(name, **_jump_attrs(edge))
    for name, edge in labels.get(None, []):
        dot.node(name, **_label_attrs(edge))
    jumps = {id(edge): name for named in connectors.values() for name, edge in named}
    label_nodes = {id(edge): name for named in labels.values() for name, edge in named}
    tiers = _tiers(chart)
    for index, edge in enumerate(chart.edges):
        _draw_edge(dot, edge, jumps.get(id(edge), safe_id(edge.target)), label_nodes.get(id(edge)), tiers.get(index, 0))


def _tiers(chart: Chart) -> dict[int, int]:
    """Edge index → tier, for the arrows of a decision with more than FAN_ROW of them.

    A decision with a dozen branches drawn in one row is a chart (and a printed page)
    several sheets wide. Its arrows are dealt into tiers in turn (1st, 2nd, 3rd arrow in
    tiers 0, 1, 2, then again), and each tier's labels and targets are drawn two ranks
    below the previous tier's, so the row is a third as wide and neighbours stay neighbours.
    """
    fans: dict[str, list[int]] = {}
    for index, edge in enumerate(chart.edges):
        fans.setdefault(edge.source, []).append(index)
    tiers = {}
    for indexes in fans.values():
        if len(indexes) > FAN_ROW:
            rows = math.ceil(len(indexes) / FAN_ROW)
            for position, index in enumerate(indexes):
                tiers[index] = position % rows
    return tiers


def _draw_scores(dot: graphviz.Digraph, node: ChartNode) -> None:
    """Each score a decision reads, as a note above it listing the items and their points."""
    for index, (title, items) in enumerate(node.scores):
        name = f"carepath-score-{safe_id(node.id)}-{index}"
        dot.node(name, label=_score_label(title, items), fontsize="9", margin="0.1,0.05", **_SCORE_STYLE)
        dot.edge(name, safe_id(node.id), style="dashed", dir="none", color=_SCORE_STYLE["color"])


def _columns(chart: Chart) -> int:
    """How many sections side by side make the most compact chart.

    Every arrow between sections is a go-to connector (`chart._is_jump`), so each
    section is a component of its own and Graphviz packs them in a grid, in the
    author's order, row by row (`packmode=array_tu<columns>`). Before, sections hung
    one below the other and the long arrows between them pulled them into a diagonal
    staircase over a half-empty canvas. A grid cell is as wide as its column's widest
    section and as tall as its row's tallest; the number of columns is the one whose
    grid has the shortest long side (the squarest, of two alike): the most compact
    image, and on a sheet of either orientation about as large as any. The sizes are
    estimates (`_section_size`), enough to compare grids.
    """
    tiers = _tiers(chart)
    sizes = [_section_size(chart, section, tiers) for section in chart.sections]
    if len(sizes) < 2:
        return 1

    def misfit(columns: int) -> tuple[float, float]:
        rows = [sizes[start : start + columns] for start in range(0, len(sizes), columns)]
        width = sum(max((row[i][0] for row in rows if i < len(row)), default=0) for i in range(columns))
        height = sum(max(h for _, h in row) for row in rows)
        return max(width, height), abs(width - height)

    return min(range(1, len(sizes) + 1), key=lambda columns: (misfit(columns), columns))


def _section_size(chart: Chart, section, tiers: dict[int, int]) -> tuple[float, float]:
    """A section's estimated (width, height) in points, from the ranks `dot` will give its boxes.

    Each step, each arrow's condition and each go-to connector is a box of its own rank,
    as drawn; a box is as wide as its longest line and as tall as its lines, at the
    chart's font sizes. Dot packs a rank tighter than this and spreads a fan wider, but
    the estimate orders sections by size well enough to choose a grid.
    """
    members = set(section.node_ids)
    nodes = {node.id: node for node in chart.nodes}
    boxes: dict[str, tuple[float, float]] = {}  # DOT name → (width, height)
    arrows: list[tuple[str, str, int]] = []  # (tail, head, minimum rank difference)

    def box(lines: tuple[str, ...], points: float) -> tuple[float, float]:
        return max(len(line) for line in lines) * points * 0.55 + 16, len(lines) * points * 1.25 + 8

    for node_id in section.node_ids:
        node = nodes[node_id]
        width, height = box(node.title_lines + ((node.caption,) if node.caption else ()), 11)
        boxes[node_id] = (width * (1.6 if node.kind == ir.NodeKind.DECIDE else 1), height + 12 * len(node.doses))
    for index, edge in enumerate(chart.edges):
        if edge.source not in members:
            continue
        head = f"jump-{index}" if edge.jump else edge.target
        if edge.jump:
            boxes[head] = box(edge.jump_label, 9)
        elif head not in members:
            continue
        step = 1 + 2 * tiers.get(index, 0)
        if edge.label_lines:
            boxes[f"label-{index}"] = box(edge.label_lines, 9)
            arrows += [(edge.source, f"label-{index}", step), (f"label-{index}", head, 1)]
        else:
            arrows.append((edge.source, head, step))
    rank = dict.fromkeys(boxes, 0)
    for _ in boxes:  # longest path: at most one pass per box
        changed = False
        for tail, head, step in arrows:
            if rank[head] < rank[tail] + step:
                rank[head], changed = rank[tail] + step, True
        if not changed:
            break
    ranks: dict[int, list[tuple[float, float]]] = {}
    for name, size in boxes.items():
        ranks.setdefault(rank[name], []).append(size)
    width = max(sum(w for w, _ in row) + NODESEP * 72 * (len(row) - 1) for row in ranks.values())
    height = sum(max(h for _, h in row) for row in ranks.values()) + RANKSEP * 72 * (len(ranks) - 1)
    return width + 16, height + 40


def _jump_attrs(edge: ChartEdge) -> dict[str, str]:
    """A "go to" connector (where the arrow would have gone), or a small end point of its own.

    A rounded box sized by Graphviz to its text, so nothing is cut; the connector's
    first line says where it leads (`go to <section> ▸`), the rest names the step.
    """
    caption, *title = edge.jump_label
    colour = DIM_TEXT if edge.state == State.DIMMED else "#37474f"
    lines = "<BR/>".join(escape_html(line) for line in title)
    if edge.state == State.TAKEN:
        line_colour, width = PATH_COLOUR, "3"
    else:
        line_colour, width = (DIM_LINE if edge.state == State.DIMMED else "#78909c"), "1"
    if edge.jump_end:
        return {
            **_kind_style(ir.NodeKind.END, None),
            "color": line_colour if edge.state != State.PLAIN else "#2e7d32",
            "penwidth": width,
            "fontsize": "9",
            "label": _html(f'<FONT COLOR="{colour}">{lines}</FONT>'),
            "tooltip": escape_string(edge.jump_tooltip),
            "class": "jump end",
        }
    label = (
        f'<FONT POINT-SIZE="9" COLOR="{colour}">{escape_html(caption)} ▸</FONT>'
        f'<BR/><FONT COLOR="{colour}">{lines}</FONT>'
    )
    return {
        **_JUMP_STYLE,
        "color": line_colour,
        "penwidth": width,
        "fontsize": "9",
        "margin": "0.1,0.04",
        "label": _html(label),
        "tooltip": escape_string(f"Continues at: {edge.jump_tooltip}"),
        "URL": f"#node-{safe_id(edge.target)}",
        "class": "jump",
    }


def _score_label(title: str, items: tuple[tuple[str, str], ...]) -> str:
    """A score as a small table: its name, then each item with its points."""
    rows = "".join(
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{"<BR/>".join(escape_html(line) for line in wrap(item, 30))}</TD>'
        f'<TD ALIGN="RIGHT" VALIGN="TOP">{escape_html(points)}</TD></TR>'
        for item, points in items
    )
    return _html(
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{escape_html(title)}</B></TD></TR>{rows}</TABLE>'
    )
