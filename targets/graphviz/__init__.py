"""Graph IR → Graphviz: DOT text always, SVG/PNG/PDF through the `dot` program.

`to_dot(graph)` is a pure function and deterministic (same graph, same bytes);
`render(graph, "svg")` runs `dot` on that text. Both take an optional patient's
path (`Highlight`) and an optional section id for a per-section view, and raise
`RenderError` with a message fit for a user: a missing `dot` program, a section
the guideline does not have, a highlight that names nodes it does not have.
"""

from __future__ import annotations

import shutil
import subprocess

from carepath.diagnostics import ProblemsError
from carepath.compiler import ir
from collections.abc import Mapping

from carepath.targets.flowchart.chart import Part, SectionUnknown, build_chart
from carepath.targets.flowchart.highlight import Highlight, HighlightError
from carepath.targets.graphviz.dot import to_digraph
from carepath.targets.graphviz.pages import PAPERS, booklet, on_paper

FORMATS = ("dot", "svg", "png", "pdf")
PNG_DPI = "110"  # sharp enough to read a printed page, small enough to embed


class RenderError(ProblemsError):
    """A chart that cannot be drawn; `problems` holds every reason, one per line."""

    code = "CP0901"


def to_dot(
    graph: ir.Graph,
    highlight: Highlight | None = None,
    section: str | None = None,
    part: Part | None = None,
    pages: Mapping[str, int] | None = None,
    legend: bool = True,
) -> str:
    """The chart as DOT source text (`part`, `pages`, `legend`: a page of the PDF booklet, see `pages`)."""
    try:
        chart = build_chart(graph, highlight, section, part, pages)
    except HighlightError as error:
        raise RenderError(error.problems) from None
    except SectionUnknown as error:
        raise RenderError([str(error)]) from None
    return to_digraph(chart, graph.id, legend=legend).source


def render(
    graph: ir.Graph,
    fmt: str,
    highlight: Highlight | None = None,
    section: str | None = None,
    paper: str = "a4",
) -> bytes:
    """The chart in `fmt` (one of FORMATS) as bytes.

    A PDF is for print: an overview page and one page per section (or the one
    section asked for), each on a sheet of `paper` (one of PAPERS); see `pages`.
    """
    if fmt not in FORMATS:
        raise RenderError([f"unknown format `{fmt}` (Graphviz renders {', '.join(FORMATS)})"])
    if fmt == "pdf":
        return render_pdf(graph, highlight, section, paper)
    source = to_dot(graph, highlight, section)
    if fmt == "dot":
        return source.encode("utf-8")
    return run_dot(source, fmt)


def render_pdf(
    graph: ir.Graph, highlight: Highlight | None = None, section: str | None = None, paper: str = "a4"
) -> bytes:
    """The printable booklet: the pages of `pages.booklet`, each fitted to a sheet of `paper`."""
    if paper not in PAPERS:
        raise RenderError([f"unknown paper `{paper}` (one of {', '.join(PAPERS)})"])
    try:
        if highlight is not None:
            highlight.check(graph)
        drawings = booklet(graph, highlight, section, paper, _draw_pdf)
    except HighlightError as error:
        raise RenderError(error.problems) from None
    except SectionUnknown as error:
        raise RenderError([str(error)]) from None
    document, _ = on_paper(drawings, paper)
    return document


def _draw_pdf(source: str) -> bytes:
    return run_dot(source, "pdf")


def run_dot(source: str, fmt: str) -> bytes:
    """Lay out DOT text with Graphviz's `dot` and return the drawing."""
    executable = shutil.which("dot")
    if executable is None:
        raise RenderError(
            [
                "Graphviz's `dot` program was not found: install Graphviz (`apt-get install graphviz`),"
                " or render to .dot or .mmd, which need no Graphviz"
            ]
        )
    options = [f"-Gdpi={PNG_DPI}"] if fmt == "png" else []
    completed = subprocess.run(
        [executable, f"-T{fmt}", *options], input=source.encode("utf-8"), capture_output=True, check=False
    )
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip()
        raise RenderError([f"Graphviz's `dot` failed (exit {completed.returncode}): {detail}"])
    return completed.stdout
