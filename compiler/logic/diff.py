"""Semantic diff: two versions of a guideline → the patients whose recommendations change.

Both graphs are encoded over one set of input variables (inputs are matched by
name), and z3 looks for a patient whose set of actions, or whose first action
(by urgency, then graph order, as a runtime lists them), differs between the
versions. Each patient found is grown into a *region*, a box of conditions on the
inputs that matter (`0.8 < abi <= 0.9 and pedal_pulses = present`), every
patient of which is proved to differ; the region is then excluded and the search
repeats until no patient differs. Numbers are widened across the thresholds
either version compares them with, so region bounds are the guideline's own.

Inputs declared differently in the two versions are reported; patients are
drawn from the inputs' common domain. Inputs of different kinds or units
cannot be compared: `DiffInputError`.
"""

from __future__ import annotations

from fractions import Fraction

from collections.abc import Iterable
from typing import Any

import z3
from attrs import frozen

from carepath.diagnostics import ProblemsError
from compiler import printer, ir
from compiler.logic.encode import Encoder, Inputs, rational
from compiler.logic import DEFAULT_TIMEOUT_MS
from compiler.logic.prover import Prover
from compiler.logic.reach import Activation
from compiler.logic.witness import facts_of, path_of, simplest


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
class Region:
    condition: str
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
    declarations, changes, narrowing = _merge_inputs(old.inputs, new.inputs)
    inputs = Inputs(declarations)
    versions = [_Version(graph, inputs) for graph in (old, new)]
    common_domain = [_within(inputs, name, kind) for name, kind in narrowing]
    prover = Prover(inputs, timeout_ms, background=common_domain)
    differs = _differs(*versions)
    thresholds = _thresholds([old, new])
    changed = _changed_nodes(old, new)
    regions: list[Region] = []
    excluded: list[z3.BoolRef] = []
    complete = True
    while True:
        if len(regions) == max_regions:
            complete = prover.find(differs, *excluded).impossible
            break
        found = prover.find(differs, *excluded)
        if found.model is None:
            complete = found.undecided is None
            break
        context, where = _context(found.model, changed, versions)
        box = _Box(found.model, inputs, prover, differs, thresholds, context, where)
        example = simplest(prover, inputs, found.model, differs, box.formula())
        regions.append(Region(box.text(), facts_of(example, inputs),
                              *(version.outcome(example) for version in versions)))
        excluded.append(z3.Not(box.formula()))
    return GuidelineDiff(tuple(changes), tuple(regions), complete)


class _Version:
    """One guideline's activation and its actions in runtime order."""

    def __init__(self, graph: ir.Graph, inputs: Inputs):
        self.activation = Activation(graph, Encoder(inputs, graph.defines))
        position = {node_id: i for i, node_id in enumerate(self.activation.order)}
        actions = [n for n in graph.nodes if n.kind is ir.NodeKind.ACTION]
        actions.sort(key=lambda n: ((n.urgency or ir.Urgency.ROUTINE).rank, position[n.id]))
        self.actions = tuple(n.id for n in actions)
        reach = self.activation.reach
        self.first = {a: z3.And([reach[a]] + [z3.Not(reach[b]) for b in self.actions[:i]])
                      for i, a in enumerate(self.actions)}

    def reaches(self, action: str) -> z3.BoolRef:
        return self.activation.reach[action] if action in self.actions else z3.BoolVal(False)

    def is_first(self, action: str) -> z3.BoolRef:
        return self.first.get(action, z3.BoolVal(False))

    def outcome(self, model: z3.ModelRef) -> Outcome:
        path = path_of(model, self.activation.order, self.activation.reach)
        return Outcome(tuple(a for a in self.actions if a in path), path)


def _differs(old: _Version, new: _Version) -> z3.BoolRef:
    actions = list(dict.fromkeys(old.actions + new.actions))
    set_changes = [old.reaches(a) != new.reaches(a) for a in actions]
    first_changes = [old.is_first(a) != new.is_first(a) for a in actions]
    return z3.Or(set_changes + first_changes)


