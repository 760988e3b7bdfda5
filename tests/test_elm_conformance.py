"""Conformance with a peer engine: carepath's ELM export, run by cql-execution, agrees with carepath.

cql-execution (npm, pinned by `targets/elm/package-lock.json`, installed by `make setup`)
evaluates the exported ELM library for every patient through `targets/elm/evaluate.js`;
carepath's Python runtime runs the same facts. For ≥ 2,000 random patients of the
reference guideline (unknowns, values on and next to every threshold, quantities in other
units) and a few hundred of each edge-case guideline, they must agree on

- the recommended actions: `Recommend <id>` is true exactly for the runtime's actions;
- the pending actions: `Recommend <id>` is null exactly for the actions whose Kleene reach
  is unknown (`pending_actions` below, whose reached nodes must be the runtime's path).

Facts reach the engine as the facts reader left them: in each input's declared unit,
as the double nearest to the exact value (docs/interop.md says why and what it costs).
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import shutil
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from carepath import compile_text
from carepath.compiler import ir, units
from carepath.targets.elm import elm_library, reach_name, recommend_name
from carepath.targets.elm.numbers import decimal_text, exact, terminates
from carepath.targets.runtime.compiled import execute_generated
from carepath.targets.runtime.expressions import Compiler, Env
from carepath.targets.runtime.facts import read_facts_text
from tests.conftest import guideline
from tests.graph_strategies import UNIT_VARIANTS

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
EVALUATE = ROOT / "targets/elm/evaluate.js"
ENGINE = ROOT / "targets/elm/node_modules/cql-execution"
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"
EDGE_CASES = sorted((ROOT / "tests/conformance/guidelines").glob("*.cpath"))
REFERENCE_PATIENTS = 2_000
EDGE_CASE_PATIENTS = 300

pytestmark = pytest.mark.skipif(NODE is None, reason="`node` is not on PATH: cql-execution cannot be run")


@functools.cache
def compiled(path: Path) -> ir.Graph:
    return compile_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


class CqlEngine:
    """One `node evaluate.js` process holding one ELM library at a time."""

    def __init__(self) -> None:
        if not ENGINE.is_dir():
            pytest.fail("cql-execution is not installed: run `make setup` (it runs `npm ci` in targets/elm)")
        self.process = subprocess.Popen([NODE, str(EVALUATE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, encoding="utf-8")

    def ask(self, message: dict) -> dict:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        assert "error" not in reply, reply["error"]
        return reply

    def load(self, graph: ir.Graph) -> None:
        inputs = [{"name": i.name, "kind": i.type.kind, "unit": getattr(i.type, "unit", "")} for i in graph.inputs]
        self.ask({"elm": elm_library(graph), "inputs": inputs})

    def run(self, facts) -> dict:
        """`facts` as the facts reader returns them (declared units); numbers go as the nearest double."""
        values = {name: value if isinstance(value, (bool, str)) else float(value) for name, value in facts.items()}
        return self.ask({"facts": values})

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def engine():
    running = CqlEngine()
    yield running
    running.close()


# --- carepath's side: Kleene reach, whose true part is the runtime's path ----------------


class KleeneReach:
    """Every node's reach for a patient: true, false, or None (a pending decision may still lead there).

    The three-valued reading of docs/semantics.md's activation, guards evaluated by the
    runtime's own expression compiler (compiled once per graph); its true part must be
    the runtime's path.
    """

    def __init__(self, graph: ir.Graph) -> None:
        evaluate = Compiler(graph)
        self.graph = graph
        self.guards: dict[str, list[tuple[Callable, list[ir.Edge]]]] = {}
        for node in graph.nodes:
            if node.kind is ir.NodeKind.DECIDE:
                lines: dict[int, list[ir.Edge]] = {}
                for edge in graph.outgoing(node.id):
                    if not edge.otherwise:
                        lines.setdefault(edge.branch, []).append(edge)
                self.guards[node.id] = [(evaluate.compile(lines[i][0].guard), lines[i]) for i in sorted(lines)]

    def __call__(self, facts) -> dict[str, bool | None]:
        graph = self.graph
        env = Env(facts)
        reach: dict[str, bool | None] = {n.id: False for n in graph.nodes}
        reach[ir.Graph.START] = True

        def join(target: str, value: bool | None) -> None:  # Kleene or
            current = reach[target]
            reach[target] = True if True in (current, value) else None if None in (current, value) else False

        for node in graph.nodes:
            here = reach[node.id]
            edges = graph.outgoing(node.id)
            if node.kind is not ir.NodeKind.DECIDE:
                if node.kind is not ir.NodeKind.END:
                    for edge in edges:
                        join(edge.target, here)
                continue
            lines = self.guards[node.id]
            guards = [guard(env) for guard, _ in lines]
            policy = node.policy or ir.HitPolicy.FIRST
            for position, (_, line_edges) in enumerate(lines):
                guard, earlier = guards[position], guards[:position]
                if policy is ir.HitPolicy.ANY:
                    fires = guard
                elif policy is ir.HitPolicy.FIRST:
                    fires = _and([_not(g) for g in earlier] + [guard])
                elif True in guards:
                    fires = guard is True and True not in earlier
                else:
                    fires = guard
                for edge in line_edges:
                    join(edge.target, _and([here, fires]))
            for edge in edges:
                if edge.otherwise:
                    join(edge.target, _and([here] + [_not(g) for g in guards]))
        return reach


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _and(values: list[bool | None]) -> bool | None:
    return False if False in values else None if None in values else True


# --- random patients with exact values -----------------------------------------------------


def _literals(graph: ir.Graph) -> list[Fraction]:
    found = {Fraction(0), Fraction(1)}
    exprs = [d.expr for d in graph.defines] + [e.guard for e in graph.edges if e.guard is not None]
    for expr in exprs:
        for e in ir.walk(expr):
            if isinstance(e, ir.Literal) and not isinstance(e.value, (bool, str)):
                found.add(exact(e.value))
    return sorted(found)


def _decimal(value: Fraction) -> float:
    """A JSON number for `value`: its exact decimal, or 12 significant digits when it has none."""
    text = decimal_text(value) if terminates(value) else f"{float(value):.12g}"
    return float(text)


def _unit_factor(source: str, target: str) -> Fraction:
    return units.conversion_factor(source, target)  # exact (a Fraction)


def random_patients(graph: ir.Graph, rng: random.Random, count: int) -> list[dict]:
    """`count` patients of `random_facts`, the graph's literals collected once."""
    literals = _literals(graph)
    return [random_facts(graph, rng, literals) for _ in range(count)]


