"""The sign-off document: graph IR (and optionally its source document) → a `Review` a clinician signs.

A clinician signing a guideline off needs, for every action, what it recommends
(urgency, timing, doses), on whose authority (citations with their titles, and
the quoted sentence of the source document) and, above all, *for whom*: the full
condition under which a patient's path reaches the action, which is the
verifier's reach condition written with the guideline's names
(`compiler.logic.conditions`). Then the assertions with what the verifier found
for each, and, when the source document is given, its sentences that nothing in
the guideline quotes (`targets.review.sources`).

`build_review` computes the content; `targets.review.render` writes it as
Markdown, self-contained HTML or JSON. Like every target this reads only the IR
(and the verifier, which reads only the IR).
"""

from __future__ import annotations

from attrs import frozen

from carepath.compiler import ir
from carepath.compiler.logic import DEFAULT_TIMEOUT_MS
from carepath.compiler.logic.assertions import AssertionChecks
from carepath.compiler.logic.conditions import ReachConditions
from carepath.compiler.logic.slicing import PathQueries
from carepath.compiler.logic.witness import Witnesses
from carepath.targets.review.sources import Coverage, coverage
from carepath.targets.review.words import alternatives, conjuncts, words


@frozen
class Citation:
    id: str
    title: str  # the reference's title and year, or the id when the graph lacks the reference


@frozen
class ActionEntry:
    id: str
    title: str
    urgency: str
    timing: str | None
    doses: tuple[str, ...]
    detail: str | None
    citations: tuple[Citation, ...]
    source: str | None
    condition: tuple[str, ...]  # every line must hold; empty: every patient reaches it
    reachable: bool  # False when no patient reaches the action at all
    choices: tuple[tuple[str, ...], ...] = ()  # per condition line: its alternatives, when it is a long `or`


@frozen
class SectionEntry:
    id: str | None
    title: str
    actions: tuple[ActionEntry, ...]


@frozen
class AssertionEntry:
    label: str
    statement: str
    citations: tuple[Citation, ...]
    source: str | None
    status: str  # "proved" | "fails" | "undecided"
    detail: tuple[str, ...]  # the counterexample and its path, or why z3 gave up


@frozen
class Review:
    guideline: str
    title: str
    version: str
    sections: tuple[SectionEntry, ...]
    assertions: tuple[AssertionEntry, ...]
    coverage: Coverage | None  # None without a source document

    @property
    def unexplained(self) -> tuple[str, ...]:
        """Source sentences neither quoted nor marked `not encoded`: what blocks a sign-off."""
        return self.coverage.unmapped if self.coverage is not None else ()

    @property
    def proved(self) -> bool:
        return all(a.status == "proved" for a in self.assertions)


def build_review(graph: ir.Graph, source_text: str | None = None,
                 timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Review:
    conditions = ReachConditions(graph, timeout_ms)
    activation = conditions.activation
    references = {r.id: r for r in graph.references}

    def cite(ids: tuple[str, ...]) -> tuple[Citation, ...]:
        return tuple(Citation(i, _reference_title(references[i]) if i in references else i) for i in ids)

    entries: dict[str | None, list[ActionEntry]] = {}
    for node_id in activation.order:
        node = graph.node(node_id)
        if node.kind is not ir.NodeKind.ACTION:
            continue
        condition = conditions.simplified(node_id)
        entries.setdefault(node.section, []).append(ActionEntry(
            node.id, node.title, (node.urgency or ir.Urgency.ROUTINE).value,
            str(node.timing) if node.timing else None, tuple(str(d) for d in node.doses), node.text,
            cite(node.citations), node.source, tuple(conjuncts(condition)),
            condition != ir.Literal(False), tuple(tuple(a) for a in alternatives(condition))))
    sections = [SectionEntry(s.id, s.title, tuple(entries.pop(s.id))) for s in graph.sections if s.id in entries]
    if None in entries:
        sections.insert(0, SectionEntry(None, "Outside any section", tuple(entries.pop(None))))

    prover = conditions.prover
    checks = AssertionChecks(activation, prover, PathQueries(activation, prover),
                             Witnesses(activation.encoder.inputs, prover, activation.order, activation.reach))
    assertions = []
    for assertion in graph.assertions:
        finding = checks.check(assertion)
        status = "proved" if finding is None else ("fails" if finding.is_error else "undecided")
        detail = () if finding is None else finding.notes
        assertions.append(AssertionEntry(assertion.label, statement(assertion), cite(assertion.citations),
                                         assertion.source, status, detail))
    found = coverage(graph, source_text) if source_text is not None else None
    return Review(graph.id, graph.title, graph.version, tuple(sections), tuple(assertions), found)


def statement(assertion: ir.Assertion) -> str:
    """What an assertion claims, in words: `always: if X then reaches Y`."""
    kind = assertion.kind
    if kind is ir.AssertionKind.BEFORE:
        return f"always `{assertion.target}` before `{assertion.other}`"
    if kind is ir.AssertionKind.DEPENDS:
        return f"always `{assertion.target}` depends on `{assertion.input}`"
    formula = assertion.formula
    if isinstance(formula, ir.Or) and len(formula.operands) == 2 and isinstance(formula.operands[0], ir.Not):
        claim = f"if {words(formula.operands[0].operand)} then {words(formula.operands[1])}"
    else:
        claim = words(formula)
    return f"{kind.value}: {claim}"


def _reference_title(reference: ir.Reference) -> str:
    return reference.title + (f" ({reference.year})" if reference.year else "")
