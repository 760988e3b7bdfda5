"""Semantic diff: two versions of a guideline → the patients whose recommendations change, one region per change.

Both graphs are encoded over one set of input variables (inputs are matched by
name). A patient *differs* when their set of actions, or their first action (by
urgency, then graph order, as a runtime lists them), is not the same in both
versions. The report is organised by what the author changed, not by raw inputs:

1. *Sites*: the nodes whose own lines, targets or attributes changed, and the
   decisions that read a `define` whose meaning changed. Sites changed by the
   same edit (the same node, or the same changed defines) form one *change*.
2. A differing patient belongs to the first site, in graph order, at which their
   workup takes another way (a target fires in one version and not the other, or
   the action itself changed). Each change with such patients is one *region*.
3. The region is described among the patients who reach its sites, in the
   guideline's own conditions: the atoms of the guards (comparisons, the names of
   inputs and defines, with a changed define written out) and the changed lines'
   whole guards. A patient of the region gives a cube (every atom true, false or
   unknown); z3 widens it clause by clause, dropping a clause or relaxing "false"
   to "not true", as long as every patient it describes still differs and belongs
   to the region; new cubes are taken until the region is covered. So the terms
   are exact (each one proved inside the region, together proved to cover it)
   and minimal clause by clause: moving `abi <= 0.90` to `abi <= 0.80` gives one
   term, `abi <= 0.90 and abi > 0.80, unless vascular claudication and pulses
   decreased` (a later line that still leads to the same action).

Each region has one example patient (as few facts as greedily possible) with
its actions in both versions. Inputs declared differently in the two versions
are reported and patients are drawn from the inputs' common domain; inputs of
different kinds or units cannot be compared: `DiffInputError`.
"""

from __future__ import annotations

from typing import Any

import z3
from attrs import frozen

from carepath.diagnostics import ProblemsError
from carepath.compiler import ir, printer
from carepath.compiler.logic import DEFAULT_TIMEOUT_MS
from carepath.compiler.logic.conditions import normalize
from carepath.compiler.logic.encode import Encoder, Inputs, rational
from carepath.compiler.logic.prover import Prover
from carepath.compiler.logic.reach import Activation
from carepath.compiler.logic.witness import facts_of, path_of, simplest

MAX_TERMS = 8  # per region; a region needing more is reported with `exact=False`


class DiffInputError(ProblemsError):
    """The two versions cannot be compared; `problems` lists every reason."""

    code = "CP0903"


@frozen
class InputChange:
    name: str
    old: str | None  # the declaration, None when the version lacks the input
    new: str | None


@frozen
class Outcome:
    actions: tuple[str, ...]  # in the order a runtime lists them
    path: tuple[str, ...]

    @property
    def first(self) -> str | None:
        return self.actions[0] if self.actions else None


@frozen
class LineChange:
    """A `when` line (1-based; `otherwise` is the line after the last `when`) that differs."""

    node: str
    line: int
    old: tuple[ir.Expr | None, tuple[str, ...]] | None  # (guard, targets); guard None for `otherwise`
    new: tuple[ir.Expr | None, tuple[str, ...]] | None  # None: the version has no such line


@frozen
class DefineChange:
    name: str
    old: ir.Expr | None  # None: the version has no such define
    new: ir.Expr | None


@frozen
class NodeChange:
    node: str
    detail: str  # "urgency routine → emergent", "added", "then a → b"


Change = LineChange | DefineChange | NodeChange


@frozen
class Clause:
    """One condition of a term: `expr` holds (`holds`), or does not hold: false or unknown."""

    expr: ir.Expr
    holds: bool = True


@frozen
class Region:
    where: tuple[str, ...]  # the sites: the patients reach one of them; () for "elsewhere"
    changes: tuple[Change, ...]  # what the author changed there
    terms: tuple[tuple[Clause, ...], ...]  # the patients: those of any term (every clause holding)
    exact: bool  # False when the terms are not proved to cover the region (term limit or time limit)
    example: dict[str, Any]
    old: Outcome
    new: Outcome