def random_facts(graph: ir.Graph, rng: random.Random, literals: list[Fraction] | None = None) -> dict:
    """One patient as a facts object: each input missing, null or given; numbers on every literal of
    the graph and next to it (±1, ±0.01, ±10⁻⁶), quantities in their declared unit or another one.

    Half the patients start from one of the guideline's scenarios (which together reach
    every node) with some facts forgotten and some changed, so that the deep steps of the
    workup are reached, passed by and left pending too; the others are drawn afresh.
    """
    literals = _literals(graph) if literals is None else literals
    base: dict = {}
    change_rate = 1.0
    if graph.scenarios and rng.random() < 0.5:
        scenario = rng.choice(graph.scenarios)
        base = {f.name: _fact_value(f.value) for f in scenario.facts}
        change_rate = rng.choice((0.0, 0.05, 0.15))
    unknown_rate = rng.choice((0.0, 0.05, 0.2, 0.5))
    facts: dict = {}
    for input_ in graph.inputs:
        if rng.random() < unknown_rate:
            if rng.random() < 0.5:
                facts[input_.name] = None
            continue
        if input_.name in base and rng.random() >= change_rate:
            facts[input_.name] = base[input_.name]
        elif not base or rng.random() < change_rate:
            facts[input_.name] = _random_value(input_.type, literals, rng)
    return facts


def _fact_value(literal: ir.Literal):
    """A scenario's fact as a facts file writes it."""
    if isinstance(literal.value, (bool, str)):
        return literal.value
    number = _decimal(exact(literal.value))
    return {"value": number, "unit": literal.unit} if literal.unit else number


