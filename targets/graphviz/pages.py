"""Graph IR → a printable PDF: an overview page, then one page per section, on A4 or Letter.

A whole guideline on one sheet is too small to read, so the PDF is a booklet. The
first page is a map of the sections (each with its number of steps, the emergent and
urgent actions it holds, and the page it is on) with an arrow wherever the workup
goes on from one section into another; then each section comes on a page of its own,
drawn as `render(..., section=id)` draws it: its steps, where it is entered from
(greyed) and go-to connectors naming where it leads, with its key and sources.

Graphviz draws each page at its natural size; each is then placed on the sheet,
turned to landscape when it is wider than tall, shrunk to fit inside the margins
(never enlarged) and centred. `pypdf` does the placing and joins the pages.
"""

from __future__ import annotations

import io

from compiler import ir
from targets.flowchart.chart import Chart, build_chart, wrap
from targets.flowchart.highlight import Highlight
from targets.graphviz.dot import FONT, escape_html, escape_string

PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}  # portrait width, height in points
MARGIN = 36.0  # half an inch


def overview_dot(graph: ir.Graph, chart: Chart) -> str:
    """The first page: the sections as boxes in order, with the arrows between them."""
    import graphviz

    section_of = {node.id: node.section for node in graph.nodes}
    dot = graphviz.Digraph(name=f"{graph.id}_overview")
    dot.attr(
        "graph", rankdir="TB", fontname=FONT, fontsize="18", labelloc="t", nodesep="0.4", ranksep="0.5",
        label=f"<<B>{escape_html(chart.title)}</B><BR/><FONT POINT-SIZE=\"11\">overview: "
        f"one page per section follows</FONT>>",
        tooltip=escape_string(chart.title),
    )
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled", fillcolor="#f7f9fb",
             color="#90a4ae", margin="0.15,0.08")
    dot.attr("edge", color="#455a64", arrowsize="0.7")
    dot.node("start", label="<<B>Start</B>>", shape="oval", fillcolor="#37474f", fontcolor="#ffffff", color="#263238")
    for page, section in enumerate(graph.sections, start=2):
        nodes = [n for n in graph.nodes if n.section == section.id]
        rows = [f"<B>{escape_html(section.title)}</B>",
                f'<FONT POINT-SIZE="9">{len(nodes)} steps · page {page}</FONT>']
        for urgency in (ir.Urgency.EMERGENT, ir.Urgency.URGENT):
            titles = [n.title for n in nodes if n.kind == ir.NodeKind.ACTION and n.urgency == urgency]
            if titles:
                text = wrap(f"{urgency.value.upper()}: " + "; ".join(_shorten(t) for t in titles), 70)
                rows += [f'<FONT POINT-SIZE="9" COLOR="{_URGENCY_COLOURS[urgency]}">{escape_html(line)}</FONT>'
                         for line in text]
        dot.node(f"section_{section.id}", label="<" + '<BR ALIGN="LEFT"/>'.join(rows) + '<BR ALIGN="LEFT"/>>',
                 tooltip=escape_string(section.title))
    links: dict[tuple[str, str], None] = {}
    for edge in graph.edges:
        source, target = section_of.get(edge.source), section_of.get(edge.target)
        if target is None:
            continue
        if source is None and graph.node(edge.source).kind == ir.NodeKind.START:
            links[("start", f"section_{target}")] = None
        elif source is not None and source != target:
            links[(f"section_{source}", f"section_{target}")] = None
    for source, target in links:
        dot.edge(source, target)
    return dot.source


_URGENCY_COLOURS = {ir.Urgency.EMERGENT: "#b71c1c", ir.Urgency.URGENT: "#8a4b00"}


def _shorten(title: str, limit: int = 60) -> str:
    head = title.split(":", 1)[0].strip() or title
    return head if len(head) <= limit else head[:limit].rsplit(" ", 1)[0] + "…"


def pages_dot(graph: ir.Graph, highlight: Highlight | None = None, section: str | None = None) -> list[str]:
    """The DOT source of each page: the overview and every section, or one section alone."""
    from targets.graphviz import to_dot

    if section is not None:
        return [to_dot(graph, highlight, section)]
    if not graph.sections:
        return [to_dot(graph, highlight)]
    chart = build_chart(graph, highlight)
    return [overview_dot(graph, chart)] + [to_dot(graph, highlight, s.id) for s in graph.sections]


def fit(w: float, h: float, paper: str) -> tuple[float, float, float]:
    """The sheet (width, height) a drawing of w × h points goes on, and the scale it is drawn at."""
    width, height = PAPERS[paper]
    sheet_w, sheet_h = (height, width) if w > h else (width, height)
    return sheet_w, sheet_h, min(1.0, (sheet_w - 2 * MARGIN) / w, (sheet_h - 2 * MARGIN) / h)


def best_direction(source: str, paper: str, draw) -> bytes:
    """The page drawn top to bottom or left to right, whichever prints larger on the sheet.

    A decision with a dozen branches is a page wide drawn downwards and a page tall
    drawn across; `draw(dot_source) -> pdf bytes` is Graphviz.
    """
    from pypdf import PdfReader

    best: tuple[float, bytes] | None = None
    for direction in ("TB", "LR"):
        pdf = draw(source.replace("rankdir=TB", f"rankdir={direction}", 1))
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        scale = fit(float(box.width), float(box.height), paper)[2]
        if best is None or scale > best[0] * 1.05:  # top to bottom unless across is clearly larger
            best = (scale, pdf)
    return best[1]


def on_paper(pdfs: list[bytes], paper: str) -> tuple[bytes, list[float]]:
    """The drawings placed one per sheet of `paper`; also the scale each page was drawn at."""
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation

    writer = PdfWriter()
    scales = []
    for pdf in pdfs:
        drawing = PdfReader(io.BytesIO(pdf)).pages[0]
        w, h = float(drawing.mediabox.width), float(drawing.mediabox.height)
        sheet_w, sheet_h, scale = fit(w, h, paper)
        sheet = PageObject.create_blank_page(width=sheet_w, height=sheet_h)
        offset_x, offset_y = (sheet_w - w * scale) / 2, (sheet_h - h * scale) / 2
        sheet.merge_transformed_page(drawing, Transformation().scale(scale).translate(offset_x, offset_y))
        writer.add_page(sheet)
        scales.append(scale)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), scales