@frozen
class GuidelineDiff:
    input_changes: tuple[InputChange, ...]
    regions: tuple[Region, ...]
    complete: bool  # False when the region limit or the time limit stopped the search

    @property
    def differs(self) -> bool:
        return bool(self.input_changes or self.regions)


def diff_graphs(old: ir.Graph, new: ir.Graph, max_regions: int = 20,
                timeout_ms: int = DEFAULT_TIMEOUT_MS) -> GuidelineDiff:
    declarations, input_changes, narrowing = _merge_inputs(old.inputs, new.inputs)
    inputs = Inputs(declarations)
    versions = (_Version(old, inputs), _Version(new, inputs))
    prover = Prover(inputs, timeout_ms, background=[_within(inputs, name, kind) for name, kind in narrowing])
    differs = _differs(*versions)
    changed_defines = _changed_defines(old, new)
    vocabulary = _Vocabulary(versions, changed_defines)
    regions: list[Region] = []
    complete = True
    earlier = z3.BoolVal(False)  # patients already claimed by an earlier change
    for where, changes in _changes(versions, changed_defines):
        touched = z3.Or([versions[0].touched(node, versions[1]) for node in where])
        region = z3.And(differs, touched, z3.Not(earlier))
        earlier = z3.Or(earlier, touched)
        found = prover.find(region)
        if found.undecided is not None:
            complete = False
        if found.model is None:
            continue
        if len(regions) == max_regions:
            complete = False
            break
        context = z3.Or([v.reach(node) for v in versions for node in where])
        regions.append(_describe(prover, inputs, versions, vocabulary, where, changes, region, context, found.model))
    rest = z3.And(differs, z3.Not(earlier))
    found = prover.find(rest)
    if found.model is not None and len(regions) < max_regions:
        regions.append(_describe(prover, inputs, versions, vocabulary, (), (), rest, z3.BoolVal(True), found.model))
    elif found.model is not None or found.undecided is not None:
        complete = False
    return GuidelineDiff(tuple(input_changes), tuple(regions), complete)


def _describe(prover: Prover, inputs: Inputs, versions, vocabulary: "_Vocabulary", where: tuple[str, ...],
              changes: tuple[Change, ...], region: z3.BoolRef, context: z3.BoolRef, model: z3.ModelRef) -> Region:
    cover = _Cover(prover, vocabulary, vocabulary.entries(where, changes), region, context)
    terms, exact = cover.terms(model)
    example = simplest(prover, inputs, model, region)
    return Region(where, changes, terms, exact, facts_of(example, inputs),
                  *(version.outcome(example) for version in versions))


class _Version:
    """One guideline's activation, its actions in runtime order, and how its nodes fire."""

    def __init__(self, graph: ir.Graph, inputs: Inputs):
        self.graph = graph
        self.encoder = Encoder(inputs, graph.defines)
        self.activation = Activation(graph, self.encoder)
        self.nodes = {n.id: n for n in graph.nodes}
        position = {node_id: i for i, node_id in enumerate(self.activation.order)}
        actions = [n for n in graph.nodes if n.kind is ir.NodeKind.ACTION]
        actions.sort(key=lambda n: ((n.urgency or ir.Urgency.ROUTINE).rank, position[n.id]))
        self.actions = tuple(n.id for n in actions)
        reach = self.activation.reach
        self.first = {a: z3.And([reach[a]] + [z3.Not(reach[b]) for b in self.actions[:i]])
                      for i, a in enumerate(self.actions)}

    def reach(self, node: str) -> z3.BoolRef:
        return self.activation.reach.get(node, z3.BoolVal(False))

    def reaches(self, action: str) -> z3.BoolRef:
        return self.activation.reach[action] if action in self.actions else z3.BoolVal(False)

    def is_first(self, action: str) -> z3.BoolRef:
        return self.first.get(action, z3.BoolVal(False))

    def fires(self, node: str, target: str) -> z3.BoolRef:
        """When the way from an active `node` to `target` is taken."""
        decision = self.activation.decisions.get(node)
        if decision is None:
            return z3.BoolVal(any(e.target == target for e in self.graph.outgoing(node)))
        return z3.Or([b.fires for b in decision.branches if any(e.target == target for e in b.edges)])

    def targets(self, node: str) -> set[str]:
        return {e.target for e in self.graph.outgoing(node)} if node in self.nodes else set()

    def touched(self, node: str, other: "_Version") -> z3.BoolRef:
        """Patients who reach `node` in either version and whom it sends another way (or who meet a changed action)."""
        reached = z3.Or(self.reach(node), other.reach(node))
        mine, theirs = self.nodes.get(node), other.nodes.get(node)
        if mine is None or theirs is None or mine.kind is not ir.NodeKind.DECIDE or theirs.kind is not ir.NodeKind.DECIDE:
            return reached
        ways = [self.fires(node, t) != other.fires(node, t) for t in sorted(self.targets(node) | other.targets(node))]
        return z3.And(reached, z3.Or(ways))

    def outcome(self, model: z3.ModelRef) -> Outcome:
        path = path_of(model, self.activation.order, self.activation.reach)
        return Outcome(tuple(a for a in self.actions if a in path), path)