def _random_value(type_: ir.Type, literals: list[Fraction], rng: random.Random):
    if isinstance(type_, ir.BooleanType):
        return rng.random() < 0.5
    if isinstance(type_, ir.EnumType):
        return rng.choice(type_.members)
    value = rng.choice(literals) + rng.choice((0, 0, 0, 1, -1, Fraction(1, 100), Fraction(-1, 100),
                                               Fraction(1, 10**6), Fraction(-1, 10**6)))
    if type_.low is not None:
        value = max(value, exact(type_.low))
    if type_.high is not None:
        value = min(value, exact(type_.high))
    unit = getattr(type_, "unit", "")
    other = rng.choice(UNIT_VARIANTS.get(unit, (unit,))) if unit else unit
    if other != unit:
        converted = _decimal(value * _unit_factor(unit, other))
        back = Fraction(repr(converted)) * _unit_factor(other, unit)  # rounding may leave the declared range
        if (type_.low is None or back >= exact(type_.low)) and (type_.high is None or back <= exact(type_.high)):
            return {"value": converted, "unit": other}
    return _decimal(value)


# --- agreement ---------------------------------------------------------------------------


def compare_patients(engine: CqlEngine, graph: ir.Graph, patients: list[dict],
                     outcomes: dict[str, set] | None = None) -> list[str]:
    """The patients on which cql-execution and carepath differ; `outcomes` collects each action's values."""
    engine.load(graph)
    actions = [n.id for n in graph.nodes if n.kind is ir.NodeKind.ACTION]
    differences = []
    reach_of = KleeneReach(graph)
    for data in patients:
        text = json.dumps(data)
        facts = read_facts_text(graph, text).values
        result = execute_generated(graph, facts)
        reach = reach_of(facts)
        assert [n for n in (m.id for m in graph.nodes) if reach[n] is True] == list(result.path), text
        if any(reach[a] is None for a in actions):
            assert result.status == "needs_input", text
        expected = {a: (True if a in {r.id for r in result.actions} else None if reach[a] is None else False)
                    for a in actions}
        actual = engine.run(facts)["recommend"]
        if outcomes is not None:
            for action, value in expected.items():
                outcomes.setdefault(action, set()).add(value)
        if actual != expected:
            wrong = {a: (expected[a], actual.get(a)) for a in actions if expected[a] != actual.get(a)}
            differences.append(f"facts {text}\n  (carepath, cql-execution): {wrong}")
    return differences


def test_cql_execution_agrees_with_carepath_on_the_reference_guideline(engine):
    graph = compiled(REFERENCE)
    rng = random.Random(20261125)
    patients = random_patients(graph, rng, REFERENCE_PATIENTS)
    outcomes: dict[str, set] = {}
    differences = compare_patients(engine, graph, patients, outcomes)
    assert not differences, f"{len(differences)} of {len(patients)} patients differ:\n" + "\n".join(differences[:5])
    assert len(patients) >= 2_000
    # the sample is worth something: every action is recommended for some patient, most are pending for some
    assert all(True in seen for seen in outcomes.values()), [a for a, seen in outcomes.items() if True not in seen]
    assert sum(None in seen for seen in outcomes.values()) >= len(outcomes) // 2


@pytest.mark.parametrize("path", EDGE_CASES, ids=lambda p: p.stem)
def test_cql_execution_agrees_with_carepath_on_edge_cases(engine, path):
    graph = compiled(path)
    rng = random.Random(path.stem)
    patients = random_patients(graph, rng, EDGE_CASE_PATIENTS)
    patients += [{f.name: _fact_value(f.value) for f in s.facts} for s in graph.scenarios]
    differences = compare_patients(engine, graph, patients)
    assert not differences, f"{len(differences)} of {len(patients)} patients differ:\n" + "\n".join(differences[:5])


# --- exact numbers survive the trip ------------------------------------------------------

EXACT = guideline("""
    reference r "R" 2026
    input a: boolean
    input b: boolean
    input c: boolean
    input x: number
    input weeks: quantity wk
    define tenths: sum(0.1 if a, 0.2 if b, -0.05 if c) >= 0.3
    define decided_low: count(a, b, c) >= 1
    define thirds: x * 3 = 1
    define month: weeks > 1 mo
    start -> d
    decide d "D" (any) [r]
      when tenths -> t
      when decided_low -> l
      when thirds -> h
      when month -> m
      otherwise -> done
    action t "T" [r]
      urgency routine
      then done
    action l "L" [r]
      urgency routine
      then done
    action h "H" [r]
      urgency routine
      then done
    action m "M" [r]
      urgency routine
      then done
    end done "Done"
""")


