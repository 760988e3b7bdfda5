"""The value passed between the checking passes: parsed modules → symbol tables.

`resolve` builds a `Program` from the parsed modules (the main file and what it
imports); `check_types` fills in `types`; `lower` reads both to build the graph
IR. It is a plain record of what the author declared, indexed by name, so a
pass never searches the AST twice.
"""

from __future__ import annotations

from attrs import define, field

from carepath.dsl import ast


@define
class Program:
    main: ast.Module
    modules: tuple[ast.Module, ...]  # imported modules first, the main module last
    source_text: str = ""  # the main file's text, whose sha256 the graph records
    inputs: dict[str, ast.InputDecl] = field(factory=dict)
    defines: dict[str, ast.DefineDecl] = field(factory=dict)
    references: dict[str, ast.ReferenceDecl] = field(factory=dict)
    sections: dict[str, ast.SectionDecl] = field(factory=dict)
    nodes: dict[str, ast.NodeDecl] = field(factory=dict)  # in source order
    start: ast.StartDecl | None = None
    assertions: list[ast.AssertDecl] = field(factory=list)
    scenarios: list[ast.ScenarioDecl] = field(factory=list)
    patients: dict[str, ast.PatientDecl] = field(factory=dict)  # named patients scenarios start from
    not_encoded: list[ast.NotEncodedDecl] = field(factory=list)
    # filled by check_types: id(expression) -> its type, and each define's type
    types: dict[int, object] = field(factory=dict)
    define_types: dict[str, object] = field(factory=dict)
    # the define names in an order where each comes after those it uses
    define_order: list[str] = field(factory=list)

    @property
    def header(self) -> ast.Header | None:
        return self.main.header

    def enum_members(self) -> dict[str, list[str]]:
        """Enum member name → the enum inputs that declare it."""
        members: dict[str, list[str]] = {}
        for decl in self.inputs.values():
            if isinstance(decl.type, ast.EnumTypeExpr):
                for member in decl.type.members:
                    members.setdefault(member.value, []).append(decl.name.value)
        return members
