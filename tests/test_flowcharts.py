"""Flowcharts: guard printing, the chart model, Graphviz and Mermaid output, label safety."""

from __future__ import annotations

from fractions import Fraction

import re
import shutil
import struct
import xml.etree.ElementTree as ET

import pytest
from attrs import evolve as attrs_evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.compiler import ir
from tests.ir_build import graph, node
from carepath.targets.flowchart import Highlight, build_chart, format_expr, humanize
from carepath.targets.flowchart.chart import Part, SectionUnknown, State, wrap_guard
from carepath.targets.graphviz import RenderError, render, to_dot
from carepath.targets.graphviz.pages import section_parts
from carepath.targets.mermaid import MermaidError, escape, to_mermaid
from tests.flowchart_graphs import HOSTILE_TEXT, claudication, hostile

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


# --- guards as words ------------------------------------------------------------


def test_guards_print_as_a_clinician_writes_them():
    abi, pulses, relief = ir.InputRef("abi"), ir.InputRef("pedal_pulses"), ir.InputRef("rest_relief_time")
    assert format_expr(ir.Compare("<=", abi, ir.Literal(Fraction("0.9"), text="0.90"))) == "ABI ≤ 0.90"
    assert format_expr(ir.Compare("<=", relief, ir.Literal(10, "min"))) == "rest relief time ≤ 10 min"
    assert format_expr(ir.Compare("=", pulses, ir.Literal("absent"))) == "pedal pulses = absent"
    assert format_expr(ir.Compare(">=", ir.InputRef("toe_pressure"), ir.Literal(30, "mm[Hg]"))) == "toe pressure ≥ 30 mmHg"
    count = ir.ConditionSum((ir.Term(1, ir.InputRef("pallor")), ir.Term(1, ir.InputRef("limb_pain"))))
    assert format_expr(ir.Compare(">=", count, ir.Literal(2))) == "count(pallor, limb pain) ≥ 2"
    score = ir.ConditionSum((ir.Term(2, ir.InputRef("pallor")), ir.Term(1, ir.InputRef("limb_pain"))))
    assert format_expr(score) == "score(2 if pallor, 1 if limb pain)"


def test_parentheses_only_where_precedence_needs_them():
    a, b, c = (ir.InputRef(n) for n in ("a", "b", "c"))
    assert format_expr(ir.And((ir.Or((a, b)), c))) == "(a or b) and c"
    assert format_expr(ir.Or((ir.And((a, b)), c))) == "a and b or c"
    assert format_expr(ir.Arithmetic("-", a, ir.Arithmetic("-", b, c))) == "a − (b − c)"
    assert format_expr(ir.Arithmetic("-", ir.Arithmetic("-", a, b), c)) == "a − b − c"
    assert format_expr(ir.Arithmetic("*", ir.Arithmetic("+", a, b), c)) == "(a + b) × c"
    assert format_expr(ir.Not(ir.And((a, b)))) == "not (a and b)"


def test_negations_read_naturally():
    assert format_expr(ir.Not(ir.InputRef("saddle_anesthesia"))) == "no saddle anesthesia"
    assert format_expr(ir.Not(ir.Compare("<=", ir.InputRef("abi"), ir.Literal(Fraction("0.9"), text="0.90")))) == "ABI > 0.90"
    assert format_expr(ir.Not(ir.Known("abi"))) == "ABI unknown"
    members = (ir.Literal("absent"), ir.Literal("diminished"))
    assert format_expr(ir.Membership(ir.InputRef("pedal_pulses"), members)) == "pedal pulses is absent or diminished"


def test_names_are_humanised():
    assert humanize("hba1c_percent") == "HbA1c percent"
    assert humanize("time_since_infection") == "time since infection"


def test_a_comparison_is_never_split_across_lines():
    lines = wrap_guard("PAD and rest relief time ≤ 10 min and pedal pulses = absent", 12)
    assert any("≤ 10 min" in line for line in lines)
    assert any("= absent" in line for line in lines)


