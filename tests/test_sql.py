"""The SQL target run in DuckDB agrees with the Python runtime, patient by patient.

The Python runtime is the oracle (its interpreter; for the 10,000 patients its generated
executor, which tests/test_generated_executor.py holds to the interpreter and which is
ten times faster once a graph is compiled): for 10,000 random
patients of the reference guideline and for random patients of generated graphs
(`tests/graph_strategies.py`: every hit policy, every kind of guard expression),
the query's status, ordered action ids, needs and path must equal the runtime's.
The Spark SQL dialect is held to the same oracle in `tests/test_sql_spark.py`.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carepath.targets.runtime.compiled import execute_generated
from carepath.targets.runtime.execute import execute
from carepath.targets.runtime.facts import FactsError, parse_facts
from carepath.targets.sql.facts_table import exact_decimal, facts_table
from carepath.targets.sql.query import DUCKDB, SPARK, number_text, sql_query
from tests.budget import examples
from tests.graph_strategies import graphs, random_patient

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "guidelines/leg_numbness_cramping.cpath"


@pytest.fixture(scope="module")
def reference():
    from carepath import compile_file

    return compile_file(REFERENCE)


def random_patients(graph, rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """Checked facts of `count` random patients (a drawn fact now and then falls outside a range: redrawn)."""
    patients = []
    while len(patients) < count:
        try:
            facts = parse_facts(graph, random_patient(graph, rng, invalid_rate=0.0))
        except FactsError:
            continue
        patients.append((f"patient-{len(patients)}", dict(facts.values)))
    return patients


def expected(graph, patients, executor=execute) -> list[tuple]:
    out = []
    for identifier, facts in patients:
        result = executor(graph, facts)
        out.append((identifier, result.status, result.action_ids(), result.needs, result.path))
    return out


@functools.cache
def connection():
    """One DuckDB connection for the module (opening one costs more than a small query), on one thread:
    the other test workers have the other cores."""
    return duckdb.connect(config={"threads": 1})


def run_duckdb(graph, patients) -> list[tuple]:
    connection().register("facts", facts_table(graph, patients))
    rows = connection().execute(sql_query(graph, DUCKDB)).fetchall()
    return [(identifier, status, tuple(actions), tuple(needs), tuple(path))
            for identifier, status, actions, needs, path in rows]


def assert_same(actual: list[tuple], wanted: list[tuple], patients) -> None:
    assert len(actual) == len(wanted)
    for got, want, (_identifier, facts) in zip(actual, wanted, patients):
        assert got == want, f"facts {facts}"


@functools.cache
def reference_cases(count: int = 10_000, seed: int = 20261125):
    """The reference guideline, `count` random patients and the runtime's results for them.

    Computed once per test session: DuckDB (here) and Spark (tests/test_sql_spark.py) are
    both held to the same 10,000 patients, and the oracle's run is the costly part.
    """
    from carepath import compile_file

    graph = compile_file(REFERENCE)
    patients = random_patients(graph, random.Random(seed), count)
    return graph, patients, expected(graph, patients, execute_generated)


def test_duckdb_agrees_with_the_runtime_on_10000_patients_of_the_reference_guideline():
    graph, patients, wanted = reference_cases()
    assert {w[1] for w in wanted} == {"complete", "needs_input"}  # both outcomes are exercised
    assert_same(run_duckdb(graph, patients), wanted, patients)


@examples(50)  # DuckDB plans each graph's query anew (~50 ms)
@given(graph=graphs(), seed=st.integers(0, 2**32 - 1))
def test_duckdb_agrees_with_the_runtime_on_generated_graphs(graph, seed):
    patients = random_patients(graph, random.Random(seed), 100)
    assert_same(run_duckdb(graph, patients), expected(graph, patients), patients)


def test_the_query_keeps_only_its_own_columns_and_names_the_id_column(reference):
    connection = duckdb.connect()
    patients = random_patients(reference, random.Random(3), 3)
    connection.register("patients", facts_table(reference, patients, id_column="mrn"))
    relation = connection.sql(sql_query(reference, DUCKDB, facts_table="patients", id_column="mrn"))
    assert relation.columns == ["mrn", "status", "actions", "needs", "path"]
    assert [row[0] for row in relation.fetchall()] == [p[0] for p in patients]


@pytest.mark.parametrize(("value", "text"), [
    (0.9, "0.9"), (126, "126.0"), (-2.5, "(-2.5)"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_numbers_are_written_as_exact_decimal_literals(value, text):
    assert number_text(value) == text


def test_a_number_without_a_finite_decimal_is_an_exact_division():
    from fractions import Fraction

    assert number_text(Fraction(10, 7)) == "(10 / 7)"
    assert exact_decimal(Fraction(10, 7)) == exact_decimal(Fraction(1428571428571, 10**12))


def test_decimal_arithmetic_is_exact_in_duckdb():
    assert duckdb.connect().execute(f"SELECT {number_text(0.1)} + {number_text(0.2)} = {number_text(0.3)}").fetchall() == [(True,)]


def test_the_spark_dialect_quotes_with_backticks_and_filters_arrays(reference):
    query = sql_query(reference, SPARK)
    assert "`pedal_pulses`" in query and '"pedal_pulses"' not in query
    assert "filter(array(" in query and "list_filter" not in query


ASK_WHAT_MATTERS = """\
guideline asks "Asks" version "1.0.0"
reference r1 "Source" 2025
input a: boolean
input b: boolean
input c: boolean
input d: boolean
start -> choose
decide choose "Choose" (first) [r1]
  when a or (b and c) -> act
  when count(a, b, d) >= 2 -> score
  otherwise -> done
action act "Act" [r1]
  urgency urgent
  then done
action score "Score" [r1]
  urgency routine
  then done
end done "Done"
"""


@pytest.mark.parametrize(("facts", "status", "actions", "needs"), [
    ({"c": False}, "needs_input", (), ("a",)),  # b cannot matter while c is false
    ({"a": False, "b": True, "d": True}, "needs_input", (), ("c",)),
    ({"a": False, "c": False, "b": True, "d": True}, "complete", ("score",), ()),
    ({"a": False, "c": False, "b": False}, "complete", (), ()),  # count(a, b, d) ≤ 1 whatever d is
])
def test_only_inputs_that_can_still_change_a_decision_are_needed(compile_ok, facts, status, actions, needs):
    graph = compile_ok(ASK_WHAT_MATTERS)
    patients = [("p", dict(parse_facts(graph, facts).values))]
    wanted = expected(graph, patients)
    assert wanted[0][1:4] == (status, actions, needs)  # the runtime's reading of the rule
    assert run_duckdb(graph, patients) == wanted