def _differs(old: _Version, new: _Version) -> z3.BoolRef:
    actions = list(dict.fromkeys(old.actions + new.actions))
    set_changes = [old.reaches(a) != new.reaches(a) for a in actions]
    first_changes = [old.is_first(a) != new.is_first(a) for a in actions]
    return z3.Or(set_changes + first_changes)


# --- what changed ------------------------------------------------------------------------


def _changed_defines(old: ir.Graph, new: ir.Graph) -> set[str]:
    """Defines whose meaning differs: another expression, or one that reads a changed define."""
    before, after = {d.name: d.expr for d in old.defines}, {d.name: d.expr for d in new.defines}
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    growing = True
    while growing:
        growing = False
        for name in before.keys() & after.keys():
            if name not in changed and _reads_any(before[name], changed):
                changed.add(name)
                growing = True
    return changed


def _reads_any(expr: ir.Expr, names: set[str]) -> bool:
    return any(isinstance(e, ir.DefineRef) and e.name in names for e in ir.walk(expr))


def _edited_roots(expr: ir.Expr, defines: dict[str, ir.Expr], edited: set[str]) -> set[str]:
    """The edited defines an expression reads, directly or through other defines."""
    found: set[str] = set()
    seen: set[str] = set()
    stack = [expr]
    while stack:
        for e in ir.walk(stack.pop()):
            if isinstance(e, ir.DefineRef) and e.name not in seen:
                seen.add(e.name)
                if e.name in edited:
                    found.add(e.name)
                if e.name in defines:
                    stack.append(defines[e.name])
    return found


def _lines(graph: ir.Graph, node: str) -> list[tuple[ir.Expr | None, tuple[str, ...]]]:
    """A decision's lines in order, each (guard, targets), the `otherwise` last with guard None."""
    lines: dict[int, tuple[ir.Expr | None, list[str]]] = {}
    otherwise: list[str] = []
    for edge in graph.outgoing(node):
        if edge.otherwise:
            otherwise.append(edge.target)
        else:
            lines.setdefault(edge.branch, (edge.guard, []))[1].append(edge.target)
    found = [(guard, tuple(targets)) for _, (guard, targets) in sorted(lines.items())]
    return found + ([(None, tuple(otherwise))] if otherwise else [])


def _node_changes(old: _Version, new: _Version, node: str) -> list[Change]:
    before, after = old.nodes.get(node), new.nodes.get(node)
    if before is None or after is None:
        return [NodeChange(node, "added" if before is None else "removed")]
    found: list[Change] = []
    for field in ("kind", "policy", "urgency"):
        was, now = getattr(before, field, None), getattr(after, field, None)
        if was != now:
            found.append(NodeChange(node, f"{field} {_value(was)} → {_value(now)}"))
    if before.kind is ir.NodeKind.DECIDE and after.kind is ir.NodeKind.DECIDE:
        lines_before, lines_after = _lines(old.graph, node), _lines(new.graph, node)
        for index in range(max(len(lines_before), len(lines_after))):
            was = lines_before[index] if index < len(lines_before) else None
            now = lines_after[index] if index < len(lines_after) else None
            if was != now:
                found.append(LineChange(node, index + 1, was, now))
    elif old.targets(node) != new.targets(node):
        found.append(NodeChange(node, f"then {', '.join(sorted(old.targets(node)))} → "
                                      f"{', '.join(sorted(new.targets(node)))}"))
    return found