_names = st.sampled_from(["abi", "pallor", "rest_relief_time", "x"])
_leaves = st.one_of(
    _names.map(ir.InputRef),
    st.integers(0, 99).map(lambda v: ir.Literal(float(v))),
    st.sampled_from(["absent", "present"]).map(ir.Literal),
)
_expressions = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        inner.map(ir.Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ir.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ir.Or(tuple(xs))),
        st.tuples(st.sampled_from(ir.COMPARISON_OPERATORS), inner, inner).map(lambda t: ir.Compare(*t)),
        st.tuples(st.sampled_from(ir.ARITHMETIC_OPERATORS), inner, inner).map(lambda t: ir.Arithmetic(*t)),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: ir.ConditionSum(tuple(ir.Term(1, x) for x in xs))),
    ),
    max_leaves=8,
)


@given(_expressions)
def test_property_every_expression_prints_with_balanced_parentheses(expr):
    text = format_expr(expr)
    depth = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        assert depth >= 0
    assert depth == 0 and text.strip() == text and "  " not in text


# --- the chart model --------------------------------------------------------------


def test_sections_follow_source_order_and_hold_their_nodes():
    chart = build_chart(claudication())
    assert [s.id for s in chart.sections] == ["immediate", "workup", "follow_up"]
    assert chart.sections[0].node_ids == ("pulse_check", "ischemia_screen", "vascular_consult")
    assert chart.loose_node_ids == ("start",)


def test_two_branches_to_one_step_become_one_arrow_with_both_conditions():
    chart = build_chart(claudication())
    arrows = [e for e in chart.edges if (e.source, e.target) == ("ischemia_screen", "vascular_consult")]
    assert len(arrows) == 1
    assert arrows[0].label_lines[0] == "pedal pulses = absent" and "or" in arrows[0].label_lines


def test_a_section_view_keeps_its_nodes_greys_where_it_is_entered_from_and_names_where_it_leads():
    chart = build_chart(claudication(), section="workup")
    inside = {"measure_abi", "claudication_type", "vascular_referral", "exercise"}
    assert set(chart.sections[0].node_ids) == inside and len(chart.sections) == 1
    external = {n.id for n in chart.nodes if n.external}
    assert external == {"ischemia_screen"}
    # Arrows out of the section are go-to connectors naming the step in the other section.
    leaving = [e for e in chart.edges if e.source in inside and e.target not in inside]
    assert leaving and all(e.jump for e in leaving)
    assert {e.target for e in leaving} == {"review"}
    # Reference numbers stay those of the whole guideline.
    assert chart.sources == ((2, "Claudication: guideline overview (2025), Vascular Society"),)


def test_a_part_of_a_section_continues_on_the_page_of_the_rest():
    pages = {"measure_abi": 4, "claudication_type": 4, "vascular_referral": 5, "exercise": 5, "review": 6}
    chart = build_chart(claudication(), section="workup", part=Part(frozenset({"measure_abi", "claudication_type"}),
                                                                    "part 1 of 2"), pages=pages)
    assert chart.sections[0].title.endswith("(part 1 of 2)")
    assert set(chart.sections[0].node_ids) == {"measure_abi", "claudication_type"}
    leaving = {e.target: e.jump_label[0] for e in chart.edges if e.source == "claudication_type"}
    assert leaving == {"vascular_referral": "continued, p. 5", "exercise": "continued, p. 5",
                       "review": "go to Follow-up, p. 6"}
    later = build_chart(claudication(), section="workup", part=Part(frozenset({"vascular_referral", "exercise"})),
                        pages=pages)
    # The steps it is entered from, on the earlier page, are greyed; where it leads is named with its page.
    assert {n.id for n in later.nodes if n.external} == {"claudication_type"}
    assert {e.jump_label[0] for e in later.edges if e.jump} == {"go to Follow-up, p. 6"}


