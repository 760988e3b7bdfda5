"""Hostile text and ids arriving through graph JSON (not only through `.cpath` sources).

A graph JSON file can be written by anyone, so the properties the flowchart tests
hold for compiled guidelines must hold for loaded ones too: an id that is not a name
of the language is refused by the loader (CP0703 at its JSON path), and any text in
a title, version, section or reference comes out of Mermaid and DOT as text: no
directive (`%%{init}%%`), no extra line, no markup element in the SVG.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.diagnostics import CompileError
from carepath.targets.graphviz import render, to_dot
from carepath.targets.json.export import export_graph
from carepath.targets.json.load import load_graph_text
from carepath.targets.mermaid import to_mermaid
from tests.budget import examples
from tests.flowchart_graphs import claudication

DOCUMENT = json.loads(export_graph(claudication(), spans=False))

_PIECES = ['%%{init: {"theme": "dark"}}%%', "%%", "{", "}", "<a href='javascript:alert(1)'>x</a>", "<img src=x>",
           "onmouseover=alert(1)", "\\", "\n", "\r", "\u2028", "\x1b[2J", "\x07", '"', "'", "]", "[", "|", "#", ";",
           "`", "click n_start call alert()", "-->", "subgraph", "end", "a", " ", "é", "→"]
hostile_text = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)
hostile_id = st.one_of(hostile_text, st.text(min_size=1, max_size=12))


def with_texts(title: str, version: str, section: str, node_title: str) -> dict:
    document = json.loads(json.dumps(DOCUMENT))
    document["title"], document["version"] = title, version
    if document["sections"]:
        document["sections"][0]["title"] = section
    document["nodes"][1]["title"] = node_title
    document["references"][0]["title"] = node_title
    return document


BENIGN = load_graph_text(json.dumps(with_texts("t", "1", "s", "n")))
BENIGN_MERMAID_LINES = len(to_mermaid(BENIGN).split("\n"))


@examples(50)  # a refused document is listed by jsonschema, the slow checker
@given(hostile_id, st.sampled_from(["node", "section", "reference", "input", "graph"]))
def test_property_an_id_that_is_not_a_name_is_refused_where_it_stands(name, where):
    document = json.loads(json.dumps(DOCUMENT))
    path = {"node": ("nodes", 1, "id"), "section": ("sections", 0, "id"), "reference": ("references", 0, "id"),
            "input": ("inputs", 0, "name"), "graph": ("id",)}[where]
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = name
    try:
        load_graph_text(json.dumps(document))
    except CompileError as error:
        assert all(d.code.startswith("CP07") for d in error.diagnostics)
        named = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
        located = "$." + ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        assert named or any(f": {located}: " in d.message and "is not a name" in d.message
                            for d in error.diagnostics), [d.message for d in error.diagnostics]
        return
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)


@given(hostile_text, hostile_text, hostile_text, hostile_text)
def test_property_hostile_texts_from_graph_json_stay_text_in_mermaid(title, version, section, node_title):
    graph = load_graph_text(json.dumps(with_texts(title, version, section, node_title)))
    chart = to_mermaid(graph)
    assert "%%{" not in chart and "}%%" not in chart
    assert len(chart.split("\n")) == BENIGN_MERMAID_LINES  # no text ended a line
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]", chart)
    assert "<a " not in chart and "<img" not in chart


@given(hostile_text, hostile_text, hostile_text, hostile_text)
def test_property_hostile_texts_from_graph_json_stay_text_in_dot(title, version, section, node_title):
    graph = load_graph_text(json.dumps(with_texts(title, version, section, node_title)))
    dot = to_dot(graph)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", dot)
    # Quoted strings (tooltips) are plain text to Graphviz; everything else is markup it reads,
    # once the `<` opening an HTML-like label is set aside (a title "a …" starts `label=<a …`).
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot).replace("=<", "=")
    assert "<a " not in unquoted and "<img" not in unquoted


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
@settings(max_examples=10)
@given(hostile_text, hostile_text)
def test_property_hostile_texts_from_graph_json_draw_no_foreign_svg_element(title, node_title):
    graph = load_graph_text(json.dumps(with_texts(title, title, title, node_title)))
    root = ET.fromstring(render(graph, "svg"))
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= {"svg", "g", "title", "text", "path", "polygon", "ellipse", "polyline", "a"}
    links = [value for element in root.iter() for key, value in element.attrib.items() if key.endswith("href")]
    assert all(link.startswith("#node-") for link in links), links
    assert not any(key.lower().startswith("on") for element in root.iter() for key in element.attrib)
