"""Name resolution: parsed modules → `Program` (symbol tables) + name diagnostics.

Every name the author wrote must mean something: an input or define in an
expression, a node after `->`/`then`, a reference in `[...]`, an input in
`collects`, `known`, scenario facts and `needs`, the patient after a scenario's
`from`. Unknown names come with the
closest known names of the right kind, as Elm does ("did you mean `abi`?").
Declared names must be used: an input no decision reads is a question nobody
needs to ask, and a define nobody reads is dead logic.

Enum members are bare names too (`pedal_pulses = absent`); whether a member fits
the enum it is compared with is for `check_types`, which knows the types. Here a
bare name is accepted if *some* enum declares it.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable

from carepath.dsl import ast
from carepath.diagnostics import Span
from carepath.diagnostics import Sink
from carepath.compiler.passes.load import Loaded
from carepath.compiler.program import Program

STATUSES = ("complete", "needs_input")
URGENCIES = ("emergent", "urgent", "routine")


def resolve(loaded: Loaded, sink: Sink) -> Program:
    program = Program(main=loaded.modules[-1], modules=loaded.modules, source_text=loaded.main_text)
    _declare(program, sink)
    uses = _check_references(program, sink)
    _check_unused(program, uses, sink)
    return program


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known names, or None when nothing is close.

    Close means similar spelling (difflib's ratio) or one name extending the
    other (`abi_typo` → `abi`, `pulses` → `pedal_pulses`).
    """
    pool = sorted(set(candidates) - {name})
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    stem = [c for c in pool if min(len(c), len(name)) >= 3 and (name.startswith(c) or c.startswith(name)
                                                                 or c.endswith(name) or name.endswith(c))]
    close = list(dict.fromkeys([*close, *stem]))[:3]
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean `{close[0]}`?"
    return "did you mean " + ", ".join(f"`{c}`" for c in close[:-1]) + f" or `{close[-1]}`?"


# --- declarations ----------------------------------------------------------------------


def _declare(program: Program, sink: Sink) -> None:
    seen_values: dict[str, ast.Name] = {}
    # name → first declaration, per table, kept as the tables grow (rebuilt per item, it was quadratic)
    seen_in: dict[type, dict[str, ast.Name]] = {ast.ReferenceDecl: {}, ast.SectionDecl: {}}
    seen_nodes: dict[str, ast.Name] = {}
    tables = {
        ast.InputDecl: program.inputs,
        ast.DefineDecl: program.defines,
        ast.ReferenceDecl: program.references,
        ast.SectionDecl: program.sections,
    }
    for module in program.modules:
        for item in module.items:
            if isinstance(item, (ast.InputDecl, ast.DefineDecl)):
                _add(item, item.name, program.inputs if isinstance(item, ast.InputDecl) else program.defines,
                     seen_values, "an input or define", sink)
            elif isinstance(item, (ast.ReferenceDecl, ast.SectionDecl)):
                table = tables[type(item)]
                _add(item, item.name, table, seen_in[type(item)],
                     "a reference" if isinstance(item, ast.ReferenceDecl) else "a section", sink)
            elif isinstance(item, (ast.AssessDecl, ast.DecideDecl, ast.ActionDecl, ast.EndDecl)):
                if item.name.value == "start":
                    sink.error("CP0102", "`start` is the name of the start node", item.name.span,
                               label="reserved", hint="choose another name for this node")
                    continue
                _add(item, item.name, program.nodes, seen_nodes,
                     "a node", sink)
            elif isinstance(item, ast.StartDecl):
                if program.start is not None:
                    sink.error("CP0102", "`start` is given twice", item.span, label="second start",
                               hint="a guideline has one start; list several first nodes as `start -> a, b`")
                else:
                    program.start = item
            elif isinstance(item, ast.AssertDecl):
                program.assertions.append(item)
            elif isinstance(item, ast.ScenarioDecl):
                program.scenarios.append(item)
            elif isinstance(item, ast.PatientDecl):
                _add(item, item.name, program.patients, {n: t.name for n, t in program.patients.items()},
                     "a patient", sink)
            elif isinstance(item, ast.NotEncodedDecl):
                program.not_encoded.append(item)
        if module is program.main and module.header is None:
            sink.error("CP0008", "this file has no `guideline` header", Span.point(module.path, 1, 1),
                       hint='begin the file with `guideline <name> "<title>" version "1.0.0"`')
    if program.start is None and program.main.header is not None:
        sink.error("CP0107", "the guideline has no `start`", program.main.header.span,
                   label="no start in this guideline", hint="add `start -> <first node>`")
    _reserved_and_clashing(program, sink)
    for decl in program.inputs.values():
        if isinstance(decl.type, ast.EnumTypeExpr):
            seen: set[str] = set()
            for member in decl.type.members:
                if member.value in seen:
                    sink.error("CP0111", f"`{member.value}` is listed twice in `{decl.name.value}`",
                               member.span, label="listed again", hint="remove the repeat")
                seen.add(member.value)