def test_a_section_too_large_for_a_page_is_split_into_its_flows_in_order():
    graph = claudication()
    members = [n.id for n in graph.nodes if n.section == "workup"]
    assert section_parts(graph, "workup", lambda steps: True) == [frozenset(members)]
    parts = section_parts(graph, "workup", lambda steps: len(steps) <= 2)
    assert all(len(part) <= 2 for part in parts)
    assert [step for part in parts for step in sorted(part, key=members.index)] == members
    assert section_parts(graph, "workup", lambda steps: False) == [frozenset({m}) for m in members]


def test_an_unknown_section_is_refused_with_the_known_ones():
    with pytest.raises(SectionUnknown, match="immediate, workup, follow_up"):
        build_chart(claudication(), section="labs")
    with pytest.raises(RenderError, match="no section `labs`"):
        to_dot(claudication(), section="labs")
    with pytest.raises(MermaidError, match="no section `labs`"):
        to_mermaid(claudication(), section="labs")


def test_highlight_marks_taken_pending_and_dimmed():
    graph = claudication()
    path = ["start", "pulse_check", "ischemia_screen", "measure_abi", "claudication_type"]
    highlight = Highlight.from_path(graph, path, pending={"claudication_type": ["abi"]})
    chart = build_chart(graph, highlight)
    assert chart.node("measure_abi").state == State.TAKEN
    assert chart.node("claudication_type").state == State.PENDING
    assert chart.node("claudication_type").needs == ("ABI",)
    assert chart.node("vascular_consult").state == State.DIMMED
    taken = {(e.source, e.target) for e in chart.edges if e.state == State.TAKEN}
    assert taken == {("start", "pulse_check"), ("pulse_check", "ischemia_screen"),
                     ("ischemia_screen", "measure_abi"), ("measure_abi", "claudication_type")}


def test_fired_branches_decide_which_edge_between_active_nodes_was_taken():
    graph = claudication()
    path = ["start", "pulse_check", "ischemia_screen", "measure_abi", "claudication_type", "exercise", "review"]
    highlight = Highlight.from_path(graph, path, fired_branches={"claudication_type": [1]})
    assert ("claudication_type", "exercise") in highlight.taken_edges
    assert ("claudication_type", "review") not in highlight.taken_edges  # the `otherwise` did not fire
    assert ("exercise", "review") in highlight.taken_edges


def test_a_highlight_of_another_guideline_is_refused_listing_every_mismatch():
    highlight = Highlight({"start", "nowhere"}, [("start", "elsewhere")], {"start": ["no_such_input"]})
    with pytest.raises(RenderError) as caught:
        to_dot(claudication(), highlight)
    assert len(caught.value.problems) == 3
    assert "node `nowhere`" in caught.value.problems[0]


# --- DOT ---------------------------------------------------------------------------


def test_dot_is_deterministic_and_has_every_step():
    graph = claudication()
    text = to_dot(graph)
    assert text == to_dot(claudication())
    for node in graph.nodes:
        assert re.search(rf"^\s*{node.id} \[", text, re.MULTILINE), node.id
    assert text.index("cluster_immediate") < text.index("cluster_workup") < text.index("cluster_follow_up")


def test_emergent_actions_are_unmistakable():
    line = next(line for line in to_dot(claudication()).splitlines() if line.strip().startswith("vascular_consult ["))
    assert 'fillcolor="#c62828"' in line and "penwidth=3" in line and "EMERGENT" in line


def test_big_graphs_get_bounded_crossing_minimisation():
    from tests.flowchart_graphs import generated_guideline

    assert "mclimit" not in to_dot(claudication())
    assert "mclimit" in to_dot(generated_guideline(300))


def test_dot_escapes_every_hostile_label():
    text = to_dot(hostile())
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    # Raw markup only in quoted strings (tooltips); labels carry it as entities.
    assert "<script>" not in outside_quotes and "&lt;script&gt;" in outside_quotes
    assert "<img" not in outside_quotes and "<svg" not in outside_quotes


