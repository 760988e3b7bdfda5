"""Graph IR → Mermaid flowchart text (`.mmd`), the chart GitHub draws inside Markdown.

The same `Chart` as the Graphviz target, in Mermaid's notation: sections are
subgraphs in source order, decisions `{rhombi}`, assessments `(rounded)`, actions
`[boxes]` coloured by urgency through `classDef`, start and end `([stadiums])`,
edges labelled with their guards, and a "Sources" box for the citation numbers.
A patient's path is drawn with `style` and `linkStyle` lines.

Escaping: every label is a quoted string in which Mermaid's entity syntax
(`#quot;`, `#lt;`, `#35;`) stands for each character that could end the string,
open markup or start an entity, so no guideline text can add Mermaid statements
or HTML. Node ids get an `n_` prefix: Mermaid reads a bare `end` as a keyword, and
an id starting with `o` or `x` after `--` as an arrow head. Edges into shared
steps far away are "go to" connectors (`>flags]`), as on the Graphviz chart.

The output is deterministic: same graph, same bytes.
"""

from __future__ import annotations

import re

from carepath.diagnostics import ProblemsError
from carepath.compiler import ir
from carepath.targets.flowchart.chart import Chart, ChartNode, SectionUnknown, State, build_chart, safe_id, wrap
from carepath.targets.flowchart.highlight import Highlight, HighlightError

PATH_COLOUR = "#0d47a1"
PENDING_COLOUR = "#6a1b9a"

# Each character that means something to Mermaid or to HTML, as a Mermaid entity.
_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
    "{": "#123;",
    "}": "#125;",
    ";": "#59;",
    "\\": "#92;",
}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
# Control characters, C1 included, and the Unicode line and paragraph separators
# (JavaScript's line terminators: one would end a line inside Mermaid's parser).
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")

_SHAPES = {
    ir.NodeKind.START: ('(["', '"])'),
    ir.NodeKind.ASSESS: ('("', '")'),
    ir.NodeKind.DECIDE: ('{"', '"}'),
    ir.NodeKind.ACTION: ('["', '"]'),
    ir.NodeKind.END: ('(["', '"])'),
}

_CLASS_DEFS = (
    ("start", "fill:#37474f,stroke:#263238,color:#ffffff"),
    ("assess", "fill:#e3f2fd,stroke:#1e88e5,color:#000000"),
    ("decide", "fill:#fff8e1,stroke:#f9a825,color:#000000"),
    ("emergent", "fill:#c62828,stroke:#6d0000,stroke-width:4px,color:#ffffff,font-weight:bold"),
    ("urgent", "fill:#ffcc80,stroke:#e65100,stroke-width:2px,color:#000000"),
    ("routine", "fill:#ffffff,stroke:#546e7a,color:#000000"),
    ("endpoint", "fill:#e8f5e9,stroke:#2e7d32,color:#000000"),
    ("dimmed", "fill:#f6f6f6,stroke:#d0d0d0,color:#a8a8a8"),
    ("jump", "fill:#ffffff,stroke:#78909c,color:#37474f,font-size:11px"),
    ("sources", "fill:#ffffff,stroke:#90a4ae,color:#37474f,text-align:left"),
)


class MermaidError(ProblemsError):
    """A chart that cannot be drawn; `problems` holds every reason."""

    code = "CP0901"


def escape(text: str) -> str:
    """Plain text as the inside of a quoted Mermaid label; newlines become `<br/>`."""
    cleaned = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not cleaned.strip():
        return "#160;"  # Mermaid refuses an empty label: a no-break space stands in
    return "<br/>".join(_SPECIAL.sub(lambda m: _ENTITIES[m.group()], line) for line in cleaned.split("\n"))


def to_mermaid(graph: ir.Graph, highlight: Highlight | None = None, section: str | None = None) -> str:
    """The chart as Mermaid flowchart text."""
    try:
        chart = build_chart(graph, highlight, section)
    except HighlightError as error:
        raise MermaidError(error.problems) from None
    except SectionUnknown as error:
        raise MermaidError([str(error)]) from None
    return _write(chart, graph)


def _node_id(node_id: str) -> str:
    return "n_" + safe_id(node_id)


def _node_class(node: ChartNode) -> str:
    if node.state == State.DIMMED or node.external:
        return "dimmed"
    if node.kind == ir.NodeKind.ACTION:
        return (node.urgency or ir.Urgency.ROUTINE).value
    if node.kind == ir.NodeKind.END:
        return "endpoint"
    return node.kind.value


def _node_label(node: ChartNode) -> str:
    parts = []
    if node.caption:
        parts.append(f"<small>{escape(node.caption)}</small>")
    title = "<br/>".join(escape(line) for line in node.title_lines)
    if node.kind in (ir.NodeKind.ACTION, ir.NodeKind.END, ir.NodeKind.START):
        title = f"<b>{title}</b>"
    if node.citations:
        title += f" <small>{escape(node.citations)}</small>"
    parts.append(title)
    parts += [f"<small>℞ {escape(dose)}</small>" for dose in node.doses]
    if node.needs:
        needs = "<br/>".join(escape(line) for line in wrap("waiting for: " + ", ".join(node.needs), 30))
        parts.append(f"<i>{needs}</i>")
    return "<br/>".join(parts)