def _reserved_and_clashing(program: Program, sink: Sink) -> None:
    """Keywords are not names, and a value name must not hide an enum member.

    The parser reads a keyword as a name where only a name can stand, so
    `input true: boolean` parses; but `true` could never be read in a guard.
    Likewise `input absent: boolean` would turn every `pulses = absent` into a
    comparison with that input. Both are refused where they are declared.
    """
    keywords = keyword_set()
    declared = [
        *(d.name for d in program.inputs.values()),
        *(d.name for d in program.defines.values()),
        *(d.name for d in program.nodes.values()),
        *(d.name for d in program.references.values()),
        *(d.name for d in program.sections.values()),
        *(m for d in program.inputs.values() if isinstance(d.type, ast.EnumTypeExpr) for m in d.type.members),
    ]
    for name in declared:
        if name.value in keywords:
            sink.error("CP0112", f"`{name.value}` is a keyword and cannot be used as a name", name.span,
                       label="keyword", hint=f"choose another name, e.g. `{name.value}_`")
    members = program.enum_members()
    for decl in [*program.inputs.values(), *program.defines.values()]:
        enums = members.get(decl.name.value)
        if enums:
            sink.error("CP0113", f"`{decl.name.value}` is also a member of `{enums[0]}`", decl.name.span,
                       label="hides the enum member", hint="rename the input or define")


@functools.cache
def keyword_set() -> frozenset[str]:
    """Every word the grammar uses as a keyword."""
    from carepath.dsl.parser import lark_parser

    return frozenset(
        t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str" and t.pattern.value.isalpha()
    )


def _add(item, name: ast.Name, table: dict, seen: dict[str, ast.Name], kind: str, sink: Sink) -> None:
    first = seen.get(name.value)
    if first is not None:
        sink.error("CP0102", f"`{name.value}` is declared twice", name.span,
                   label=f"already {kind}", notes=(f"first declared at {first.span}",),
                   hint="rename one of them")
        return
    seen[name.value] = name
    table[name.value] = item


# --- uses ----------------------------------------------------------------------------------


class _Uses:
    """Which declared names something reads; collected while checking references.

    A name offered as the fix for a misspelling counts as used: after `abi_typo`
    is reported with "did you mean `abi`?", saying `abi` is unused is noise.
    """

    def __init__(self) -> None:
        self.inputs: set[str] = set()
        self.defines: set[str] = set()
        self.patients: set[str] = set()
        self.suggested: set[str] = set()

    def suggest(self, name: str, candidates: Iterable[str]) -> str | None:
        candidates = list(candidates)
        hint = suggest(name, candidates)
        if hint:
            self.suggested.update(c for c in candidates if f"`{c}`" in hint)
        return hint