@needs_dot
def test_hostile_svg_has_no_foreign_elements_and_shows_the_text():
    svg = render(hostile(), "svg")
    root = ET.fromstring(svg)
    allowed = {"svg", "g", "title", "text", "path", "polygon", "ellipse", "polyline", "a"}
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= allowed, tags - allowed
    texts = " ".join(element.text or "" for element in root.iter() if element.tag.endswith("}text"))
    assert "<script>alert(1)</script>" in texts and '"stop"' in texts and "{braces}" in texts
    assert "\\N \\G" in texts  # backslashes shown as written, not expanded
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
    # Tooltips keep the full text, newlines included.
    tooltips = [v for element in root.iter() for k, v in element.attrib.items() if k.endswith("title")]
    assert any("Evidence\nHe said" in t for t in tooltips)


@needs_dot
def test_png_is_a_real_image_of_sensible_size():
    png = render(claudication(), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert 600 < width < 6000 and 400 < height < 6000


@needs_dot
def test_pdf_and_svg_come_out():
    assert render(claudication(), "pdf").startswith(b"%PDF")
    svg = ET.fromstring(render(claudication(), "svg"))
    ids = {element.get("id") for element in svg.iter()}
    assert {"node-start", "node-vascular_consult", "section-workup"} <= ids


def test_a_missing_dot_program_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="`dot` program was not found"):
        render(claudication(), "svg")
    assert render(claudication(), "dot").startswith(b"digraph")


# --- Mermaid -------------------------------------------------------------------------


def test_mermaid_draws_sections_shapes_and_guards():
    text = to_mermaid(claudication())
    assert text == to_mermaid(claudication())
    assert text.index("subgraph s_immediate") < text.index("subgraph s_workup") < text.index("subgraph s_follow_up")
    assert 'n_ischemia_screen{"' in text and 'n_done(["' in text
    # Into another section: the arrow goes to a connector naming the step.
    assert re.search(r'n_ischemia_screen -->\|"<i>otherwise</i>"\| j_\d+', text)
    assert '>"<small>go to Work-up ▸</small><br/>Measure the<br/>ankle-brachial index"]' in text
    assert "class n_vascular_consult emergent" in text


def test_mermaid_highlight_styles_the_taken_links_by_index():
    graph = claudication()
    highlight = Highlight.from_path(graph, ["start", "pulse_check"])
    lines = to_mermaid(graph, highlight).splitlines()
    taken = next(line for line in lines if "stroke-width:4px" in line and "linkStyle" in line)
    assert taken.split()[1] == "0"  # start → pulse_check is the first link
    assert "  style n_start stroke:#0d47a1,stroke-width:4px" in lines


def test_mermaid_escapes_everything_that_could_end_a_label():
    assert escape('a "b" <c> & {d} | #e; `f` \\g') == (
        "a #quot;b#quot; #lt;c#gt; #amp; #123;d#125; #124; #35;e#59; #96;f#96; #92;g"
    )
    assert escape("one\ntwo") == "one<br/>two"
    text = to_mermaid(hostile())
    body = text.split("flowchart TB\n", 1)[1]
    assert "<script" not in body and "<img" not in body and "<svg" not in body
    for line in body.splitlines():
        # Quotes come only in pairs around labels: none escaped the label.
        assert line.count('"') % 2 == 0, line
    assert HOSTILE_TEXT not in text.split("flowchart TB", 1)[1]


def test_the_mermaid_example_in_the_docs_is_what_carepath_renders():
    from pathlib import Path

    from carepath import compile_text

    doc = (Path(__file__).parent.parent / "docs" / "flowcharts.md").read_text(encoding="utf-8")
    source = doc.split("```carepath\n", 1)[1].split("```", 1)[0]
    shown = doc.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert to_mermaid(compile_text(source, "calf.cpath")) == shown


