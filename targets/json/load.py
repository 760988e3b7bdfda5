"""Graph JSON loading: `carepath.graph/2` (or `/1`) JSON text → `compiler.ir.Graph`, or every problem.

A compiled graph travels (CI artefacts, other teams, other runtimes), so reading one
back is reading untrusted input. Three layers, each reporting every problem it finds
with the JSON path it sits at (`$.edges[3].target`):

1. the format version (an unknown format is refused before anything else; a
   `carepath.graph/1` file is checked against its own schema, then upgraded: its
   edges become the nodes' lines and targets);
2. the shipped JSON Schema (`graph.schema.json`): shapes, tags, operators, enums;
3. what a schema cannot say: duplicate ids, edges to nodes that do not exist, names
   that no input, define, node, section or reference declares, nodes not in graph
   order, cycles among defines, and, when the source file the graph records is at
   hand, a source that changed since the graph was compiled (its sha256).

Decoding is generic, the mirror of `export.py`: the attrs field annotations of
`compiler.ir` say which class each value becomes, and the `expr`/`kind` tags pick
the member of a union. Numbers are read exactly: JSON decimals from their text
(`parse_float=Fraction`), strings such as `"1/7"` as the fraction they write. Problems are raised as one `CompileError` with CP07xx codes.
"""

from __future__ import annotations

import copy
import enum
import functools
import hashlib
import json
import re
import types
import typing
from collections.abc import Iterable, Iterator
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from carepath.compiler import exact_json, ir
from carepath.diagnostics import CompileError, Diagnostic
from carepath.diagnostics import Span
from carepath.compiler.jsonread import GRAPH_LIMIT, JsonReadError, read_json
from carepath.compiler.reading import SOURCE_LIMIT, read_text
from carepath.targets.json.export import FORMAT, LEGACY_FORMATS, TAGGED_CLASSES

_SCHEMA_FILES = {FORMAT: "graph.schema.json", "carepath.graph/1": "graph-1.schema.json"}


@functools.cache
def schema(version: str = FORMAT) -> dict:
    """The shipped JSON Schema of a graph format (`carepath.graph/2` unless asked for `/1`)."""
    return json.loads(resources.files("carepath.targets.json").joinpath(_SCHEMA_FILES[version]).read_text("utf-8"))


def load_graph_file(path: str | Path, check_source: bool = True) -> ir.Graph:
    """Read and load a graph JSON file; raises `CompileError` listing every problem."""
    shown = str(path)
    try:
        text = read_text(path, GRAPH_LIMIT)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CompileError([_problem("CP0701", shown, "$", f"cannot read the file: {reason}")]) from None
    return load_graph_text(text, shown, Path(path).parent if check_source else None)


def load_graph_text(text: str, file: str = "<json>", source_root: Path | None = None) -> ir.Graph:
    """Load graph JSON text. `source_root`: where to look for the recorded source (None: do not)."""
    return load_graph(_read_document(text, file), file, source_root)


def load_graph(document: Any, file: str = "<json>", source_root: Path | None = None) -> ir.Graph:
    """Load graph JSON data (already parsed)."""
    try:
        return _load(document, file, source_root)
    except RecursionError:
        raise CompileError([_problem("CP0703", file, "$", "expressions nested too deeply")]) from None


def _load(document: Any, file: str, source_root: Path | None) -> ir.Graph:
    version = document.get("format") if isinstance(document, dict) else None
    if version != FORMAT and version not in LEGACY_FORMATS:
        found = "no `format`" if not isinstance(version, str) else f"format `{version}`"
        raise CompileError(
            [_problem("CP0702", file, "$.format", f"{found}; this carepath reads `{FORMAT}` (and `/1`)",
                      hint="re-export the graph with this carepath version: carepath export GUIDELINE --format json")]
        )
    problems = list(_schema_problems(document, file, version))
    if problems:
        raise CompileError(problems)
    if version != FORMAT:
        document = _upgrade(document)
    graph = _decode(ir.Graph, {k: v for k, v in document.items() if k != "format"})
    problems = list(_semantic_problems(graph, file))
    if source_root is not None:
        problems += _source_problems(graph, file, source_root)
    if problems:
        raise CompileError(problems)
    return graph