def _check_references(program: Program, sink: Sink) -> _Uses:
    uses = _Uses()
    members = program.enum_members()

    def expr(e: ast.Expr, *, in_assertion: bool = False) -> None:
        for node in ast.walk(e):
            if isinstance(node, ast.NameRef):
                _value_name(program, node.name, node.span, members, uses, sink)
            elif isinstance(node, ast.KnownTest):
                if node.name.value in program.defines:
                    sink.error("CP0101", f"`known` applies to inputs, and `{node.name.value}` is a define",
                               node.name.span, label="a define",
                               hint="ask whether the facts it reads are known, e.g. `known abi`")
                else:
                    input_name(node.name)
            elif isinstance(node, ast.Reaches):
                if not in_assertion:
                    sink.error("CP0108", "`reaches` can only be used in an assertion", node.span,
                               label="not in an assertion",
                               hint="a guard decides on the patient's facts; state path properties with `assert`")
                node_name(node.node)

    def node_name(name: ast.Name) -> None:
        if name.value != "start" and name.value not in program.nodes:
            sink.error("CP0104", f"unknown node `{name.value}`", name.span, label="no node has this name",
                       hint=suggest(name.value, program.nodes))

    def input_name(name: ast.Name, *, use: bool = True) -> None:
        if name.value in program.inputs:
            if use:
                uses.inputs.add(name.value)
        else:
            sink.error("CP0101", f"unknown input `{name.value}`", name.span, label="not a declared input",
                       hint=uses.suggest(name.value, program.inputs))

    def patient_name(name: ast.Name) -> None:
        if name.value in program.patients:
            uses.patients.add(name.value)
        else:
            sink.error("CP0114", f"unknown patient `{name.value}`", name.span, label="no patient has this name",
                       hint=uses.suggest(name.value, program.patients)
                       or "declare it with `patient NAME given ...` before the scenario")

    def citations(names: tuple[ast.Name, ...]) -> None:
        _no_repeats(names, "citation", sink)
        for name in names:
            if name.value not in program.references:
                sink.error("CP0105", f"unknown reference `{name.value}`", name.span,
                           label="no reference has this name",
                           hint=suggest(name.value, program.references) or "declare it with `reference`")

    for decl in program.defines.values():
        expr(decl.expr)
    if program.start is not None:
        _no_repeats(program.start.targets, "first node", sink)
        for target in program.start.targets:
            node_name(target)
    for node in program.nodes.values():
        citations(node.citations)
        if isinstance(node, ast.AssessDecl):
            _no_repeats(node.collects, "collected input", sink)
            _no_repeats(node.then, "next node", sink)
            for name in node.collects:
                input_name(name)
            for target in node.then:
                node_name(target)
        elif isinstance(node, ast.DecideDecl):
            for branch in node.branches:
                expr(branch.guard)
                _no_repeats(branch.targets, "target", sink)
                for target in branch.targets:
                    node_name(target)
            if node.otherwise is not None:
                _no_repeats(node.otherwise.targets, "target", sink)
                for target in node.otherwise.targets:
                    node_name(target)
        elif isinstance(node, ast.ActionDecl):
            _no_repeats(node.then, "next node", sink)
            for target in node.then:
                node_name(target)
            if node.urgency is not None and node.urgency.value not in URGENCIES:
                sink.error("CP0208", f"unknown urgency `{node.urgency.value}`", node.urgency.span,
                           hint="urgency is emergent, urgent or routine")
    for assertion in program.assertions:
        citations(assertion.citations)
        for prop in assertion.properties:
            if isinstance(prop, (ast.Always, ast.Never)):
                expr(prop.expr, in_assertion=True)
            elif isinstance(prop, ast.Before):
                node_name(prop.first)
                node_name(prop.then)
            elif isinstance(prop, ast.DependsOn):
                node_name(prop.node)
                input_name(prop.input)
    for patient in program.patients.values():
        _no_repeats(tuple(f.name for f in patient.facts), "fact", sink)
        for fact in patient.facts:
            input_name(fact.name, use=False)
    for scenario in program.scenarios:
        _no_repeats(tuple(f.name for f in scenario.facts), "fact", sink)
        for fact in scenario.facts:
            input_name(fact.name, use=False)
        if scenario.patient is not None:
            patient_name(scenario.patient)
        for expectation in scenario.expectations:
            _expectation(program, expectation, node_name, lambda n: input_name(n, use=False), sink)
    return uses


def _no_repeats(names: tuple[ast.Name, ...], what: str, sink: Sink) -> None:
    seen: set[str] = set()
    for name in names:
        if name.value in seen:
            sink.error("CP0309", f"`{name.value}` is listed twice as a {what}", name.span,
                       label="listed again", hint="remove the repeat")
        seen.add(name.value)


def _value_name(program, name, span, members, uses: _Uses, sink: Sink) -> None:
    if name in program.inputs:
        uses.inputs.add(name)
    elif name in program.defines:
        uses.defines.add(name)
    elif name not in members:
        candidates = [*program.inputs, *program.defines, *members]
        sink.error("CP0101", f"unknown name `{name}`", span,
                   label="not an input, define or enum member",
                   hint=uses.suggest(name, candidates) or "declare it with `input` or `define`")


def _expectation(program, expectation: ast.ExpectDecl, node_name, input_name, sink: Sink) -> None:
    kind = expectation.kind
    for value in expectation.values:
        if kind in ("reaches", "not_reaches", "first"):
            node_name(value)
        elif kind in ("needs", "not_needs"):
            input_name(value)
        elif kind == "status" and value.value not in STATUSES:
            sink.error("CP0101", f"unknown status `{value.value}`", value.span,
                       hint=suggest(value.value, STATUSES) or "a status is `complete` or `needs_input`")
        elif kind == "first_urgency" and value.value not in URGENCIES:
            sink.error("CP0101", f"unknown urgency `{value.value}`", value.span,
                       hint=suggest(value.value, URGENCIES) or "urgency is emergent, urgent or routine")


def _check_unused(program: Program, uses: _Uses, sink: Sink) -> None:
    """Only the guideline's own declarations: a shared file may declare more than one importer uses."""
    own = {id(item) for item in program.main.items}
    for name, decl in program.inputs.items():
        if id(decl) in own and name not in uses.inputs and name not in uses.suggested:
            sink.error("CP0103", f"input `{name}` is never used", decl.name.span,
                       label="no decision, define or assessment reads it",
                       hint="use it in a guard or an assessment's `collects`, or remove it")
    for name, decl in program.defines.items():
        if id(decl) in own and name not in uses.defines and name not in uses.suggested:
            sink.error("CP0103", f"define `{name}` is never used", decl.name.span,
                       label="nothing reads it", hint="use it in a guard or remove it")
    for name, decl in program.patients.items():
        if name not in uses.patients and name not in uses.suggested:
            sink.error("CP0103", f"patient `{name}` is never used", decl.name.span,
                       label="no scenario starts from it",
                       hint=f'start a scenario from it (`scenario "..." from {name}`) or remove it')