def _edit_key(node: str, changes: list[Change], defines: list[DefineChange]) -> tuple:
    """Nodes edited the same way are one edit: the same guards or defines rewritten the same way,
    targets kept (`abi <= 0.90` → `abi <= 0.80` on two lines is one threshold moved). Any other
    edit is the node's own."""
    rewrites = {(change.old, change.new) for change in defines}
    for change in changes:
        if not isinstance(change, LineChange) or change.old is None or change.new is None \
                or change.old[1] != change.new[1]:
            return ("node", node)
        rewrites.add((change.old[0], change.new[0]))
    return ("rewrites", frozenset(rewrites))


def _value(value) -> str:
    return "none" if value is None else getattr(value, "value", str(value))


def _changes(versions: tuple[_Version, _Version], changed_defines: set[str]):
    """(sites, what changed there) per edit, sites in graph order.

    A changed node is its own edit, unless other nodes had the same guards rewritten the
    same way; decisions that only read edited defines share the edit of those defines.
    A define rewritten as a guard was (`pad: abi <= 0.90` → `abi <= 0.80`, and a line
    `when abi <= 0.90` → `when abi <= 0.80`) is the same edit: one threshold moved.
    """
    old, new = versions
    order = list(old.activation.order) + [n for n in new.activation.order if n not in old.nodes]
    before = {d.name: d.expr for d in old.graph.defines}
    after = {d.name: d.expr for d in new.graph.defines}
    edited = {name for name in changed_defines if before.get(name) != after.get(name)}
    edits: dict[tuple, tuple[list[str], list[Change]]] = {}
    for node in order:
        own = _node_changes(old, new, node)
        read = sorted({root for v in versions if node in v.nodes for guard, _ in _lines(v.graph, node)
                       if guard is not None
                       for root in _edited_roots(guard, {d.name: d.expr for d in v.graph.defines}, edited)})
        if not own and not read:
            continue
        defines = [DefineChange(name, before.get(name), after.get(name)) for name in read]
        key = _edit_key(node, own, defines)
        found_here = [*own, *defines]
        sites, found = edits.setdefault(key, ([], []))
        sites.append(node)
        found += [change for change in found_here if change not in found]
    return [(tuple(sites), tuple(found)) for sites, found in edits.values()]


# --- describing a region -------------------------------------------------------------------


class _Vocabulary:
    """The conditions a region is described with, each as an IR expression and its z3 "holds" formula.

    Guards are taken with every changed define written out (in its own version), so
    an atom means the same in both versions; an unchanged define stays a name.
    """

    def __init__(self, versions: tuple[_Version, _Version], changed_defines: set[str]):
        old, new = versions
        self.encoder = Encoder(old.encoder.inputs, [*old.graph.defines,
                                                    *(d for d in new.graph.defines if d.name not in old.encoder.defines)])
        self.guards: dict[str, list[ir.Expr]] = {}
        self._written: list[dict[str, ir.Expr]] = []  # per version: each changed define, written out
        for version in versions:
            defines = {d.name: d.expr for d in version.graph.defines}
            self._written.append({name: _inline(defines[name], defines, changed_defines)
                                  for name in changed_defines if name in defines})
            for node in version.activation.order:
                for guard, _ in _lines(version.graph, node) if node in version.activation.decisions else ():
                    if guard is not None:
                        written = _inline(guard, defines, changed_defines)
                        self.guards.setdefault(node, [])
                        if written not in self.guards[node]:
                            self.guards[node].append(written)
        self.unchanged = {node: [g for g in guards if _is_guard_of_both(g, node, versions, changed_defines)]
                          for node, guards in self.guards.items()}
        self._holds: dict[ir.Expr, z3.BoolRef] = {}

    def entries(self, where: tuple[str, ...], changes: tuple[Change, ...]) -> list[ir.Expr]:
        """The first entries are kept longest, so they lead the description. The atoms of an edited
        define, before and after; the sites' whole guards that both versions share (a later line that
        still leads the same way: "unless vascular claudication and pulses decreased"); the sites'
        atoms; every other atom, in graph order."""
        written = [self._written[version][c.name] for c in changes if isinstance(c, DefineChange)
                   for version in (0, 1) if c.name in self._written[version]]
        lead = [a for expr in written for a in _atoms(expr)]
        lead += [g for node in where for g in self.unchanged.get(node, []) if isinstance(g, (ir.And, ir.Or, ir.Not))]
        atoms = [a for node in [*where, *self.guards] for g in self.guards.get(node, []) for a in _atoms(g)]
        return list(dict.fromkeys([*lead, *atoms]))

    def holds(self, expr: ir.Expr) -> z3.BoolRef:
        if expr not in self._holds:
            self._holds[expr] = self.encoder.condition(expr).true
        return self._holds[expr]


