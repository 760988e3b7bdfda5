"""`carepath render` end to end: formats by suffix, --facts, --section, errors and atomic writes."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath.cli import main

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
PATIENT = ROOT / "examples" / "patients" / "claudication_abi_missing.json"

SMALL = """guideline calf "Calf pain" version "1.0.0"

reference ref1 "Claudication overview" 2025

input abi: number 0 to 2
  ask "Ankle-brachial index"
input rest_relief_time: quantity min

section work "Work-up"

start -> measure

assess measure "Measure the ABI" collects abi, rest_relief_time then kind

decide kind "Vascular claudication?" (first) [ref1]
  when abi <= 0.90 and rest_relief_time <= 10 min -> exercise
  otherwise -> done

action exercise "Supervised exercise" [ref1]
  urgency routine
  then done

end done "Done"
"""

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "calf.cpath"
    path.write_text(SMALL, encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, ["render", *map(str, args)])


@needs_dot
@pytest.mark.parametrize(
    ("suffix", "signature"),
    [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF"), (".dot", b"digraph"), (".mmd", b"---\ntitle:")],
)
def test_the_suffix_picks_the_format(small, tmp_path, suffix, signature):
    out = tmp_path / f"chart{suffix}"
    result = invoke(small, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(signature)
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # a published chart is readable


def test_format_option_overrides_the_suffix(small, tmp_path):
    out = tmp_path / "chart.txt"
    assert invoke(small, "-o", out, "--format", "mmd").exit_code == 0
    assert "flowchart TB" in out.read_text(encoding="utf-8")


def test_an_unknown_suffix_is_a_usage_error_and_writes_nothing(small, tmp_path):
    out = tmp_path / "chart.jpeg"
    result = invoke(small, "-o", out)
    assert result.exit_code == 2
    assert "cannot tell the format" in result.output and ".svg" in result.output
    assert not out.exists()


def test_an_unknown_section_lists_the_known_ones(small, tmp_path):
    result = invoke(small, "-o", tmp_path / "chart.dot", "--section", "labs")
    assert result.exit_code == 2 and "sections: work" in result.output
    assert list(tmp_path.iterdir()) == [small]  # no output, no temporary file left


def test_a_missing_dot_program_exits_2_and_leaves_the_old_file(small, tmp_path, monkeypatch):
    out = tmp_path / "chart.svg"
    out.write_text("old chart", encoding="utf-8")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = invoke(small, "-o", out)
    assert result.exit_code == 2 and "`dot` program was not found" in result.output
    assert out.read_text(encoding="utf-8") == "old chart"
    assert sorted(os.listdir(tmp_path)) == ["calf.cpath", "chart.svg"]


def test_a_guideline_with_errors_exits_1(tmp_path):
    broken = tmp_path / "broken.cpath"
    broken.write_text(SMALL.replace("then done\n\nend", "then nowhere\n\nend"), encoding="utf-8")
    result = invoke(broken, "-o", tmp_path / "chart.dot")
    assert result.exit_code == 1
    assert not (tmp_path / "chart.dot").exists()


def test_bad_facts_are_listed_and_nothing_is_drawn(small, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"abi": "low", "nope": 1}', encoding="utf-8")
    out = tmp_path / "chart.dot"
    result = invoke(small, "-o", out, "--facts", facts)
    assert result.exit_code == 2
    assert "$.abi" in result.output and "$.nope" in result.output and "2 errors; nothing was drawn" in result.output
    assert not out.exists()


def test_facts_draw_the_patients_path(small, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"abi": 0.7}', encoding="utf-8")  # rest relief time unknown: pending
    plain, patient = tmp_path / "plain.dot", tmp_path / "patient.dot"
    assert invoke(small, "-o", plain).exit_code == 0
    assert invoke(small, "-o", patient, "--facts", facts).exit_code == 0
    text = patient.read_text(encoding="utf-8")
    assert text != plain.read_text(encoding="utf-8")
    kind = next(line for line in text.splitlines() if line.strip().startswith("kind ["))
    assert "dashed" in kind and "waiting for: rest relief time" in kind
    measure_edge = next(line for line in text.splitlines() if "measure -> kind" in line)
    assert "penwidth=3.5" in measure_edge
    exercise = next(line for line in text.splitlines() if line.strip().startswith("exercise ["))
    assert "#a8a8a8" in exercise  # not on the path: dimmed


@needs_dot
@pytest.mark.skipif(not REFERENCE.exists(), reason="reference guideline not present")
def test_reference_guideline_svg_has_every_step(tmp_path):
    from carepath import compile_file

    out = tmp_path / "flow.svg"
    assert invoke(REFERENCE, "-o", out).exit_code == 0
    root = ET.parse(out).getroot()
    ids = {element.get("id") for element in root.iter()}
    graph = compile_file(REFERENCE)
    assert {f"node-{node.id}" for node in graph.nodes} <= ids
    patient = tmp_path / "patient.svg"
    assert invoke(REFERENCE, "-o", patient, "--facts", PATIENT).exit_code == 0
    assert patient.read_bytes() != out.read_bytes()


def test_a_counterexample_from_check_is_drawn_as_a_path(tmp_path):
    overlap = tmp_path / "overlap.cpath"
    overlap.write_text(
        SMALL.replace("(first)", "(unique)").replace(
            "  otherwise -> done", "  when abi <= 1.0 -> done\n  otherwise -> done"
        ),
        encoding="utf-8",
    )
    folder = tmp_path / "counterexamples"
    checked = CliRunner().invoke(main, ["check", str(overlap), "--counterexamples", str(folder)])
    assert checked.exit_code == 1
    (facts,) = folder.iterdir()
    out = tmp_path / "counterexample.dot"
    refused = invoke(overlap, "-o", out, "--facts", facts)
    assert refused.exit_code == 1 and "--allow-unverified" in refused.output and not out.exists()
    result = invoke(overlap, "-o", out, "--facts", facts, "--allow-unverified")
    assert result.exit_code == 0, result.output
    # Both lines hold for the counterexample; the unique decision fires the first.
    exercise = next(line for line in out.read_text(encoding="utf-8").splitlines() if line.strip().startswith("exercise ["))
    assert 'class="action taken routine"' in exercise


def test_the_python_facade_draws_a_path_from_a_facts_mapping():
    from carepath import FactsError, compile_text, render_flowchart

    graph = compile_text(SMALL, "calf.cpath")
    plain = render_flowchart(graph, "dot").decode("utf-8")
    patient = render_flowchart(graph, "dot", {"abi": 0.7, "rest_relief_time": 5}).decode("utf-8")
    exercise = next(line for line in patient.splitlines() if line.strip().startswith("exercise ["))
    assert 'class="action taken routine"' in exercise and patient != plain
    assert render_flowchart(graph, "mmd", {"abi": 1.2}).decode("utf-8").count("linkStyle") == 2
    with pytest.raises(FactsError):
        render_flowchart(graph, "dot", {"abi": "high"})


def test_a_compiled_graph_json_renders_the_same_chart_as_its_source(small, tmp_path):
    graph_json = tmp_path / "calf.json"
    assert CliRunner().invoke(main, ["export", str(small), "-o", str(graph_json)]).exit_code == 0
    from_source, from_json = tmp_path / "a.dot", tmp_path / "b.dot"
    assert invoke(small, "-o", from_source).exit_code == 0
    assert invoke(graph_json, "-o", from_json).exit_code == 0
    assert from_source.read_bytes() == from_json.read_bytes()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")
@pytest.mark.parametrize("paper, size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_a_pdf_is_a_readable_booklet_on_the_paper_asked_for(tmp_path, monkeypatch, paper, size):
    """An overview, the key, then every section on pages of its own, none printed too small to read;
    Graphviz draws each page source once."""
    import collections

    from pypdf import PdfReader

    import carepath.targets.graphviz as graphviz
    from carepath import compile_file
    from carepath.targets.graphviz.pages import MIN_SCALE

    drawn: collections.Counter[str] = collections.Counter()
    run_dot = graphviz.run_dot

    def counted(source: str, fmt: str) -> bytes:
        drawn[source] += 1
        return run_dot(source, fmt)

    monkeypatch.setattr(graphviz, "run_dot", counted)
    graph = compile_file(REFERENCE)
    out = tmp_path / "chart.pdf"
    result = CliRunner().invoke(main, ["render", str(REFERENCE), "-o", str(out), "--paper", paper])
    assert result.exit_code == 0, result.output
    assert drawn and max(drawn.values()) == 1  # a section measured twice was drawn twice
    pages = PdfReader(out).pages
    texts, heights = zip(*map(text_and_heights, pages))
    assert len(pages) >= 2 + len(graph.sections)
    for page in pages:
        assert sorted(round(float(x)) for x in (page.mediabox.width, page.mediabox.height)) == sorted(size)
    assert "Immediate assessment" in texts[0] and ("page 3" in texts[0] or "pages 3–" in texts[0])
    assert "Key and sources" in texts[1] and "Vascular and Neurological Emergencies" in texts[1]
    for section in graph.sections:  # each section has its pages (titles compared by their start: PDF text
        assert any(section.title[:12] in text for text in texts[2:]), section.title  # splits ligatures)
    assert "ABI" in "".join(texts[2:])
    # Text height on the sheet: the smallest text a page draws (9 pt in the chart) times the page's scale.
    smallest = 9 * MIN_SCALE
    for number, page_heights in enumerate(heights, 1):
        assert page_heights and min(page_heights) >= smallest - 0.01, (number, min(page_heights))
    # The two sections that printed at a third of their size before are now split over pages.
    assert any("(part 2 of" in text for text in texts)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")
def test_a_page_is_drawn_across_only_when_that_could_print_it_larger():
    from carepath.targets.graphviz import run_dot
    from carepath.targets.graphviz.pages import best_direction

    drawn: list[str] = []

    def draw(source: str) -> bytes:
        drawn.append(source)
        return run_dot(source, "pdf")

    scale, _ = best_direction("digraph { rankdir=TB; a -> b }", "a4", draw)
    assert scale == 1.0 and len(drawn) == 1  # at full size already: across cannot be larger
    drawn.clear()
    wide = "digraph { rankdir=TB; a -> {" + " ".join(f"n{i}" for i in range(40)) + "} }"
    scale, pdf = best_direction(wide, "a4", draw)
    assert [source.split(";")[0] for source in drawn] == ["digraph { rankdir=TB", "digraph { rankdir=LR"]
    assert pdf == run_dot(drawn[1], "pdf") and scale < 1.0  # forty branches print larger drawn across


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")
def test_a_drawing_placed_on_a_sheet_keeps_its_links_on_what_they_mark():
    import io

    from pypdf import PdfReader

    from carepath.targets.graphviz import run_dot
    from carepath.targets.graphviz.pages import PAPERS, on_paper

    drawing = run_dot('digraph { a [URL="#node-a", label="A step"]; a -> b }', "pdf")
    [before] = [a.get_object()["/Rect"] for a in PdfReader(io.BytesIO(drawing)).pages[0]["/Annots"]]
    document, [scale] = on_paper([drawing], "a4")
    page = PdfReader(io.BytesIO(document)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert sorted((round(width), round(height))) == sorted(round(x) for x in PAPERS["a4"][:2])
    drawn = PdfReader(io.BytesIO(drawing)).pages[0].mediabox
    offset_x = (width - float(drawn.width) * scale) / 2
    offset_y = (height - float(drawn.height) * scale) / 2
    [after] = [a.get_object()["/Rect"] for a in page["/Annots"]]
    wanted = [float(before[0]) * scale + offset_x, float(before[1]) * scale + offset_y,
              float(before[2]) * scale + offset_x, float(before[3]) * scale + offset_y]
    assert [float(v) for v in after] == pytest.approx(wanted)
    assert "A step" in page.extract_text()


def text_and_heights(page) -> tuple[str, list[float]]:
    """A PDF page's text, and the height on the sheet, in points, of every piece of it (font size through every
    transform), in one pass over the page (pypdf reads a page's content slowly)."""
    heights = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            heights.append(size * (c * c + d * d) ** 0.5)

    return page.extract_text(visitor_text=visit), heights


def test_render_refuses_an_unknown_paper(tmp_path):
    result = CliRunner().invoke(main, ["render", str(REFERENCE), "-o", str(tmp_path / "x.pdf"), "--paper", "a3"])
    assert result.exit_code == 2
    assert not (tmp_path / "x.pdf").exists()


# --- `--error-format json`: every problem as one list of diagnostics, as --format json elsewhere ----

JSON_FIELDS = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "label", "hint",
               "notes"}


