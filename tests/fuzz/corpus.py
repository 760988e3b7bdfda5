"""Every reproducer of issue 14 as an `Attack`, with the exit codes it may give.

Grouped as the issue lists them: crashes on facts and batches, crashes on
guidelines, hangs, wrong exit codes, injections, outputs and files. Large inputs
are generated here rather than stored. `reproducers(slow=True)` adds the one that
takes tens of seconds (checking a 20,000-node guideline), which `make fuzz` runs
and `make test` leaves to `benchmarks/check_scaling.py`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

from tests.fuzz.campaign import CHAR_DEVICE, FIFO, Attack, Symlink

GUIDELINE = """guideline small "Small" version "1.0.0"

reference ref1 "Source" 2025

input pedal_pulses: one of present, absent
  ask "Pedal pulses?"
input toe_pressure: quantity mm[Hg] from 0 to 300
  ask "Toe pressure?"
input abi: number from 0 to 2

define low_toe: toe_pressure <= 30 mm[Hg]
define pad: abi <= 0.90

start -> triage

decide triage "Triage" (first) [ref1]
  when pedal_pulses = absent -> refer
  when low_toe or pad -> refer
  otherwise -> done

action refer "Refer" [ref1]
  urgency urgent
  then done

end done "Done"

scenario "absent pulses"
  given pedal_pulses = absent
  expect refer
