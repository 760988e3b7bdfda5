"""Graph IR → a printable PDF: an overview page, the key, then each section's pages, on A4 or Letter.

A whole guideline on one sheet is too small to read, so the PDF is a booklet. The
first page is a map of the sections (each with its number of steps, the emergent and
urgent actions it holds, and the pages it is on) with an arrow wherever the workup
goes on from one section into another; the second is the key and the numbered
sources, once for the whole booklet; then each section comes on pages of its own,
drawn as `render(..., section=id)` draws it: its steps, where it is entered from
(greyed) and go-to connectors naming where it leads, and on which page.

No page is drawn smaller than MIN_SCALE: a section too large for one sheet at that
scale is split over several pages (`section_parts`), its separate flows first, each
page titled "part 2 of 3", with "continued, p. N" connectors where an arrow is cut.
Graphviz draws each page at its natural size, top to bottom or left to right,
whichever prints larger; each is then placed on the sheet, turned to landscape when
it is wider than tall, shrunk to fit inside the margins (never enlarged) and
centred. `pypdf` does the placing and joins the pages.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from carepath.compiler import ir
from carepath.targets.flowchart.chart import Chart, Part, build_chart, wrap
from carepath.targets.flowchart.highlight import Highlight
from carepath.targets.graphviz.dot import FONT, escape_html, escape_string, to_digraph

PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}  # portrait width, height in points
MARGIN = 36.0  # half an inch


def overview_dot(graph: ir.Graph, chart: Chart, section_pages: dict[str, list[int]]) -> str:
    """The first page: the sections as boxes in order, with the arrows between them.

    Each box names the pages its section is drawn on (`section_pages`, section id → page numbers).
    """
    import graphviz

    section_of = {node.id: node.section for node in graph.nodes}
    dot = graphviz.Digraph(name=f"{graph.id}_overview")
    dot.attr(
        "graph", rankdir="TB", fontname=FONT, fontsize="18", labelloc="t", nodesep="0.4", ranksep="0.5",
        label=f"<<B>{escape_html(chart.title)}</B><BR/><FONT POINT-SIZE=\"11\">overview: "
        f"the key on page 2, then each section on its pages</FONT>>",
        tooltip=escape_string(chart.title),
    )
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled", fillcolor="#f7f9fb",
             color="#90a4ae", margin="0.15,0.08")
    dot.attr("edge", color="#455a64", arrowsize="0.7")
    dot.node("start", label="<<B>Start</B>>", shape="oval", fillcolor="#37474f", fontcolor="#ffffff", color="#263238")
    for section in graph.sections:
        nodes = [n for n in graph.nodes if n.section == section.id]
        numbers = section_pages[section.id]
        where = f"page {numbers[0]}" if len(numbers) == 1 else f"pages {numbers[0]}–{numbers[-1]}"
        rows = [f"<B>{escape_html(section.title)}</B>",
                f'<FONT POINT-SIZE="9">{len(nodes)} steps · {where}</FONT>']
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


MIN_SCALE = 0.6  # a page is drawn at least this large: 9 pt labels print at 5.4 pt, 11 pt titles at 6.6 pt
_PLACEHOLDER_PAGE = 88  # while a section is measured, connectors name this page (two digits, as most will)
DIRECTIONS = ("TB", "LR")


def booklet(
    graph: ir.Graph, highlight: Highlight | None, section: str | None, paper: str, draw: Callable[[str], bytes]
) -> list[bytes]:
    """The drawings of every page, in order: the overview, the key and sources, then each section's pages.

    A section that does not fit a sheet at MIN_SCALE is split into parts, each a page of its own
    (`section_parts`); a connector names the page its step is on. `section` asks for one section's
    pages and the key; `draw(dot_source) -> pdf bytes` is Graphviz.
    """
    from carepath.targets.graphviz import to_dot

    draw = _once_per_source(draw)
    if section is None and not graph.sections:
        return [best_direction(to_dot(graph, highlight), paper, draw)[1]]
    drawn = [section] if section is not None else [s.id for s in graph.sections]

    def fits(section_id: str, steps: frozenset[str]) -> bool:
        pages = {node.id: _PLACEHOLDER_PAGE for node in graph.nodes}
        source = to_dot(graph, highlight, section_id, Part(steps), pages, legend=False)
        return any(scale(source, direction, paper, draw) >= MIN_SCALE for direction in DIRECTIONS)

    with ThreadPoolExecutor(_WORKERS) as pool:  # sections are measured side by side, each a run of Graphviz processes
        measured = pool.map(lambda sid: section_parts(graph, sid, lambda steps: fits(sid, steps)), drawn)
        parts = dict(zip(drawn, measured))
    first = 1 if section is not None else 3  # after the overview and the key
    page_of: dict[str, int] = {}
    section_pages: dict[str, list[int]] = {}
    number = first
    for sid in drawn:
        for steps in parts[sid]:
            page_of.update(dict.fromkeys(steps, number))
            section_pages.setdefault(sid, []).append(number)
            number += 1
    chart = build_chart(graph, highlight)
    key = to_digraph(chart, f"{graph.id}_key", body=False, subtitle="Key and sources").source
    pages: list[str] = [] if section is not None else [overview_dot(graph, chart, section_pages), key]
    for sid in drawn:
        count = len(parts[sid])
        for index, steps in enumerate(parts[sid], 1):
            label = f"part {index} of {count}" if count > 1 else ""
            pages.append(to_dot(graph, highlight, sid, Part(steps, label), page_of, legend=False))
    if section is not None:
        pages.append(key)
    with ThreadPoolExecutor(_WORKERS) as pool:  # each page is a Graphviz process of its own
        return list(pool.map(lambda source: best_direction(source, paper, draw)[1], pages))


_WORKERS = max(1, min(8, os.cpu_count() or 1))


def _once_per_source(draw: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """`draw`, with each DOT source drawn once: measuring a section whose one flow is the whole
    section asks for the same drawing twice."""
    drawn: dict[str, bytes] = {}
    lock = threading.Lock()

    def once(source: str) -> bytes:
        with lock:
            known = drawn.get(source)
        if known is None:
            known = draw(source)
            with lock:
                drawn[source] = known
        return known

    return once


def section_parts(graph: ir.Graph, section: str, fits: Callable[[frozenset[str]], bool]) -> list[frozenset[str]]:
    """A section's steps in parts that each `fits` a page (at MIN_SCALE): the whole section when it does.

    Otherwise its separate flows (the groups of steps its own arrows join, such as the
    treatments of different diagnoses) are laid on pages in the author's order, as many to
    a page as fit; a flow too large for a page alone is cut in two, in graph order, until
    each piece fits (a single step always stands alone). Each cut arrow becomes a
    "continued, p. N" connector on one page and a greyed step on the other. Sizes are
    measured, not estimated: flows drawn together share their greyed neighbours, and a
    page of two is often hardly larger than the larger of them.
    """
    members = [node.id for node in graph.nodes if node.section == section]
    if fits(frozenset(members)):
        return [frozenset(members)]
    parts: list[list[str]] = []
    current: list[str] = []
    for flow in _flows(graph, members):
        if current and fits(frozenset(current + flow)):
            current += flow
            continue
        if current:
            parts.append(current)
        pieces = _pieces(flow, fits)
        parts += pieces[:-1]
        current = pieces[-1]
    parts.append(current)
    return [frozenset(part) for part in parts]


def scale(source: str, direction: str, paper: str, draw: Callable[[str], bytes]) -> float:
    """The scale a page prints at on `paper`, drawn in `direction` (TB or LR)."""
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(draw(source.replace("rankdir=TB", f"rankdir={direction}", 1)))).pages[0].mediabox
    return fit(float(box.width), float(box.height), paper)[2]


def _flows(graph: ir.Graph, members: list[str]) -> list[list[str]]:
    """The steps joined by the section's own arrows, each group in graph order, groups by their first step."""
    group = {member: member for member in members}

    def root(step: str) -> str:
        while group[step] != step:
            group[step] = group[group[step]]
            step = group[step]
        return step

    for edge in graph.edges:
        if edge.source in group and edge.target in group:
            group[root(edge.source)] = root(edge.target)
    flows: dict[str, list[str]] = {}
    for member in members:
        flows.setdefault(root(member), []).append(member)
    return list(flows.values())


