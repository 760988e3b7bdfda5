"""The carepath language server: LSP requests → answers from the index, the checker and the formatter.

`carepath lsp` runs it on stdin/stdout. Each document is checked as soon as it is
opened, then as it is edited: an edit waits `DEBOUNCE_SECONDS` for the next one,
then the text goes to the worker process (`checking.py`), and a newer edit cancels
the older check. The diagnostics published are exactly `carepath check`'s,
verification included.

Position-based requests (hover, definition, references, rename, symbols, code
lenses) wait briefly for the index of the current text; completion makes do with
the index of the last text that parsed, since the line being typed rarely parses.
Positions are counted in characters (code points); a guideline rarely holds a
character outside the Basic Multilingual Plane, where UTF-16 counts differ.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from attrs import define
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from carepath.dsl import ast

from carepath import __version__
from carepath.lsp.checking import CheckFailed, CheckWorker, lsp_diagnostic, lsp_range
from carepath.lsp.completion import complete
from carepath.lsp.describe import hover_markdown
from carepath.lsp.index import NODE_KEYWORDS, Index, Symbol, keywords

DEBOUNCE_SECONDS = 0.25
INDEX_WAIT_SECONDS = 10.0  # how long a request waits for the current text's index
RUN_SCENARIO = "carepath.runScenario"
LIST_SCENARIOS = "carepath.listScenarios"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: a valid request the server refuses (a rename onto a keyword)."""

    CODE = -32803


@define
class DocumentState:
    """What the server knows of one open document, by the version of its text."""

    file: str  # the name diagnostics carry: the document's path, or `<its URI>` when it has none
    version: int
    index: Index | None = None
    index_version: int | None = None
    last_parsed: Index | None = None  # the index of the latest text that parsed, for completion
    graph: object = None  # the verified graph of `graph_version`, for running scenarios
    graph_version: int | None = None
    task: asyncio.Task | None = None


class CarepathServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("carepath", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.worker = CheckWorker()
        self.documents: dict[str, DocumentState] = {}

    # -- checking as the author types -----------------------------------------------------------

    def schedule_check(self, uri: str, wait: float = DEBOUNCE_SECONDS) -> None:
        """Check the document's text after `wait` seconds, unless a newer text comes first."""
        document = self.workspace.get_text_document(uri)
        state = self.documents.get(uri)
        if state is None:
            path = to_fs_path(uri) if uri.startswith("file:") else None
            # a buffer with no file is named like `<untitled:Untitled-1>`: it has nothing to resolve imports against
            state = self.documents[uri] = DocumentState(path or f"<{uri}>", document.version or 0)
        if state.task is not None:
            state.task.cancel()
        state.version = document.version or 0
        state.task = asyncio.get_running_loop().create_task(self._check(uri, state, state.version, document.source, wait))

    async def _check(self, uri: str, state: DocumentState, version: int, text: str, wait: float) -> None:
        await asyncio.sleep(wait)

        def indexed(index: Index | None) -> None:
            state.index, state.index_version = index, version
            if index is not None:
                state.last_parsed = index

        try:
            diagnostics, graph = await self.worker.check(text, state.file, indexed)
        except asyncio.CancelledError:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Log, message=f"carepath: check of {state.file} version {version} cancelled"))
            raise
        except CheckFailed as failure:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"carepath: checking {state.file} failed: {failure}"))
            return
        state.graph, state.graph_version = graph, version
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[lsp_diagnostic(d, state.file) for d in diagnostics]))

    def forget(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is not None and state.task is not None:
            state.task.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def current_index(self, uri: str) -> tuple[DocumentState, Index] | None:
        """The index of the document's current text, once the worker has parsed it; None if it does not parse."""
        state = self.documents.get(uri)
        if state is None:
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + INDEX_WAIT_SECONDS
        while state.index_version != state.version and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if state.index_version != state.version or state.index is None:
            return None
        return state, state.index

    async def any_index(self, uri: str) -> Index | None:
        """The current index if the text parses, else the last one that did (for completion)."""
        state = self.documents.get(uri)
        if state is None:
            return None
        if state.index_version == state.version and state.index is not None:
            return state.index
        if state.last_parsed is None:
            found = await self.current_index(uri)
            return found[1] if found else None
        return state.last_parsed

    def uri_of(self, file: str, state: DocumentState, uri: str) -> str:
        return uri if file == state.file else from_fs_path(str(Path(file).resolve()))


server = CarepathServer()


def _position(position: types.Position) -> tuple[int, int]:
    """An LSP position as carepath's 1-based (line, column)."""
    return position.line + 1, position.character + 1


async def _symbol_at(ls: CarepathServer, uri: str, position: types.Position):
    found = await ls.current_index(uri)
    if found is None:
        return None
    state, index = found
    occurrence = index.at(state.file, *_position(position))
    if occurrence is None:
        return None
    return state, index, occurrence, index.symbol(occurrence.key)


# -- document life cycle ------------------------------------------------------------------------


@server.feature(types.SHUTDOWN)
def shutdown(ls: CarepathServer, params: None) -> None:
    ls.worker.stop()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CarepathServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule_check(params.text_document.uri, wait=0)  # no keystrokes to wait for


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CarepathServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule_check(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CarepathServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


# -- reading ----------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: CarepathServer, params: types.HoverParams) -> types.Hover | None:
    found = await _symbol_at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    state, index, occurrence, symbol = found
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_markdown(symbol, index)),
        range=lsp_range(occurrence.span),
    )


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: CarepathServer, params: types.DefinitionParams) -> types.Location | None:
    uri = params.text_document.uri
    found = await _symbol_at(ls, uri, params.position)
    if found is None:
        return None
    state, index, occurrence, symbol = found
    return types.Location(uri=ls.uri_of(symbol.span.file, state, uri), range=lsp_range(symbol.span))


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def references(ls: CarepathServer, params: types.ReferenceParams) -> list[types.Location]:
    uri = params.text_document.uri
    found = await _symbol_at(ls, uri, params.position)
    if found is None:
        return []
    state, index, occurrence, symbol = found
    return [
        types.Location(uri=ls.uri_of(o.span.file, state, uri), range=lsp_range(o.span))
        for o in index.uses(symbol.key)
        if params.context.include_declaration or not o.is_declaration
    ]


# -- renaming ---------------------------------------------------------------------------------


def refuse_rename(symbol: Symbol, new_name: str, index: Index, state: DocumentState) -> str | None:
    """Why `symbol` cannot be renamed to `new_name`, or None when it can."""
    if symbol.span.file != state.file:
        return f"`{symbol.name}` is declared in `{symbol.span.file}`; rename it there"
    if not NAME.fullmatch(new_name):
        return f"`{new_name}` is not a name: use letters, digits and `_`, not starting with a digit"
    if new_name in keywords():
        return f"`{new_name}` is a keyword and cannot be used as a name"
    if symbol.kind == "node" and new_name == "start":
        return "`start` is the name of the start node"
    if new_name == symbol.name:
        return None
    if symbol.kind == "member":
        taken = new_name in index.members_of(symbol.owner) or any(
            s.name == new_name for s in index.symbols.values() if s.kind != "member")
    else:
        taken = new_name in index.declared_names()
    if taken:
        return f"`{new_name}` is already declared; pick another name"
    return None


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
async def prepare_rename(ls: CarepathServer, params: types.PrepareRenameParams):
    found = await _symbol_at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    state, index, occurrence, symbol = found
    reason = refuse_rename(symbol, symbol.name, index, state)
    if reason is not None:
        raise RequestFailed(reason)
    return types.PrepareRenamePlaceholder(range=lsp_range(occurrence.span), placeholder=symbol.name)