def test_sums_and_literals_are_exact_in_cql_execution(engine, compile_ok):
    graph = compile_ok(EXACT)
    engine.load(graph)
    run = functools.partial(engine.run)
    # 0.1 + 0.2 >= 0.3 holds exactly; in binary floating point it would not
    assert run({"a": True, "b": True, "c": False})["recommend"]["t"] is True
    # a negative weight left unknown can still pull the sum under the bound
    assert run({"a": True, "b": True})["recommend"]["t"] is None
    # one known true term decides `count(...) >= 1`, whatever the others are
    assert run({"a": True})["recommend"]["l"] is True
    # 1 mo in weeks is 30.4375 / 7 (no finite decimal): a fact of exactly 1 mo is not more
    one_month = read_facts_text(graph, json.dumps({"weeks": {"value": 1, "unit": "mo"}})).values
    assert run(one_month)["recommend"]["m"] is False
    more = read_facts_text(graph, json.dumps({"weeks": {"value": 31, "unit": "d"}})).values
    assert run(more)["recommend"]["m"] is True
    # a host that passes a Quantity in another unit gets unknown, never a misread number
    assert engine.ask({"facts": {"weeks": {"value": 31, "unit": "d"}}})["recommend"]["m"] is None
    assert engine.ask({"facts": {"weeks": {"value": 5, "unit": "wk"}}})["recommend"]["m"] is True


# --- the contract outside tools rely on ----------------------------------------------------


def test_library_contract_of_the_reference_guideline():
    graph = compiled(REFERENCE)
    library = elm_library(graph)["library"]
    assert library["schemaIdentifier"] == {"id": "urn:hl7-org:elm", "version": "r1"}
    assert library["identifier"] == {"id": graph.id, "version": graph.version}
    parameters = {p["name"]: p["parameterTypeSpecifier"]["name"] for p in library["parameters"]["def"]}
    system = "{urn:hl7-org:elm-types:r1}"
    expected = {"boolean": "Boolean", "number": "Decimal", "enum": "String", "quantity": "Quantity"}
    assert parameters == {i.name: system + expected[i.type.kind] for i in graph.inputs}
    names = [s["name"] for s in library["statements"]["def"]]
    assert len(names) == len(set(names))
    for define in graph.defines:
        assert define.name in names
    for node in graph.nodes:
        assert reach_name(node.id) in names
        assert (recommend_name(node.id) in names) == (node.kind is ir.NodeKind.ACTION)


def test_unary_operators_take_one_operand_object():
    """cql-execution reads a list operand of a unary operator silently wrong."""
    unary = {"Not", "IsNull", "IsTrue", "IsFalse", "Negate"}

    def walk(node):
        if isinstance(node, list):
            for item in node:
                yield from walk(item)
        elif isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)

    for path in [REFERENCE, *EDGE_CASES]:
        for node in walk(elm_library(compiled(path))):
            if node.get("type") in unary:
                assert isinstance(node["operand"], dict), node


def test_an_unknown_expression_type_is_refused(engine, compile_ok):
    """The driver refuses ELM with a type cql-execution would silently ignore, so the check above means something."""
    document = elm_library(compile_ok(EXACT))
    document["library"]["statements"]["def"][0]["expression"] = {"type": "NoSuchOperator"}
    engine.process.stdin.write(json.dumps({"elm": document, "inputs": []}) + "\n")
    engine.process.stdin.flush()
    reply = json.loads(engine.process.stdout.readline())
    assert reply == {"error": "expression types unknown to cql-execution: NoSuchOperator"}


# --- hit policies where Kleene logic and the policy part ways ---------------------------

POLICIES = guideline("""
    reference r "R" 2026
    input a: boolean
    input b: boolean
    input c: boolean
    start -> u, f, n
    # `(not a or b) and (not a or not b)` is `not a`, but unknown when a is true and b unknown:
    # under `unique` the true line 1 fires all the same; under `first` the decision waits.
    decide u "Unique" (unique) [r]
      when (not a or b) and (not a or not b) -> u0
      when a -> u1
    decide f "First" (first) [r]
      when (not a or b) and (not a or not b) -> f0
      when a -> f1
    decide n "Any" (any) [r]
      when b -> n0
      when c -> n0, n1
      otherwise -> n2
    action u0 "U0" [r]
      urgency routine
      then done
    action u1 "U1" [r]
      urgency routine
      then done
    action f0 "F0" [r]
      urgency routine
      then done
    action f1 "F1" [r]
      urgency routine
      then done
    action n0 "N0" [r]
      urgency routine
      then done
    action n1 "N1" [r]
      urgency routine
      then done
    action n2 "N2" [r]
      urgency routine
      then done
    end done "Done"
""")


