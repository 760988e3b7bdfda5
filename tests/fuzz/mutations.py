"""Random attacks from a seed: mutated facts, batches, graph JSON, guidelines and output paths.

`random_attack(rng)` draws one `Attack` of a random category; the same seed gives
the same attacks, so a campaign's failure is replayed by its seed. Each mutation
draws from pools of hostile pieces (numbers at and past every bound, units that
break UCUM parsers, control characters, directives, markup, deep nesting) put at
random places in otherwise valid inputs, so most attacks reach deep into the
pipeline instead of stopping at the first syntax error. `attacks()` wraps the same
generator as a hypothesis strategy for the test suite.
"""

from __future__ import annotations

import json
import random

from hypothesis import strategies as st

from tests.fuzz.campaign import CHAR_DEVICE, DIRECTORY, FIFO, Attack, Symlink
from tests.fuzz.corpus import GUIDELINE, graph_document

NUMBERS = ["0", "-0", "1e308", "1e-308", "1e309", "-1e400", "9" * 40, "9" * 400, "0." + "1" * 120, "1e99999999",
           "NaN", "Infinity", "-Infinity", "2", "0.9", "300", "301", "-1", "1E5", "12345678901234567890"]
UNITS = ["mm[Hg]", "kPa", "cm[H2O]", "[Hg]", "mm[HgHg]", "km999999", "10*400", "10*99999999", "10*-999", "m" * 300,
         "%", "1", "mmol/mol", "g/dL.s-2", "/", ".", "[", "]]", "mm[Hg]\x1b", "mm[Hg] ", "", "{x}", "10^3", "s999"]
TEXTS = ['%%{init: {"theme": "dark"}}%%', "<a href='javascript:alert(1)'>x</a>", "<img src=x onerror=alert(1)>",
         "\x1b[2J", "\x1b]0;owned\x07", "\u202e", "\u2028", "\\", '"', "\n", "]]>", "{", "}", "#", ";", "|",
         "click n_start href \"javascript:alert(1)\"", "é→≤", "a" * 5000]
IDS = ["ok_name", "x\\", "%%{init}%%", "a b", "", "1abc", "<b>", "n\n", "\x1b", "é", "_"]