def _pieces(flow: list[str], fits: Callable[[frozenset[str]], bool]) -> list[list[str]]:
    """A flow as pieces that each fit a page: itself, or its halves in graph order, recursively."""
    if len(flow) == 1 or fits(frozenset(flow)):
        return [flow]
    middle = len(flow) // 2
    return _pieces(flow[:middle], fits) + _pieces(flow[middle:], fits)


def fit(w: float, h: float, paper: str) -> tuple[float, float, float]:
    """The sheet (width, height) a drawing of w × h points goes on, and the scale it is drawn at."""
    width, height = PAPERS[paper]
    sheet_w, sheet_h = (height, width) if w > h else (width, height)
    return sheet_w, sheet_h, min(1.0, (sheet_w - 2 * MARGIN) / w, (sheet_h - 2 * MARGIN) / h)


def best_direction(source: str, paper: str, draw: Callable[[str], bytes]) -> tuple[float, bytes]:
    """The page drawn top to bottom or left to right, whichever prints larger on the sheet, and its scale.

    A decision with a dozen branches is a page wide drawn downwards and a page tall
    drawn across; `draw(dot_source) -> pdf bytes` is Graphviz. Across is drawn only when
    it could win: a page is never enlarged, so one that prints at full size (or within
    5 % of it) top to bottom stays so.
    """
    from pypdf import PdfReader

    best: tuple[float, bytes] | None = None
    for direction in DIRECTIONS:
        if best is not None and best[0] * _CLEARLY_LARGER >= 1.0:
            break
        pdf = draw(source.replace("rankdir=TB", f"rankdir={direction}", 1))
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        scale = fit(float(box.width), float(box.height), paper)[2]
        if best is None or scale > best[0] * _CLEARLY_LARGER:  # top to bottom unless across is clearly larger
            best = (scale, pdf)
    return best


