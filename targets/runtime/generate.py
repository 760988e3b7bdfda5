"""Graph IR → Python source text: one function per graph that runs it on a patient.

The interpreter (`targets/runtime/execute.py`) walks a graph and dispatches on each
node and expression for every patient. This module does that dispatch once: it
writes the walk out as straight-line Python, a block per node in graph order, so a
run does only the patient's work. The text is meant to be read: a reader of the
source recognises the guideline (a comment per node and per `when` line, inputs and
defines by their own names), and `tests/golden/generated/leg_numbness_cramping.py`
holds the source of the reference guideline, so a change to what is generated shows in
a diff.
`targets/runtime/compiled.py` compiles the text once per graph and runs it.

The results are the interpreter's, to the last string (a differential test holds
them together): the same rules of `compiler.semantics` written out per graph.

- Values are the interpreter's: `None` is unknown, numbers are `int` or `Fraction`
  (never `float`), and a `count`/`sum` with unknown terms is a `semantics.Num` with
  its bounds (the kernel's `condition_sum`, written out per term). An expression that
  can hold such bounds (found here, statically) is compared through the kernel
  (`compare`); every other comparison is one exact Python comparison. Arithmetic goes
  through the kernel.
- Kleene connectives are written inline (`True if a is True and b is True else
  False if a is False or b is False else None`): the kernel's `and_`/`or_`/`not_`.
- Each sub-expression's value is kept in a local (`v1`, `v2`, ...) so that the
  explanation of a line that fired and the inputs a pending line still needs read
  the values already computed instead of evaluating again.
- A define is a local (`d_name`) computed at most once, when a guard first needs it.
- The hit policies follow `semantics.fire`: `first` stops at its first line that is
  not false; `unique` and `any` evaluate every line.
- Everything fixed is made once per graph: guard texts and the trace entries of
  decisions that settled, questions and what each could lead to (module constants,
  or dictionaries filled on first use), action titles, timings and citations
  (literals). Per patient the code builds the reasons (`because`, with the patient's
  values), the action records that carry them, and the entries of pending decisions.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from fractions import Fraction

from carepath.compiler import ir, semantics
from carepath.compiler.printer import expr_text, value_text
from carepath.compiler.semantics import PYTHON
from carepath.targets.runtime.execute import most_urgent_reachable
from carepath.targets.runtime.expressions import atom_text

FUNCTION = "run"  # the name of the generated function: `run(facts) -> RunResult`


def generate(graph: ir.Graph) -> str:
    """The Python source of `run(facts)` for `graph` (facts: input name → checked value; absent = unknown)."""
    return _Writer(graph).module()


def _name(prefix: str, name: str) -> str:
    """A Python identifier for a guideline name: `i_abi`, `d_pad`, `b_triage`; other names hex-escaped."""
    plain = prefix + "_" + name
    if plain.isidentifier() and plain.isascii():
        return plain
    return prefix + "x_" + name.encode("utf-8").hex()


class _Block:
    """Lines of Python at an indentation, appended in order."""

    def __init__(self, lines: list[str], depth: int) -> None:
        self.lines, self.depth = lines, depth

    def add(self, text: str) -> None:
        self.lines.append("    " * self.depth + text if text else "")

    def inner(self) -> _Block:
        return _Block(self.lines, self.depth + 1)


class _Writer:
    """Writes one graph's module: constants first, then `run`."""

    def __init__(self, graph: ir.Graph) -> None:
        self.graph = graph
        self.defines = graph.define_exprs
        self.units = {i.name: getattr(i.type, "unit", "") for i in graph.inputs}
        self.units.update({d.name: getattr(d.type, "unit", "") for d in graph.defines})
        self.constants: list[str] = []
        self.constant_names: dict[str, str] = {}  # name → code
        self.temps = 0  # locals v1, v2, ... (values) and w1, w2, ... (a define's explanation)
        self.line_values: dict[tuple[str, int], dict[int, str]] = {}  # (decision, line) → its values' codes
        self.define_code: dict[str, list[str]] = {}  # define → the statements computing it
        self.define_values: dict[str, dict[int, str]] = {}  # define → its values' codes
        self.positions = {node.id: position for position, node in enumerate(graph.nodes)}
        self.most_urgent = most_urgent_reachable(graph)

    # --- the module -------------------------------------------------------------------------

    def module(self) -> str:
        graph = self.graph
        body: list[str] = []
        block = _Block(body, 1)
        block.add("get = facts.get")
        for input_ in graph.inputs:
            block.add(f"{_name('i', input_.name)} = get({input_.name!r})")
        for define in graph.defines:
            block.add(f"{_name('d', define.name)} = UNSET")
        reasons = [_name("b", node.id) for node in graph.nodes if node.id != ir.Graph.START]
        for chunk in range(0, len(reasons), 8):
            block.add(" = ".join(reasons[chunk:chunk + 8]) + " = None")
        block.add(f"{_name('b', ir.Graph.START)} = ()  # each active node's reasons: the guards that led to it")
        block.add("path, trace, leads, pending = [], [], {}, False")
        for node in graph.nodes:
            self._node(block, node)
        self._result(block)
        input_order = "".join(f"\n    {i.name!r}: {n}," for n, i in enumerate(graph.inputs))
        questions = "".join(f"\n    {i.name!r}: {i.question!r}," for i in graph.inputs)
        head = [
            _comment(f"# The guideline `{graph.id}` {graph.version}, generated by carepath (targets/runtime/generate.py):"),
            "# do not edit. It runs in the namespace of targets/runtime/compiled.py (`NAMESPACE`).",
            _comment(f"# {graph.title}"),
            "",
            f"INPUT_ORDER = {{{input_order}\n}}",
            f"QUESTIONS = {{{questions}\n}}",
            "MADE_QUESTIONS = {}  # (input, what it could lead to) → its `Question`, made on first use",
            *self.constants,
            "",
            "",
            f"def {FUNCTION}(facts):",
            f"    {('Run ' + graph.title + ' on one patient.')!r}",
        ]
        return "\n".join(head + body) + "\n"

    def _constant(self, name: str, code: str) -> str:
        """A module-level constant `name` holding `code`, made once and shared by every use.

        Names come from what they hold (`GUARDS_triage`, `LEAD_consult`, `N9_10`), so a
        change to the guideline changes only its own lines of the generated source."""
        known = self.constant_names.get(name)
        if known is None:
            self.constant_names[name] = code
            self.constants.append(f"{name} = {code}")
        elif known != code:  # two things would share a name: number the second
            return self._constant(f"{name}_", code)
        return name

    # --- nodes --------------------------------------------------------------------------------

    def _node(self, block: _Block, node: ir.Node) -> None:
        reasons = _name("b", node.id)
        block.add("")
        title = getattr(node, "title", "")
        kind = type(node).__name__.lower()
        block.add(_comment(f"# {kind} {node.id}" + (f": {title}" if title and node.id != ir.Graph.START else "")))
        block.add(f"if {reasons} is not None:")
        inner = block.inner()
        inner.add(f"path.append({node.id!r})")
        if isinstance(node, ir.Decide):
            self._decide(inner, node)
        else:
            self._activate(inner, node.targets, reasons)

    def _activate(self, block: _Block, targets: tuple[str, ...], reasons: str) -> None:
        for target in targets:
            name = _name("b", target)
            block.add(f"{name} = {reasons} if {name} is None else joined({name}, {reasons})")

    def _decide(self, block: _Block, node: ir.Decide) -> None:
        lines = node.lines
        texts = tuple(expr_text(line.guard) for line in lines)
        if not lines:  # every one of no guards is false: the `otherwise`
            fired = "(0,)" if node.otherwise else "()"
            self._otherwise(block, node, f"DecisionTrace({node.id!r}, {node.policy.value!r}, (), {fired}, False, ())")
            return
        if node.policy is ir.HitPolicy.FIRST:
            self._decide_first(block, node, texts)
            return
        for index, line in enumerate(lines):
            block.add(_comment(f"# when {texts[index]} -> {', '.join(line.targets)}"))
            self._evaluate(block, node, index, f"g{index}")
        block.add(f"values = {_tuple(f'g{i}' for i in range(len(lines)))}")
        table = self._constant(_name("GUARDS", node.id), f"guard_values({texts!r})")
        made = self._constant(_name("TRACES", node.id), "{}  # the values of its guards → its trace entry, once settled")
        settled = f"settled({made}, values, {node.id!r}, {node.policy.value!r}, {table}, "  # + fired + ")"
        waiting = f"DecisionTrace({node.id!r}, {node.policy.value!r}, traced({table}, values), "  # + fired + ...
        if node.policy is ir.HitPolicy.UNIQUE:
            self._decide_unique(block, node, settled, waiting)
        else:
            self._decide_any(block, node, settled, waiting)

    def _decide_first(self, block: _Block, node: ir.Decide, texts: tuple[str, ...]) -> None:
        """`first`: lines in order while they are false; the first true fires, an unknown one waits."""
        lines = node.lines
        table = self._constant(_name("GUARDS", node.id), f"first_guard_values({texts!r})")
        fired = f"({len(lines)},)" if node.otherwise else "()"
        made = self._constant(_name("TRACES", node.id), f"first_traces({node.id!r}, {table}, {len(lines)}, {fired})")
        for index, line in enumerate(lines):
            inner = block
            if index:
                block.add("if value is False:")
                inner = block.inner()
            inner.add(_comment(f"# when {texts[index]} -> {', '.join(line.targets)}"))
            code = self._evaluate(inner, node, index)
            inner.add(f"line, value = {index}, {code}")
        block.add("if value is True:")
        fire = block.inner()
        for index in range(len(lines)):
            fire.add(f"{'if' if index == 0 else 'elif'} line == {index}:")
            self._fire(fire.inner(), node, index)
        fire.add(f"trace.append({made}[line, True])")
        block.add("elif value is False:  # every line is false")
        self._otherwise(block.inner(), node, f"{made}[line, False]")
        block.add("else:")
        wait = block.inner()
        wait.add("pending, asked = True, {}")
        for index in range(len(lines)):
            wait.add(f"{'if' if index == 0 else 'elif'} line == {index}:")
            self._ask(wait.inner(), node, index)
        wait.add(f"trace.append(DecisionTrace({node.id!r}, 'first', {table}[line, None], (), True, ordered(asked, INPUT_ORDER)))")

    def _decide_unique(self, block: _Block, node: ir.Decide, settled: str, waiting: str) -> None:
        """`unique`: the true line fires; while none is true, every unknown line is asked for."""
        for index in range(len(node.lines)):
            block.add(f"{'if' if index == 0 else 'elif'} g{index} is True:")
            fire = block.inner()
            self._fire(fire, node, index)
            fire.add(f"trace.append({settled}({index},)))")
        all_false = " and ".join(f"g{i} is False" for i in range(len(node.lines)))
        block.add(f"elif {all_false}:")
        self._otherwise(block.inner(), node, f"{settled}{f'({len(node.lines)},)' if node.otherwise else '()'})")
        block.add("else:")
        wait = block.inner()
        wait.add("pending, asked = True, {}")
        for index in range(len(node.lines)):
            wait.add(f"if g{index} is not False:")
            self._ask(wait.inner(), node, index)
        wait.add(f"trace.append({waiting}(), True, ordered(asked, INPUT_ORDER)))")

    def _decide_any(self, block: _Block, node: ir.Decide, settled: str, waiting: str) -> None:
        """`any`: every true line fires; an unknown line is asked for unless the true lines reach its targets."""
        lines = node.lines
        block.add("fired, waits, asked = [], False, {}")
        for index in range(len(lines)):
            block.add(f"if g{index} is True:")
            fire = block.inner()
            fire.add(f"fired.append({index})")
            self._fire(fire, node, index)
        if node.otherwise:
            block.add(f"if {' and '.join(f'g{i} is False' for i in range(len(lines)))}:")
            otherwise = block.inner()
            otherwise.add(_comment(f"# otherwise -> {', '.join(node.otherwise)}"))
            otherwise.add(f"fired.append({len(lines)})")
            self._activate(otherwise, node.otherwise, _name("b", node.id))
        reached_by: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            for target in line.targets:
                reached_by.setdefault(target, []).append(index)
        for index, line in enumerate(lines):
            # asked unless the other true lines already reach every target of this one
            others = [[j for j in reached_by[target] if j != index] for target in line.targets]
            if not line.targets:  # it could change nothing
                continue
            condition = f"g{index} is not True and g{index} is not False"
            if all(others):
                reached = " and ".join("(" + " or ".join(f"g{j} is True" for j in lines_) + ")" for lines_ in others)
                condition += f" and not ({reached})"
            block.add(f"if {condition}:")
            ask = block.inner()
            ask.add("waits = True")
            self._ask(ask, node, index)
        block.add("if waits:")
        block.inner().add("pending = True")
        block.inner().add(f"trace.append({waiting}tuple(fired), True, ordered(asked, INPUT_ORDER)))")
        block.add("else:")
        block.inner().add(f"trace.append({settled}tuple(fired)))")

    def _otherwise(self, block: _Block, node: ir.Decide, trace: str) -> None:
        """Every guard is false: the `otherwise` targets (if any) become active; `trace` is the entry."""
        if node.otherwise:
            block.add(_comment(f"# otherwise -> {', '.join(node.otherwise)}"))
            self._activate(block, node.otherwise, _name("b", node.id))
        block.add(f"trace.append({trace})")

    def _fire(self, block: _Block, node: ir.Decide, index: int) -> None:
        """Line `index` fires: its targets become active, with the guard's explanation added to the reasons."""
        line = node.lines[index]
        block.add("why = []")
        self._explain(block, line.guard, self.line_values[node.id, index], True, "why")
        block.add(f"reasons = joined({_name('b', node.id)}, why)")
        self._activate(block, line.targets, "reasons")

    def _ask(self, block: _Block, node: ir.Decide, index: int) -> None:
        """Line `index` waits: the inputs under its unknown parts are asked for, with what it could lead to."""
        line = node.lines[index]
        block.add("found = {}")
        self._unknown_inputs(block, line.guard, self.line_values[node.id, index], "found")
        block.add("asked.update(found)")
        block.add(f"ask(leads, found, {self._lead(line.targets)})")

    def _lead(self, targets: tuple[str, ...]) -> str:
        found = [self.most_urgent[t] for t in targets if self.most_urgent.get(t) is not None]
        if not found:
            return "None"
        key, action = min(found, key=lambda entry: entry[0])
        code = f"({key!r}, LeadsTo({action.id!r}, {action.title!r}, {action.urgency.value!r}))"
        return self._constant(_name("LEAD", action.id), code)

    def _result(self, block: _Block) -> None:
        """The recommended actions in the action order, the questions ranked, the result."""
        graph = self.graph
        actions = sorted((node for node in graph.nodes if isinstance(node, ir.Action)),
                         key=lambda node: semantics.action_order(node.urgency, self.positions[node.id]))
        block.add("")
        block.add("# the recommended actions: emergent, urgent, then routine; in graph order within one urgency")
        block.add("actions = []")
        for action in actions:
            reasons = _name("b", action.id)
            timing = str(action.timing) if action.timing is not None else None
            record = (f"RecommendedAction({action.id!r}, {action.urgency.value!r}, {action.title!r}, {timing!r}, "
                      f"{tuple(action.citations)!r}, {reasons}, {tuple(str(d) for d in action.doses)!r})")
            block.add(f"if {reasons} is not None:")
            block.inner().add(f"actions.append({record})")
        block.add("needs, questions = ranked(leads, INPUT_ORDER, QUESTIONS, MADE_QUESTIONS)")
        block.add(f"return RunResult({graph.id!r}, {graph.version!r}, NEEDS_INPUT if pending else COMPLETE, "
                  "tuple(actions), needs, tuple(path), tuple(trace), questions)")

    # --- values -------------------------------------------------------------------------------

    def _evaluate(self, block: _Block, node: ir.Decide, index: int, into: str | None = None) -> str:
        """Code computing line `index`'s guard (its defines first, each at most once per run); its value's code.

        The locals holding each sub-expression's value are kept (`line_values`) for the
        explanation and the needs of the line, written after.
        """
        guard = node.lines[index].guard
        for name in self._defines_in_order(guard):
            self._ensure(block, name)
        values: dict[int, str] = {}
        code = self._value(block, guard, values)
        self.line_values[node.id, index] = values
        if into is not None:
            block.add(f"{into} = {code}")
            return into
        return code

    def _defines_in_order(self, expr: ir.Expr) -> Iterator[str]:
        """The defines `expr` reads, each after the defines it reads itself."""
        seen: dict[str, None] = {}

        def visit(e: ir.Expr) -> None:
            for sub in ir.walk(e):
                if isinstance(sub, ir.DefineRef) and sub.name not in seen:
                    visit(self.defines[sub.name])
                    seen[sub.name] = None

        visit(expr)
        return iter(seen)

    def _ensure(self, block: _Block, name: str) -> None:
        """`d_name` computed unless an earlier guard of this run computed it (its own defines already are)."""
        local = _name("d", name)
        if name not in self.define_code:
            lines: list[str] = []
            values: dict[int, str] = {}
            code = self._value(_Block(lines, 0), self.defines[name], values)
            lines.append(f"{local} = {code}")
            self.define_code[name], self.define_values[name] = lines, values
        block.add(f"if {local} is UNSET:  " + _comment(f"# define {name}: {expr_text(self.defines[name])}"))
        inner = block.inner()
        for line in self.define_code[name]:
            inner.add(line)

    def _temp(self, block: _Block, code: str) -> str:
        self.temps += 1
        block.add(f"v{self.temps} = {code}")
        return f"v{self.temps}"

    def _value(self, block: _Block, e: ir.Expr, values: dict[int, str]) -> str:
        """Emit the statements computing `e`; a side-effect-free code (a local or constant) for its value.

        `values` records, by `id`, the code of `e` and of each sub-expression (the
        expressions stay alive in the graph, so their ids are not reused).
        """
        code = values[id(e)] = self._code(block, e, values)
        return code

    def _code(self, block: _Block, e: ir.Expr, values: dict[int, str]) -> str:
        if isinstance(e, ir.Literal):
            value = PYTHON.constant(e.value) if isinstance(e.value, Fraction) else e.value
            return self._number(value) if isinstance(value, Fraction) else repr(value)
        if isinstance(e, ir.InputRef):
            return _name("i", e.name)
        if isinstance(e, ir.DefineRef):
            return _name("d", e.name)
        if isinstance(e, ir.Known):
            return self._temp(block, f"{e.name!r} in facts")
        if isinstance(e, ir.Not):
            a = self._value(block, e.operand, values)
            return self._temp(block, f"True if {a} is False else False if {a} is True else None")
        if isinstance(e, (ir.And, ir.Or)):
            codes = [self._value(block, o, values) for o in e.operands]
            wins, loses = (False, True) if isinstance(e, ir.And) else (True, False)
            every = " and ".join(f"{c} is {loses}" for c in codes)
            one = " or ".join(f"{c} is {wins}" for c in codes)
            return self._temp(block, f"{loses} if {every} else {wins} if {one} else None")
        if isinstance(e, ir.Compare):
            a, b = self._value(block, e.left, values), self._value(block, e.right, values)
            if _bounded(e.left, self.defines) or _bounded(e.right, self.defines):
                return self._temp(block, f"compare({e.op!r}, {a}, {b})")
            unknown = " or ".join(f"{c} is None" for c, side in ((a, e.left), (b, e.right))
                                  if not isinstance(side, ir.Literal))
            op = "==" if e.op == "=" else e.op
            return self._temp(block, f"None if {unknown} else {a} {op} {b}" if unknown else f"{a} {op} {b}")
        if isinstance(e, ir.Arithmetic):
            a, b = self._value(block, e.left, values), self._value(block, e.right, values)
            return self._temp(block, f"arithmetic({e.op!r}, {a}, {b})")
        if isinstance(e, ir.Convert):
            a = self._value(block, e.operand, values)
            factor = PYTHON.constant(e.factor)
            b = self._number(factor) if isinstance(factor, Fraction) else repr(factor)
            return self._temp(block, f"arithmetic('*', {a}, {b})")
        if isinstance(e, ir.Membership):
            a = self._value(block, e.operand, values)
            listed = tuple(m.value for m in e.members)
            name = "MEMBERS_" + "_".join(str(v) for v in listed)
            if not (name.isidentifier() and name.isascii()):
                name = f"MEMBERS_{zlib.crc32(repr(listed).encode()):08x}"
            members = self._constant(name, f"frozenset({listed!r})")
            return self._temp(block, f"None if {a} is None else {a} in {members}")
        if isinstance(e, ir.ConditionSum):
            return self._sum(block, e, values)
        raise ValueError(f"{type(e).__name__} cannot be evaluated on a patient")

    def _sum(self, block: _Block, e: ir.ConditionSum, values: dict[int, str]) -> str:
        """A `count`/`sum` (the kernel's `condition_sum`, written out): a true term adds its weight to
        both bounds, an unknown one adds it to the bound it can move; equal bounds are the exact value."""
        conditions = [self._value(block, term.condition, values) for term in e.terms]
        block.add("low = high = 0  " + _comment(f"# {expr_text(e)}"))
        for term, condition in zip(e.terms, conditions):
            weight = self._weight(term.weight)
            block.add(f"if {condition} is True:")
            block.inner().add(f"low, high = low + {weight}, high + {weight}")
            if term.weight:
                block.add(f"elif {condition} is not False:")
                block.inner().add(f"{'low' if term.weight < 0 else 'high'} += {weight}")
        return self._temp(block, "low if low == high else Num(low, high, True)")

    def _weight(self, weight: Fraction) -> str:
        value = PYTHON.constant(weight)
        return self._number(value) if isinstance(value, Fraction) else repr(value)

    def _number(self, value: Fraction) -> str:
        """An exact number as a module constant (`K1 = Fraction(9, 10)`), made once."""
        sign = "m" if value < 0 else ""
        return self._constant(f"N{sign}{abs(value.numerator)}_{value.denominator}",
                              f"Fraction({value.numerator}, {value.denominator})")

    # --- explanations and needs ---------------------------------------------------------------

    def _explain(self, block: _Block, e: ir.Expr, values: dict[int, str], want: bool, out: str) -> None:
        """Code appending to `out` the atoms that make `e` evaluate to `want` (the interpreter's `Explainer.explain`).

        Only a guard that holds is explained, so `e` does hold the value `want` here, and
        so does each operand explained below it: a true `or` names its true operands and a
        false `and` its false ones (the patient's values decide which, at run time); a
        false `or` and a true `and` name every operand.
        """
        if isinstance(e, ir.Not):
            self._explain(block, e.operand, values, not want, out)
            return
        if isinstance(e, (ir.And, ir.Or)):
            if isinstance(e, ir.Or) == want:  # one operand of the wanted value settles it: name those
                for o in e.operands:
                    block.add(f"if {values[id(o)]} is {want}:")
                    self._explain(block.inner(), o, values, want, out)
            else:
                for o in e.operands:
                    self._explain(block, o, values, want, out)
            return
        if isinstance(e, ir.DefineRef):
            head = e.name if want else f"not {e.name}"
            self.temps += 1
            body = f"w{self.temps}"
            block.add(f"{body} = []")
            self._explain(block, self.defines[e.name], self.define_values[e.name], want, body)
            block.add(f"{out}.append({head + ': '!r} + ' and '.join({body}) if {body} else {head!r})")
            return
        if isinstance(e, ir.InputRef):
            block.add(f"{out}.append({(e.name if want else 'not ' + e.name)!r})")
            return
        if isinstance(e, ir.Known):
            block.add(f"{out}.append({(e.name + (' is known' if want else ' is unknown'))!r})")
            return
        if isinstance(e, ir.Literal):
            block.add(f"{out}.append({value_text(e.value)!r})")
            return
        text, names = atom_text(e, want)
        if not names:
            block.add(f"{out}.append({text!r})")
            return
        pieces, prefix = [], text + " ("
        for n in names:
            pieces.append(f"{prefix + n + ' = '!r} + value_text({_name('d' if n in self.defines else 'i', n)}, "
                          f"{self.units.get(n, '')!r})")
            prefix = ", "
        block.add(f"{out}.append({' + '.join(pieces)} + ')')")

    def _unknown_inputs(self, block: _Block, e: ir.Expr, values: dict[int, str], out: str) -> None:
        """Code adding to `out` the inputs under the unknown parts of `e`, in reading order."""
        if isinstance(e, (ir.Literal, ir.Known)):
            return  # always known
        code = values[id(e)]
        if isinstance(e, ir.InputRef):
            block.add(f"if {code} is None:")
            block.inner().add(f"{out}[{e.name!r}] = None")
            return
        inner = _Block([], block.depth + 1)
        if isinstance(e, ir.DefineRef):
            self._unknown_inputs(inner, self.defines[e.name], self.define_values[e.name], out)
        else:
            for child in ir.subexpressions(e):
                self._unknown_inputs(inner, child, values, out)
        if inner.lines:  # an unknown part with inputs under it (a define of a constant has none)
            block.add(f"if {code} is None or {code}.__class__ is Num:")
            block.lines.extend(inner.lines)


def _bounded(e: ir.Expr, defines) -> bool:
    """Whether `e` can hold a `Num` with bounds (a count or sum with unknown terms, or arithmetic on one)."""
    if isinstance(e, ir.ConditionSum):
        return True
    if isinstance(e, ir.Arithmetic):
        return _bounded(e.left, defines) or _bounded(e.right, defines)
    if isinstance(e, ir.Convert):
        return _bounded(e.operand, defines)
    if isinstance(e, ir.DefineRef):
        return _bounded(defines[e.name], defines)
    return False


def _tuple(codes) -> str:
    """Python tuple display of the codes: `(a,)`, `(a, b)`."""
    codes = list(codes)
    return f"({codes[0]},)" if len(codes) == 1 else f"({', '.join(codes)})"


def _comment(text: str) -> str:
    """Text on one comment line: guideline texts come from graph files, so no line break or
    other unprintable character may end the comment and start code."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
