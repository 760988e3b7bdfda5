"""The reference guideline keeps the vocabulary that outside systems key on.

`shared/vocabulary/leg_numbness_cramping.md` (beside the repository) fixes the
input names with their types and the action ids with their urgencies. These
tests read its tables and hold the compiled guideline to them, so a rename or a
changed urgency fails here before it breaks an EHR integration.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carepath import compile_file
from compiler import ir

ROOT = Path(__file__).resolve().parents[1]
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
VOCABULARY = ROOT.parent / "shared" / "vocabulary" / "leg_numbness_cramping.md"

pytestmark = pytest.mark.skipif(not VOCABULARY.exists(), reason=f"vocabulary not found at {VOCABULARY}")


def table_rows(heading: str) -> list[list[str]]:
    """The rows of the markdown table under `## heading`, cells stripped of backticks."""
    text = VOCABULARY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def graph() -> ir.Graph:
    return compile_file(GUIDELINE)


def expected_type(description: str) -> ir.Type:
    description = description.replace("`", "")
    if description == "boolean":
        return ir.BooleanType()
    if description.startswith("enum"):
        return ir.EnumType(tuple(m.strip() for m in description[len("enum"):].split(",")))
    if description.startswith("quantity"):
        return ir.QuantityType(description.split()[1])
    match = re.fullmatch(r"number, (\S+) to (\S+)", description)
    assert match, f"unrecognised type in the vocabulary: {description}"
    return ir.NumberType(float(match[1]), float(match[2]))


def test_inputs_are_exactly_the_vocabulary(graph):
    rows = table_rows("Inputs (facts a run can be given)")
    assert len(rows) > 40
    expected = {row[0].strip("`"): expected_type(row[1]) for row in rows}
    declared = {i.name: i.type for i in graph.inputs}
    assert sorted(declared) == sorted(expected)
    for name, want in expected.items():
        got = declared[name]
        if isinstance(want, ir.QuantityType):
            assert isinstance(got, ir.QuantityType) and got.unit == want.unit, name
        else:
            assert got == want, name


def test_every_input_asks_a_question(graph):
    assert [i.name for i in graph.inputs if not i.question] == []


def test_every_vocabulary_action_exists_with_its_urgency_and_citations(graph):
    rows = table_rows("Actions (what a run recommends)")
    assert len(rows) > 35
    actions = {n.id: n for n in graph.nodes if n.kind is ir.NodeKind.ACTION}
    for row in rows:
        action_id, urgency = row[0].strip("`"), row[1]
        assert action_id in actions, f"missing action `{action_id}`"
        assert actions[action_id].urgency.value == urgency, action_id
        assert actions[action_id].citations, action_id


def test_seed_references_are_declared_and_cited(graph):
    ids = {r.id for r in graph.references}
    assert {"ref1", "ref2", "ref3", "ref4", "ref5", "ref6"} <= ids


def test_thresholds_of_the_seed_appear_with_their_units():
    text = GUIDELINE.read_text(encoding="utf-8")
    for threshold in ("0.90", "50 mm[Hg]", "30 mm[Hg]", "10 min", "6 wk", "7 %", "60 to 120 mg/d"):
        assert threshold in text, threshold


def test_sections_follow_the_seed(graph):
    titles = " / ".join(s.title.lower() for s in graph.sections)
    order = ["immediate", "history", "exam", "lab", "imaging", "treatment", "follow"]
    positions = [titles.find(word) for word in order]
    assert -1 not in positions, titles
    assert positions == sorted(positions), titles
