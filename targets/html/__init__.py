"""Graph IR → one self-contained HTML page: the interactive guideline viewer.

`to_html(graph)` writes a page that needs nothing but a browser: the flowchart (the
Graphviz target's SVG), a form generated from the inputs, and the JavaScript runtime
(`targets/js/carepath-runtime.mjs`, inlined as it is at build time) running the
embedded graph JSON (the JSON target's export, the same bytes `carepath export
--format json` writes) as the facts are entered. Nothing is loaded from the network:
the page's Content-Security-Policy forbids it, and allows only its own script and
style, by hash.

Every text from the guideline reaches the page as escaped markup (`html.escape`) or
as JSON data that the script puts into the document with `textContent`; a guideline
whose titles hold `<script>` or `javascript:` shows them as text.
"""

from carepath.targets.html.page import HtmlError, to_html

__all__ = ["HtmlError", "to_html"]
