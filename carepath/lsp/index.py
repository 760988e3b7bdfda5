"""Parsed modules → a symbol index: every declaration and every use of a name, with spans.

The editor features (hover, go to definition, find references, rename, symbols)
all ask one question: which declared thing does the name under the cursor mean,
and where else is it written? The index answers it from the AST alone, without
the checking passes, so it is ready as soon as the text parses and never waits
for the verifier.

A symbol is keyed by its kind and name: `("input", "abi")`, `("node", "pad_workup")`.
An enum member is keyed by the input that declares it, `("member", "pedal_pulses.absent")`,
so renaming `absent` of `pedal_pulses` leaves `doppler_signal`'s `absent` alone. Which
input a bare member name belongs to is read from where it is written: the other side
of `=` / `!=`, the operand of `in {…}`, the name of a scenario fact; failing those,
the one input that declares the member (the first, if several do).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from attrs import frozen

from carepath.dsl import ast
from carepath.dsl.parser import GRAMMAR

from carepath.diagnostics import Span

NODE_DECLS = (ast.AssessDecl, ast.DecideDecl, ast.ActionDecl, ast.EndDecl)
NODE_KEYWORDS = {ast.AssessDecl: "assess", ast.DecideDecl: "decide", ast.ActionDecl: "action", ast.EndDecl: "end"}
# expectations whose names are node ids; the others name inputs (`needs`) or words (`status`, `first urgency`)
NODE_EXPECTATIONS = ("reaches", "not_reaches", "first")
INPUT_EXPECTATIONS = ("needs", "not_needs")

_KEYWORD_TERMINAL = re.compile(r'^[A-Z_]+:\s*"([a-z]+)"\s*$', re.MULTILINE)


def keywords() -> frozenset[str]:
    """The language's keywords, read from the reference grammar's terminals."""
    return frozenset(_KEYWORD_TERMINAL.findall(GRAMMAR.read_text(encoding="utf-8")))


@frozen
class Symbol:
    """A declared thing: its key, the span of its declaring name, and the declaration."""

    kind: str
    name: str  # for a member, the member's own name
    owner: str | None  # for a member, the enum input that declares it
    span: Span  # the declaring name
    decl: object  # the AST declaration (for a member, its input's declaration)

    @property
    def key(self) -> tuple[str, str]:
        return key_of(self.kind, self.name, self.owner)


@frozen
class Occurrence:
    """One place a symbol's name is written: its declaration or a use."""

    key: tuple[str, str]
    span: Span
    is_declaration: bool


def key_of(kind: str, name: str, owner: str | None = None) -> tuple[str, str]:
    return (kind, f"{owner}.{name}" if kind == "member" else name)


def contains(span: Span, line: int, column: int) -> bool:
    """Whether 1-based (line, column) falls on `span`, its end included (a cursor just after a name is on it)."""
    if (line, column) < (span.line, span.column):
        return False
    return (line, column) <= (span.end_line, span.end_column)


class Index:
    """Declarations and uses of every name in a main module and the modules it imports."""

    def __init__(self, modules: Iterable[ast.Module], main_file: str):
        self.main_file = main_file
        self.modules = tuple(modules)
        self.main = self.modules[-1] if self.modules else ast.Module(None, ())
        self.symbols: dict[tuple[str, str], Symbol] = {}
        self.occurrences: list[Occurrence] = []
        for module in self.modules:
            self._declare(module)
        for module in self.modules:
            self._uses(module)

    # -- queries ------------------------------------------------------------------------------

    def at(self, file: str, line: int, column: int) -> Occurrence | None:
        """The name written at a 1-based position of `file`, if it names a known symbol."""
        for occurrence in self.occurrences:
            if occurrence.span.file == file and contains(occurrence.span, line, column):
                return occurrence
        return None

    def symbol(self, key: tuple[str, str]) -> Symbol | None:
        return self.symbols.get(key)

    def uses(self, key: tuple[str, str]) -> list[Occurrence]:
        """Every occurrence of the symbol, its declaration included, in source order."""
        found = [o for o in self.occurrences if o.key == key]
        return sorted(found, key=lambda o: (o.span.file, o.span.line, o.span.column))

    def of_kind(self, kind: str) -> list[Symbol]:
        return [s for s in self.symbols.values() if s.kind == kind]

    def inputs(self) -> dict[str, ast.InputDecl]:
        return {s.name: s.decl for s in self.of_kind("input")}

    def members_of(self, input_name: str) -> list[str]:
        decl = self.inputs().get(input_name)
        if decl is None or not isinstance(decl.type, ast.EnumTypeExpr):
            return []
        return [m.value for m in decl.type.members]

    def declared_names(self) -> set[str]:
        """Every name a rename must not take: inputs, defines, nodes, references, sections, members."""
        return {s.name for s in self.symbols.values()}

    # -- building -----------------------------------------------------------------------------

    def _add_symbol(self, kind: str, name: ast.Name, decl: object, owner: str | None = None) -> None:
        symbol = Symbol(kind, name.value, owner, name.span, decl)
        self.symbols.setdefault(symbol.key, symbol)  # a duplicate is the checker's to report
        self.occurrences.append(Occurrence(symbol.key, name.span, True))

    def _declare(self, module: ast.Module) -> None:
        for item in module.items:
            if isinstance(item, ast.InputDecl):
                self._add_symbol("input", item.name, item)
                if isinstance(item.type, ast.EnumTypeExpr):
                    for member in item.type.members:
                        self._add_symbol("member", member, item, owner=item.name.value)
            elif isinstance(item, ast.DefineDecl):
                self._add_symbol("define", item.name, item)
            elif isinstance(item, ast.ReferenceDecl):
                self._add_symbol("reference", item.name, item)
            elif isinstance(item, ast.SectionDecl):
                self._add_symbol("section", item.name, item)
            elif isinstance(item, NODE_DECLS):
                self._add_symbol("node", item.name, item)

    def _use(self, kind: str, name: ast.Name, owner: str | None = None) -> None:
        key = key_of(kind, name.value, owner)
        if key in self.symbols:
            self.occurrences.append(Occurrence(key, name.span, False))

    def _uses(self, module: ast.Module) -> None:
        for item in module.items:
            for kind, name, owner in _names_used(item, self):
                self._use(kind, name, owner)

    # -- resolving a bare name in an expression ----------------------------------------------------

    def owner_of_member(self, member: str, context_input: str | None) -> str | None:
        """The enum input a bare member name belongs to, from its context when it has one."""
        if context_input is not None and member in self.members_of(context_input):
            return context_input
        owners = [s.owner for s in self.of_kind("member") if s.name == member]
        return owners[0] if owners else None

    def resolve_bare(self, name: str, context_input: str | None) -> tuple[str, str | None] | None:
        """(kind, owner) of a bare name in an expression; inputs and defines come before members."""
        if ("input", name) in self.symbols:
            return ("input", None)
        if ("define", name) in self.symbols:
            return ("define", None)
        owner = self.owner_of_member(name, context_input)
        return ("member", owner) if owner is not None else None