class _Box:
    """A region around one differing patient: input by input, the widest proved condition.

    Each widening is kept only when z3 proves that every patient in the widened
    box still differs, so the box is exact however the inputs interact.
    """

    def __init__(self, model: z3.ModelRef, inputs: Inputs, prover: Prover, differs: z3.BoolRef,
                 thresholds: dict[str, list], context: z3.BoolRef, where: str | None):
        self.inputs, self.prover, self.differs = inputs, prover, differs
        self.context, self.where = context, where
        self.conditions: dict[str, tuple[z3.BoolRef, str | None]] = {
            name: self._pinned(name, model) for name in inputs.declarations}
        for name in inputs.declarations:
            if self._widen(name, (z3.BoolVal(True), None)):
                continue
            if not z3.is_true(model.eval(inputs.known[name], model_completion=True)):
                continue
            kind = inputs.declarations[name].type
            exact = model.eval(inputs.values[name], model_completion=True)
            if isinstance(kind, ir.EnumType):
                self._widen_members(name, kind, exact.as_long())
            elif not isinstance(kind, ir.BooleanType):
                self._widen_interval(name, kind, exact.as_fraction(), thresholds.get(name, []))

    def formula(self) -> z3.BoolRef:
        return z3.And([self.context] + [c for c, _ in self.conditions.values()])

    def text(self) -> str:
        parts = [text for _, text in self.conditions.values() if text]
        condition = " and ".join(parts)
        if self.where is None:
            return condition or "every patient"
        return f"{condition}, among patients who reach `{self.where}`" if condition else \
            f"every patient who reaches `{self.where}`"

    def _widen(self, name: str, candidate: tuple[z3.BoolRef, str | None]) -> bool:
        """Take the candidate condition for `name` if every patient in the widened box differs."""
        trial = dict(self.conditions)
        trial[name] = candidate
        if self.prover.find(z3.Not(self.differs), self.context, *(c for c, _ in trial.values())).impossible:
            self.conditions = trial
            return True
        return False

    def _pinned(self, name: str, model: z3.ModelRef) -> tuple[z3.BoolRef, str | None]:
        known, value = self.inputs.known[name], self.inputs.values[name]
        if not z3.is_true(model.eval(known, model_completion=True)):
            return z3.Not(known), f"{name} unknown"
        exact = model.eval(value, model_completion=True)
        return z3.And(known, value == exact), f"{name} = {_shown(facts_of_value(exact, self.inputs, name))}"

    def _widen_members(self, name: str, kind: ir.EnumType, chosen: int) -> None:
        indices = [chosen]
        value, known = self.inputs.values[name], self.inputs.known[name]
        for index in range(len(kind.members)):
            if index in indices:
                continue
            trial = sorted(indices + [index])
            shown = ", ".join(kind.members[i] for i in trial)
            if self._widen(name, (z3.And(known, z3.Or([value == i for i in trial])), f"{name} in {{{shown}}}")):
                indices = trial

    def _widen_interval(self, name: str, kind, point, cuts: list) -> None:
        """Grow [point] across the guideline's thresholds, downwards, then upwards."""
        low = high = (point, True)  # (bound, inclusive)
        for cut in sorted((c for c in cuts if c < point), reverse=True):
            grown = [(cut, False), (cut, True)]
            for bound in grown:
                if not self._widen(name, self._interval(name, kind, bound, high)):
                    break
                low = bound
            if low[0] != cut or not low[1]:
                break
        for cut in sorted(c for c in cuts if c > point):
            for bound in [(cut, False), (cut, True)]:
                if not self._widen(name, self._interval(name, kind, low, bound)):
                    break
                high = bound
            if high[0] != cut or not high[1]:
                break

    def _interval(self, name: str, kind, low, high) -> tuple[z3.BoolRef, str]:
        value, known = self.inputs.values[name], self.inputs.known[name]
        (low_bound, low_inclusive), (high_bound, high_inclusive) = low, high
        lower = value >= _z3(low_bound) if low_inclusive else value > _z3(low_bound)
        upper = value <= _z3(high_bound) if high_inclusive else value < _z3(high_bound)
        condition = z3.And(known, lower, upper)
        if low_bound == high_bound:
            return condition, f"{name} = {_number(low_bound)}"
        text = name
        if not (low_inclusive and kind.low is not None and low_bound == _fraction(kind.low)):
            text = f"{_number(low_bound)} {'<=' if low_inclusive else '<'} {text}"
        if not (high_inclusive and kind.high is not None and high_bound == _fraction(kind.high)):
            text = f"{text} {'<=' if high_inclusive else '<'} {_number(high_bound)}"
        return condition, (f"{name} known" if text == name else text)