def _merged(term: tuple[Clause, ...], inputs: Inputs) -> tuple[Clause, ...]:
    """The same term with the clauses bounding one input merged: `pulses ≠ absent` and `pulses in
    {absent, diminished}` become `pulses = diminished`; of several bounds on a number, the tightest."""
    allowed: dict[str, set[str]] = {}
    lower: dict[str, ir.Compare] = {}
    upper: dict[str, ir.Compare] = {}
    kept: list[Clause | str] = []
    for clause in term:
        expr = clause.expr
        name = _bounded_input(expr) if clause.holds else None
        if name is None:
            kept.append(clause)
            continue
        if name not in allowed and name not in lower and name not in upper:
            kept.append(name)
        if isinstance(expr, (ir.Membership, ir.Not)):
            members = set(inputs.declarations[name].type.members)
            listed = {m.value for m in (expr.operand if isinstance(expr, ir.Not) else expr).members}
            allowed[name] = allowed.get(name, members) & (members - listed if isinstance(expr, ir.Not) else listed)
        elif isinstance(expr.right.value, str):
            members = set(inputs.declarations[name].type.members)
            chosen = {expr.right.value} if expr.op == "=" else members - {expr.right.value}
            allowed[name] = allowed.get(name, members) & chosen
        else:
            bounds = lower if expr.op in (">", ">=") else upper
            if name not in bounds or _tighter(expr, bounds[name]):
                bounds[name] = expr
    merged: list[Clause] = []
    for item in kept:
        if isinstance(item, Clause):
            merged.append(item)
            continue
        if item in allowed:
            members = [m for m in inputs.declarations[item].type.members if m in allowed[item]]
            ref = ir.InputRef(item)
            merged.append(Clause(ir.Compare("=", ref, ir.Literal(members[0])) if len(members) == 1
                                 else ir.Membership(ref, tuple(ir.Literal(m) for m in members))))
        merged += [Clause(bound[item]) for bound in (lower, upper) if item in bound]
    return tuple(merged)


def _bounded_input(expr: ir.Expr) -> str | None:
    """The input an enum test or a numeric bound constrains (`x = m`, `x in {…}`, `x <= 0.9`), else None."""
    if isinstance(expr, ir.Not) and isinstance(expr.operand, ir.Membership):
        return _bounded_input(expr.operand)
    if isinstance(expr, ir.Membership) and isinstance(expr.operand, ir.InputRef):
        return expr.operand.name
    if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.InputRef) and isinstance(expr.right, ir.Literal) \
            and not isinstance(expr.right.value, bool):
        if isinstance(expr.right.value, str):
            return expr.left.name if expr.op in ("=", "!=") else None
        return expr.left.name if expr.op in ("<", "<=", ">", ">=") else None
    return None