"""

# A `unique` decision whose lines overlap: a logic finding with a counterexample.
OVERLAPPING = GUIDELINE.replace("(first)", "(unique)").replace("  otherwise -> done\n", "  when abi > 1 -> done\n")


@functools.cache
def graph_document() -> dict:
    """The small guideline as graph JSON (exported once, without spans)."""
    from carepath import compile_text
    from carepath.targets.json.export import export_graph

    return json.loads(export_graph(compile_text(GUIDELINE, "g.cpath"), spans=False))


def graph_text(change=None) -> str:
    document = json.loads(json.dumps(graph_document()))
    if change is not None:
        change(document)
    return json.dumps(document)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def define_chain(length: int) -> str:
    lines = ["define c0: abi <= 0.9"] + [f"define c{i}: c{i - 1} and abi >= 0" for i in range(1, length)]
    return GUIDELINE.replace("define pad: abi <= 0.90", "\n".join(lines) + f"\ndefine pad: c{length - 1}")


def import_chain(depth: int) -> dict:
    files = {f"m{i}.cpath": (f'import "m{i + 1}.cpath"\n' if i + 1 < depth else "") + f"input x{i}: boolean\n"
             for i in range(depth)}
    files["main.cpath"] = GUIDELINE.replace("reference ref1", 'import "m0.cpath"\n\nreference ref1')
    return files


def with_unit(unit: str) -> str:
    return GUIDELINE.replace("quantity mm[Hg]", f"quantity {unit}")


def _set(path: tuple, value):
    def change(document):
        holder = document
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = value
    return change


def _node_id(value: str):
    """Rename the decision `triage` to `value` everywhere it is named (its id and every target)."""
    def change(document):
        renamed = json.loads(json.dumps(document).replace('"triage"', json.dumps(value)))
        document.clear()
        document.update(renamed)
    return change


def _with_span_file(name: str):
    def change(document):
        document["span"] = {"file": name, "line": 1, "column": 1, "end_line": 1, "end_column": 1}
    return change


def _raw(text_with_marker: str, marker: str, replacement: str) -> str:
    return text_with_marker.replace(json.dumps(marker), replacement)


def reproducers(slow: bool = False) -> Iterator[Attack]:
    run = ("run", "g.cpath", "--facts", "f.json")
    batch = ("run", "g.cpath", "--batch", "b.jsonl", "-o", "out.jsonl")
    base = {"g.cpath": GUIDELINE}

    # -- crashes on facts and batches
    facts = {
        "integer of 400 digits": '{"abi": ' + "9" * 400 + "}",
        "array nested 100,000 deep": '{"abi": ' + nested(100_000) + "}",
        "object nested 100,000 deep": '{"abi": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}",
        "unit 10*400": '{"toe_pressure": {"value": 1, "unit": "10*400"}}',
        "unit 10*99999999": '{"toe_pressure": {"value": 1, "unit": "10*99999999"}}',
        "huge exponent": '{"abi": 1e999999999}',
        "duplicate key": '{"pedal_pulses": "absent", "pedal_pulses": "present"}',
        "NaN": '{"abi": NaN}',
        "control characters in a value": '{"pedal_pulses": "\\u001b[2J\\u0007"}',
    }
    for name, text in facts.items():
        yield Attack(f"facts: {name}", run, {**base, "f.json": text}, frozenset({2}), seconds=20)
        yield Attack(f"batch row: {name}", batch, {**base, "b.jsonl": text.replace("\n", " ") + "\n"},
                     frozenset({2}), seconds=20)
    yield Attack("batch row with U+2028 inside a string", batch,
                 {**base, "b.jsonl": '{"pedal_pulses": "abs\u2028ent"}\n{"abi": 0.5}\n'}, frozenset({2}))

    # -- crashes on guidelines
    literals = {
        "number literal of 400 digits in a range": GUIDELINE.replace("from 0 to 2", "from 0 to " + "9" * 400),
        "number literal of 400 digits in a comparison": GUIDELINE.replace("abi <= 0.90", "abi <= 0." + "9" * 400),
        "year of 5,000 digits": GUIDELINE.replace("2025", "2" * 5000),
        "unit [Hg]": with_unit("[Hg]"),
        "unit mm[HgHg]": with_unit("mm[HgHg]"),
        "unit km999999": with_unit("km999999"),
        "unit of 20,000 characters": with_unit("m" * 20_000),
        "chain of 3,000 defines": define_chain(3000),
    }
    for name, text in literals.items():
        yield Attack(f"check: {name}", ("check", "g.cpath"), {"g.cpath": text}, frozenset({1}), seconds=60)
    yield Attack("run: chain of 250 defines", run, {"g.cpath": define_chain(250), "f.json": '{"abi": 0.5}'},
                 frozenset({1}), seconds=60)
    yield Attack("check: import chain 1,500 deep", ("check", "main.cpath"), import_chain(1500), frozenset({1}),
                 seconds=60)
    yield Attack("check: importing a FIFO", ("check", "main.cpath"),
                 {"main.cpath": GUIDELINE.replace("reference ref1", 'import "pipe.cpath"\n\nreference ref1'),
                  "pipe.cpath": FIFO}, frozenset({1}), seconds=10)
    yield Attack("diff: graph JSON holding NaN", ("diff", "g.json", "g.cpath"),
                 {**base, "g.json": _raw(graph_text(_set(("inputs", 2, "type", "high"), "NAN")), "NAN", "NaN")},
                 frozenset({2}))
    yield Attack("check --counterexamples into a directory that cannot be created",
                 ("check", "g.cpath", "--counterexamples", "plain/sub"),
                 {"g.cpath": OVERLAPPING, "plain": "a file, not a folder"}, frozenset({2}), seconds=60)

    # -- hangs and files a graph names
    for name in ("/dev/stdin", "/dev/zero", "/etc/passwd", "../../../../etc/hostname"):
        yield Attack(f"run: graph JSON whose span.file is {name}", ("run", "g.json", "--facts", "f.json"),
                     {"g.json": graph_text(_with_span_file(name)), "f.json": '{"abi": 0.5}'},
                     frozenset({0}), seconds=10)
    yield Attack("run: graph JSON naming a FIFO beside it as its source", ("run", "g.json", "--facts", "f.json"),
                 {"g.json": graph_text(_with_span_file("pipe.cpath")), "pipe.cpath": FIFO, "f.json": "{}"},
                 frozenset({0}), seconds=10)

    # -- wrong exit codes
    yield Attack("run: graph JSON with an Infinity literal", ("run", "g.json", "--facts", "f.json"),
                 {"g.json": _raw(graph_text(_set(("inputs", 2, "type", "high"), "INF")), "INF", "Infinity"),
                  "f.json": "{}"}, frozenset({2}))
    yield Attack("render: graph JSON with a NaN bound", ("render", "g.json", "-o", "c.dot"),
                 {"g.json": _raw(graph_text(_set(("inputs", 2, "type", "low"), "NAN")), "NAN", "NaN")},
                 frozenset({2}))
    for name, value in (("a zero denominator", "1/0"), ("5,000 digits", "9" * 5000),
                        ("a decimal of 5,000 digits", "0." + "9" * 5000)):
        yield Attack(f"run: graph JSON number string with {name}", ("run", "g.json", "--facts", "f.json"),
                     {"g.json": graph_text(_set(("inputs", 2, "type", "high"), value)), "f.json": "{}"},
                     frozenset({2}))
    yield Attack("test --min-coverage nan", ("test", "g.cpath", "--min-coverage", "nan"), base, frozenset({2}))
    yield Attack("export: output name of 245 characters", ("export", "g.cpath", "-o", "a" * 240 + ".json"), base,
                 frozenset({0}))

    # -- injection
    hostile_ids = {
        "Mermaid directive": '%%{init: {"theme": "dark"}}%%',
        "HTML-label markup with a javascript: link": "<a href='javascript:alert(1)'>x</a>",
        "SVG attribute": 'x" onmouseover="alert(1)',
        "trailing backslash": "node\\",
    }
    for name, value in hostile_ids.items():
        for suffix in ("mmd", "dot"):
            yield Attack(f"render .{suffix}: node id carrying a {name}", ("render", "g.json", "-o", f"c.{suffix}"),
                         {"g.json": graph_text(_node_id(value))}, frozenset({2}))
            yield Attack(f"render .{suffix}: section id carrying a {name}", ("render", "g.json", "-o", f"c.{suffix}"),
                         {"g.json": graph_text(_set(("id",), value))}, frozenset({2}))
    directive_title = GUIDELINE.replace('"Small"', '"%%{init: {\\"theme\\": \\"dark\\"}}%% <img src=x>"')
    for suffix in ("mmd", "dot"):
        yield Attack(f"render .{suffix}: guideline title carrying a directive", ("render", "g.cpath", "-o", f"c.{suffix}"),
                     {"g.cpath": directive_title}, frozenset({0}))
    controls = GUIDELINE.replace('"Refer"', '"Refer\x1b[2J\x1b]0;owned\x07"').replace(
        'scenario "absent pulses"', 'scenario "absent\x1b[31m pulses"').replace("expect refer", "expect done")
    yield Attack("run: escape sequences in the guideline's text", ("run", "g.cpath", "--facts", "f.json"),
                 {"g.cpath": controls, "f.json": '{"pedal_pulses": "absent"}'}, frozenset({0, 1}))
    yield Attack("test: escape sequences in the guideline's text", ("test", "g.cpath"), {"g.cpath": controls},
                 frozenset({0}))
    yield Attack("check: escape sequences in the guideline's text", ("check", "g.cpath"),
                 {"g.cpath": controls.replace("pad: abi", "pad: abj")}, frozenset({1}))

    # -- outputs and files
    yield Attack("render -o onto a device node", ("render", "g.cpath", "-o", "null.dot"),
                 {**base, "null.dot": CHAR_DEVICE}, frozenset({2}), unchanged=("null.dot",))
    yield Attack("render -o onto a FIFO", ("render", "g.cpath", "-o", "pipe.dot"),
                 {**base, "pipe.dot": FIFO}, frozenset({2}), seconds=10, unchanged=("pipe.dot",))
    yield Attack("export -o LINK writes through the symlink", ("export", "g.cpath", "-o", "link.json"),
                 {**base, "link.json": Symlink("real.json"), "real.json": "{}"}, frozenset({0}),
                 unchanged=("link.json",))
    yield Attack("fmt LINK keeps the symlink", ("fmt", "link.cpath"),
                 {**base, "link.cpath": Symlink("g.cpath")}, frozenset({0}), unchanged=("link.cpath",))
    yield Attack("export G.cpath -o G.cpath", ("export", "g.cpath", "-o", "g.cpath"), base, frozenset({2}),
                 unchanged=("g.cpath",))
    yield Attack("test G --junit G", ("test", "g.cpath", "--junit", "g.cpath"), base, frozenset({2}),
                 unchanged=("g.cpath",))
    yield Attack("run --batch F -o F", ("run", "g.cpath", "--batch", "b.jsonl", "-o", "b.jsonl"),
                 {**base, "b.jsonl": '{"abi": 0.5}\n'}, frozenset({2}), unchanged=("b.jsonl",))
    yield Attack("export -o a symlink to the input", ("export", "g.cpath", "-o", "other.cpath"),
                 {**base, "other.cpath": Symlink("g.cpath")}, frozenset({2}), unchanged=("g.cpath",))

    if slow:
        from benchmarks.verify_scaling import generate

        yield Attack("check: generated guideline of 20,000 nodes", ("check", "big.cpath"),
                     {"big.cpath": generate(20_000)}, frozenset({0}), seconds=300)
