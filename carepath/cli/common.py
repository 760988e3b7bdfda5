"""What every command shares: reading inputs, loading a guideline, reporting problems.

`load_guideline` accepts a `.cpath` source, a compiled graph `.json` or `-` (a
source on standard input) and either returns the *verified* graph or prints the
diagnostics and exits: 1 when the guideline has errors or fails verification, 2
when the file cannot be read or is not a guideline at all. `expand_paths` turns the
command line's paths into files (a directory into its `.cpath` files), and
`output_options` gives each command `--color` and `-q`. Commands never let an
exception escape as a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from carepath.diagnostics import CompileError
from carepath.compiler import ir
from carepath.compiler.codes import CODES
from carepath.compiler.report import render, summary
from carepath.compiler.terminal import escape_controls

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
# an unreadable file or a bad graph JSON (CP07xx): input errors, not findings
INPUT_CODES = {"CP0004", *(code for code in CODES if code.startswith(("CP06", "CP07", "CP09")))}

LOGIC_CODES = ("CP04", "CP05")

STDIN = "-"
STDIN_NAME = "<stdin>"  # how diagnostics name a text read from standard input


# --- output: colour and quiet ------------------------------------------------------


def output_options(command: Callable) -> Callable:
    """Add `--color auto|always|never` and `-q/--quiet` to a command.

    Colour follows click's context: `auto` colours a terminal only, and the
    `NO_COLOR` convention (no-color.org: set and not empty) turns `auto` off.
    Quiet drops what is only reassurance (ok lines, summaries, passing scenarios);
    every problem is still printed.
    """

    def set_color(ctx: click.Context, _param, value: str) -> str:
        if value == "always":
            ctx.color = True
        elif value == "never" or os.environ.get("NO_COLOR"):
            ctx.color = False
        return value

    def set_quiet(ctx: click.Context, _param, value: bool) -> bool:
        ctx.meta["carepath.quiet"] = value
        return value

    command = click.option("--color", type=click.Choice(("auto", "always", "never")), default="auto",
                           show_default=True, expose_value=False, is_eager=True, callback=set_color,
                           help="Colour the output: auto colours a terminal unless NO_COLOR is set.")(command)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=set_quiet,
                        help="Print problems only: no ok lines, summaries or passing scenarios.")(command)


def quiet() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context and context.meta.get("carepath.quiet"))


def say(message: str, *, err: bool = False, **style) -> None:
    """Print a line that `-q` silences (reassurance, not a problem)."""
    if not quiet():
        click.echo(click.style(message, **style) if style else message, err=err)


# --- inputs: stdin and directories -------------------------------------------------


def expand_paths(paths: Iterable[str], suffix: str = ".cpath") -> list[str]:
    """The files named on a command line: `-` stays (standard input), a directory
    becomes the `suffix` files under it, sorted; a directory with none exits 2."""
    files: list[str] = []
    for path in paths:
        if path != STDIN and Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).rglob(f"*{suffix}") if p.is_file())
            if not found:
                fail_input(f"`{path}` is a directory with no {suffix} files")
            files += found
        else:
            files.append(path)
    if files.count(STDIN) > 1:
        fail_input("standard input (`-`) can be read only once")
    return files


def read_input(path: str, limit: int | None = None) -> str:
    """The text of a file, or of standard input for `-`, at most `limit` bytes; exit 2 when unreadable."""
    from carepath.compiler.reading import SOURCE_LIMIT, read_text

    limit = SOURCE_LIMIT if limit is None else limit
    try:
        if path == STDIN:
            return read_stdin(limit)
        return read_text(path, limit)
    except (OSError, UnicodeDecodeError) as error:
        shown = "standard input" if path == STDIN else f"`{path}`"
        fail_input(f"cannot read {shown}: {getattr(error, 'strerror', None) or error}")


def read_stdin(limit: int | None = None) -> str:
    """Standard input as UTF-8 text, whatever the locale says; more than `limit` bytes is an error."""
    data = sys.stdin.buffer.read() if limit is None else sys.stdin.buffer.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise OSError(f"standard input is larger than {limit:,} bytes (docs/limits.md)")
    return data.decode("utf-8")


def shown_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


# --- guidelines ----------------------------------------------------------------------


def check_guideline(path: str, *, verify_logic: bool = True, advice: bool = False):
    """Every diagnostic of a source file, a graph JSON file or standard input (`-`);
    `advice` adds the advisory warnings `check` prints (sources only)."""
    from carepath.api import check_file, check_graph_file, check_text

    if path == STDIN:
        return check_text(read_input(path), STDIN_NAME, verify_logic=verify_logic, advice=advice)
    if path.endswith(".json"):
        return check_graph_file(path, verify_logic=verify_logic)
    return check_file(path, verify_logic=verify_logic, advice=advice)


def compile_guideline(path: str, *, allow_unverified: bool = False) -> ir.Graph:
    """The verified graph of `path`; raises `CompileError` with every diagnostic.

    A guideline that fails verification is refused: a recommendation from logic
    that was proved wrong must not reach a patient. `allow_unverified` runs one
    whose only errors are logic findings (CP04xx, CP05xx) anyway, with a warning:
    that is how a counterexample patient written by `check --counterexamples` is
    replayed with `run` or `render --facts`.
    """
    checked = check_guideline(path)
    errors = [d for d in checked.diagnostics if d.is_error]
    if allow_unverified and errors and all(d.code.startswith(LOGIC_CODES) for d in errors):
        unverified = check_guideline(path, verify_logic=False).raise_on_errors()
        codes = ", ".join(sorted({d.code for d in errors}))
        click.echo(f"warning: {shown_name(path)} fails verification ({len(errors)} finding(s): {codes}); "
                   "running it anyway (--allow-unverified). `carepath check` shows them.", err=True)
        return unverified
    return checked.raise_on_errors()


def load_guideline(path: str, style: str = "human", *, allow_unverified: bool = False) -> ir.Graph:
    """`compile_guideline`, or exit with its diagnostics (and a word on `--allow-unverified`)."""
    try:
        return compile_guideline(path, allow_unverified=allow_unverified)
    except CompileError as error:
        report_refusal(path, error, style)
        sys.exit(exit_code(error))


def report_refusal(path: str, error: CompileError, style: str = "human") -> None:
    """Report why a guideline is not run; for logic findings, say how to replay one anyway."""
    report(error, style)
    errors = [d for d in error.diagnostics if d.is_error]
    if errors and all(d.code.startswith(LOGIC_CODES) for d in errors):
        click.echo(f"{shown_name(path)} fails verification, so it is not run; to replay a counterexample, "
                   "add --allow-unverified", err=True)


allow_unverified_option = click.option(
    "--allow-unverified", is_flag=True,
    help="Run a guideline that fails its logic checks (to replay a counterexample); it is refused otherwise.")


def report(error: CompileError, style: str = "human", consequence: str | None = None) -> None:
    """Every diagnostic of `error`, by the one renderer: JSON on stdout, text on stderr."""
    if style == "json":
        click.echo(render(error.diagnostics, error.sources, "json"), nl=False)
        return
    click.echo(render(error.diagnostics, error.sources, style), nl=False, err=True)
    click.echo(summary(error.diagnostics) + (f"; {consequence}" if consequence else ""), err=True)


def exit_code(error: CompileError) -> int:
    """2 for input errors (an unreadable file, a bad graph JSON, bad facts), 1 for findings."""
    if any(d.code in INPUT_CODES for d in error.diagnostics):
        return EXIT_INPUT
    return EXIT_FINDINGS if any(d.is_error for d in error.diagnostics) else EXIT_OK


def report_and_exit(error: CompileError, style: str = "human", consequence: str | None = None):
    report(error, style, consequence)
    sys.exit(exit_code(error))


def fail_input(message: str) -> None:
    """Print a one-line input error and exit 2."""
    click.echo(f"error: {escape_controls(message)}", err=True)
    sys.exit(EXIT_INPUT)