@server.feature(types.TEXT_DOCUMENT_RENAME)
async def rename(ls: CarepathServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    uri = params.text_document.uri
    found = await _symbol_at(ls, uri, params.position)
    if found is None:
        return None
    state, index, occurrence, symbol = found
    reason = refuse_rename(symbol, params.new_name, index, state)
    if reason is not None:
        raise RequestFailed(reason)
    edits = [types.TextEdit(range=lsp_range(o.span), new_text=params.new_name) for o in index.uses(symbol.key)]
    return types.WorkspaceEdit(changes={uri: edits})


# -- writing ----------------------------------------------------------------------------------

_COMPLETION_KINDS = {
    "input": types.CompletionItemKind.Variable,
    "define": types.CompletionItemKind.Constant,
    "member": types.CompletionItemKind.EnumMember,
    "node": types.CompletionItemKind.Class,
    "reference": types.CompletionItemKind.Reference,
    "unit": types.CompletionItemKind.Unit,
    "keyword": types.CompletionItemKind.Keyword,
    "value": types.CompletionItemKind.Value,
}


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[">", "[", ",", "=", "{"]))
async def completion(ls: CarepathServer, params: types.CompletionParams) -> types.CompletionList:
    uri = params.text_document.uri
    index = await ls.any_index(uri)
    if index is None:
        return types.CompletionList(is_incomplete=False, items=[])
    lines = ls.workspace.get_text_document(uri).lines
    line = lines[params.position.line] if params.position.line < len(lines) else ""
    candidates = complete(line[: params.position.character], index)
    return types.CompletionList(is_incomplete=False, items=[
        types.CompletionItem(label=c.label, kind=_COMPLETION_KINDS[c.kind], detail=c.detail, sort_text=f"{rank:04}")
        for rank, c in enumerate(candidates)
    ])


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: CarepathServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    """The whole document in the canonical layout (`carepath fmt`); nothing when it does not parse."""
    from carepath.dsl.format import format_text
    from carepath.dsl.parser import ParseFailed

    document = ls.workspace.get_text_document(params.text_document.uri)
    text = document.source
    try:
        formatted = format_text(text, document.path or params.text_document.uri)
    except ParseFailed:
        return None
    if formatted == text:
        return []
    lines = text.split("\n")
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=len(lines) - 1, character=len(lines[-1])))
    return [types.TextEdit(range=whole, new_text=formatted)]


# -- outline ----------------------------------------------------------------------------------


def _outline_symbol(name: str, detail: str, kind: types.SymbolKind, decl_span, name_span, children=None):
    return types.DocumentSymbol(name=name, detail=detail, kind=kind, range=lsp_range(decl_span),
                                selection_range=lsp_range(name_span), children=children or None)