def _tighter(candidate: ir.Compare, current: ir.Compare) -> bool:
    """Whether `candidate` admits fewer values than `current` (both lower, or both upper bounds)."""
    a, b = candidate.right.value, current.right.value
    if a != b:
        return a > b if candidate.op in (">", ">=") else a < b
    return candidate.op in (">", "<")


def _is_guard_of_both(guard: ir.Expr, node: str, versions: tuple[_Version, _Version], changed: set[str]) -> bool:
    return all(node in v.nodes and guard in [_inline(g, {d.name: d.expr for d in v.graph.defines}, changed)
                                               for g, _ in _lines(v.graph, node) if g is not None]
               for v in versions)


def _inline(expr: ir.Expr, defines: dict[str, ir.Expr], changed: set[str]) -> ir.Expr:
    """`expr` with every changed define replaced by its expression (recursively)."""
    if isinstance(expr, ir.DefineRef) and expr.name in changed:
        return _inline(defines[expr.name], defines, changed)
    if isinstance(expr, ir.Not):
        return ir.Not(_inline(expr.operand, defines, changed))
    if isinstance(expr, (ir.And, ir.Or)):
        return type(expr)(tuple(_inline(o, defines, changed) for o in expr.operands))
    if isinstance(expr, ir.Compare):
        return ir.Compare(expr.op, _inline(expr.left, defines, changed), _inline(expr.right, defines, changed))
    return expr


def _atoms(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.Not):
        return _atoms(expr.operand)
    if isinstance(expr, (ir.And, ir.Or)):
        return [a for o in expr.operands for a in _atoms(o)]
    if isinstance(expr, ir.Literal):
        return []
    return [expr]


class _Cover:
    """Terms over a vocabulary that together describe exactly the patients of a region.

    Every query is asked among the patients of `context` (those who reach the
    sites), so a term never needs to repeat how they got there.
    """

    def __init__(self, prover: Prover, vocabulary: _Vocabulary, entries: list[ir.Expr],
                 region: z3.BoolRef, context: z3.BoolRef):
        self.prover, self.vocabulary, self.entries = prover, vocabulary, entries
        self.region, self.context = region, context

    def terms(self, model: z3.ModelRef) -> tuple[tuple[tuple[Clause, ...], ...], bool]:
        """Terms until the region is covered (the first from `model`), and whether that was proved."""
        found: list[tuple[Clause, ...]] = []
        while True:
            found.append(self._widened(self._cube(model)))
            outcome = self.prover.find(self.region, *(z3.Not(self._formula(term)) for term in found))
            if outcome.model is None:
                exact = outcome.undecided is None
                break
            if len(found) == MAX_TERMS:
                exact = False
                break
            model = outcome.model
        terms = self._without_redundant([_merged(term, self.vocabulary.encoder.inputs) for term in found])
        return tuple(sorted(terms, key=lambda term: (len(term), repr(term)))), exact  # not in z3's model order

    def _formula(self, term: tuple[Clause, ...]) -> z3.BoolRef:
        return z3.And([self._clause(c) for c in term])

    def _clause(self, clause: Clause) -> z3.BoolRef:
        holds = self.vocabulary.holds(clause.expr)
        return holds if clause.holds else z3.Not(holds)

    def _inside(self, clauses: list[Clause]) -> bool:
        """Whether every patient of the context for whom the clauses hold belongs to the region."""
        return self.prover.find(self.context, *(self._clause(c) for c in clauses), z3.Not(self.region)).impossible

    def _cube(self, model: z3.ModelRef) -> list[tuple[Clause, Clause | None]]:
        """Each entry as the model has it: (clause, the weaker clause it may relax to, if any)."""
        cube: list[tuple[Clause, Clause | None]] = []
        for entry in self.entries:
            negation = normalize(ir.Not(entry))
            if z3.is_true(model.eval(self.vocabulary.holds(entry), model_completion=True)):
                cube.append((Clause(entry), None))
            elif z3.is_true(model.eval(self.vocabulary.holds(negation), model_completion=True)):
                cube.append((Clause(negation), Clause(entry, holds=False)))
            else:
                cube += [(Clause(entry, holds=False), None), (Clause(negation, holds=False), None)]
        return cube

    def _widened(self, cube: list[tuple[Clause, Clause | None]]) -> tuple[Clause, ...]:
        """Drop clauses, last entries first (the sites' own guards come first and are kept longest),
        or relax "false" to "not true", while the term stays inside the region."""
        kept = [clause for clause, _ in cube]
        if not self._inside(kept):
            return tuple(kept)  # the vocabulary cannot separate this patient: keep the whole cube
        for clause, weaker in reversed(cube):
            rest = [c for c in kept if c is not clause]
            if self._inside(rest):
                kept = rest
                continue
            if weaker is not None and self._inside(rest + [weaker]):
                same = self.prover.find(self.context, *(self._clause(c) for c in rest), self._clause(weaker),
                                        z3.Not(self._clause(clause))).impossible
                if not same:
                    kept[kept.index(clause)] = weaker
        return tuple(kept)

    def _without_redundant(self, terms: list[tuple[Clause, ...]]) -> tuple[tuple[Clause, ...], ...]:
        kept = list(terms)
        for term in list(reversed(terms)):
            others = [t for t in kept if t is not term]
            if others and self.prover.find(self.context, self._formula(term),
                                           z3.Not(z3.Or([self._formula(t) for t in others]))).impossible:
                kept = others
        return tuple(kept)


