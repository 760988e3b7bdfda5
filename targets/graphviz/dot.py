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
import re

import graphviz

from compiler import ir
from targets.flowchart.chart import Chart, ChartEdge, ChartNode, State, safe_id, wrap

FONT = "Helvetica"
SOURCES_WIDTH = 70
KEY_ROW = 4  # samples per row of the key

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


def _edge_attrs(edge: ChartEdge) -> dict[str, str]:
    attrs: dict[str, str] = {}
    text_colour = None
    if edge.state == State.TAKEN:
        attrs.update(color=PATH_COLOUR, penwidth="3.5", fontcolor=PATH_COLOUR)
        text_colour = PATH_COLOUR
    elif edge.state == State.DIMMED:
        attrs.update(color=DIM_LINE, fontcolor=DIM_TEXT)
        text_colour = DIM_TEXT
    if edge.label_lines:
        attrs["label"] = _edge_label(edge, text_colour)
        attrs["tooltip"] = escape_string(edge.tooltip)
        attrs["labeltooltip"] = escape_string(edge.tooltip)
    attrs["id"] = f"edge-{safe_id(edge.source)}-{safe_id(edge.target)}"
    return attrs


def _title_label(chart: Chart) -> str:
    version = f'<BR/><FONT POINT-SIZE="11" COLOR="#546e7a">version {escape_html(chart.version)}</FONT>'
    return _html(f"<B>{escape_html(chart.title)}</B>{version if chart.version else ''}")


def _key(dot: graphviz.Digraph, chart: Chart) -> None:
    """Sample shapes and colours, side by side in a cluster of their own.

    The samples sit in short rows (`rank=same`) and have no edge to the chart, so
    dot puts them on the top ranks beside the start node, like a figure's key; one
    long column would stretch every rank of the chart to the samples' spacing.
    """
    samples: list[tuple[str, dict[str, str]]] = []
    for kind in chart.kinds:
        if kind == ir.NodeKind.ACTION:
            samples += [(f"Action: {u.value}", _kind_style(kind, u)) for u in chart.urgencies]
        else:
            samples.append((_KIND_NAMES[kind], _kind_style(kind, None)))
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
        key.attr(label=_html("<B>Key</B>"), style="rounded", color="#90a4ae", fontsize="11", labeljust="l", id="key")
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
    ir.NodeKind.ASSESS: "Assessment",
    ir.NodeKind.DECIDE: "Decision",
    ir.NodeKind.END: "End point",
}


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


def to_digraph(chart: Chart, name: str) -> graphviz.Digraph:
    dot = graphviz.Digraph(name=name)
    dot.attr(
        "graph",
        rankdir="TB",
        fontname=FONT,
        label=_title_label(chart),
        labelloc="t",
        fontsize="18",
        nodesep="0.3",
        ranksep="0.35",
        splines="true",
        tooltip=escape_string(chart.title),
    )
    if len(chart.nodes) > BIG_GRAPH_NODES:
        dot.attr("graph", **BIG_GRAPH_ATTRS)
    dot.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.05")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7", color="#455a64")

    with dot.subgraph(name="cluster_carepath_chart") as body:
        # A borderless cluster around the whole chart, only to put the sources under it.
        body.attr(peripheries="0", labelloc="b", labeljust="l", fontsize="9", id="sources")
        if chart.sources:
            body.attr(label=_sources_label(chart))
        _draw_body(body, chart)
    _key(dot, chart)
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
    for section in chart.sections:
        with dot.subgraph(name=f"cluster_{safe_id(section.id)}") as cluster:
            cluster.attr(
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
            for name, edge in connectors.get(section.id, []):
                cluster.node(name, **_jump_attrs(edge))
    for node_id in chart.loose_node_ids:
        dot.node(safe_id(node_id), **_node_attrs(nodes[node_id]))
    for name, edge in connectors.get(None, []):
        dot.node(name, **_jump_attrs(edge))
    jumps = {id(edge): name for named in connectors.values() for name, edge in named}
    for edge in chart.edges:
        dot.edge(safe_id(edge.source), jumps.get(id(edge), safe_id(edge.target)), **_edge_attrs(edge))
    _stack_sections(dot, chart)


def _stack_sections(dot: graphviz.Digraph, chart: Chart) -> None:
    """Sections top to bottom in the author's order (the seed's, for the reference).

    An invisible edge from each section's last step to the next section's
    first step puts every section below the one before it. Arrows back up to an
    earlier section are go-to connectors, so these edges never fight the flow.
    They keep the default weight: with weight 10, Graphviz 2.43 crashed (SIGSEGV) on
    a generated 300-step chart drawn with long arrows.
    """
    order = {node.id: index for index, node in enumerate(chart.nodes)}
    for above, below in zip(chart.sections, chart.sections[1:]):
        last = max(above.node_ids, key=order.__getitem__)
        first = min(below.node_ids, key=order.__getitem__)
        dot.edge(safe_id(last), safe_id(first), style="invis")


def _jump_attrs(edge: ChartEdge) -> dict[str, str]:
    """A "go to" connector: where the arrow would have gone, linked to it in the SVG."""
    caption, *title = edge.jump_label
    colour = DIM_TEXT if edge.state == State.DIMMED else "#37474f"
    lines = "<BR/>".join(escape_html(line) for line in title)
    label = (
        f'<FONT POINT-SIZE="8" COLOR="{colour}">{escape_html(caption)} ▸</FONT>'
        f'<BR/><FONT COLOR="{colour}">{lines}</FONT>'
    )
    if edge.state == State.TAKEN:
        line_colour, width = PATH_COLOUR, "3"
    else:
        line_colour, width = (DIM_LINE if edge.state == State.DIMMED else "#78909c"), "1"
    return {
        "shape": "cds",
        "style": "filled",
        "fillcolor": "#ffffff",
        "color": line_colour,
        "penwidth": width,
        "fontsize": "9",
        "margin": "0.08,0.03",
        "label": _html(label),
        "tooltip": escape_string(f"Continues at: {edge.jump_tooltip}"),
        "URL": f"#node-{safe_id(edge.target)}",
        "class": "jump",
    }
