"""Random IR graphs (a hypothesis strategy) and random patients for them.

`graphs()` draws a well-formed `compiler.ir.Graph` directly (no source text): typed
inputs, boolean defines, and a DAG whose nodes are already in graph order (every edge
goes forward), with decisions of every hit policy whose guards use every kind of
expression a guard can hold. The graphs are not meant to pass the verifier (they may
have unreachable nodes or overlapping guards); they are meant to exercise exporters
and runtimes. `random_patient(graph, rng)` draws facts for one: unknowns, values on
and around the guards' thresholds, quantities in other units, and now and then an
invalid fact. It takes a `random.Random`, so a campaign of thousands of patients is
cheap and a hypothesis test can feed it `st.randoms()`.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

from fractions import Fraction

from carepath.compiler import exact_json, ir, units

# Quantity units the random graphs declare, each with units its facts may come in.
UNIT_VARIANTS: dict[str, tuple[str, ...]] = {
    "wk": ("wk", "d", "h", "min", "a", "mo"),
    "min": ("min", "s", "h"),
    "mm[Hg]": ("mm[Hg]", "kPa", "Pa", "cm[H2O]"),
    "mg/dL": ("mg/dL", "g/L", "mg/L", "ug/mL", "mg/mL"),
    "a": ("a", "mo", "wk", "d"),
    "%": ("%",),
}
# Thresholds: numbers a guard compares with, and facts land on them and near them.
GRID = tuple(Fraction(x) for x in ("0", "0.5", "0.9", "1", "1.5", "2", "3", "6", "10", "30", "126", "0.1", "0.2", "0.3"))
NAMES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
MEMBERS = ("present", "absent", "uncertain", "worsening")


@st.composite
def input_types(draw) -> ir.Type:
    kind = draw(st.sampled_from(("boolean", "boolean", "enum", "number", "quantity")))
    if kind == "boolean":
        return ir.BooleanType()
    if kind == "enum":
        return ir.EnumType(tuple(draw(st.lists(st.sampled_from(MEMBERS), min_size=2, max_size=4, unique=True))))
    low = draw(st.sampled_from((None, Fraction(0))))
    high = draw(st.sampled_from((None, Fraction(200))))
    if kind == "number":
        return ir.NumberType(low, high)
    return ir.QuantityType(draw(st.sampled_from(sorted(UNIT_VARIANTS))), low, high)


def _literal(type_: ir.Type, value) -> ir.Literal:
    value = Fraction(value)
    unit = type_.unit if isinstance(type_, ir.QuantityType) else ""
    return ir.Literal(value, unit, f"{ir.number_text(value)} {unit}".strip())


def _written_in(type_: ir.QuantityType, value: Fraction, other: str) -> ir.Literal:
    """A threshold the author wrote in another unit (`21 d` against a `wk` input), lowered exactly."""
    written = units.convert(value, type_.unit, other)
    return ir.Literal(value, type_.unit, f"{ir.number_text(written)} {other}")


@st.composite
def conditions(draw, inputs: tuple[ir.Input, ...], defines: tuple[str, ...], depth: int = 2) -> ir.Expr:
    """A boolean expression over the inputs (and earlier defines)."""
    choices = ["atom"] * 3 + (["not", "and", "or", "sum"] if depth > 0 else []) + (["define"] if defines else [])
    choice = draw(st.sampled_from(choices))
    if choice == "define":
        return ir.DefineRef(draw(st.sampled_from(defines)))
    if choice == "not":
        return ir.Not(draw(conditions(inputs, defines, depth - 1)))
    if choice in ("and", "or"):
        operands = tuple(draw(st.lists(conditions(inputs, defines, depth - 1), min_size=2, max_size=3)))
        return (ir.And if choice == "and" else ir.Or)(operands)
    if choice == "sum":
        terms = tuple(
            ir.Term(Fraction(draw(st.sampled_from(("1", "2", "0.5", "-2")))), draw(conditions(inputs, defines, depth - 1)))
            for _ in range(draw(st.integers(1, 4)))
        )
        threshold = Fraction(draw(st.sampled_from(("1", "2", "0.5"))))
        return ir.Compare(draw(st.sampled_from((">=", ">", "=", "<", "!="))), ir.ConditionSum(terms), _literal(ir.NumberType(), threshold))
    return draw(atoms(inputs))


@st.composite
def atoms(draw, inputs: tuple[ir.Input, ...]) -> ir.Expr:
    input_ = draw(st.sampled_from(inputs))
    ref, type_ = ir.InputRef(input_.name), input_.type
    if draw(st.integers(0, 9)) == 0:
        return ir.Known(input_.name)
    if isinstance(type_, ir.BooleanType):
        return ref if draw(st.booleans()) else ir.Compare("=", ref, ir.Literal(draw(st.booleans())))
    if isinstance(type_, ir.EnumType):
        if draw(st.booleans()):
            members = draw(st.lists(st.sampled_from(type_.members), min_size=1, max_size=2, unique=True))
            return ir.Membership(ref, tuple(ir.Literal(m) for m in members))
        return ir.Compare(draw(st.sampled_from(("=", "!="))), ref, ir.Literal(draw(st.sampled_from(type_.members))))
    op = draw(st.sampled_from(ir.COMPARISON_OPERATORS))
    threshold = _literal(type_, draw(st.sampled_from(GRID)))
    if isinstance(type_, ir.QuantityType) and draw(st.integers(0, 3)) == 0:
        threshold = _written_in(type_, threshold.value, draw(st.sampled_from(UNIT_VARIANTS[type_.unit])))
    same_kind = [i for i in inputs if i.name != input_.name and _commensurable(i.type, type_)]
    shape = draw(st.integers(0, 5))
    if shape == 0:  # arithmetic on the left: x * 2 > 3, x - 1.1 <= 0.9, x / 3 = 1
        operation = draw(st.sampled_from(ir.ARITHMETIC_OPERATORS))
        constant = draw(st.sampled_from(("0", "1", "1.1", "2", "0.1") if operation in "+-" else ("0", "2", "0.5", "3")))
        operand = _literal(type_, constant) if operation in "+-" else _literal(ir.NumberType(), constant)
        return ir.Compare(op, ir.Arithmetic(operation, ref, operand), threshold)
    if shape == 1 and same_kind:  # two inputs: a + b > 0.3, or a quantity against one in another unit
        other = draw(st.sampled_from(same_kind))
        other_ref = ir.InputRef(other.name)
        if isinstance(type_, ir.QuantityType) and other.type.unit != type_.unit:
            other_ref = ir.Convert(other_ref, type_.unit, units.conversion_factor(other.type.unit, type_.unit))
        if draw(st.booleans()):
            return ir.Compare(op, ref, other_ref)
        return ir.Compare(op, ir.Arithmetic(draw(st.sampled_from("+-")), ref, other_ref), threshold)
    return ir.Compare(op, ref, threshold)


def _commensurable(a: ir.Type, b: ir.Type) -> bool:
    if isinstance(a, ir.NumberType) and isinstance(b, ir.NumberType):
        return True
    return (isinstance(a, ir.QuantityType) and isinstance(b, ir.QuantityType)
            and units.commensurable(a.unit, b.unit))


@st.composite
def graphs(draw, max_inputs: int = 5, max_steps: int = 7) -> ir.Graph:
    count = draw(st.integers(1, max_inputs))
    inputs = tuple(ir.Input(name, draw(input_types()), question=f"{name}?") for name in NAMES[:count])
    defines: list[ir.Define] = []
    for index in range(draw(st.integers(0, 2))):
        expr = draw(conditions(inputs, tuple(d.name for d in defines)))
        defines.append(ir.Define(f"derived_{index}", expr, ir.BooleanType()))
    define_names = tuple(d.name for d in defines)

    kinds = draw(st.lists(st.sampled_from((ir.NodeKind.DECIDE, ir.NodeKind.DECIDE, ir.NodeKind.ACTION, ir.NodeKind.ASSESS)),
                          min_size=1, max_size=max_steps))
    ids = ["start", *(f"{kind.value}_{i}" for i, kind in enumerate(kinds, 1)), "done"]
    all_kinds = [ir.NodeKind.START, *kinds, ir.NodeKind.END]
    nodes: list[ir.Node] = []
    for index, (node_id, kind) in enumerate(zip(ids, all_kinds, strict=True)):
        later = ids[index + 1:]
        title = f"Step {node_id}"
        if kind is ir.NodeKind.END:
            nodes.append(ir.End(node_id, title))
            continue
        targets = tuple(draw(st.lists(st.sampled_from(later), min_size=1, max_size=2, unique=True)))
        if kind is ir.NodeKind.START:
            nodes.append(ir.Start(node_id, targets))
        elif kind is ir.NodeKind.ASSESS:
            nodes.append(ir.Assess(node_id, title, targets))
        elif kind is ir.NodeKind.ACTION:
            nodes.append(ir.Action(node_id, title, draw(st.sampled_from(tuple(ir.Urgency))), targets, citations=("ref1",)))
        else:
            chosen = draw(st.lists(st.sampled_from(later), min_size=1, max_size=min(4, len(later)), unique=True))
            has_otherwise = len(chosen) > 1 and draw(st.booleans())
            guarded = chosen[:-1] if has_otherwise else chosen
            lines = tuple(ir.Line(draw(conditions(inputs, define_names)), (target,)) for target in guarded)
            nodes.append(ir.Decide(node_id, title, draw(st.sampled_from(tuple(ir.HitPolicy))), lines,
                                   (chosen[-1],) if has_otherwise else ()))
    return ir.Graph(
        id="random", title="A random guideline", version="0.0.1",
        inputs=inputs, defines=tuple(defines),
        references=(ir.Reference("ref1", "A reference", 2024),), sections=(),
        nodes=tuple(nodes),
    )


def _thresholds(graph: ir.Graph) -> list[Fraction]:
    """Every number a guard or define compares with, and its neighbours (kept on the graph)."""
    return graph.cached("tests.thresholds", _find_thresholds)


def _find_thresholds(graph: ir.Graph) -> list[Fraction]:
    found = set(GRID)

    def walk(expr):
        if isinstance(expr, ir.Literal) and isinstance(expr.value, Fraction) and exact_json.number(expr.value) == expr.value:
            step = Fraction(1, 100)
            found.update((expr.value, expr.value - step, expr.value + step))
        for child in (getattr(expr, name, None) for name in ("operand", "left", "right")):
            if child is not None:
                walk(child)
        for child in getattr(expr, "operands", ()):
            walk(child)
        for term in getattr(expr, "terms", ()):
            walk(term.condition)

    for edge in graph.edges:
        if edge.guard is not None:
            walk(edge.guard)
    for define in graph.defines:
        walk(define.expr)
    return sorted(found)


def random_patient(graph: ir.Graph, rng: random.Random, invalid_rate: float = 0.02) -> dict:
    """Facts for one patient of `graph`, JSON-ready as a facts file holds them.

    Each input is missing, null or given; numbers land on the guards' thresholds and
    next to them; quantities come in their declared unit or in another one. With
    probability `invalid_rate` one fact is invalid (both runtimes must refuse it).
    """
    numbers = _thresholds(graph)
    facts: dict = {}
    for input_ in graph.inputs:
        shape = rng.choice(("missing", "null", "value", "value", "value", "value"))
        if shape == "missing":
            continue
        if shape == "null":
            facts[input_.name] = None
            continue
        type_ = input_.type
        if isinstance(type_, ir.BooleanType):
            facts[input_.name] = rng.random() < 0.5
        elif isinstance(type_, ir.EnumType):
            facts[input_.name] = rng.choice(type_.members)
        else:
            value = rng.choice(numbers)
            value = min(max(value, type_.low if type_.low is not None else value), type_.high if type_.high is not None else value)
            facts[input_.name] = value
            if isinstance(type_, ir.QuantityType) and rng.random() < 0.5:
                facts[input_.name] = _in_other_unit(rng, value, type_.unit)
    if rng.random() < invalid_rate:
        facts.update(_invalid_fact(rng, graph))
    return facts


def _in_other_unit(rng: random.Random, value: float, unit: str) -> dict:
    from carepath.compiler.units import convert

    other = rng.choice(UNIT_VARIANTS.get(unit, (unit,)))
    converted = convert(value, unit, other)
    if isinstance(exact_json.number(converted), str):  # no short decimal writes it: a facts file cannot hold it
        other, converted = unit, value
    return {"value": converted, "unit": other}


def _invalid_fact(rng: random.Random, graph: ir.Graph) -> dict:
    input_ = rng.choice(graph.inputs)
    type_ = input_.type
    wrong = {
        "unknown name": {"no_such_input": True},
        "wrong type": {input_.name: "yes" if not isinstance(type_, ir.EnumType) else 3},
    }
    if isinstance(type_, ir.QuantityType):
        wrong["incommensurable unit"] = {input_.name: {"value": 1, "unit": "kg"}}
    if isinstance(type_, ir.NumberType | ir.QuantityType) and type_.high is not None:
        wrong["out of range"] = {input_.name: type_.high + 1}
    return wrong[rng.choice(sorted(wrong))]