def _merge_inputs(old: tuple[ir.Input, ...], new: tuple[ir.Input, ...]):
    """One declaration per name over both versions, what changed, and the common-domain constraints."""
    old_by_name, new_by_name = {i.name: i for i in old}, {i.name: i for i in new}
    merged: list[ir.Input] = []
    changes: list[InputChange] = []
    problems: list[str] = []
    narrowing: list[tuple[str, ir.Type]] = []
    for name in dict.fromkeys([*old_by_name, *new_by_name]):
        before, after = old_by_name.get(name), new_by_name.get(name)
        if before is None or after is None or before.type == after.type:
            merged.append(before or after)
            if before is None or after is None:
                changes.append(InputChange(name, _declared(before), _declared(after)))
            continue
        changes.append(InputChange(name, _declared(before), _declared(after)))
        kind_before, kind_after = before.type, after.type
        if type(kind_before) is not type(kind_after) or getattr(kind_before, "unit", None) != getattr(kind_after, "unit", None):
            problems.append(f"input `{name}` is {_declared(before)} in the old version but "
                            f"{_declared(after)} in the new one: patients cannot be compared")
            continue
        if isinstance(kind_before, ir.EnumType):
            members = tuple(dict.fromkeys(kind_before.members + kind_after.members))
            merged.append(ir.Input(name, ir.EnumType(members)))
        else:
            merged.append(before)
        narrowing += [(name, kind_before), (name, kind_after)]
    if problems:
        raise DiffInputError(problems)
    return merged, changes, narrowing


def _within(inputs: Inputs, name: str, kind: ir.Type) -> z3.BoolRef:
    value = inputs.values[name]
    if isinstance(kind, ir.EnumType):
        members = inputs.declarations[name].type.members
        return z3.Or([value == members.index(m) for m in kind.members])
    bounds = [value >= rational(kind.low)] if kind.low is not None else []
    bounds += [value <= rational(kind.high)] if kind.high is not None else []
    return z3.And(bounds)


def _declared(declaration: ir.Input | None) -> str | None:
    if declaration is None:
        return None
    kind = declaration.type
    if isinstance(kind, ir.BooleanType):
        return "boolean"
    if isinstance(kind, ir.EnumType):
        return "one of " + ", ".join(kind.members)
    span = ""
    if kind.low is not None or kind.high is not None:
        low, high = (printer.number_display(b) if b is not None else None for b in (kind.low, kind.high))
        span = f" from {low} to {high}" if low is not None and high is not None else \
            f" ({'≥ ' + low if low is not None else '≤ ' + high})"
    unit = f" {kind.unit}" if isinstance(kind, ir.QuantityType) else ""
    return f"{kind.kind}{unit}{span}"