def json_problems(result) -> list[dict]:
    """The one JSON document render printed on standard output (json.loads refuses a second one)."""
    found = json.loads(result.stdout)
    assert isinstance(found, list) and found and all(JSON_FIELDS <= set(d) for d in found), result.stdout
    return found


def test_a_malformed_guideline_and_a_missing_directory_are_one_json_document(tmp_path):
    broken = tmp_path / "broken.cpath"
    broken.write_text('guideline g "G"\ninput x: boolean\ndefine d x and\n', encoding="utf-8")
    out = tmp_path / "no" / "such" / "chart.svg"
    result = invoke(broken, "-o", out, "--error-format", "json")
    assert result.exit_code == 2, result.output
    found = json_problems(result)
    assert {d["code"] for d in found} == {"CP0001", "CP0904"}
    assert {d["file"] for d in found} == {str(broken), str(out)}
    assert next(d for d in found if d["code"] == "CP0001")["line"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.cpath"]  # nothing written, no directory made


def test_a_corrupt_graph_json_and_an_output_that_is_the_input_are_one_json_document(tmp_path):
    graph = tmp_path / "g.json"
    graph.write_text('{"format": "carepath.graph/2", "nodes": 3}', encoding="utf-8")
    result = invoke(graph, "-o", graph, "--format", "dot", "--error-format", "json")
    assert result.exit_code == 2, result.output
    found = json_problems(result)
    assert "CP0904" in {d["code"] for d in found} and any(d["code"].startswith("CP07") for d in found)
    refusal = next(d for d in found if d["code"] == "CP0904")
    assert "which this command reads" in refusal["message"]
    assert graph.read_text(encoding="utf-8") == '{"format": "carepath.graph/2", "nodes": 3}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json"]


def test_bad_facts_an_unknown_suffix_and_a_directory_output_are_listed_together(small, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"abi": "low", "nope": 1}', encoding="utf-8")
    result = invoke(small, "-o", tmp_path, "--facts", facts, "--error-format", "json")
    assert result.exit_code == 2, result.output
    found = json_problems(result)
    assert sorted(d["code"] for d in found) == ["CP0602", "CP0603", "CP0901", "CP0904"]
    assert {d["location"] for d in found if d["code"].startswith("CP06")} == {"$.abi", "$.nope"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calf.cpath", "facts.json"]


def test_a_guideline_with_errors_alone_exits_1_with_json_findings(tmp_path):
    broken = tmp_path / "broken.cpath"
    broken.write_text(SMALL.replace("then done\n\nend", "then nowhere\n\nend"), encoding="utf-8")
    result = invoke(broken, "-o", tmp_path / "chart.dot", "--error-format", "json")
    assert result.exit_code == 1, result.output
    assert all(d["file"] == str(broken) for d in json_problems(result))
    assert not (tmp_path / "chart.dot").exists()


def test_a_chart_that_cannot_be_drawn_is_a_json_diagnostic(small, tmp_path):
    result = invoke(small, "-o", tmp_path / "chart.dot", "--section", "labs", "--error-format", "json")
    assert result.exit_code == 2, result.output
    (found,) = json_problems(result)
    assert found["code"] == "CP0901" and "sections: work" in found["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calf.cpath"]


def test_text_errors_stay_on_standard_error_and_list_every_problem(small, tmp_path):
    result = invoke(small, "-o", tmp_path / "missing" / "chart.jpeg")
    assert result.exit_code == 2 and result.stdout == ""
    assert "error[CP0901]" in result.stderr and "error[CP0904]" in result.stderr
    assert "2 errors; nothing was drawn" in result.stderr
