"""Guard expression trees → the words a clinician reads on a flowchart edge.

`format_expr` prints an IR expression as `ABI ≤ 0.9`, `rest relief time ≤ 10 min`,
`pedal pulses = absent`, `count(pallor, paralysis, …) ≥ 2`: comparison signs as
the symbols printed in guidelines, names with spaces instead of underscores and the
usual clinical abbreviations in capitals, UCUM codes as people write them (`mmHg`,
not `mm[Hg]`). Parentheses appear only where precedence needs them, so the label
reads like the source. The text is plain (not escaped): each back end escapes it
for its own notation.

`expand_defines` prints the same expression with every `define` it reads spelled
out underneath, for tooltips: the edge shows `PAD`, hovering it shows what PAD is.
"""

from __future__ import annotations

import re

from compiler import ir

# Abbreviations that clinicians write in capitals (or mixed case); matched per word
# after underscores become spaces. General clinical usage, not one guideline's names.
_ABBREVIATIONS = {
    "abi": "ABI",
    "alt": "ALT",
    "ast": "AST",
    "b12": "B12",
    "bmi": "BMI",
    "bp": "BP",
    "cbc": "CBC",
    "ck": "CK",
    "crp": "CRP",
    "ct": "CT",
    "cta": "CTA",
    "dvt": "DVT",
    "ecg": "ECG",
    "egfr": "eGFR",
    "emg": "EMG",
    "esr": "ESR",
    "gbs": "GBS",
    "hba1c": "HbA1c",
    "inr": "INR",
    "ldl": "LDL",
    "mra": "MRA",
    "mri": "MRI",
    "ncs": "NCS",
    "pad": "PAD",
    "tsh": "TSH",
}

# UCUM codes → how they are printed on a chart. Codes not listed print as written,
# with UCUM's square brackets (annotations such as `[Hg]`) dropped.
_UNIT_DISPLAY = {
    "mm[Hg]": "mmHg",
    "Cel": "°C",
    "[degF]": "°F",
    "a": "y",
    "mo": "mo",
    "wk": "wk",
    "ug": "µg",
    "umol/L": "µmol/L",
    "10*9/L": "×10⁹/L",
    "10*12/L": "×10¹²/L",
    "[in_i]": "in",
    "[lb_av]": "lb",
}

_COMPARISON_SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_NEGATED_COMPARISON = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_ARITHMETIC_SIGNS = {"+": "+", "-": "−", "*": "×", "/": "/"}

# Binding strength, loosest first: a child binding more loosely than its parent
# needs parentheses.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _ATOM = range(7)
_ARITHMETIC_LEVEL = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def humanize(name: str) -> str:
    """`rest_relief_time` → `rest relief time`; `abi` → `ABI`; `hba1c_percent` → `HbA1c percent`."""
    words = [word for word in name.split("_") if word]
    return " ".join(_ABBREVIATIONS.get(word.lower(), word) for word in words) or name


def format_unit(code: str) -> str:
    """A UCUM code as printed on a chart: `mm[Hg]` → `mmHg`, `Cel` → `°C`."""
    if code in _UNIT_DISPLAY:
        return _UNIT_DISPLAY[code]
    return re.sub(r"\[([^\]]*)\]", r"\1", code)


def format_number(value: float) -> str:
    """Numbers as written in guidelines: `6`, not `6.0`; `0.9`; no exponent for usual sizes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def format_literal(literal: ir.Literal) -> str:
    value = literal.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return humanize(value)
    number = format_number(value)
    return f"{number} {format_unit(literal.unit)}" if literal.unit else number


def format_expr(expr: ir.Expr) -> str:
    """One expression as a chart label (plain text, not yet escaped)."""
    return _format(expr, _OR)


def expand_defines(expr: ir.Expr, graph: ir.Graph) -> list[str]:
    """The expression, then `name: definition` for each define it reads, transitively.

    Defines are listed in the order they are first met, each once, so the
    explanation reads top-down from the guard to the facts.
    """
    definitions = {define.name: define.expr for define in graph.defines}
    lines = [format_expr(expr)]
    seen: list[str] = []
    pending = _define_names(expr)
    while pending:
        name = pending.pop(0)
        if name in seen or name not in definitions:
            continue
        seen.append(name)
        lines.append(f"{humanize(name)}: {format_expr(definitions[name])}")
        pending.extend(_define_names(definitions[name]))
    return lines


def _define_names(expr: ir.Expr) -> list[str]:
    return list(dict.fromkeys(e.name for e in ir.walk(expr) if isinstance(e, ir.DefineRef)))


def _format(expr: ir.Expr, context: int) -> str:
    """Print `expr` where the surrounding operator binds at `context`."""
    level, text = _format_bare(expr)
    return f"({text})" if level < context else text


def _format_bare(expr: ir.Expr) -> tuple[int, str]:
    match expr:
        case ir.Literal():
            return _ATOM, format_literal(expr)
        case ir.InputRef(name=name) | ir.DefineRef(name=name):
            return _ATOM, humanize(name)
        case ir.Known(name=name):
            return _COMPARE, f"{humanize(name)} known"
        case ir.Reaches(node=node):
            return _COMPARE, f"reaches {humanize(node)}"
        case ir.Not(operand=ir.InputRef(name=name) | ir.DefineRef(name=name)):
            return _NOT, f"no {humanize(name)}"
        case ir.Not(operand=ir.Known(name=name)):
            return _COMPARE, f"{humanize(name)} unknown"
        case ir.Not(operand=ir.Compare(op=op, left=left, right=right, span=span)):
            # Kleene negation of a comparison is the opposite comparison: print that.
            return _format_bare(ir.Compare(_NEGATED_COMPARISON[op], left, right, span=span))
        case ir.Not(operand=operand):
            return _NOT, f"not {_format(operand, _ATOM)}"
        case ir.And(operands=operands):
            return _AND, " and ".join(_format(o, _AND + 1) for o in operands)
        case ir.Or(operands=operands):
            return _OR, " or ".join(_format(o, _OR + 1) for o in operands)
        case ir.Compare(op=op, left=left, right=right):
            sign = _COMPARISON_SIGNS[op]
            return _COMPARE, f"{_format(left, _SUM)} {sign} {_format(right, _SUM)}"
        case ir.Arithmetic(op=op, left=left, right=right):
            level = _ARITHMETIC_LEVEL[op]
            # Left-associative: the right operand of `-` and `/` needs brackets at equal level.
            right_context = level + 1 if op in "-/" else level
            text = f"{_format(left, level)} {_ARITHMETIC_SIGNS[op]} {_format(right, right_context)}"
            return level, text
        case ir.Membership(operand=operand, members=members):
            options = " or ".join(format_literal(member) for member in members)
            return _COMPARE, f"{_format(operand, _SUM)} is {options}"
        case ir.ConditionSum(terms=terms):
            return _ATOM, _format_sum(terms)
    raise TypeError(f"not an expression: {expr!r}")


def _format_sum(terms: tuple[ir.Term, ...]) -> str:
    if all(term.weight == 1 for term in terms):
        return "count(" + ", ".join(_format(t.condition, _OR + 1) for t in terms) + ")"
    parts = (f"{format_number(t.weight)} if {_format(t.condition, _OR + 1)}" for t in terms)
    return "score(" + ", ".join(parts) + ")"
