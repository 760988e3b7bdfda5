"""The reference guideline keeps the vocabulary that outside systems key on.

`shared/vocabulary/leg_numbness_cramping.md` (beside the repository) fixes the
input names with their types and the action ids with their urgencies. These
tests read its tables and hold the compiled guideline to them, so a rename or a
changed urgency fails here before it breaks an EHR integration. They also hold it
to the clinical review of issue 10: the vocabulary's pitfalls proved from the
patient's facts, the seed quoted verbatim, a scenario for each reviewed patient.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carepath import compile_file
from carepath.compiler import ir

ROOT = Path(__file__).resolve().parents[1]
GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
VOCABULARY = ROOT.parent / "shared" / "vocabulary" / "leg_numbness_cramping.md"
SEED = ROOT.parent / "shared" / "seed" / "leg-numbness-cramping-workup.txt"

pytestmark = pytest.mark.skipif(
    not (VOCABULARY.exists() and SEED.exists()), reason=f"vocabulary or seed not found beside {ROOT}"
)


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


def test_the_consultation_finding_and_every_rutherford_class_lead_somewhere(graph):
    """`acute_limb_ischemia` and Rutherford `III` (added to the vocabulary) are read by a decision."""
    declared = {i.name: i.type for i in graph.inputs}
    assert declared["acute_limb_ischemia"] == ir.EnumType(("confirmed", "excluded"))
    assert declared["rutherford_class"] == ir.EnumType(("I", "IIa", "IIb", "III"))
    compared = {
        (side.name, member.value)
        for edge in graph.edges
        if edge.guard is not None
        for node in ir.walk(edge.guard)
        if isinstance(node, ir.Compare | ir.Membership)
        for side in ([node.left] if isinstance(node, ir.Compare) else [node.operand])
        if isinstance(side, ir.InputRef)
        for member in ([node.right] if isinstance(node, ir.Compare) else node.members)
        if isinstance(member, ir.Literal)
    }
    for member in ("I", "IIa", "IIb", "III"):
        assert ("rutherford_class", member) in compared, member
    assert ("acute_limb_ischemia", "excluded") in compared


# The vocabulary's pitfalls that must hold for every patient: the action each one leads
# to. Each must be proved by an `always A implies reaches X` whose condition A reads the
# patient's facts only, never `reaches`: "reaches Y implies ..." proves less than its title.
UNCONDITIONAL = (
    "emergency_vascular_consult",
    "emergency_thromboembolectomy",
    "cauda_equina_referral",
    "vascular_referral",
    "revascularization_assessment",
    "follow_up_2_4_weeks",
)


@pytest.mark.parametrize("action", UNCONDITIONAL)
def test_pitfalls_are_proved_from_the_patients_facts(graph, action):
    def condition_and_target(assertion):
        formula = assertion.formula
        if assertion.kind is not ir.AssertionKind.ALWAYS or not isinstance(formula, ir.Or):
            return None
        *conditions, conclusion = formula.operands
        if not all(isinstance(c, ir.Not) for c in conditions):
            return None
        return conditions, conclusion

    proved_from_facts = []
    for assertion in graph.assertions:
        split = condition_and_target(assertion)
        if split is None:
            continue
        conditions, conclusion = split
        targets = {n.node for n in ir.walk(conclusion) if isinstance(n, ir.Reaches)}
        reads_reaches = any(isinstance(n, ir.Reaches) for c in conditions for n in ir.walk(c))
        if action in targets and not reads_reaches:
            proved_from_facts.append(assertion.label)
    assert proved_from_facts, f"no assertion proves `{action}` from the patient's facts alone"


def test_no_node_recommends_splinting_or_immobilization(graph):
    """The pitfall has no action to forbid: hold the guideline to having none."""
    for node in graph.nodes:
        words = f"{node.title} {node.text or ''}".lower()
        for word in ("splint", "immobiliz"):
            if word in words:
                assert "no splinting" in words, f"`{node.id}` mentions {word}"


def normalized(text: str) -> str:
    return " ".join(text.split())


def test_every_source_quote_is_verbatim_seed_text(graph):
    """A `source` or `not encoded` quote must be findable in the seed as written."""
    seed = normalized(SEED.read_text(encoding="utf-8"))
    quotes = [item.source for item in (*graph.nodes, *graph.defines, *graph.assertions) if item.source]
    quotes += [item.quote for item in graph.not_encoded]
    assert len(quotes) > 60
    assert [q for q in quotes if normalized(q) not in seed] == []


def test_the_22q11_pitfall_is_in_a_node(graph):
    assert any("22q11.2" in (node.text or "") for node in graph.nodes)


def test_every_issue_10_patient_has_a_scenario(graph):
    """The patients of the clinical review (issue 10), each with what the seed says."""
    names = {s.name for s in graph.scenarios}
    for name in (
        "Worsening radiculopathy, ischemia excluded: MRI and spine surgery referral",
        "Chronic claudicant with absent pulses, ischemia excluded: the whole workup",
        "ABI 0.6, ankle 45 and toe 20 mm[Hg], no exertional symptoms",
        "Diminished pulses with pain above the ankle and numbness: consultation",
        "Paralysis with palpable pulses: consultation",
        "Irreversible ischemia (Rutherford III) can be recorded",
        "Pain above the ankle and pallor, coolness unknown: the run asks for it",
        "Painful diabetic neuropathy, age not yet known: no dose shown",
        "Fasting glucose 130 mg/dL with a normal HbA1c: repeat the test, no diabetes branch",
    ):
        assert name in names, name
