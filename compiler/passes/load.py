"""Loading: the main source file → parsed modules, its imports included.

`import "common/labs.cpath"` brings in another file's inputs, defines and
references. Paths are relative to the importing file (never to the working
directory: a text with no file cannot import) and confined to the project
(the nearest folder above the main file holding `pyproject.toml`, `.git` or
`carepath.toml`, else the main file's folder), so a guideline cannot read
arbitrary files. An imported file holds declarations only: no guideline header,
nodes, assertions or scenarios. An imported path must be a regular file (a FIFO or
a device is refused without being opened for reading) and imports nest at most
`MAX_IMPORT_DEPTH` deep. Syntax errors of every file are reported, not
just the first file's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from carepath.diagnostics import Sink
from carepath.compiler.reading import SOURCE_LIMIT, read_text
from carepath.dsl import ast
from carepath.dsl.parser import ParseFailed, parse

PROJECT_MARKERS = ("pyproject.toml", ".git", "carepath.toml")
# Imports nest at most this deep (CP0012): shared declarations are a layer or two,
# and the loader recurses once per level.
MAX_IMPORT_DEPTH = 32
DECLARATIONS = (ast.Import, ast.InputDecl, ast.DefineDecl, ast.ReferenceDecl)


@frozen
class SourceFile:
    path: str  # as shown in diagnostics
    text: str


@frozen
class Loaded:
    modules: tuple[ast.Module, ...]  # imports first (depth first), the main module last
    main_text: str


def project_root(path: Path) -> Path:
    for folder in [path.parent, *path.parent.parents]:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return path.parent


def load(entry: SourceFile, sink: Sink, read: Callable[[Path], str] | None = None) -> Loaded:
    read = read or (lambda p: read_text(p, SOURCE_LIMIT, regular_only=True))
    texts = sink.sources
    texts[entry.path] = entry.text
    modules: list[ast.Module] = []
    main = _parse(entry, sink)
    if main is None:
        return Loaded((), entry.text)
    if entry.path.startswith("<"):  # text with no file (stdin, the API): nothing to resolve imports against
        for item in main.of_type(ast.Import):
            sink.error("CP0005", f"cannot import `{item.path}`: this text has no file to resolve it against",
                       item.span, hint="compile the guideline from its file, so imports resolve next to it")
    else:
        path = Path(entry.path).resolve()
        _imports(main, path.parent, project_root(path), read, sink, texts, modules, visiting=[path], done=set())
    modules.append(main)
    return Loaded(tuple(modules), entry.text)


def _parse(source: SourceFile, sink: Sink) -> ast.Module | None:
    try:
        return parse(source.text, source.path)
    except ParseFailed as failure:
        for p in failure.problems:
            sink.error(p.code, p.message, p.span, label=p.label, hint=p.hint)
        return None


def _imports(module, base: Path, root: Path, read, sink: Sink, texts, modules, visiting, done) -> None:
    for item in module.of_type(ast.Import):
        try:
            target = (base / item.path).resolve()
        except (OSError, ValueError):  # e.g. a NUL byte in the path
            sink.error("CP0005", f"`{item.path!r}` is not a valid file path", item.span,
                       hint="write the path of a .cpath file relative to this file")
            continue
        if not target.is_relative_to(root):
            sink.error("CP0005", f"`{item.path}` lies outside the project", item.span,
                       label="outside the project folder",
                       hint=f"import files from inside the project only (the folder holding {' or '.join(PROJECT_MARKERS)})")
            continue
        if target in visiting:
            chain = " → ".join(p.name for p in [*visiting[visiting.index(target):], target])
            sink.error("CP0006", f"import cycle: {chain}", item.span, hint="move shared declarations to a third file")
            continue
        if target in done:
            continue
        if len(visiting) > MAX_IMPORT_DEPTH:
            sink.error("CP0012", f"imports nest more than {MAX_IMPORT_DEPTH} files deep", item.span,
                       label="one import too many", hint="import the shared files from the guideline itself")
            continue
        try:
            text = read(target)
        except (OSError, UnicodeDecodeError) as error:
            sink.error("CP0005", f"cannot import `{item.path}`: {getattr(error, 'strerror', None) or error}",
                       item.span, hint="check the path; it is relative to the importing file")
            continue
        shown = _shown_path(target)
        texts[shown] = text
        imported = _parse(SourceFile(shown, text), sink)
        if imported is None:
            continue
        _check_declarations_only(imported, sink)
        _imports(imported, target.parent, root, read, sink, texts, modules, [*visiting, target], done)
        done.add(target)
        modules.append(imported)


def _check_declarations_only(module: ast.Module, sink: Sink) -> None:
    if module.header is not None:
        sink.error("CP0007", "an imported file cannot have a `guideline` header", module.header.span,
                   hint="imported files hold shared inputs, defines and references only")
    for item in module.items:
        if not isinstance(item, DECLARATIONS):
            sink.error("CP0007", "an imported file may only declare inputs, defines and references",
                       item.span, label="not a declaration", hint="move this into the guideline that imports it")


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