def _fan_in_graph() -> ir.Graph:
    """Five branches in two sections all lead to one follow-up step in a third section."""
    nodes = [node("start", ir.NodeKind.START, "Start")]
    edges = [ir.Edge("start", "router")]
    nodes.append(node("router", ir.NodeKind.DECIDE, "Which?", section="a", policy=ir.HitPolicy.ANY))
    for index in range(5):
        section = "a" if index < 2 else "b"
        nodes.append(node(f"treat{index}", ir.NodeKind.ACTION, f"Treatment {index}", section=section,
                             urgency=ir.Urgency.ROUTINE))
        edges.append(ir.Edge("router", f"treat{index}", guard=ir.InputRef(f"x{index}"), branch=index))
        edges.append(ir.Edge(f"treat{index}", "follow_up"))
    edges.append(ir.Edge("router", "local", branch=5, otherwise=True))
    nodes.append(node("local", ir.NodeKind.END, "Nothing to treat", section="a"))
    nodes.append(node("follow_up", ir.NodeKind.END, "Follow-up visit: everything", section="c"))
    return graph(
        id="fan", title="Fan", version="1",
        inputs=tuple(ir.Input(f"x{i}", ir.BooleanType()) for i in range(5)), defines=(), references=(),
        sections=(ir.Section("a", "A"), ir.Section("b", "B"), ir.Section("c", "Later")),
        nodes=tuple(nodes), edges=tuple(edges),
    )


def test_every_arrow_between_sections_is_a_connector_and_the_sections_are_packed_in_order():
    graph = _fan_in_graph()
    chart = build_chart(graph)
    section = {node.id: node.section for node in graph.nodes}
    jumps = {(e.source, e.target): e for e in chart.edges if e.jump}
    crossing = {(e.source, e.target) for e in graph.edges if section[e.source] and section[e.source] != section[e.target]}
    assert set(jumps) == crossing
    # An arrow into an end point in another section ends there, in its own section:
    # "go to Later" would read as more to do.
    assert jumps[("treat0", "follow_up")].jump_end
    assert jumps[("treat0", "follow_up")].jump_label == ("end", "Follow-up visit:", "everything")
    assert jumps[("router", "treat2")].jump_label == ("go to B", "Treatment 2")
    text = to_dot(graph)
    assert len(re.findall(r"^\s*follow_up \[", text, re.MULTILINE)) == 1
    assert not re.search(r"^\s*\w+ -> \w+ \[style=invis\]", text, re.MULTILINE)  # no stacking edges
    assert re.search(r'pack=true packmode="?array_tu\d+', text)
    assert re.findall(r"subgraph cluster_(\w+) \{\s*[^\n]* sortv=(\d+)", text) == [("a", "1"), ("b", "2"), ("c", "3"), ("key", "4")]
    mermaid = to_mermaid(graph)
    assert mermaid.count('>"<small>go to B ▸</small><br/>Treatment 2"]') == 1


def test_arrows_within_a_section_stay_arrows():
    graph = claudication()
    section = {node.id: node.section for node in graph.nodes}
    chart = build_chart(graph)
    assert not any(edge.jump for edge in chart.edges if section[edge.source] == section[edge.target])


def _has_shape(group: ET.Element) -> bool:
    return any(e.tag.rsplit("}", 1)[-1] in ("ellipse", "polygon", "path", "polyline") for e in group.iter())