def _read_document(text: str, file: str) -> Any:
    """The decoded document, read strictly (`compiler.jsonread`): every problem is CP0701 at its JSON path.

    Repeated keys, `NaN`/`Infinity`, numbers beyond a double's range, nesting past
    `MAX_DEPTH` and texts past `GRAPH_LIMIT` are refused here, so no later layer sees them.
    """
    try:
        return read_json(text, limit=GRAPH_LIMIT)
    except JsonReadError as error:
        raise CompileError([_problem("CP0701", file, p.path, p.message) for p in error.problems]) from None


# What `$defs/name` holds: a name of the language (dsl/grammar.lark, NAME). Ids reach
# charts, file names and other runtimes, so a graph cannot smuggle markup in one.
NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"


# What a number written as a string may be: at most 100 digits in each part and a
# denominator that is not zero. Unbounded, `"1/0"` divided by zero and a string of
# 5,000 digits overran Python's integer-conversion limit, both crashes.
NUMBER_PATTERN = "^-?[0-9]{1,100}(\\.[0-9]{1,100})?(/0{0,100}[1-9][0-9]{0,99})?$"


@functools.cache
def _strict_schema(version: str) -> dict:
    """The shipped schema of `version` with every name narrowed to a name of the language and every
    number string bounded (`NUMBER_PATTERN`)."""
    strict = copy.deepcopy(schema(version))
    strict["$defs"]["name"] = {**strict["$defs"]["name"], "pattern": NAME_PATTERN}
    stack = [strict]
    while stack:
        part = stack.pop()
        if isinstance(part, dict):
            if part.get("type") == "string" and "/" in part.get("pattern", "") and "[0-9]" in part["pattern"]:
                part["pattern"] = NUMBER_PATTERN
            stack.extend(part.values())
        elif isinstance(part, list):
            stack.extend(part)
    return strict


def _name_problem(error, file: str) -> Diagnostic:
    shown = json.dumps(error.instance)
    shown = shown if len(shown) <= 60 else shown[:60] + "…"
    return _problem("CP0703", file, json_path(error.absolute_path), f"{shown} is not a name",
                    hint="a name starts with a letter or `_` and holds only letters, digits and `_`")


def _problem(code: str, file: str, path: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, f"{file}: {path}: {message}", hint=hint)


