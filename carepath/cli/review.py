"""`carepath review`: a guideline (and its source document) → the document a clinician signs off.

Markdown by default, `--format html` for a self-contained page, `--format json`
for tools; `-o OUT` writes the file atomically, otherwise it goes to standard
output. Exit 0 when every assertion is proved and, with `--against`, every
sentence of the source is quoted or marked `not encoded`; 1 when an assertion is
not proved or an unexplained sentence remains (the document is still written:
it shows which); 2 when a file cannot be read or the guideline does not compile.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carepath.files import write_atomically

FORMATS = ("markdown", "html", "json")


@click.command()
@click.argument("guideline", type=click.Path(dir_okay=False))
@click.option("--against", "source", type=click.Path(dir_okay=False),
              help="The source document (plain text): list its sentences that nothing quotes.")
@click.option("--format", "style", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file (`-`, the default, for standard output).")
def review(guideline: str, source: str | None, style: str, output: str) -> None:
    """Write the sign-off review of GUIDELINE: every action with the full condition that leads to it."""
    from carepath.cli.common import EXIT_FINDINGS, EXIT_OK, fail_input, load_guideline
    from carepath.targets.review import build_review
    from carepath.targets.review.render import render

    source_text = None
    if source is not None:
        try:
            source_text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail_input(f"cannot read `{source}`: {getattr(error, 'strerror', None) or error}")
    # a failing assertion belongs in the sign-off document, so an unverified guideline is reviewed, not refused
    document = build_review(load_guideline(guideline, "json" if style == "json" else "human", allow_unverified=True),
                            source_text)
    text = render(document, style)
    if output == "-":
        sys.stdout.write(text)
    else:
        try:
            write_atomically(Path(output), text)
        except OSError as error:
            fail_input(f"cannot write `{output}`: {error.strerror or error}")
    problems = []
    if document.unexplained:
        problems.append(f"{len(document.unexplained)} sentence(s) of {source} are neither quoted nor marked "
                        "`not encoded`")
    unproved = [a.label for a in document.assertions if a.status != "proved"]
    if unproved:
        problems.append(f"{len(unproved)} assertion(s) not proved: " + "; ".join(unproved))
    for problem in problems:
        click.echo(f"review: {problem}", err=True)
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)