def _names_used(item: ast.Item, index: Index) -> Iterator[tuple[str, ast.Name, str | None]]:
    """(kind, name, owner) for every name an item uses (its declared name excluded)."""
    if isinstance(item, ast.DefineDecl):
        yield from _expression_names(item.expr, index)
    elif isinstance(item, ast.StartDecl):
        yield from (("node", n, None) for n in item.targets)
    elif isinstance(item, NODE_DECLS):
        yield from (("reference", n, None) for n in item.citations)
        if isinstance(item, ast.AssessDecl):
            yield from (("input", n, None) for n in item.collects)
        if isinstance(item, ast.AssessDecl | ast.ActionDecl):
            yield from (("node", n, None) for n in item.then)
        if isinstance(item, ast.DecideDecl):
            for branch in item.branches:
                yield from _expression_names(branch.guard, index)
                yield from (("node", n, None) for n in branch.targets)
            if item.otherwise is not None:
                yield from (("node", n, None) for n in item.otherwise.targets)
    elif isinstance(item, ast.AssertDecl):
        yield from (("reference", n, None) for n in item.citations)
        for prop in item.properties:
            if isinstance(prop, ast.Always | ast.Never):
                yield from _expression_names(prop.expr, index)
            elif isinstance(prop, ast.Before):
                yield ("node", prop.first, None)
                yield ("node", prop.then, None)
            elif isinstance(prop, ast.DependsOn):
                yield ("node", prop.node, None)
                yield ("input", prop.input, None)
    elif isinstance(item, ast.ScenarioDecl):
        for fact in item.facts:
            yield ("input", fact.name, None)
            if isinstance(fact.value, ast.NameRef):
                owner = index.owner_of_member(fact.value.name, fact.name.value)
                if owner is not None:
                    yield ("member", _as_name(fact.value), owner)
        for expectation in item.expectations:
            if expectation.kind in NODE_EXPECTATIONS:
                yield from (("node", n, None) for n in expectation.values)
            elif expectation.kind in INPUT_EXPECTATIONS:
                yield from (("input", n, None) for n in expectation.values)


def _as_name(ref: ast.NameRef) -> ast.Name:
    return ast.Name(ref.name, span=ref.span)


def _expression_names(expr: ast.Expr, index: Index) -> Iterator[tuple[str, ast.Name, str | None]]:
    """Names in an expression; a member's input is read from the comparison or `in {…}` around it."""
    context: dict[int, str] = {}  # id(NameRef of a member) -> the input it is compared with
    for node in ast.walk(expr):
        if isinstance(node, ast.Binary) and node.op in ("=", "!="):
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(this, ast.NameRef) and isinstance(other, ast.NameRef):
                    context[id(this)] = other.name
        elif isinstance(node, ast.Membership) and isinstance(node.operand, ast.NameRef):
            for value in node.values:
                context[id(value)] = node.operand.name
    for node in ast.walk(expr):
        if isinstance(node, ast.NameRef):
            resolved = index.resolve_bare(node.name, context.get(id(node)))
            if resolved is not None:
                yield (resolved[0], _as_name(node), resolved[1])
        elif isinstance(node, ast.KnownTest):
            yield ("input", node.name, None)
        elif isinstance(node, ast.Reaches):
            yield ("node", node.node, None)