def json_path(parts: Iterable[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


# --- schema ------------------------------------------------------------------------


def _schema_problems(document: Any, file: str, version: str) -> Iterator[Diagnostic]:
    """Every schema violation of `document`, located and explained; nothing for a valid one.

    A valid document, the common case, is confirmed by the schema compiled to Python
    (`fastjsonschema`, about 17x faster than walking the schema: 0.16 s against 2.8 s for
    the reference graph). Only a document it refuses is walked by `jsonschema`, which
    lists every problem with its path. The two are held to the same verdict by
    `tests/test_graph_json_schema_gate.py`.
    """
    import fastjsonschema

    try:
        _compiled_schema(version)(_with_float_numbers(document))
        return
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(_strict_schema(version), format_checker=None)
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        yield from _explain(error, file)


def _with_float_numbers(value: Any) -> Any:
    """`value` with its exact numbers (`Fraction`s) as floats, for the compiled schema's type checks.

    fastjsonschema knows only Python's JSON types. The schema constrains numbers by
    type alone (its only bounds are `minimum: 0` on integer span fields, which stay
    ints), so the float stands in for the fraction without changing any verdict.
    """
    if isinstance(value, dict):
        return {key: _with_float_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_float_numbers(item) for item in value]
    if isinstance(value, Fraction):
        return float(value)
    return value


@functools.cache
def _compiled_schema(version: str):
    """The strict schema of `version` compiled to a Python function, once per process.

    fastjsonschema reads drafts up to 7; the schema uses nothing later than draft 7
    but `$defs`, which it resolves as any JSON pointer, and no `$ref` with siblings (the
    one rule where the drafts differ), so the draft-7 reading is the same schema.
    """
    import fastjsonschema

    return fastjsonschema.compile({**_strict_schema(version), "$schema": "http://json-schema.org/draft-07/schema#"})


def _explain(error, file: str) -> Iterator[Diagnostic]:
    """One diagnostic per leaf error; `allOf`/`oneOf` wrappers are unwrapped."""
    if error.context and error.validator in ("allOf", "oneOf", "anyOf"):
        seen = set()
        for sub in sorted(error.context, key=lambda e: len(e.absolute_path), reverse=True):
            key = (tuple(map(str, sub.absolute_path)), sub.message)
            if key not in seen and not (sub.validator == "type" and sub.validator_value == "null"):
                seen.add(key)
                yield from _explain(sub, file)
        return
    path = list(error.absolute_path)
    if error.validator == "pattern" and error.validator_value == NAME_PATTERN:
        yield _name_problem(error, file)
        return
    if error.validator == "pattern" and error.validator_value == NUMBER_PATTERN:
        shown = error.instance if len(error.instance) <= 40 else f"{error.instance[:30]}… ({len(error.instance)} characters)"
        yield _problem("CP0703", file, json_path(error.absolute_path), f"{json.dumps(shown)} is not a number carepath reads",
                       hint="a decimal or a fraction `n/d`, at most 100 digits in each part, the denominator not zero")
        return
    if error.validator == "enum" and path and path[-1] in ("expr", "op"):
        what = "expression kind" if path[-1] == "expr" else "operator"
        yield _problem("CP0704", file, json_path(path), f"unknown {what} {json.dumps(error.instance)}",
                       hint=f"known: {', '.join(map(str, error.validator_value))}")
        return
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"  # it quotes the value
    yield _problem("CP0703", file, json_path(path), message)


# --- decoding ----------------------------------------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(ir))


def _decode(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None:
            return None
        classes = [o for o in options if attrs.has(o)]
        if isinstance(value, dict) and len(classes) > 1:
            tag = next((key, value[key]) for key in ("expr", "kind") if key in value)
            return _decode(TAGGED_CLASSES[tag], value)
        if isinstance(value, dict) and classes:
            return _decode(classes[0], value)
        if Fraction in options and _is_number(value):
            return exact_json.parse_number(value)
        return _decode(next(o for o in options if o is not type(None)), value)
    if origin is tuple:
        return tuple(_decode(typing.get_args(hint)[0], item) for item in value)
    if hint is Fraction:
        return exact_json.parse_number(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and attrs.has(hint):
        hints = _hints(hint)
        return hint(**{f.name: _decode(hints[f.name], value[f.name]) for f in attrs.fields(hint) if f.name in value})
    return value


def _is_number(value: Any) -> bool:
    if isinstance(value, str):
        return _NUMBER_TEXT.match(value) is not None
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)


_NUMBER_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?(/[0-9]+)?$")


def _upgrade(document: dict) -> dict:
    """A `carepath.graph/1` document in the `/2` shape: edges folded into the nodes, texts added."""
    outgoing: dict[str, list[dict]] = {}
    for edge in document["edges"]:
        outgoing.setdefault(edge["source"], []).append(edge)
    nodes = []
    for node in document["nodes"]:
        kind, edges = node["kind"], outgoing.get(node["id"], [])
        common = {key: node[key] for key in ("id", "title", "section", "citations", "text", "span") if key in node}
        upgraded = {"kind": kind, **common, "source": None}
        if kind == "decide":
            lines: dict[int, dict] = {}
            otherwise = []
            for edge in edges:
                if edge.get("otherwise"):
                    otherwise.append(edge["target"])
                    continue
                line = lines.setdefault(edge["branch"], {"guard": edge["guard"], "targets": []})
                line["targets"].append(edge["target"])
            upgraded.update(policy=node["policy"] or "first", lines=[lines[i] for i in sorted(lines)],
                            otherwise=otherwise)
        elif kind != "end":
            upgraded["targets"] = [edge["target"] for edge in edges]
        if kind == "assess":
            upgraded["collects"] = node["collects"]
        if kind == "action":
            upgraded.update(urgency=node["urgency"] or "routine", timing=node["timing"], doses=node["doses"])
        nodes.append(upgraded)
    rest = {key: value for key, value in document.items() if key not in ("edges", "nodes", "format")}
    return _add_texts({**rest, "nodes": nodes, "not_encoded": [], "format": FORMAT})


def _add_texts(value: Any) -> Any:
    """`/1` wrote no author's texts or sources: add the empty ones `/2` requires."""
    if isinstance(value, list):
        return [_add_texts(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _add_texts(item) for key, item in value.items()}
    if out.get("expr") == "literal" or {"weight", "condition"} <= out.keys() or {"value", "unit"} == out.keys():
        out.setdefault("text", "")
    if {"name", "expr", "type"} <= out.keys() or {"label", "formula"} <= out.keys():
        out.setdefault("source", None)
    return out


# --- semantic checks -----------------------------------------------------------------


def _semantic_problems(graph: ir.Graph, file: str) -> Iterator[Diagnostic]:
    def problem(code: str, path: str, message: str, hint: str | None = None) -> Diagnostic:
        return _problem(code, file, path, message, hint)

    def duplicates(items, key: str, where: str, what: str) -> Iterator[Diagnostic]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            name = getattr(item, key)
            if name in seen:
                yield problem("CP0706", f"$.{where}[{index}].{key}", f"{what} `{name}` declared twice (first at $.{where}[{seen[name]}])")
            seen.setdefault(name, index)

    yield from duplicates(graph.inputs, "name", "inputs", "input")
    yield from duplicates(graph.defines, "name", "defines", "define")
    yield from duplicates(graph.references, "id", "references", "reference")
    yield from duplicates(graph.sections, "id", "sections", "section")
    yield from duplicates(graph.nodes, "id", "nodes", "node")
    inputs = {i.name for i in graph.inputs}
    for index, define in enumerate(graph.defines):
        if define.name in inputs:
            yield problem("CP0706", f"$.defines[{index}].name", f"`{define.name}` is both an input and a define")

    names = {
        "input": inputs,
        "define": {d.name for d in graph.defines},
        "node": {n.id for n in graph.nodes},
        "section": {s.id for s in graph.sections},
        "reference": {r.id for r in graph.references},
    }

    def unknown(kind: str, name: str | None, path: str) -> Iterator[Diagnostic]:
        if name is not None and name not in names[kind]:
            code = "CP0705" if kind == "node" and (".targets[" in path or ".otherwise[" in path) else "CP0707"
            yield problem(code, path, f"no {kind} named `{name}`")

    def expression(expr: ir.Expr, path: str, allow_reaches: bool = False) -> Iterator[Diagnostic]:
        for sub, sub_path in _walk(expr, path):
            if isinstance(sub, ir.InputRef | ir.Known):
                yield from unknown("input", sub.name, sub_path + ".name")
            elif isinstance(sub, ir.DefineRef):
                yield from unknown("define", sub.name, sub_path + ".name")
            elif isinstance(sub, ir.Reaches):
                if allow_reaches:
                    yield from unknown("node", sub.node, sub_path + ".node")
                else:
                    yield problem("CP0707", sub_path, "`reaches` is only allowed in assertion formulas")

    for index, define in enumerate(graph.defines):
        yield from expression(define.expr, f"$.defines[{index}].expr")
    for index, node in enumerate(graph.nodes):
        at = f"$.nodes[{index}]"
        yield from unknown("section", node.section, f"{at}.section")
        for c, citation in enumerate(node.citations):
            yield from unknown("reference", citation, f"{at}.citations[{c}]")
        for c, name in enumerate(getattr(node, "collects", ())):
            yield from unknown("input", name, f"{at}.collects[{c}]")
        if isinstance(node, ir.Decide):
            for l, line in enumerate(node.lines):
                yield from expression(line.guard, f"{at}.lines[{l}].guard")
                for t, target in enumerate(line.targets):
                    yield from unknown("node", target, f"{at}.lines[{l}].targets[{t}]")
            for t, target in enumerate(node.otherwise):
                yield from unknown("node", target, f"{at}.otherwise[{t}]")
        else:
            for t, target in enumerate(node.targets):
                yield from unknown("node", target, f"{at}.targets[{t}]")
    for index, assertion in enumerate(graph.assertions):
        at = f"$.assertions[{index}]"
        if assertion.formula is not None:
            yield from expression(assertion.formula, f"{at}.formula", allow_reaches=True)
        yield from unknown("node", assertion.target, f"{at}.target")
        yield from unknown("node", assertion.other, f"{at}.other")
        yield from unknown("input", assertion.input, f"{at}.input")
        for c, citation in enumerate(assertion.citations):
            yield from unknown("reference", citation, f"{at}.citations[{c}]")
    for index, scenario in enumerate(graph.scenarios):
        for f, fact in enumerate(scenario.facts):
            yield from unknown("input", fact.name, f"$.scenarios[{index}].facts[{f}].name")
    yield from _order_problems(graph, problem)


def _walk(expr: Any, path: str) -> Iterator[tuple[Any, str]]:
    """Every expression node under `expr` (itself included), with its JSON path."""
    yield expr, path
    for field in attrs.fields(type(expr)):
        value = getattr(expr, field.name)
        if attrs.has(type(value)) and not isinstance(value, Span):
            yield from _walk(value, f"{path}.{field.name}")
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if attrs.has(type(item)):
                    yield from _walk(item, f"{path}.{field.name}[{i}]")


def _order_problems(graph: ir.Graph, problem) -> Iterator[Diagnostic]:
    """Graph order (start first, every edge forward) and defines without cycles: what runtimes rely on."""
    first = graph.nodes[0]
    if first.kind is not ir.NodeKind.START:
        yield problem("CP0709", "$.nodes[0].kind", f"the first node must be the start node, not a {first.kind.value} node")
    position = {node.id: i for i, node in reversed(list(enumerate(graph.nodes)))}
    for index, node in enumerate(graph.nodes):
        for target in node.targets:
            if target in position and position[target] <= index:
                yield problem("CP0709", f"$.nodes[{index}]",
                              f"edge `{node.id}` -> `{target}` goes backwards: nodes must be in graph order (a topological order)")
    uses = {d.name: {s.name for s, _ in _walk(d.expr, "") if isinstance(s, ir.DefineRef)} for d in graph.defines}
    state: dict[str, int] = {}

    def cyclic(name: str) -> bool:
        if state.get(name) == 1:
            return True
        if state.get(name) == 2 or name not in uses:
            return False
        state[name] = 1
        found = any(cyclic(used) for used in sorted(uses[name]))
        state[name] = 2
        return found

    for index, define in enumerate(graph.defines):
        if define.name not in state and cyclic(define.name):
            yield problem("CP0709", f"$.defines[{index}]", f"define `{define.name}` depends on itself")


def _source_problems(graph: ir.Graph, file: str, source_root: Path) -> list[Diagnostic]:
    """A recorded source that is at hand and has changed: the graph is stale."""
    if not graph.source_sha256 or graph.span.file in ("", "<unknown>", "<text>"):
        return []
    candidate = _own_source(graph.span.file, source_root)
    if candidate is not None:
        try:
            text = read_text(candidate, SOURCE_LIMIT, regular_only=True)
        except (OSError, UnicodeDecodeError):
            return []
        actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if actual == graph.source_sha256:
            return []
        return [
            _problem("CP0708", file, "$.source_sha256",
                     f"the source `{candidate}` changed since this graph was compiled "
                     f"(recorded sha256 {graph.source_sha256[:12]}…, now {actual[:12]}…)",
                     hint=f"re-export it: carepath export {candidate} --format json -o {file}")
        ]
    return []


def _own_source(recorded: str, source_root: Path) -> Path | None:
    """The recorded source, looked for only beside the graph file, and only a `.cpath` file.

    The path comes from the graph, which may come from anyone: followed as written,
    `/dev/zero`, `/dev/stdin` or `/etc/shadow` would be read (and part of its hash
    printed). Only its file name counts, looked up in the graph's own folder.
    """
    name = Path(recorded.replace("\\", "/")).name
    return source_root / name if name.endswith(".cpath") else None