def _node_line(node: ChartNode) -> str:
    opening, closing = _SHAPES[node.kind]
    return f"{_node_id(node.id)}{opening}{_node_label(node)}{closing}"


def _write(chart: Chart, graph: ir.Graph) -> str:
    lines = [
        # Front matter must come first; its title is a YAML single-quoted scalar.
        "---",
        "title: '" + _comment(chart.title).replace("'", "''") + "'",
        "---",
        f"%% Generated by carepath from guideline {_comment(graph.id)} version {_comment(graph.version)}.",
        "flowchart TB",
    ]
    nodes = {node.id: node for node in chart.nodes}
    # A jump's connector (`>"go to …"]`) sits in its source's subgraph, as in the DOT chart.
    connectors: dict[str | None, list[str]] = {}
    targets: list[str] = []
    for index, edge in enumerate(chart.edges):
        if edge.jump:
            source = nodes[edge.source]
            title = "<br/>".join(escape(line) for line in edge.jump_label[1:])
            home = None if source.external else source.section
            if edge.jump_end:  # an end point of its own, not "go to" another section
                connectors.setdefault(home, []).append(f'j_{index}(["{title}"])')
            else:
                label = f"<small>{escape(edge.jump_label[0])} ▸</small><br/>{title}"
                connectors.setdefault(home, []).append(f'j_{index}>"{label}"]')
            targets.append(f"j_{index}")
        else:
            targets.append(_node_id(edge.target))
    for node_id in chart.loose_node_ids:
        if nodes[node_id].kind == ir.NodeKind.START:
            lines.append("  " + _node_line(nodes[node_id]))
    for section in chart.sections:
        lines.append(f'  subgraph s_{safe_id(section.id)}["{escape(section.title)}"]')
        lines.append("    direction TB")
        lines += ["    " + _node_line(nodes[node_id]) for node_id in section.node_ids]
        lines += ["    " + connector for connector in connectors.get(section.id, [])]
        lines.append("  end")
    for node_id in chart.loose_node_ids:
        if nodes[node_id].kind != ir.NodeKind.START:
            lines.append("  " + _node_line(nodes[node_id]))
    lines += ["  " + connector for connector in connectors.get(None, [])]
    for edge, target in zip(chart.edges, targets):
        label = "<br/>".join(escape(line) for line in edge.label_lines)
        if edge.otherwise:
            label = f"<i>{label}</i>"
        arrow = f'-->|"{label}"|' if label else "-->"
        lines.append(f"  {_node_id(edge.source)} {arrow} {target}")
    if chart.sources:
        sources = "<br/>".join(f"[{number}] {escape(text)}" for number, text in chart.sources)
        lines.append(f'  carepath_sources["<b>Sources</b><br/>{sources}"]')
    lines += _styles(chart)
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    """Text safe inside a `%%` comment line or the front matter: one line, no directive.

    Mermaid finds `%%{init: …}%%` directives anywhere in the text, comments and front
    matter included, so `%%` is split apart, braces become parentheses and angle
    brackets their look-alikes: no directive, no markup, whoever reads the file.
    """
    one_line = _CONTROL_CHARACTERS.sub("", text).replace("\n", " ").replace("\r", " ")
    neutral = one_line.translate(str.maketrans("{}<>", "()‹›"))
    return re.sub("%(?=%)", "% ", neutral)


def _styles(chart: Chart) -> list[str]:
    used: dict[str, list[str]] = {}
    for node in chart.nodes:
        used.setdefault(_node_class(node), []).append(_node_id(node.id))
    jumps = [f"j_{index}" for index, edge in enumerate(chart.edges) if edge.jump]
    if jumps:
        used["jump"] = jumps
    if chart.sources:
        used["sources"] = ["carepath_sources"]
    lines = [f"  classDef {name} {style}" for name, style in _CLASS_DEFS if name in used]
    lines += [f"  class {','.join(used[name])} {name}" for name, _ in _CLASS_DEFS if name in used]
    for node in chart.nodes:
        if node.state == State.TAKEN:
            lines.append(f"  style {_node_id(node.id)} stroke:{PATH_COLOUR},stroke-width:4px")
        elif node.state == State.PENDING:
            lines.append(
                f"  style {_node_id(node.id)} stroke:{PENDING_COLOUR},stroke-width:4px,stroke-dasharray:6 4"
            )
    for index, edge in enumerate(chart.edges):
        if edge.jump and edge.state == State.TAKEN:
            lines.append(f"  style j_{index} stroke:{PATH_COLOUR},stroke-width:4px")
    taken = [str(i) for i, edge in enumerate(chart.edges) if edge.state == State.TAKEN]
    dimmed = [str(i) for i, edge in enumerate(chart.edges) if edge.state == State.DIMMED]
    if taken:
        lines.append(f"  linkStyle {','.join(taken)} stroke:{PATH_COLOUR},stroke-width:4px,color:{PATH_COLOUR}")
    if dimmed:
        lines.append(f"  linkStyle {','.join(dimmed)} stroke:#d0d0d0,color:#a8a8a8")
    return lines