def test_every_combination_of_known_and_unknown_facts_on_the_hit_policies(engine, compile_ok):
    graph = compile_ok(POLICIES)
    values = (True, False, None)
    patients = [{k: v for k, v in zip("abc", combination, strict=True) if v is not None}
                for combination in itertools.product(values, repeat=3)]
    differences = compare_patients(engine, graph, patients)
    assert not differences, "\n".join(differences)
    engine.load(graph)
    result = engine.run({"a": True})["recommend"]
    assert (result["u1"], result["f1"]) == (True, None)  # the case the policies part ways on


BOUNDS = guideline("""
    reference r "R" 2026
    input a: boolean
    input b: boolean
    input c: boolean
    input n: number from -5 to 5
    define score: count(a, b, c)
    define weighted: sum(0.5 if a, 1.5 if b, -1 if c)
    define doubled: score * 2
    start -> d
    decide d "Scores" (any) [r]
      when score >= 2 -> at_least_two
      when score + 1 >= 3 -> plus_one
      when doubled >= 4 -> twice
      when weighted > 1 -> weighted_more
      when score * n >= 2 -> times_fact
      when score = 3 -> all_three
      when weighted != 0.5 -> not_a_half
      when weighted - score < 0 -> difference
      otherwise -> done
    action at_least_two "A" [r]
      urgency routine
      then done
    action plus_one "B" [r]
      urgency routine
      then done
    action twice "C" [r]
      urgency routine
      then done
    action weighted_more "D" [r]
      urgency routine
      then done
    action times_fact "E" [r]
      urgency routine
      then done
    action all_three "G" [r]
      urgency routine
      then done
    action not_a_half "H" [r]
      urgency routine
      then done
    action difference "I" [r]
      urgency routine
      then done
    end done "Done"
""")


def test_sum_bounds_travel_through_defines_and_arithmetic_as_in_the_kernel(engine, compile_ok):
    """A count's bounds pass through defines, `+`, `-` and scaling by a number or a fact."""
    graph = compile_ok(BOUNDS)
    values = (True, False, None)
    patients = [{**{k: v for k, v in zip("abc", combination, strict=True) if v is not None},
                 **({"n": n} if n is not None else {})}
                for combination in itertools.product(values, repeat=3) for n in (-1, 0, 2, None)]
    differences = compare_patients(engine, graph, patients)
    assert not differences, f"{len(differences)} of {len(patients)} differ:\n" + "\n".join(differences[:5])
    engine.load(graph)
    decided = engine.run({"a": True, "b": True})["recommend"]
    assert decided["at_least_two"] is True and decided["twice"] is True and decided["all_three"] is None


MIXED_UNITS = guideline("""
    reference r "R" 2026
    input window: quantity wk
    input symptoms: quantity d
    start -> d
    decide d "Units" (any) [r]
      when symptoms >= window -> longer
      when symptoms = window -> same
      otherwise -> done
    action longer "L" [r]
      urgency routine
      then done
    action same "S" [r]
      urgency routine
      then done
    end done "Done"
""")


def test_quantities_in_different_units_meet_exactly(engine, compile_ok):
    """Lowering converts one side (`Convert`, factor 7 or 1/7): 1 wk against 7 d is equal in both engines."""
    graph = compile_ok(MIXED_UNITS)
    assert any(isinstance(e, ir.Convert) for line in graph.node("d").lines for e in ir.walk(line.guard))
    patients = [{"window": {"value": w, "unit": "wk"}, "symptoms": {"value": s, "unit": "d"}}
                for w in (0, 1, 2, 0.5) for s in (0, 3.5, 7, 6.99, 14)] + [{"window": 1}, {"symptoms": 7}, {}]
    differences = compare_patients(engine, graph, patients)
    assert not differences, "\n".join(differences)
    assert engine.run(read_facts_text(graph, json.dumps(patients[7])).values)["recommend"]["same"] is True
