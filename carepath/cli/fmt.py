"""`carepath fmt FILE... [--check] [--diff]`: rewrite guidelines in the canonical layout.

Without `--check`, each file that is not already formatted is rewritten in place
(atomically); with it, nothing is written and the command exits 1 when any file
would change (for CI). `--diff` shows what would change. A file that does not
parse is reported like `carepath check` reports it (exit 1), an unreadable one
exits 2; the other files are formatted all the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what would change.")
def fmt(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Format guideline files in the canonical layout, keeping every comment."""
    import difflib

    from carepath.cli.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, report
    from carepath.files import write_atomically
    from carepath.diagnostics import CompileError, Diagnostic
    from compiler.reading import SOURCE_LIMIT, read_text
    from dsl.format import format_text
    from dsl.parser import ParseFailed

    worst, changed, failed = EXIT_OK, [], 0
    for file in files:
        try:
            text = read_text(file, SOURCE_LIMIT)
        except (OSError, UnicodeDecodeError) as error:
            click.echo(f"error: cannot read `{file}`: {getattr(error, 'strerror', None) or error}", err=True)
            worst = max(worst, EXIT_INPUT)
            failed += 1
            continue
        try:
            formatted = format_text(text, file)
        except ParseFailed as failure:
            problems = [Diagnostic(p.code, p.message, p.span, label=p.label, hint=p.hint) for p in failure.problems]
            report(CompileError(problems, {file: text}))
            worst = max(worst, EXIT_FINDINGS)
            failed += 1
            continue
        if formatted == text:
            continue
        changed.append(file)
        if show_diff:
            diff = difflib.unified_diff(text.splitlines(True), formatted.splitlines(True), file, f"{file} (formatted)")
            click.echo("".join(diff), nl=False)
        if check_only:
            click.echo(f"would reformat {file}", err=True)
        else:
            try:
                write_atomically(Path(file), formatted)
            except OSError as error:
                click.echo(f"error: cannot write `{file}`: {error.strerror or error}", err=True)
                worst = max(worst, EXIT_INPUT)
                failed += 1
                changed.pop()
                continue
            click.echo(f"reformatted {file}", err=True)
    unchanged = len(files) - len(changed) - failed
    verb = "would be reformatted" if check_only else "reformatted"
    summary = f"{len(changed)} file(s) {verb}, {unchanged} already formatted"
    click.echo(summary + (f", {failed} with errors" if failed else ""), err=True)
    if check_only and changed:
        worst = max(worst, EXIT_FINDINGS)
    sys.exit(worst)
