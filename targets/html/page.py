"""Graph IR → the viewer page's HTML text: markup, embedded data, inlined script and style.

The page is assembled from four pieces: the form and the empty result regions
(markup written here, every guideline text through `html.escape`), the flowchart SVG
(drawn by the Graphviz target, whose own escaping covers every label and tooltip),
two JSON data blocks (the graph JSON and `view.view_model`), and one module script:
the JavaScript runtime, the FHIR mapping (`carepath-fhir.mjs`, which reads a FHIR
Bundle into facts as `carepath run --fhir` does) and `viewer.js`, in one scope. The script and the style sheet are
allowed by their SHA-256 hashes in the page's Content-Security-Policy, which allows
nothing else: no remote load, no inline event handler, no `javascript:` URL.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

from carepath.diagnostics import ProblemsError
from carepath.compiler import ir
from carepath.targets.graphviz import RenderError, render
from carepath.targets.html.view import view_model
from carepath.targets.json.export import export_graph

HERE = Path(__file__).parent
RUNTIME = HERE.parent / "js" / "carepath-runtime.mjs"
FHIR = HERE.parent / "js" / "carepath-fhir.mjs"  # FHIR Bundle → facts, the mapping `run --fhir` makes


class HtmlError(ProblemsError):
    """A page that cannot be built (its chart cannot be drawn); `problems` lists every reason."""

    code = "CP0901"


def to_html(graph: ir.Graph) -> str:
    """The viewer page for `graph`, one self-contained HTML document."""
    try:
        svg = _inline_svg(render(graph, "svg").decode("utf-8"))
    except RenderError as error:
        raise HtmlError(error.problems) from None
    script = "\n".join(path.read_text(encoding="utf-8") for path in (RUNTIME, FHIR, HERE / "viewer.js"))
    style = (HERE / "viewer.css").read_text(encoding="utf-8")
    if "</script" in script.lower() or "</style" in style.lower():
        raise HtmlError(["the viewer's script or style sheet contains a closing tag and cannot be inlined"])
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src '{_hash(script)}'",
            f"style-src '{_hash(style)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    title = html.escape(graph.title)
    return _TEMPLATE.format(
        policy=html.escape(policy, quote=False),  # holds no `"`: single quotes stay readable
        title=title,
        version=html.escape(graph.version),
        guideline_id=html.escape(graph.id),
        style=style,
        svg=svg,
        graph_json=_json_in_html(json.loads(export_graph(graph, spans=False))),
        view_json=_json_in_html(view_model(graph)),
        script=script,
    )


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _json_in_html(data: object) -> str:
    """JSON for a `<script type="application/json">` block: no `<`, `>` or `&` that could end it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_SVG_TAG = re.compile(r"<svg\b")


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG file as an element of the page: no XML prolog, drawn at its own size.

    The drawing is described for assistive technology by the text beside it (the
    same steps are in the results and the form), so the SVG itself is one labelled
    image rather than hundreds of unlabelled shapes.
    """
    svg = _PROLOG.sub("", svg, count=1)
    return _SVG_TAG.sub('<svg id="chart-svg" role="img" aria-labelledby="chart-heading"', svg, count=1)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: carepath viewer</title>
<style>{style}</style>
</head>
<body>
<a class="skip" href="#facts-heading">Skip to the patient's facts</a>
<header class="page-header">
  <h1>{title}</h1>
  <p class="meta">Guideline <code>{guideline_id}</code>, version {version}. Enter what is known about the patient;
  leave the rest unknown. The recommendations and the questions to ask next update as you go.</p>
  <p class="print-only">One patient's summary from guideline <code>{guideline_id}</code>, version {version}.</p>
</header>
<main>
  <section class="results" aria-labelledby="results-heading">
    <h2 id="results-heading">Recommendations</h2>
    <p id="status" class="status" role="status" aria-live="polite"></p>
    <div id="input-problems" class="problems" role="alert" hidden></div>
    <div id="actions"></div>
    <h2 id="questions-heading">Ask next</h2>
    <ol id="questions" class="questions" aria-labelledby="questions-heading"></ol>
    <p id="no-questions" class="muted" hidden>Nothing more is needed for the decisions on this path.</p>
  </section>
  <section class="facts" aria-labelledby="facts-heading">
    <h2 id="facts-heading" tabindex="-1">Patient's facts</h2>
    <div class="loaders">
      <label for="scenario-select">Load a scenario</label>
      <div class="loader-row">
        <select id="scenario-select"><option value="">(choose a scenario)</option></select>
        <button type="button" id="scenario-load">Load</button>
      </div>
      <label for="facts-file">Load a facts file (JSON)</label>
      <input type="file" id="facts-file" accept=".json,application/json">
      <label for="fhir-file">Load a FHIR Bundle (JSON: Observations, Conditions, Patient)</label>
      <input type="file" id="fhir-file" accept=".json,application/json,application/fhir+json">
      <div class="loader-row">
        <button type="button" id="clear-facts">Clear all facts</button>
        <button type="button" id="print">Print summary</button>
      </div>
    </div>
    <p id="loaded" class="muted" role="status"></p>
    <div id="bundle-report" hidden>
      <div id="bundle-problems" class="problems" role="alert" hidden></div>
      <details id="bundle-used" hidden><summary></summary><ul class="fact-notes"></ul></details>
    </div>
    <form id="facts-form" novalidate></form>
  </section>
  <section class="chart" aria-labelledby="chart-heading">
    <h2 id="chart-heading">Flowchart of the guideline</h2>
    <p class="muted">Bold blue: the patient's path so far. Dashed purple: a decision waiting for a fact. Greyed: not on the path.
    <button type="button" id="chart-zoom" aria-pressed="false">Fit to width</button></p>
    <div id="chart" class="chart-frame" tabindex="0" aria-label="Flowchart, scrollable">{svg}</div>
  </section>
  <section class="print-only">
    <h2>Facts entered</h2>
    <ul id="print-facts" class="fact-list"></ul>
  </section>
</main>
<footer><p class="muted">Made by carepath from the compiled guideline. Decision support, not a substitute for clinical judgement.</p></footer>
<script type="application/json" id="carepath-graph">{graph_json}</script>
<script type="application/json" id="carepath-view">{view_json}</script>
<script type="module">{script}</script>
</body>
</html>
"""
