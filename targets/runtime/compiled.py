"""Graph + facts → `RunResult` through the generated executor; the choice of executor.

`targets/runtime/generate.py` writes a graph as the Python source of one function;
this module compiles that source once per graph (kept on the graph with
`Graph.cached`, as the interpreter keeps its plan) and runs it. The generated code
runs in `NAMESPACE`: the result classes, the semantics kernel's rules for bounded
numbers, and the few helpers below that do the per-patient bookkeeping the same way
the interpreter does (joining reasons, ranking questions).

Two executors give the same `RunResult` for every graph and patient
(`tests/test_generated_executor.py` compares them on random patients of every
shipped guideline and on random graphs):

- `generated` (the default of `carepath.run` and `run --batch`): seven to twelve
  times faster than the interpreter (`benchmarks/handwritten_latency.py`,
  `benchmarks/run_latency.py`), after about 0.1 s of writing and compiling per graph;
- `interpreter` (`targets/runtime/execute.py`): the reference, kept as the oracle.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from carepath.compiler import ir, semantics
from carepath.compiler.printer import value_text
from carepath.compiler.semantics import PYTHON, Num
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.expressions import as_num, from_num
from carepath.targets.runtime.generate import FUNCTION, generate
from carepath.targets.runtime.result import (
    COMPLETE,
    FALSE,
    NEEDS_INPUT,
    TRUE,
    UNKNOWN,
    DecisionTrace,
    GuardValue,
    LeadsTo,
    Question,
    RecommendedAction,
    RunResult,
)

Executor = Callable[[ir.Graph, Mapping[str, Any]], RunResult]
GENERATED, INTERPRETER = "generated", "interpreter"
DEFAULT_EXECUTOR = GENERATED

_EXACT_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                  "=": operator.eq, "!=": operator.ne}
_NO_LEAD = (len(ir.Urgency), 0)  # a question that leads to no action comes after every one that does
_SETTLED_KEPT = 4096  # trace entries kept per decision: a decision of many lines has 3ⁿ combinations


class _Unset:
    """The value of a define no guard has needed yet in this run."""

    def __repr__(self) -> str:
        return "UNSET"


def compare(op: str, a, b):
    """`a op b` where either side may be a bounded sum: exact values compare directly, bounds through the kernel."""
    if a is None or b is None:
        return None
    if a.__class__ is not Num and b.__class__ is not Num:
        return _EXACT_COMPARE[op](a, b)
    return semantics.compare(PYTHON, op, as_num(a), as_num(b))


def arithmetic(op: str, a, b):
    """Exact `+ - * /` through the kernel (bounds carried, division by zero unknown)."""
    return from_num(semantics.arithmetic(PYTHON, op, as_num(a), as_num(b)))


def joined(reasons: tuple[str, ...], more) -> tuple[str, ...]:
    """`reasons` then the new ones of `more`, each once, in order (a node reached twice merges its reasons)."""
    return tuple(dict.fromkeys((*reasons, *more)))


def guard_values(texts: tuple[str, ...]) -> tuple[dict, ...]:
    """Per guard, its trace entry for each value (true, false, unknown), built once per graph."""
    return tuple({value: GuardValue(index, text, name) for value, name in ((True, TRUE), (False, FALSE), (None, UNKNOWN))}
                 for index, text in enumerate(texts))


def first_guard_values(texts: tuple[str, ...]) -> dict[tuple[int, Any], tuple[GuardValue, ...]]:
    """A `first` decision's consulted guards, by the line it stopped at and that line's value.

    The lines before the one it stopped at were all false, so the trace entries of a
    `first` decision are fixed by those two: built once per graph.
    """
    values = guard_values(texts)
    falses = tuple(entry[False] for entry in values)
    return {(index, value): falses[:index] + (entry[value],)
            for index, entry in enumerate(values) for value in (True, False, None)}


def traced(table: tuple[dict, ...], values: tuple) -> tuple[GuardValue, ...]:
    """The trace entries of a decision that evaluated every guard."""
    return tuple(entry[value] for entry, value in zip(table, values))


def first_traces(decision: str, table: dict, lines: int, otherwise: tuple[int, ...]) -> dict:
    """A `first` decision's settled trace entries, by the line it stopped at and that line's value
    (true: that line fired; false: every line was false and `otherwise` fired), built once per graph."""
    made = {(index, True): DecisionTrace(decision, "first", table[index, True], (index,), False, ())
            for index in range(lines)}
    made[lines - 1, False] = DecisionTrace(decision, "first", table[lines - 1, False], otherwise, False, ())
    return made


def settled(made: dict, values: tuple, decision: str, policy: str, table: tuple[dict, ...],
            fired: tuple[int, ...]) -> DecisionTrace:
    """The trace entry of a decision that waits for nothing: fixed by its guards' values, so made
    once per combination of values (up to `_SETTLED_KEPT` of them per decision)."""
    trace = made.get(values)
    if trace is None:
        trace = DecisionTrace(decision, policy, traced(table, values), fired, False, ())
        if len(made) < _SETTLED_KEPT:
            made[values] = trace
    return trace


def ordered(asked: dict[str, None], input_order: Mapping[str, int]) -> tuple[str, ...]:
    """A decision's needs in input declaration order."""
    return tuple(sorted(asked, key=input_order.__getitem__))


