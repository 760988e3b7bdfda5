"""A symbol → the Markdown an editor shows on hover.

What a reader of a guideline wants to know without scrolling: for an input, its
type, unit and range, the question put to the clinician and its terminology codes;
for a reference, the citation; for a define, its expression; for a node, its kind
and title, how it is reached (each incoming edge with the condition on it, so
"from `red_flag_screen` when `saddle_anesthesia`") and, for a decision, its lines.
Everything comes from the AST, so hover works before the verifier has finished.
"""

from __future__ import annotations

from carepath.dsl import ast
from carepath.dsl.format import expression

from carepath.lsp.index import NODE_KEYWORDS, Index, Symbol


def type_text(decl: ast.InputDecl) -> str:
    """The declared type in the words of the language: `quantity mm[Hg] from 0 to 300`."""
    written = decl.type
    if isinstance(written, ast.BooleanTypeExpr):
        return "boolean"
    if isinstance(written, ast.EnumTypeExpr):
        return "one of " + ", ".join(m.value for m in written.members)
    bounds = ""
    if written.low is not None and written.high is not None:
        bounds = f" from {written.low.text} to {written.high.text}"
    if isinstance(written, ast.QuantityTypeExpr):
        return f"quantity {written.unit}{bounds}"
    return f"number{bounds}"


def hover_markdown(symbol: Symbol, index: Index) -> str:
    """The hover text of a symbol, whichever of its occurrences the cursor is on."""
    where = "" if symbol.span.file == index.main_file else f"\n\n*declared in `{symbol.span.file}`*"
    return _DESCRIBE[symbol.kind](symbol, index) + where


def _input(symbol: Symbol, index: Index) -> str:
    decl: ast.InputDecl = symbol.decl
    lines = [f"**input** `{symbol.name}`: {type_text(decl)}"]
    if isinstance(decl.type, ast.QuantityTypeExpr):
        lines.append(f"unit: `{decl.type.unit}` (UCUM); facts in a commensurable unit are converted")
    if decl.question is not None:
        lines.append(f"asks: “{decl.question}”")
    for code in decl.codes:
        display = f" “{code.display}”" if code.display is not None else ""
        lines.append(f"code: {code.system} `{code.code}`{display}")
    return "\n\n".join(lines)


def _member(symbol: Symbol, index: Index) -> str:
    decl: ast.InputDecl = symbol.decl
    return f"**member** `{symbol.name}` of input `{symbol.owner}`: {type_text(decl)}"


def _define(symbol: Symbol, index: Index) -> str:
    decl: ast.DefineDecl = symbol.decl
    return f"**define** `{symbol.name}`\n\n```cpath\ndefine {symbol.name}: {expression(decl.expr)}\n```"


def _reference(symbol: Symbol, index: Index) -> str:
    decl: ast.ReferenceDecl = symbol.decl
    year = f" ({decl.year})" if decl.year is not None else ""
    lines = [f"**reference** `{symbol.name}`: {decl.title}{year}"]
    if decl.publisher is not None:
        lines.append(f"by {decl.publisher}")
    return "\n\n".join(lines)


def _section(symbol: Symbol, index: Index) -> str:
    decl: ast.SectionDecl = symbol.decl
    nodes = [s.name for s in index.of_kind("node") if getattr(s.decl, "section", None) == symbol.name]
    listed = ", ".join(f"`{n}`" for n in nodes) or "none yet"
    return f"**section** `{symbol.name}`: {decl.title}\n\nnodes: {listed}"


def _node(symbol: Symbol, index: Index) -> str:
    decl: ast.NodeDecl = symbol.decl
    lines = [f"**{NODE_KEYWORDS[type(decl)]}** `{symbol.name}`: {decl.title}"]
    if decl.citations:
        lines.append("cites " + ", ".join(f"`{c.value}`" for c in decl.citations))
    incoming = incoming_edges(symbol.name, index.main)
    lines.append("reached:\n" + "\n".join(f"- {edge}" for edge in incoming) if incoming
                 else "reached from nowhere: no edge leads here")
    if isinstance(decl, ast.DecideDecl):
        policy = decl.policy or "first"
        branches = [f"- when `{expression(b.guard)}` → {_targets(b.targets)}" for b in decl.branches]
        if decl.otherwise is not None:
            branches.append(f"- otherwise → {_targets(decl.otherwise.targets)}")
        lines.append(f"lines ({policy}):\n" + "\n".join(branches))
    if isinstance(decl, ast.ActionDecl) and decl.urgency is not None:
        lines.append(f"urgency: {decl.urgency.value}")
    return "\n\n".join(lines)


def incoming_edges(node: str, module: ast.Module) -> list[str]:
    """Each edge into `node` in words: `from \\`x\\` when \\`guard\\``, `after \\`y\\``."""
    found = []
    for item in module.items:
        if isinstance(item, ast.StartDecl) and _names(item.targets, node):
            found.append("from `start`")
        elif isinstance(item, ast.AssessDecl | ast.ActionDecl) and _names(item.then, node):
            found.append(f"after `{item.name.value}`")
        elif isinstance(item, ast.DecideDecl):
            for branch in item.branches:
                if _names(branch.targets, node):
                    found.append(f"from `{item.name.value}` when `{expression(branch.guard)}`")
            if item.otherwise is not None and _names(item.otherwise.targets, node):
                found.append(f"from `{item.name.value}` otherwise (no line above it holds)")
    return found


def _names(targets: tuple[ast.Name, ...], node: str) -> bool:
    return any(t.value == node for t in targets)


def _targets(targets: tuple[ast.Name, ...]) -> str:
    return ", ".join(f"`{t.value}`" for t in targets)


_DESCRIBE = {
    "input": _input,
    "member": _member,
    "define": _define,
    "reference": _reference,
    "section": _section,
    "node": _node,
}