_CLEARLY_LARGER = 1.05


def on_paper(pdfs: list[bytes], paper: str) -> tuple[bytes, list[float]]:
    """The drawings placed one per sheet of `paper`; also the scale each page was drawn at.

    Each drawing's page keeps its resources and gets the sheet's size; its content is
    wrapped in one transformation (`q … cm … Q`) and its link rectangles moved alike.
    Merging the drawing onto a blank sheet instead made pypdf parse every content stream
    (six times slower for the reference guideline's fifteen pages).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, FloatObject, NameObject, RectangleObject

    writer = PdfWriter()
    scales = []
    for pdf in pdfs:
        drawing = PdfReader(io.BytesIO(pdf)).pages[0]
        w, h = float(drawing.mediabox.width), float(drawing.mediabox.height)
        sheet_w, sheet_h, scale = fit(w, h, paper)
        offset_x, offset_y = (sheet_w - w * scale) / 2, (sheet_h - h * scale) / 2
        page = writer.add_page(drawing)
        placed = ContentStream(None, writer)
        placed.set_data(b"q %f 0 0 %f %f %f cm\n" % (scale, scale, offset_x, offset_y)
                        + drawing.get_contents().get_data() + b"\nQ\n")
        page.replace_contents(placed)
        for annotation in page.get("/Annots") or ():
            annotation = annotation.get_object()
            x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
            annotation[NameObject("/Rect")] = RectangleObject([
                FloatObject(x1 * scale + offset_x), FloatObject(y1 * scale + offset_y),
                FloatObject(x2 * scale + offset_x), FloatObject(y2 * scale + offset_y)])
        sheet = RectangleObject([0, 0, sheet_w, sheet_h])
        for box in ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if box == "/MediaBox" or box in page:
                page[NameObject(box)] = sheet
        page.compress_content_streams()
        scales.append(scale)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), scales
