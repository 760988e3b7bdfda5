"""A `RunResult` → the text report a clinician reads at a glance.

Layout, top to bottom, in the order a clinician acts: the status line; the actions
grouped by urgency, EMERGENT first and set apart (red and bold on a terminal, a
banner of `!` in plain text); under each action its timing, why (the guards that led
to it, with the patient's values) and its sources by reference title; then what is
still needed to finish the workup, each with the question to ask; then the path.
`--trace` appends every decision with each guard's value.

Every text that comes from the guideline or the facts is passed through
`escape_controls` before it is styled: a title cannot drive the reader's terminal.
"""

from __future__ import annotations

from carepath.compiler import ir
from carepath.compiler.terminal import escape_controls as _e
from carepath.targets.runtime.result import RunResult

_HEADINGS = {
    "emergent": ("!!! EMERGENT: act within hours", {"fg": "red", "bold": True}),
    "urgent": ("URGENT: within days", {"fg": "yellow", "bold": True}),
    "routine": ("ROUTINE", {"bold": True}),
}


_ANSI_COLOURS = {"red": 31, "yellow": 33}


def _styled(text: str, fg: str | None = None, bold: bool = False) -> str:
    """`text` in ANSI bold and colour; the CLI strips these codes when it does not write to a terminal."""
    codes = ([1] if bold else []) + ([_ANSI_COLOURS[fg]] if fg else [])
    return f"\x1b[{';'.join(map(str, codes))}m{text}\x1b[0m" if codes else text


def render_text(graph: ir.Graph, result: RunResult, trace: bool = False) -> str:
    """The report; styles are ANSI codes that `click.echo` strips when not on a terminal."""
    references = {r.id: r for r in graph.references}
    lines = [_styled(_e(f"{graph.title} ({graph.id} {graph.version})"), bold=True)]
    if result.complete:
        lines.append("Status: complete: every decision on the path could be made")
    else:
        lines.append(_styled(_e(f"Status: NEEDS INPUT: {', '.join(result.needs)}"), fg="yellow", bold=True)
                     if result.needs else _styled("Status: NEEDS INPUT", fg="yellow", bold=True))
    if not result.actions:
        lines += ["", "No action recommended." if result.complete else "No action recommended yet."]
    for urgency in ("emergent", "urgent", "routine"):
        group = [a for a in result.actions if a.urgency == urgency]
        if not group:
            continue
        heading, style = _HEADINGS[urgency]
        lines += ["", _styled(heading, **style)]
        for action in group:
            marker = _styled("▶", **style)
            timing = _e(f"  [{action.timing}]") if action.timing else ""
            lines.append(f"  {marker} {_styled(_e(action.title), **style)}{timing}  ({_e(action.id)})")
            if action.doses:
                lines.append(_e("      dose: " + "; ".join(action.doses)))
            if action.because:
                lines.append(_e("      why: " + "; ".join(action.because)))
            sources = [_reference_title(references[c]) if c in references else c for c in action.citations]
            lines.append(_e("      sources: " + "; ".join(sources)))
    if result.questions:
        lines += ["", _styled("Still needed to complete the workup (the answers that could lead to the most "
                              "urgent action first):", bold=True)]
        for question in result.questions:
            text = f"{question.input}: {question.ask}" if question.ask else question.input
            lead = question.could_lead_to
            if lead is not None and lead.urgency == "emergent":
                lines.append("  " + _styled(_e(f"! answer first: {text}"), fg="red", bold=True))
            else:
                lines.append(_e(f"  - {text}"))
            if lead is not None:
                lines.append(_e(f"      could lead to: {lead.title} ({lead.urgency}, {lead.id})"))
    lines += ["", _e("Path: " + " → ".join(result.path))]
    if trace:
        lines += ["", _styled("Decisions:", bold=True)]
        for decision in result.trace:
            outcome = "pending" if decision.pending else (
                "fired " + ", ".join(f"branch {b}" for b in decision.fired) if decision.fired else "nothing fired")
            lines.append(_e(f"  {decision.decision} ({decision.policy}): {outcome}"
                            + (f"; needs {', '.join(decision.needs)}" if decision.needs else "")))
            for guard in decision.guards:
                lines.append(_e(f"    [{guard.branch}] {guard.when}  →  {guard.value}"))
    return "\n".join(lines) + "\n"


def _reference_title(reference: ir.Reference) -> str:
    return reference.title + (f" ({reference.year})" if reference.year else "")