def outline(module: ast.Module) -> list[types.DocumentSymbol]:
    """The document's symbols: inputs (with their members), defines, references, sections
    holding their nodes, nodes outside any section, assertions and scenarios."""
    symbols: list[types.DocumentSymbol] = []
    sections: dict[str, types.DocumentSymbol] = {}
    for item in module.items:
        if isinstance(item, ast.InputDecl):
            members = []
            if isinstance(item.type, ast.EnumTypeExpr):
                members = [_outline_symbol(m.value, "", types.SymbolKind.EnumMember, m.span, m.span)
                           for m in item.type.members]
            symbols.append(_outline_symbol(item.name.value, "input", types.SymbolKind.Variable, item.span,
                                           item.name.span, members))
        elif isinstance(item, ast.DefineDecl):
            symbols.append(_outline_symbol(item.name.value, "define", types.SymbolKind.Constant, item.span,
                                           item.name.span))
        elif isinstance(item, ast.ReferenceDecl):
            symbols.append(_outline_symbol(item.name.value, item.title, types.SymbolKind.Key, item.span,
                                           item.name.span))
        elif isinstance(item, ast.SectionDecl):
            section = _outline_symbol(item.name.value, item.title, types.SymbolKind.Namespace, item.span,
                                      item.name.span, [])
            section.children = []
            sections[item.name.value] = section
            symbols.append(section)
        elif isinstance(item, tuple(NODE_KEYWORDS)):
            node = _outline_symbol(item.name.value, f"{NODE_KEYWORDS[type(item)]}: {item.title}",
                                   types.SymbolKind.Function, item.span, item.name.span)
            section = sections.get(item.section) if item.section else None
            if section is None:
                symbols.append(node)
            else:
                section.children.append(node)
                section.range = types.Range(start=section.range.start, end=node.range.end)
        elif isinstance(item, ast.AssertDecl):
            symbols.append(_outline_symbol(item.label, "assert", types.SymbolKind.Boolean, item.span, item.span))
        elif isinstance(item, ast.ScenarioDecl):
            symbols.append(_outline_symbol(item.name, "scenario", types.SymbolKind.Event, item.span, item.span))
    return symbols


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
async def document_symbols(ls: CarepathServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    found = await ls.current_index(params.text_document.uri)
    return outline(found[1].main) if found else []


# -- scenarios --------------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: CarepathServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    """A "run scenario" lens above each `scenario`."""
    uri = params.text_document.uri
    found = await ls.current_index(uri)
    if found is None:
        return []
    scenarios = found[1].main.of_type(ast.ScenarioDecl)
    return [
        types.CodeLens(
            range=lsp_range(s.span),
            command=types.Command(title="▶ run scenario", command=RUN_SCENARIO, arguments=[uri, s.name]),
        )
        for s in scenarios
    ]


@server.command(LIST_SCENARIOS)
async def list_scenarios(ls: CarepathServer, uri: str) -> list[dict]:
    """The document's scenarios with their lines (0-based), for the editor's Testing view."""
    found = await ls.current_index(uri)
    if found is None:
        return []
    return [{"name": s.name, "line": s.span.line - 1} for s in found[1].main.of_type(ast.ScenarioDecl)]


@server.command(RUN_SCENARIO)
async def run_scenario(ls: CarepathServer, uri: str, name: str) -> dict:
    """Run one scenario on the verified graph of the current text: `{"passed": …, "details": […]}`.

    A guideline that does not check (verification included) runs nothing: its
    scenario is reported as not passed, with the reason.
    """
    from carepath.targets.runtime.scenarios import run_scenarios

    state = ls.documents.get(uri)
    if state is None:
        return {"scenario": name, "passed": False, "details": ["the document is not open"]}
    if state.graph_version != state.version:
        text = ls.workspace.get_text_document(uri).source
        version = state.version
        diagnostics, graph = await ls.worker.check(text, state.file, lambda index: None)
        if state.version == version:
            state.graph, state.graph_version = graph, version
    else:
        graph = state.graph
    if graph is None:
        result = {"scenario": name, "passed": False,
                  "details": ["the guideline does not check: fix the problems shown first"]}
    else:
        outcomes = [o for o in run_scenarios(graph) if o.scenario.name == name]
        if not outcomes:
            result = {"scenario": name, "passed": False, "details": [f"no scenario is named {name!r}"]}
        else:
            failed = [o for o in outcomes if not o.passed]
            details = [line for o in failed for line in o.details()]
            result = {"scenario": name, "passed": not failed, "details": details}
    verdict = "passed" if result["passed"] else "failed"
    ls.window_show_message(types.ShowMessageParams(
        type=types.MessageType.Info if result["passed"] else types.MessageType.Error,
        message="\n".join([f"scenario {name!r} {verdict}", *result["details"]])))
    return result


def serve() -> None:
    """Serve LSP on stdin/stdout until the editor says exit."""
    server.worker.start()  # loading the checker takes seconds: begin before the editor's first message
    try:
        server.start_io()
    finally:
        server.worker.stop()
