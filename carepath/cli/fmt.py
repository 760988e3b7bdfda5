"""`carepath fmt FILE... [--check] [--diff]`: rewrite guidelines in the canonical layout.

Without options, each file that is not already formatted is rewritten in place
(atomically). `--check` and `--diff` never write: `--check` exits 1 when any file
would change (for CI), `--diff` prints a unified diff of what would change (as
black, ruff and rustfmt do). `-` formats standard input and prints the formatted
text to standard output; a directory stands for its `.cpath` files. A file that
does not parse is reported like `carepath check` reports it (exit 1), an unreadable
one exits 2; the other files are formatted all the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.cli.common import output_options


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of what would change (exit 1 if anything would).")
@click.option("--format", "style", type=click.Choice(("human", "json")), default="human", show_default=True,
              help="How syntax errors are reported: for people, or as JSON diagnostics on standard output.")
@output_options
def fmt(files: tuple[str, ...], check_only: bool, show_diff: bool, style: str) -> None:
    """Format guideline files in the canonical layout, keeping every comment."""
    import difflib

    from carepath.cli.common import (EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, STDIN, expand_paths, read_stdin, report,
                                     say, shown_name)
    from carepath.files import write_atomically
    from carepath.diagnostics import CompileError, Diagnostic
    from carepath.compiler.reading import SOURCE_LIMIT, read_text
    from carepath.dsl.format import format_text
    from carepath.dsl.parser import ParseFailed

    paths = expand_paths(files)
    dry_run = check_only or show_diff
    worst, changed, failed = EXIT_OK, [], 0
    for path in paths:
        file = shown_name(path)
        try:
            if path == STDIN:
                text = read_stdin()
            else:
                text = read_text(path, SOURCE_LIMIT)
        except (OSError, UnicodeDecodeError) as error:
            click.echo(f"error: cannot read `{file}`: {getattr(error, 'strerror', None) or error}", err=True)
            worst = max(worst, EXIT_INPUT)
            failed += 1
            continue
        try:
            formatted = format_text(text, file)
        except ParseFailed as failure:
            problems = [Diagnostic(p.code, p.message, p.span, label=p.label, hint=p.hint) for p in failure.problems]
            report(CompileError(problems, {file: text}), style)
            worst = max(worst, EXIT_FINDINGS)
            failed += 1
            continue
        if path == STDIN and not dry_run:
            click.echo(formatted, nl=False)  # a filter: the formatted text, changed or not
        if formatted == text:
            continue
        changed.append(file)
        if show_diff:
            diff = difflib.unified_diff(text.splitlines(True), formatted.splitlines(True), file, f"{file} (formatted)")
            click.echo("".join(diff), nl=False)
        if dry_run:
            say(f"would reformat {file}", err=True)
        elif path != STDIN:
            try:
                write_atomically(Path(path), formatted)
            except OSError as error:
                click.echo(f"error: cannot write `{file}`: {error.strerror or error}", err=True)
                worst = max(worst, EXIT_INPUT)
                failed += 1
                changed.pop()
                continue
            say(f"reformatted {file}", err=True)
    unchanged = len(paths) - len(changed) - failed
    verb = "would be reformatted" if dry_run else "reformatted"
    summary = f"{len(changed)} file(s) {verb}, {unchanged} already formatted"
    if failed:
        click.echo(f"{summary}, {failed} with errors", err=True)
    else:
        say(summary, err=True)
    if dry_run and changed:
        worst = max(worst, EXIT_FINDINGS)
    sys.exit(worst)