def _bounding_box(group: ET.Element) -> tuple[float, float, float, float]:
    """The box around every shape drawn in an SVG group (polygons, paths, ellipses)."""
    xs: list[float] = []
    ys: list[float] = []
    for element in group.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "ellipse":
            cx, cy, rx, ry = (float(element.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif tag in ("polygon", "path", "polyline"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("points") or element.get("d"))]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


@needs_dot
def test_no_label_overlaps_a_box_and_no_two_boxes_overlap():
    from pathlib import Path

    from carepath import compile_file

    reference = Path(__file__).parent.parent / "guidelines" / "leg_numbness_cramping.cpath"
    graph = compile_file(reference) if reference.exists() else claudication()
    root = ET.fromstring(render(graph, "svg"))
    groups = [g for g in root.iter() if g.tag.endswith("}g")]
    nodes = [g for g in groups if "node" in (g.get("class") or "").split()]
    # Conditions are text nodes of their own (shape=plain: no outline), the rest are boxes.
    conditions = [g for g in nodes if "condition" in (g.get("class") or "").split()]
    # The key's "℞ a dose" sample is text alone, like a condition: it has no box.
    boxes = {g.get("id"): _bounding_box(g) for g in nodes if g not in conditions and _has_shape(g)}
    assert len(boxes) > len(graph.nodes)  # the steps, the connectors and the key

    def inside(x: float, y: float, box, margin: float = 1.0) -> bool:
        return box[0] + margin < x < box[2] - margin and box[1] + margin < y < box[3] - margin

    items = sorted(boxes.items())
    for index, (name, box) in enumerate(items):
        for other, other_box in items[index + 1:]:
            apart = (box[2] <= other_box[0] + 1 or other_box[2] <= box[0] + 1
                     or box[3] <= other_box[1] + 1 or other_box[3] <= box[1] + 1)
            assert apart, f"{name} overlaps {other}"
    labels = [(float(t.get("x")), float(t.get("y")), g.get("id"))
              for g in conditions for t in g.iter() if t.tag.endswith("}text")]
    assert len(conditions) >= 40 and labels
    for x, y, edge in labels:
        assert not any(inside(x, y, box) for box in boxes.values()), f"label of {edge} lies on a box"


_hostile_text = st.lists(
    st.sampled_from(list('<>&"\'{}[]|#;`\\\n\t /=:!-abc§→≤') + ["<script>", "</text>", "\\N", "\\G", "&amp;"]),
    min_size=1,
    max_size=40,
).map("".join)


@given(_hostile_text)
def test_property_mermaid_labels_hold_no_raw_special_character(text):
    bare = re.sub(r"#(?:[a-z]+|\d+);", "", escape(text).replace("<br/>", ""))
    assert not re.search(r'["<>&|`{}\\;#\n]', bare)  # every special character became an entity


@needs_dot
@settings(max_examples=15)
@given(_hostile_text, _hostile_text)
def test_property_any_title_renders_as_text_in_svg(title, section):
    graph = claudication()
    nodes = tuple(attrs_evolve(n, title=title) if n.id == "exercise" else n for n in graph.nodes)
    sections = (attrs_evolve(graph.sections[0], title=section),) + graph.sections[1:]
    root = ET.fromstring(render(attrs_evolve(graph, nodes=nodes, sections=sections), "svg"))
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= {"svg", "g", "title", "text", "path", "polygon", "ellipse", "polyline", "a"}
    shown = "".join(element.text or "" for element in root.iter() if element.tag.endswith("}text"))
    words = [w for w in re.split(r"\s+", title) if w]
    assert all(word.replace("\\", "") in shown.replace("\\", "") for word in words[:1] if len(word) < 20)


@needs_dot
def test_blank_titles_still_draw():
    graph = claudication()
    nodes = tuple(attrs_evolve(n, title=" \n ") if n.id == "exercise" else n for n in graph.nodes)
    sections = (attrs_evolve(graph.sections[0], title=""),) + graph.sections[1:]
    blank = attrs_evolve(graph, title="", nodes=nodes, sections=sections)
    assert ET.fromstring(render(blank, "svg")).tag.endswith("svg")
    assert 's_immediate["#160;"]' in to_mermaid(blank)  # Mermaid refuses an empty label


def test_section_views_draw_only_edges_that_touch_the_section():
    from pathlib import Path

    from carepath import compile_file

    reference = Path(__file__).parent.parent / "guidelines" / "leg_numbness_cramping.cpath"
    graph = compile_file(reference) if reference.exists() else _fan_in_graph()
    for section in graph.sections:
        chart = build_chart(graph, section=section.id)
        inside = set(chart.sections[0].node_ids)
        assert all(edge.source in inside or edge.target in inside for edge in chart.edges), section.id
        arrows = {e.source for e in chart.edges} | {e.target for e in chart.edges if not e.jump}
        assert all(node.id in arrows for node in chart.nodes if node.external), section.id
