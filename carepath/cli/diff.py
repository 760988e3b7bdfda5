"""`carepath diff OLD NEW`: two versions of a guideline → the patients whose recommendations change.

Each version is a `.cpath` source or a compiled graph `.json`. The sources are
compiled up to structural verification (a version with logic findings can still
be compared: the diff is about behaviour, `check` is about correctness). Exit 0
when no patient is affected and no input changed, 1 when something differs (a
CI review gate), 2 when a version cannot be read, does not compile, or declares
an input in a way the other cannot be compared with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.compiler import exact_json


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "style", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--max-regions", type=click.IntRange(min=1), default=20, show_default=True,
              help="Stop after this many regions of changed patients.")
def diff(old: str, new: str, style: str, max_regions: int) -> None:
    """Show which patients get a different set of actions, or first action, in NEW than in OLD."""
    from carepath.cli.common import EXIT_FINDINGS, EXIT_OK, report_and_exit
    from carepath.compiler.logic.diff import DiffInputError, diff_graphs

    graphs = [_load(path, style) for path in (old, new)]
    try:
        result = diff_graphs(*graphs, max_regions=max_regions)
    except DiffInputError as error:
        report_and_exit(error, "json" if style == "json" else "human")
    if style == "json":
        click.echo(exact_json.dumps(_as_json(result), indent=2, ensure_ascii=False))
    else:
        from carepath.compiler.terminal import escape_controls

        click.echo(escape_controls(_as_text(result, old, new)), nl=False)
    sys.exit(EXIT_FINDINGS if result.differs else EXIT_OK)


def _load(path: str, style: str = "text"):
    """The graph of one version, or exit 2 with its diagnostics (as JSON with `--format json`)."""
    from carepath.cli.common import EXIT_INPUT, report
    from carepath.diagnostics import CompileError, Diagnostic, Sink, file_span
    from carepath.compiler.passes.load import SourceFile
    from carepath.compiler.passes.verify_logic import verify_logic
    from carepath.compiler.pipeline import PASSES, run_passes

    try:
        if path.endswith(".json"):
            from carepath.targets.json.load import load_graph_file

            return load_graph_file(path)
        try:
            from carepath.compiler.reading import SOURCE_LIMIT, read_text

            text = read_text(path, SOURCE_LIMIT)
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise CompileError([Diagnostic("CP0004", f"cannot read `{path}`: {reason}", file_span(path))]) from None
        sink = Sink()
        graph = run_passes(SourceFile(path, text), sink, tuple(p for p in PASSES if p is not verify_logic))
        if graph is None:
            raise CompileError(sink.sorted(), sink.sources)
        return graph
    except CompileError as error:
        report(error, "json" if style == "json" else "human")
        sys.exit(EXIT_INPUT)


def _as_text(result, old: str, new: str) -> str:
    from carepath.targets.review.words import region_text

    lines = []
    for change in result.input_changes:
        lines.append(f"input `{change.name}`: {change.old or '(not declared)'} → {change.new or '(not declared)'}")
    if not result.regions:
        lines.append(f"no patient gets a different recommendation from {new} than from {old}")
    else:
        count = len(result.regions)
        lines.append(f"{count} region{'s' if count != 1 else ''} of patients get a different recommendation "
                     f"({old} → {new}):")
    for number, region in enumerate(result.regions, 1):
        changes = [_change_text(change) for change in region.changes] or ["no edited node: the order of actions"]
        lines += ["", f"{number}. {changes[0]}", *(f"   {change}" for change in changes[1:])]
        lines += ["   " + line for line in region_text(region.where, region.terms).splitlines()]
        if not region.exact:
            lines.append("   (more patients of this change may differ: the description is not proved complete)")
        lines.append(f"   example patient: {exact_json.dumps(region.example, ensure_ascii=False)}")
        lines.append(f"   for this patient: {_outcome_text(region)}")
    if not result.complete:
        lines += ["", "more patients may differ: the region limit or the solver's time limit was reached"]
    return "\n".join(lines) + "\n"


def _change_text(change) -> str:
    from carepath.compiler.logic.diff import DefineChange, LineChange
    from carepath.targets.review.words import words

    if isinstance(change, LineChange):
        def line(value) -> str:
            if value is None:
                return "(none)"
            guard, targets = value
            return f"\"{'otherwise' if guard is None else 'when ' + words(guard)} → {', '.join(targets)}\""

        return f"`{change.node}` line {change.line} was {line(change.old)}, now {line(change.new)}"
    if isinstance(change, DefineChange):
        def definition(expr) -> str:
            return "(none)" if expr is None else f"\"{words(expr)}\""

        return f"define `{change.name}` was {definition(change.old)}, now {definition(change.new)}"
    return f"`{change.node}`: {change.detail}"


def _outcome_text(region) -> str:
    lost = [a for a in region.old.actions if a not in region.new.actions]
    gained = [a for a in region.new.actions if a not in region.old.actions]
    parts = []
    if lost:
        parts.append(f"no longer recommended: {', '.join(lost)}")
    if gained:
        parts.append(f"newly recommended: {', '.join(gained)}")
    if region.old.first != region.new.first:
        parts.append(f"first action: {region.old.first or 'none'} → {region.new.first or 'none'}")
    return "; ".join(parts)


def _as_json(result) -> dict:
    from carepath.targets.review.words import region_text, term_text

    return {
        "differs": result.differs,
        "complete": result.complete,
        "input_changes": [{"name": c.name, "old": c.old, "new": c.new} for c in result.input_changes],
        "regions": [{"where": list(r.where), "changes": [_change_text(c) for c in r.changes],
                     "condition": " ".join(region_text(r.where, r.terms).split()),
                     "terms": [term_text(t) for t in r.terms], "exact": r.exact, "example": r.example,
                     "old": {"actions": list(r.old.actions), "first": r.old.first, "path": list(r.old.path)},
                     "new": {"actions": list(r.new.actions), "first": r.new.first, "path": list(r.new.path)}}
                    for r in result.regions],
    }
