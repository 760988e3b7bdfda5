"""The graph loader's two schema checkers give one verdict.

A valid graph is confirmed by the schema compiled to Python (fastjsonschema); only a
refused one is walked by jsonschema for its located diagnostics. If the compiled
check accepted a document that jsonschema refuses, a broken graph would load without
a word: so both judge the same randomly damaged documents here, and must agree.
"""

from __future__ import annotations

import copy

import fastjsonschema
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carepath.api import compile_file
from carepath.compiler.jsonread import read_json
from carepath.targets.json.export import export_graph
from carepath.targets.json.load import FORMAT, _compiled_schema, _strict_schema, _with_float_numbers, load_graph
from tests.budget import examples

GUIDELINE = "tests/conformance/guidelines/wells_score.cpath"


@pytest.fixture(scope="module")
def document() -> dict:
    return read_json(export_graph(compile_file(GUIDELINE)), limit=10**8)


def paths(value, prefix=()):
    """Every (path, value) in the document, containers included."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


REPLACEMENTS = st.sampled_from([None, True, 0, -1, 1.5, "", "1bad", "x", "<script>", "1/0", "0.1", [], {}, {"x": 1}])
DAMAGE = st.sampled_from(["replace", "delete", "extra"])


def damaged(document: dict, data) -> dict:
    damaged = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from([path for path, _ in paths(damaged) if path]))
        parent = damaged
        for part in where[:-1]:
            parent = parent[part]
        kind = data.draw(DAMAGE)
        if kind == "replace":
            parent[where[-1]] = data.draw(REPLACEMENTS)
        elif kind == "delete":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent["unexpected"] = data.draw(REPLACEMENTS)
        else:
            parent.append(data.draw(REPLACEMENTS))
    return damaged


def verdicts(document) -> tuple[bool, bool]:
    try:
        _compiled_schema(FORMAT)(_with_float_numbers(document))
        compiled = True
    except fastjsonschema.JsonSchemaException:
        compiled = False
    walked = jsonschema.Draft202012Validator(_strict_schema(FORMAT)).is_valid(document)
    return compiled, walked


def test_both_accept_an_exported_graph(document):
    assert verdicts(document) == (True, True)
    load_graph(document)


@examples(80)
@given(data=st.data())
def test_property_both_checkers_judge_a_damaged_graph_alike(document, data):
    compiled, walked = verdicts(damaged(document, data))
    assert compiled == walked