def _changed_nodes(old: ir.Graph, new: ir.Graph) -> list[str]:
    """Nodes whose own definition or way out differs between the versions, in the old graph order."""
    def shape(graph: ir.Graph) -> dict[str, tuple]:
        ways: dict[str, list] = {n.id: [] for n in graph.nodes}
        for edge in graph.edges:
            ways[edge.source].append((edge.target, edge.guard, edge.branch, edge.otherwise))
        return {n.id: (n.kind, getattr(n, "policy", None), getattr(n, "urgency", None), tuple(ways[n.id]))
                for n in graph.nodes}

    before, after = shape(old), shape(new)
    ids = [n.id for n in old.nodes] + [n.id for n in new.nodes if n.id not in before]
    return [i for i in ids if before.get(i) != after.get(i)]


def _context(model: z3.ModelRef, changed: list[str], versions: list[_Version]) -> tuple[z3.BoolRef, str | None]:
    """The first changed node the patient reaches (in either version): regions are described among
    the patients who reach it, which is how a reader locates a change."""
    for node_id in changed:
        for version in versions:
            reach = version.activation.reach.get(node_id)
            if reach is not None and z3.is_true(model.eval(reach, model_completion=True)):
                return reach, node_id
    return z3.BoolVal(True), None


def facts_of_value(exact: z3.ExprRef, inputs: Inputs, name: str) -> Any:
    kind = inputs.declarations[name].type
    if isinstance(kind, ir.BooleanType):
        return z3.is_true(exact)
    if isinstance(kind, ir.EnumType):
        return kind.members[exact.as_long()]
    return exact.as_fraction()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return _number(value)


def _number(fraction) -> str:
    return printer.number_display(fraction)


def _fraction(number):
    return Fraction(number)


def _z3(fraction) -> z3.ArithRef:
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


def _thresholds(graphs: Iterable[ir.Graph]) -> dict[str, list]:
    """For each numeric input, the constants either version compares it with, and its range ends."""
    cuts: dict[str, set] = {}
    for graph in graphs:
        for declaration in graph.inputs:
            kind = declaration.type
            if isinstance(kind, (ir.NumberType, ir.QuantityType)):
                ends = {_fraction(b) for b in (kind.low, kind.high) if b is not None}
                cuts.setdefault(declaration.name, set()).update(ends)
        expressions = [e.guard for e in graph.edges if e.guard is not None] + [d.expr for d in graph.defines]
        for expr in expressions:
            for name, constant in _comparisons(expr):
                cuts.setdefault(name, set()).add(_fraction(constant))
    return {name: sorted(values) for name, values in cuts.items()}


def _comparisons(expr: ir.Expr):
    """(input, constant) for every `input <op> constant` in an expression tree."""
    for node in ir.walk(expr):
        match node:
            case ir.Compare(left=ir.InputRef(name=name), right=ir.Literal(value=Fraction() as c)) | \
                    ir.Compare(left=ir.Literal(value=Fraction() as c), right=ir.InputRef(name=name)):
                if not isinstance(c, bool):
                    yield name, c


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
