"""The SQL target's Spark dialect agrees with the Python runtime, in Spark local mode.

The 10,000 random patients of the reference guideline that DuckDB is held to
(`tests/test_sql.py`, `reference_cases`: drawn and run by the oracle once per test
session) in one query, and a few generated graphs with fewer patients each, compared
with the Python runtime on status, ordered action ids, needs and path. Skipped,
saying why, where pyspark or Java is missing.

Spark's time here is fixed costs, not patients (10,000 rows run in about a second):
starting the JVM, and the first plan of the reference guideline's 80 KB query, which
is mostly the JVM compiling Spark's own optimizer. So there is one local session for
the test session, its JVM compiles with the quick compiler only (C1:
`-XX:TieredStopAtLevel=1`), which takes that first plan from about a minute and a
half to about ten seconds on a loaded 2-core machine, the facts are never evaluated
while planning (`ConvertToLocalRelation` left out), one shuffle partition, no UI, no
progress bar.
"""

from __future__ import annotations

import importlib.util
import random
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.targets.sql.facts_table import facts_table
from tests.budget import FUZZ
from tests.graph_strategies import graphs
from tests.test_sql import assert_same, expected, random_patients, reference_cases

if importlib.util.find_spec("pyspark") is None:  # found, not imported: a worker that runs no Spark test never imports it
    pytest.skip("pyspark is not installed", allow_module_level=True)
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 or later), and there is no `java` here", allow_module_level=True)


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("carepath-tests")
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               # the facts come from Python as a local relation, which this rule would run through the
               # whole query while *planning*, interpreted (minutes for 10,000 rows); left out, the
               # query runs as compiled code like any scan
               .config("spark.sql.optimizer.excludedRules",
                       "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def run_spark(spark, graph, patients) -> list[tuple]:
    from carepath.targets.sql.query import SPARK, sql_query

    spark.createDataFrame(facts_table(graph, patients)).createOrReplaceTempView("facts")
    rows = spark.sql(sql_query(graph, SPARK)).collect()
    return [(row[0], row[1], tuple(row[2]), tuple(row[3]), tuple(row[4])) for row in rows]


def test_spark_agrees_with_the_runtime_on_10000_patients_of_the_reference_guideline(spark):
    graph, patients, wanted = reference_cases()
    assert len(patients) == 10_000
    assert_same(run_spark(spark, graph, patients), wanted, patients)


# Each graph is a new query for Spark to plan (about a second): a few here, where DuckDB runs a
# hundred graphs of the same SQL generator (tests/test_sql.py); more under `make fuzz`.
@settings(max_examples=40 if FUZZ else 3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs(), seed=st.integers(0, 2**32 - 1))
def test_spark_agrees_with_the_runtime_on_generated_graphs(spark, graph, seed):
    patients = random_patients(graph, random.Random(seed), 50)
    assert_same(run_spark(spark, graph, patients), expected(graph, patients), patients)