def _json_value(rng: random.Random, depth: int = 0):
    choice = rng.randrange(9)
    if choice == 0 and depth < 3:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if choice == 1 and depth < 3:
        return {rng.choice(IDS + ["value", "unit"]): _json_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    if choice in (2, 3):
        return _Raw(rng.choice(NUMBERS))
    if choice == 4:
        return {"value": _Raw(rng.choice(NUMBERS)), "unit": rng.choice(UNITS)}
    if choice == 5:
        return rng.choice(TEXTS) + rng.choice(["absent", "present", ""])
    return rng.choice([True, False, None, "absent", "present", _Raw("0.5"), _Raw("20")])


class _Raw(str):
    """A JSON number written as given (`NaN`, 400 digits), outside what `json.dumps` would write."""


def _dumps(value) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def facts_text(rng: random.Random) -> str:
    names = ["pedal_pulses", "toe_pressure", "abi", "unknown_name", "\x1b[31m"]
    pairs = [(rng.choice(names), _json_value(rng)) for _ in range(rng.randrange(1, 5))]
    text = "{" + ", ".join(f"{json.dumps(k)}: {_dumps(v)}" for k, v in pairs) + "}"
    if rng.random() < 0.1:
        text = '{"abi": ' + "[" * rng.choice([10, 500, 50_000]) + "]" * rng.choice([0, 10, 50_000]) + "}"
    return text


def _mutate_graph(rng: random.Random) -> str:
    document = json.loads(json.dumps(graph_document()))
    for _ in range(rng.randrange(1, 4)):
        holder, key = _random_slot(rng, document)
        if holder is None:
            continue
        current = holder[key]
        if isinstance(current, str):
            holder[key] = rng.choice([rng.choice(TEXTS), rng.choice(IDS), current + rng.choice(TEXTS)])
        else:
            holder[key] = _json_value(rng)
    text = _dumps(document)
    if rng.random() < 0.2:  # a repeated key, written raw
        text = text.replace('"title": ', '"title": "twice", "title": ', 1)
    return text


def _random_slot(rng: random.Random, document):
    holder, key = None, None
    value = document
    for _ in range(rng.randrange(1, 7)):
        if isinstance(value, dict) and value:
            holder, key = value, rng.choice(list(value))
        elif isinstance(value, list) and value:
            holder, key = value, rng.randrange(len(value))
        else:
            break
        value = holder[key]
    return holder, key


def _mutate_guideline(rng: random.Random) -> str:
    text = GUIDELINE
    for _ in range(rng.randrange(1, 4)):
        kind = rng.randrange(6)
        if kind == 0:  # a number anywhere a number is
            text = text.replace(rng.choice(["0.90", "300", "30", "2025", " 2\n"]),
                                rng.choice(["9" * 400, "0." + "9" * 40, "1" * 5000, "2"]).join(["", ""]) or "0", 1)
        elif kind == 1:
            text = text.replace("mm[Hg]", rng.choice(UNITS) or "mm", rng.randrange(1, 3))
        elif kind == 2:  # hostile text inside a string
            text = text.replace('"Refer"', json.dumps(rng.choice(TEXTS))[:-1] + ' now"', 1)
        elif kind == 3:
            text = text.replace("abi <= 0.90", "(" * rng.choice([5, 99, 150]) + "abi <= 0.90" + ")" * 150, 1)
        elif kind == 4:  # a random cut
            start = rng.randrange(len(text))
            text = text[:start] + text[start + rng.randrange(1, 40):]
        else:
            text = text.replace('"Small"', json.dumps(rng.choice(TEXTS)), 1)
    return text


def _output_attack(rng: random.Random) -> Attack:
    base = {"g.cpath": GUIDELINE}
    kind = rng.randrange(7)
    if kind == 0:
        return Attack("output: onto its input", ("export", "g.cpath", "-o", "g.cpath"), base, frozenset({2}),
                      unchanged=("g.cpath",))
    if kind == 1:
        return Attack("output: FIFO", ("render", "g.cpath", "-o", "p.mmd"), {**base, "p.mmd": FIFO}, frozenset({2}),
                      seconds=10, unchanged=("p.mmd",))
    if kind == 2:
        return Attack("output: device", ("render", "g.cpath", "-o", "d.dot"), {**base, "d.dot": CHAR_DEVICE},
                      frozenset({2}), unchanged=("d.dot",))
    if kind == 3:
        return Attack("output: directory", ("check", "g.cpath", "--counterexamples", "g.cpath"), base,
                      frozenset({0, 2}), unchanged=("g.cpath",))
    if kind == 4:
        return Attack("output: symlink", ("export", "g.cpath", "-o", "l.json"),
                      {**base, "l.json": Symlink(rng.choice(["t.json", "missing/t.json", "g.cpath"]))},
                      frozenset({0, 2}), unchanged=("l.json", "g.cpath"))
    if kind == 5:
        length = rng.randrange(200, 251)  # with ".json", at most 255: NAME_MAX on common file systems
        return Attack(f"output: name of {length + 5} characters", ("export", "g.cpath", "-o", "a" * length + ".json"),
                      base, frozenset({0}))
    return Attack("output: into a folder that is a file", ("export", "g.cpath", "-o", "g.cpath/x.json"), base,
                  frozenset({2}), unchanged=("g.cpath",))


def random_attack(rng: random.Random) -> Attack:
    """One attack of a random category."""
    category = rng.randrange(5)
    if category == 0:
        command = rng.choice([("run", "g.json", "--facts", "f.json"), ("render", "g.json", "--facts", "f.json",
                                                                        "-o", "c.mmd")])
        return Attack("facts", command, {"g.json": _dumps(graph_document()), "f.json": facts_text(rng)},
                      frozenset({0, 2}), seconds=20)
    if category == 1:
        separator = rng.choice(["\n", "\r\n", "\u2028", "\n\n"])
        lines = separator.join(facts_text(rng) for _ in range(rng.randrange(1, 4)))
        return Attack("batch", ("run", "g.json", "--batch", "b.jsonl", "-o", "out.jsonl"),
                      {"g.json": _dumps(graph_document()), "b.jsonl": lines}, frozenset({0, 2}), seconds=20,
                      unchanged=("b.jsonl",))
    if category == 2:
        command = rng.choice([("run", "g.json", "--facts", "f.json"), ("render", "g.json", "-o", "c.mmd"),
                              ("render", "g.json", "-o", "c.dot"), ("export", "g.json", "-o", "o.json"),
                              ("test", "g.json")])
        return Attack("graph JSON", command, {"g.json": _mutate_graph(rng), "f.json": '{"abi": 0.5}'},
                      frozenset({0, 1, 2}), seconds=30)
    if category == 3:
        command = rng.choice([("check", "g.cpath"), ("test", "g.cpath"), ("run", "g.cpath", "--facts", "f.json"),
                              ("render", "g.cpath", "-o", "c.mmd"), ("render", "g.cpath", "-o", "c.dot"),
                              ("fmt", "--check", "g.cpath")])
        return Attack("guideline", command, {"g.cpath": _mutate_guideline(rng), "f.json": '{"abi": 0.5}'},
                      frozenset({0, 1, 2}), seconds=60)
    return _output_attack(rng)


def attacks() -> st.SearchStrategy[Attack]:
    """Attacks as a hypothesis strategy: a drawn seed, then the same generator."""
    return st.integers(min_value=0, max_value=2**32 - 1).map(lambda seed: random_attack(random.Random(seed)))
