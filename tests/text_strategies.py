"""Hypothesis strategies for guideline texts, written rule for rule from `dsl/grammar.lark`.

Every draw is accepted by the grammar: tokens are spaced, compound operands sit in
parentheses (so precedence never turns a draw into a syntax error), names avoid the
keywords. Depth is bounded by `st.recursive`'s leaf budget, never by discarding draws.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = st.sampled_from(["a", "abi", "pulses", "absent", "present", "x1", "done", "ref1", "t", "smoker"])
UNITS = st.sampled_from(["mg", "wk", "d", "min", "mm[Hg]", "%", "mg/dL", "kPa", "a", "furlong"])
STRINGS = st.text(alphabet=st.characters(blacklist_characters='"\\\n', codec="utf-8"), max_size=12).map(
    lambda s: f'"{s}"')
NUMBERS = st.one_of(st.integers(0, 300).map(str), st.decimals(0, 300, places=2, allow_nan=False).map(str))
NAME_LISTS = st.lists(NAMES, min_size=1, max_size=3).map(", ".join)
COMPARATORS = st.sampled_from(["<=", ">=", "<", ">", "=", "!="])

KEYWORDS_DRAWN = set("""guideline version import reference by input boolean number quantity one of from to ask code
define section start assess collects then detail decide first unique any when otherwise action urgency emergent
urgent routine within in every dose end implies or and not count sum if known reaches true false assert always
never before depends on scenario given expect no status needs source not encoded because patient""".split())


def _join(*parts):
    return st.tuples(*[p if isinstance(p, st.SearchStrategy) else st.just(p) for p in parts]).map(" ".join)


def _optional(strategy):
    return st.one_of(st.just(""), strategy)


QUANTITIES = st.one_of(NUMBERS, _join(NUMBERS, UNITS))
SIGNED = st.one_of(NUMBERS, NUMBERS.map(lambda n: f"- {n}"))


def expressions(max_leaves: int = 8) -> st.SearchStrategy[str]:
    atoms = st.one_of(NAMES, QUANTITIES, st.sampled_from(["true", "false"]), _join("known", NAMES),
                      _join("reaches", NAMES))
    values = st.one_of(NAMES, QUANTITIES, st.sampled_from(["true", "false"]))

    def compound(inner):
        wrapped = inner.map(lambda e: f"( {e} )")
        return st.one_of(
            _join(wrapped, st.sampled_from(["and", "or", "implies"]), wrapped),
            _join("not", wrapped),
            _join(wrapped, COMPARATORS, wrapped),
            _join(wrapped, st.sampled_from(["+", "-", "*", "/"]), wrapped),
            _join("-", wrapped),
            _join(wrapped, "in {", st.lists(values, min_size=1, max_size=3).map(" , ".join), "}"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: "count ( " + " , ".join(xs) + " )"),
            st.lists(_join(SIGNED, "if", inner), min_size=1, max_size=3).map(lambda xs: "sum ( " + " , ".join(xs) + " )"),
        )

    return st.recursive(atoms, compound, max_leaves=max_leaves)


CITATIONS = _optional(NAME_LISTS.map(lambda names: f"[ {names} ]"))
RANGES = _optional(_join(_optional(st.just("from")), SIGNED, "to", SIGNED))
TYPES = st.one_of(st.just("boolean"), _join("number", RANGES), _join("quantity", UNITS, RANGES),
                  _join("one of", NAME_LISTS))
INPUT_CLAUSES = st.lists(st.one_of(_join("ask", STRINGS), _join("code", NAMES, STRINGS, _optional(STRINGS))),
                         max_size=2).map(" ".join)
AMOUNTS = _join(NUMBERS, _optional(UNITS), _optional(_join("to", NUMBERS, _optional(UNITS))))
ACTION_CLAUSES = st.lists(st.one_of(
    _join("urgency", st.sampled_from(["emergent", "urgent", "routine"])),
    _join(st.sampled_from(["within", "in", "every"]), AMOUNTS),
    _join("dose", STRINGS, _optional(AMOUNTS)),
    _join("then", NAME_LISTS),
    _join("detail", STRINGS),
    _join("source", STRINGS),
), max_size=3).map(" ".join)
SOURCE = _optional(_join("source", STRINGS))
PROPERTIES = st.one_of(_join("always", expressions(4)), _join("never", expressions(4)),
                       _join("always", NAMES, "before", NAMES), _join("always", NAMES, "depends on", NAMES))
FACTS = _join(NAMES, "=", st.one_of(NAMES, QUANTITIES, st.sampled_from(["true", "false"]), _join("-", QUANTITIES)))
EXPECTATIONS = st.one_of(_join("expect", NAME_LISTS), _join("expect no", NAME_LISTS), _join("expect first", NAMES),
                         _join("expect first urgency", NAMES), _join("expect status", NAMES),
                         _join("expect needs", NAME_LISTS), _join("expect no needs", NAME_LISTS))

DECLARATIONS = st.one_of(
    _join("import", STRINGS),
    _join("reference", NAMES, STRINGS, _optional(st.integers(1900, 2100).map(str)), _optional(_join("by", STRINGS))),
    _join("input", NAMES, ":", TYPES, INPUT_CLAUSES),
    _join("define", NAMES, ":", expressions(), SOURCE),
    _join("not encoded", STRINGS, "because", STRINGS),
    _join("section", NAMES, STRINGS),
    _join("start ->", NAME_LISTS),
    _join("assess", NAMES, STRINGS, CITATIONS, st.lists(st.one_of(
        _join("collects", NAME_LISTS), _join("then", NAME_LISTS), _join("detail", STRINGS), _join("source", STRINGS)),
        max_size=3).map(" ".join)),
    _join("decide", NAMES, STRINGS, _optional(st.sampled_from(["( first )", "( unique )", "( any )"])), CITATIONS,
          _optional(_join("detail", STRINGS)), SOURCE,
          st.lists(_join("when", expressions(6), "->", NAME_LISTS), max_size=3).map(" ".join),
          _optional(_join("otherwise ->", NAME_LISTS))),
    _join("action", NAMES, STRINGS, CITATIONS, ACTION_CLAUSES),
    _join("end", NAMES, STRINGS, CITATIONS, _optional(_join("detail", STRINGS)), SOURCE),
    _join("assert", STRINGS, CITATIONS, SOURCE, st.lists(PROPERTIES, min_size=1, max_size=2).map(" ".join)),
    _join("patient", NAMES, st.lists(FACTS, min_size=1, max_size=3).map(lambda fs: "given " + " , ".join(fs))),
    _join("scenario", STRINGS, _optional(_join("from", NAMES)), st.lists(st.lists(FACTS, min_size=1, max_size=3).map(lambda fs: "given " + " , ".join(fs)),
                                         max_size=2).map(" ".join),
          st.lists(EXPECTATIONS, min_size=1, max_size=3).map(" ".join)),
)


def guideline_texts() -> st.SearchStrategy[str]:
    header = _optional(_join("guideline", NAMES, STRINGS, _optional(_join("version", STRINGS))))
    return st.tuples(header, st.lists(DECLARATIONS, max_size=8)).map(lambda t: "\n".join([t[0], *t[1]]) + "\n")
