"""Diagnostics → SARIF 2.1.0, the report format of code-scanning services.

`carepath check --format sarif` prints one SARIF log: one run, the carepath driver
with a rule per code that occurs (its title, and its page from `docs/errors/` as the
help text), and one result per diagnostic with its `ruleId`, level, message (the
hint appended) and a physical location with a region. GitHub code scanning shows
such results as annotations on a pull request; it needs every result to have a
location, so a diagnostic without a span (an unreadable file) is placed at the top
of the file it is about. File names are written as relative URIs when the file is
under the working directory (the repository root in CI), which is how GitHub
matches results to files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from carepath.compiler import __version__
from carepath.compiler.codes import CODES
from carepath.diagnostics import Diagnostic

from carepath.error_pages import error_page

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_log(files: Iterable[tuple[str, Iterable[Diagnostic]]]) -> dict:
    """One SARIF log for the diagnostics of every checked file (file name, diagnostics)."""
    rules: dict[str, int] = {}
    results = []
    for file, diagnostics in files:
        for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
            index = rules.setdefault(diagnostic.code, len(rules))
            results.append(_result(diagnostic, index, file))
    driver = {"name": "carepath", "version": __version__, "semanticVersion": __version__,
              "rules": [_rule(code) for code in rules]}
    run = {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints",
           "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(code: str) -> dict:
    title = CODES.get(code, code)
    rule = {"id": code, "name": _pascal(title), "shortDescription": {"text": title},
            "defaultConfiguration": {"level": "error"}, "properties": {"tags": ["carepath"]}}
    page = error_page(code)
    if page is not None:
        body = page.split("\n", 1)[1].strip() if "\n" in page else page
        first_paragraph = body.split("\n\n", 1)[0].replace("\n", " ")
        rule["fullDescription"] = {"text": first_paragraph}
        rule["help"] = {"text": page, "markdown": page}
    return rule


def _result(diagnostic: Diagnostic, rule_index: int, file: str) -> dict:
    text = diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
    if diagnostic.notes:
        text += "\n" + "\n".join(f"note: {note}" for note in diagnostic.notes)
    span = diagnostic.span
    if span is not None and span.line > 0:
        where, region = span.file, {"startLine": span.line, "startColumn": max(span.column, 1),
                                    "endLine": max(span.end_line, span.line)}
        if span.end_column > 0 and (span.end_line, span.end_column) > (span.line, span.column):
            region["endColumn"] = span.end_column
        else:
            region["endColumn"] = region["startColumn"] + 1
    else:  # no place in the text (an unreadable file): the top of the file it is about
        where, region = (span.file if span is not None and span.file != "<unknown>" else file), {"startLine": 1}
    result = {"ruleId": diagnostic.code, "ruleIndex": rule_index, "level": diagnostic.severity.value,
              "message": {"text": text},
              "locations": [{"physicalLocation": {"artifactLocation": _artifact(where), "region": region}}]}
    if diagnostic.counterexample is not None:
        result["properties"] = {"counterexample": dict(diagnostic.counterexample), "path": list(diagnostic.path)}
    return result


def _artifact(file: str) -> Mapping[str, str]:
    """A file as SARIF wants it: a URI relative to the source root when it is under it."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    relative = PurePosixPath(*path.parts) if path.parts else PurePosixPath(file)
    return {"uri": quote(os.path.normpath(str(relative)).replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def _pascal(title: str) -> str:
    """`unknown name` → `UnknownName`: SARIF's rule names are identifiers."""
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(word[:1].upper() + word[1:] for word in words) or "Rule"
