"""Guard expression trees → the words a clinician reads on a flowchart edge.

`format_expr` prints an IR expression with the one printer (`compiler.printer`) in
its chart style: `ABI ≤ 0.90`, `rest relief time ≤ 10 min`,
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

from carepath.compiler import ir, printer

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

def humanize(name: str) -> str:
    """`rest_relief_time` → `rest relief time`; `abi` → `ABI`; `hba1c_percent` → `HbA1c percent`."""
    words = [word for word in name.split("_") if word]
    return " ".join(_ABBREVIATIONS.get(word.lower(), word) for word in words) or name


def format_unit(code: str) -> str:
    """A UCUM code as printed on a chart: `mm[Hg]` → `mmHg`, `Cel` → `°C`."""
    if code in _UNIT_DISPLAY:
        return _UNIT_DISPLAY[code]
    return re.sub(r"\[([^\]]*)\]", r"\1", code)


def format_literal(literal: ir.Literal) -> str:
    return printer.literal_text(literal, CHART)


def format_expr(expr: ir.Expr) -> str:
    """One expression as a chart label (plain text, not yet escaped)."""
    return printer.expr_text(expr, CHART)


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


CHART = printer.Style(name=humanize, unit=format_unit, true="yes", false="no",
                      arithmetic=(("+", "+"), ("-", "−"), ("*", "×"), ("/", "/")), readable=True)