def ask(leads: dict, names: dict[str, None], lead) -> None:
    """Record that `names` are asked for by a line that could lead to `lead` (its sort key and action)."""
    for name in names:
        known = leads.get(name)
        if lead is not None and (known is None or lead[0] < known[0]):
            leads[name] = lead
        elif name not in leads:
            leads[name] = None


def ranked(leads: dict, input_order: Mapping[str, int], questions: Mapping[str, str | None], made: dict):
    """The needs in declaration order and the questions ranked by the most urgent action each could unlock.

    A question is fixed by its input and what it could lead to, so each is made once per
    graph and kept in `made` (the generated module's own dictionary).
    """
    if not leads:
        return (), ()
    needs = tuple(sorted(leads, key=input_order.__getitem__))
    # a stable sort of inputs already in declaration order: ties stay in that order
    order = sorted(needs, key=lambda name: leads[name][0] if leads[name] else _NO_LEAD) if len(needs) > 1 else needs
    asked = []
    for name in order:
        lead = leads[name]
        question = made.get((name, lead))
        if question is None:
            question = made[name, lead] = Question(name, questions[name], lead[1] if lead else None)
        asked.append(question)
    return needs, tuple(asked)


# A patient's value as explanation text (`0.85`, `3 wk`): printing an exact number is slow
# next to the rest of a run, and a population repeats its values, so recent ones are kept
# (typed: `True` prints `true`, `1` prints `1`).
_value_text = functools.lru_cache(maxsize=4096, typed=True)(value_text)

NAMESPACE: dict[str, Any] = {
    "UNSET": _Unset(), "Fraction": Fraction, "Num": Num, "value_text": _value_text,
    "compare": compare, "arithmetic": arithmetic,
    "joined": joined, "guard_values": guard_values, "first_guard_values": first_guard_values,
    "first_traces": first_traces, "settled": settled,
    "traced": traced, "ordered": ordered, "ask": ask, "ranked": ranked,
    "DecisionTrace": DecisionTrace, "LeadsTo": LeadsTo, "RecommendedAction": RecommendedAction,
    "RunResult": RunResult, "COMPLETE": COMPLETE, "NEEDS_INPUT": NEEDS_INPUT,
}


def compiled(graph: ir.Graph) -> Callable[[Mapping[str, Any]], RunResult]:
    """The generated function of `graph`, compiled once and kept on the graph."""
    return graph.cached("runtime.generated", _compile)


def _compile(graph: ir.Graph) -> Callable[[Mapping[str, Any]], RunResult]:
    source = generate(graph)
    namespace = dict(NAMESPACE)
    exec(compile(source, f"<carepath generated: {graph.id}>", "exec"), namespace)  # our own generated text
    return namespace[FUNCTION]


def execute_generated(graph: ir.Graph, facts: Mapping[str, Any]) -> RunResult:
    """Run `graph` on known facts (input name → value in the declared unit; absent = unknown)."""
    return compiled(graph)(facts)


EXECUTORS: dict[str, Executor] = {GENERATED: execute_generated, INTERPRETER: execute}


def executor(name: str = DEFAULT_EXECUTOR) -> Executor:
    """The executor called `name` (`generated` or `interpreter`); a ValueError names the choices."""
    try:
        return EXECUTORS[name]
    except KeyError:
        raise ValueError(f"no executor `{name}`: choose {' or '.join(f'`{n}`' for n in EXECUTORS)}") from None
