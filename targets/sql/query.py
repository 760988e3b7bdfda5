"""Graph → one SQL query over a facts table: per patient, the status, the ordered actions, the needs, the path.

The facts table has one column per input (named as the input; NULL is unknown;
booleans, enum member names as text, numbers and quantities as exact DECIMALs in
the input's declared unit) and an id column carried through. The query is a chain
of CTEs, each adding columns to every row (`SELECT *, … FROM previous`):

1. `define_<n>`: one CTE per define, in dependency order, holding its value;
2. `guards`: every decision line's guard, a nullable boolean;
3. `fires`: for every line, whether it fires by its decision's hit policy, and per
   decision whether it is pending and which of its lines asks (pure functions of
   the guards, so one CTE holds them all);
4. `active_<k>`: whether each node is active, one CTE per depth of the DAG (a node's
   activity reads only nodes of smaller depth);
5. the final SELECT: status, actions (static urgency-then-graph order, so a
   filtered constant list), needs (declared order), path (graph order).

SQL's three-valued logic *is* Kleene logic (`AND`, `OR`, `NOT`, comparisons and
`IN` on NULL), so guards translate operator for operator; only `known x`
(`x IS NOT NULL`), division (`NULLIF(b, 0)`: division by zero is unknown) and
`count`/`sum` (NULL as soon as a condition is unknown) need care. Everything
follows docs/semantics.md; `tests/test_sql.py` holds it to the Python runtime.
Dialects differ only in quoting, list functions and the DECIMAL type (`Dialect`).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from fractions import Fraction

from attrs import frozen

from carepath.compiler import ir

URGENCY_ORDER = (ir.Urgency.EMERGENT, ir.Urgency.URGENT, ir.Urgency.ROUTINE)


@frozen
class Dialect:
    """What differs between the SQL engines carepath targets."""

    name: str
    quote_char: str
    text_type: str
    decimal_type: str  # the type of number and quantity columns

    def quote(self, name: str) -> str:
        return f"{self.quote_char}{name.replace(self.quote_char, self.quote_char * 2)}{self.quote_char}"

    def list_of(self, items: list[tuple[str, str]]) -> str:
        """The names whose condition holds, in order, as a list (each item a name and a boolean SQL condition).

        DuckDB masks a constant list (`list_where`, no lambda: the cheapest way there); Spark
        filters an array of `CASE` values. A condition is never NULL here; COALESCE says so.
        """
        if self.name == "duckdb":
            if not items:
                return f"CAST([] AS {self.text_type}[])"
            names = ", ".join(f"'{name}'" for name, _ in items)
            mask = ", ".join(f"COALESCE({condition}, FALSE)" for _, condition in items)
            return f"list_where([{names}], [{mask}])"
        elements = ", ".join([f"CAST(NULL AS {self.text_type})",
                              *(f"CASE WHEN {condition} THEN '{name}' END" for name, condition in items)])
        return f"filter(array({elements}), v -> v IS NOT NULL)"


DUCKDB = Dialect("duckdb", '"', "VARCHAR", "DECIMAL(38, 12)")
SPARK = Dialect("spark", "`", "STRING", "DECIMAL(38, 12)")
DIALECTS = {d.name: d for d in (DUCKDB, SPARK)}


def column_types(graph: ir.Graph, dialect: Dialect) -> dict[str, str]:
    """The SQL type of each input's column in the facts table."""
    types = {}
    for input_ in graph.inputs:
        declared = input_.type
        if isinstance(declared, ir.BooleanType):
            types[input_.name] = "BOOLEAN"
        elif isinstance(declared, ir.EnumType):
            types[input_.name] = dialect.text_type
        else:
            types[input_.name] = dialect.decimal_type
    return types


def sql_query(graph: ir.Graph, dialect: Dialect = DUCKDB, facts_table: str = "facts", id_column: str = "id",
              carry: tuple[str, ...] = ()) -> str:
    """The SQL text of the query: `id`, `status`, `actions`, `needs`, `path`, one row per facts row.

    `carry` names further columns of the facts table passed through to the result.
    """
    return _Builder(graph, dialect).query(facts_table, id_column, carry)


def number_text(value: bool | int | float | Fraction | Decimal) -> str:
    """An exact decimal literal; a number with no finite decimal form becomes a DECIMAL division."""
    fraction = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    denominator = fraction.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"({fraction.numerator} / {fraction.denominator})"
    text = format(Decimal(fraction.numerator) / Decimal(fraction.denominator), "f")
    if "." not in text:
        text += ".0"  # a DECIMAL literal, never an INTEGER that engines divide as integers
    return text if fraction >= 0 else f"({text})"


class _Builder:
    """Names every intermediate column and writes the CTE chain for one graph and dialect."""

    def __init__(self, graph: ir.Graph, dialect: Dialect) -> None:
        self.graph, self.dialect = graph, dialect
        self.defines = {d.name: d.expr for d in graph.defines}
        self.outgoing: dict[str, list[ir.Edge]] = {n.id: [] for n in graph.nodes}
        for edge in graph.edges:
            self.outgoing[edge.source].append(edge)

    # --- naming -----------------------------------------------------------------------------

    def column(self, *parts: object) -> str:
        """An internal column: dotted, so it can never clash with an input (inputs are identifiers)."""
        return self.dialect.quote(".".join(str(p) for p in parts))

    # --- expressions ------------------------------------------------------------------------
    #
    # Booleans and exact numbers are one SQL value, NULL when unknown. A number that may be
    # known only between bounds (a `count`/`sum` with unknown terms, and arithmetic on one:
    # compiler/semantics.py, `Num`) is a pair (low, high), NULL when undefined, exact when
    # low = high. The rules below are the kernel's, written in SQL.

    def expr(self, e: ir.Expr) -> str:
        """A boolean or exact value (a bounded number appears as its value when exact, else NULL)."""
        q = self.dialect.quote
        if isinstance(e, ir.Literal):
            if isinstance(e.value, bool):
                return "TRUE" if e.value else "FALSE"
            if isinstance(e.value, str):
                return "'" + e.value.replace("'", "''") + "'"
            return number_text(e.value)
        if isinstance(e, ir.InputRef):
            return q(e.name)
        if isinstance(e, ir.DefineRef):
            if self.bounded(e):
                low, high = self.number(e)
                return f"CASE WHEN {low} = {high} THEN {low} END"
            return self.column("define", e.name)
        if isinstance(e, ir.Known):
            return f"({q(e.name)} IS NOT NULL)"
        if isinstance(e, ir.Not):
            return f"(NOT {self.expr(e.operand)})"
        if isinstance(e, ir.And):
            return "(" + " AND ".join(self.expr(o) for o in e.operands) + ")"
        if isinstance(e, ir.Or):
            return "(" + " OR ".join(self.expr(o) for o in e.operands) + ")"
        if isinstance(e, ir.Compare):
            return self._compare(e)
        if isinstance(e, ir.Membership):
            members = ", ".join(self.expr(m) for m in e.members)
            return f"({self.expr(e.operand)} IN ({members}))"
        if isinstance(e, (ir.Arithmetic, ir.Convert, ir.ConditionSum)):
            low, high = self.number(e)
            return low if low is high else f"CASE WHEN {low} = {high} THEN {low} END"
        raise ValueError(f"{type(e).__name__} cannot be evaluated on a patient")

    def bounded(self, e: ir.Expr) -> bool:
        """Whether `e` is a number that may be known only between bounds (decided from the IR alone)."""
        if isinstance(e, ir.ConditionSum):
            return True
        if isinstance(e, ir.Arithmetic):
            return self.bounded(e.left) or self.bounded(e.right)
        if isinstance(e, ir.Convert):
            return self.bounded(e.operand)
        if isinstance(e, ir.DefineRef):
            return self.bounded(self.defines[e.name])
        return False

    def number(self, e: ir.Expr) -> tuple[str, str]:
        """(low, high) of a number; the same string twice (`low is high`) when it is exact."""
        if isinstance(e, ir.DefineRef) and self.bounded(e):
            return self.column("define", e.name, "low"), self.column("define", e.name, "high")
        if not isinstance(e, (ir.Arithmetic, ir.Convert, ir.ConditionSum)):
            value = self.expr(e)
            return value, value
        if isinstance(e, ir.Convert):
            return self._arithmetic("*", self.number(e.operand), (number_text(e.factor),) * 2)
        if isinstance(e, ir.ConditionSum):
            low, high = [], []
            for term in e.terms:
                condition, weight = self.expr(term.condition), number_text(term.weight)
                low.append(f"CASE WHEN {condition} THEN {weight} WHEN {condition} IS NULL "
                           f"THEN {number_text(min(term.weight, 0))} ELSE 0.0 END")
                high.append(f"CASE WHEN {condition} THEN {weight} WHEN {condition} IS NULL "
                            f"THEN {number_text(max(term.weight, 0))} ELSE 0.0 END")
            return "(" + " + ".join(low) + ")", "(" + " + ".join(high) + ")"
        return self._arithmetic(e.op, self.number(e.left), self.number(e.right))

    @staticmethod
    def _arithmetic(op: str, left: tuple[str, str], right: tuple[str, str]) -> tuple[str, str]:
        (a_low, a_high), (b_low, b_high) = left, right
        if a_low is a_high and b_low is b_high:
            if op == "/":  # division by zero is unknown
                value = f"({a_low} / NULLIF({b_low}, 0))"
            else:
                value = f"({a_low} {op} {b_low})"
            return value, value
        if op == "+":
            return f"({a_low} + {b_low})", f"({a_high} + {b_high})"
        if op == "-":
            return f"({a_low} - {b_high})", f"({a_high} - {b_low})"
        a_exact, b_exact = f"({a_low} = {a_high})", f"({b_low} = {b_high})"
        if op == "*":  # scaling by an exact number carries the bounds (swapped by a negative scale)
            low = (f"CASE WHEN {a_exact} AND {a_low} >= 0 THEN {b_low} * {a_low} WHEN {a_exact} THEN {b_high} * {a_low} "
                   f"WHEN {b_exact} AND {b_low} >= 0 THEN {a_low} * {b_low} WHEN {b_exact} THEN {a_high} * {b_low} END")
            high = (f"CASE WHEN {a_exact} AND {a_low} >= 0 THEN {b_high} * {a_low} WHEN {a_exact} THEN {b_low} * {a_low} "
                    f"WHEN {b_exact} AND {b_low} >= 0 THEN {a_high} * {b_low} WHEN {b_exact} THEN {a_low} * {b_low} END")
            return low, high
        value = f"CASE WHEN {a_exact} AND {b_exact} THEN {a_low} / NULLIF({b_low}, 0) END"  # no quotient of bounds
        return value, value

    def _compare(self, e: ir.Compare) -> str:
        if not (self.bounded(e.left) or self.bounded(e.right)):
            op = "<>" if e.op == "!=" else e.op
            return f"({self.expr(e.left)} {op} {self.expr(e.right)})"
        return self._compare_bounds(e.op, self.number(e.left), self.number(e.right))

    def _compare_bounds(self, op: str, left: tuple[str, str], right: tuple[str, str]) -> str:
        """The kernel's comparison of bounded numbers: decided when the bounds decide it."""
        if op == "!=":
            return f"(NOT {self._compare_bounds('=', left, right)})"
        if op in (">", ">="):
            return self._compare_bounds("<" if op == ">" else "<=", right, left)
        (a_low, a_high), (b_low, b_high) = left, right
        if op == "=":
            holds = f"{a_low} = {a_high} AND {b_low} = {b_high} AND {a_low} = {b_low}"
            fails = f"({a_high} < {b_low} OR {b_high} < {a_low})"
        elif op == "<":
            holds, fails = f"{a_high} < {b_low}", f"{a_low} >= {b_high}"
        else:
            holds, fails = f"{a_high} <= {b_low}", f"{a_low} > {b_high}"
        return f"(CASE WHEN {holds} THEN TRUE WHEN {fails} THEN FALSE END)"

    def known(self, e: ir.Expr) -> str:
        """SQL for "the value of `e` is known" (a bounded number: its bounds meet)."""
        if isinstance(e, (ir.Literal, ir.Known)):
            return "TRUE"
        if self.bounded(e):
            low, high = self.number(e)
            return f"COALESCE({low} = {high}, FALSE)"
        return f"({self.expr(e)} IS NOT NULL)"

    def relevant(self, e: ir.Expr, name: str, known: str | None = None) -> str:
        """SQL for "input `name` lies under a still-unknown part of `e`" (the runtime's needs rule).

        `known` is SQL for `e` being known, when a column already holds it.
        """
        if name not in self._reads(e) or isinstance(e, ir.Known):  # `known x` is never unknown
            return "FALSE"
        if isinstance(e, ir.InputRef):
            return f"({self.dialect.quote(name)} IS NULL)"
        if isinstance(e, ir.DefineRef):
            return self.column("relevant", e.name, name)
        children = [c for c in ir.subexpressions(e) if name in self._reads(c)]
        inner = " OR ".join(self.relevant(c, name) for c in children)
        return f"(NOT {known or self.known(e)} AND ({inner}))"

    def _reads(self, e: ir.Expr) -> tuple[str, ...]:
        return ir.inputs_read(e, self.defines)

    # --- the query ---------------------------------------------------------------------------

    def query(self, facts_table: str, id_column: str, carry: tuple[str, ...]) -> str:
        layers: list[tuple[str, list[str]]] = []
        define_layers = self._define_layers()
        for depth, names in enumerate(define_layers):
            columns = []
            for name in names:
                body = self.defines[name]
                if self.bounded(body):
                    low, high = self.number(body)
                    columns += [f"{low} AS {self.column('define', name, 'low')}",
                                f"{high} AS {self.column('define', name, 'high')}"]
                else:
                    columns.append(f"{self.expr(body)} AS {self.column('define', name)}")
            layers.append((f"defines_{depth}", columns))
        for depth, names in enumerate(define_layers):  # which unknown inputs each define still hangs on
            layers.append((f"relevant_{depth}", [
                f"{self.relevant(self.defines[n], x)} AS {self.column('relevant', n, x)}"
                for n in names for x in self._reads(self.defines[n])]))
        decisions = [n for n in self.graph.nodes if n.kind is ir.NodeKind.DECIDE]
        guards, fires = [], []
        for node in decisions:
            lines = self._lines(node)
            for index, (guard, _targets) in enumerate(lines):
                if guard is not None:
                    guards.append(f"{self.expr(guard)} AS {self.column('guard', node.id, index)}")
            fires.extend(self._fire_columns(node, lines))
            for index, (guard, _targets) in enumerate(lines):
                if guard is not None:
                    known = f"({self.column('guard', node.id, index)} IS NOT NULL)"
                    fires.extend(f"{self.relevant(guard, x, known)} AS {self.column('relevant', node.id, index, x)}"
                                 for x in self._reads(guard))
        layers.append(("guards", guards))
        layers.append(("fires", fires))
        for depth, nodes in enumerate(self._merge_layers()):
            layers.append((f"active_{depth}", [f"{self._ways_in(n.id)} AS {self.column('active', n.id)}" for n in nodes]))
        layers = [(name, columns) for name, columns in layers if columns]

        pending = [f"({self.active(n.id)} AND {self.column('pending', n.id)})" for n in decisions]
        status = (f"CASE WHEN {' OR '.join(pending)} THEN 'needs_input' ELSE 'complete' END"
                  if pending else "'complete'")
        kept = [self.dialect.quote(c) for c in (id_column, *carry)]
        final = [*kept, f"{status} AS status", f"{self._actions()} AS actions",
                 f"{self._needs(decisions)} AS needs", f"{self._path()} AS path"]
        # Each layer passes on only the columns later layers read: a wide row copied through
        # every layer would cost memory in proportion to layers × columns.
        needed = set(kept) | self._references(final)
        selects: list[list[str]] = []
        for _name, columns in reversed(layers):
            made = {column.rpartition(" AS ")[2] for column in columns}
            passed = sorted(needed - made)
            selects.append(passed + columns)
            needed = (needed - made) | self._references(columns)
        selects.reverse()
        parts, previous = [], self.dialect.quote(facts_table)
        for (name, _columns), columns in zip(layers, selects):
            parts.append(f"{name} AS (\n  SELECT\n    " + ",\n    ".join(columns) + f"\n  FROM {previous}\n)")
            previous = name
        select = "SELECT\n  " + ",\n  ".join(final) + f"\nFROM {previous}"
        return ("WITH\n" + ",\n".join(parts) + "\n" if parts else "") + select + "\n"

    def _references(self, columns: list[str]) -> set[str]:
        """The quoted column names that SQL expressions read (string literals hold no quote character)."""
        mark = re.escape(self.dialect.quote_char)
        pattern = re.compile(f"{mark}(?:[^{mark}]|{mark}{mark})*{mark}")
        found: set[str] = set()
        for column in columns:
            expression, as_, alias = column.rpartition(" AS ")
            found.update(pattern.findall(expression if as_ else column))
        return found

    def _define_layers(self) -> list[list[str]]:
        """Defines grouped so that each group reads only defines of earlier groups."""
        depth: dict[str, int] = {}
        for name in self._defines_in_order():
            read = [sub.name for sub in ir.walk(self.defines[name]) if isinstance(sub, ir.DefineRef)]
            depth[name] = 1 + max((depth[r] for r in read), default=-1)
        layers: list[list[str]] = [[] for _ in range(1 + max(depth.values(), default=-1))]
        for name in self._defines_in_order():
            layers[depth[name]].append(name)
        return layers

    def _defines_in_order(self) -> list[str]:
        """Defines so that each comes after the defines it reads."""
        ordered: dict[str, None] = {}

        def visit(name: str) -> None:
            if name in ordered:
                return
            for sub in ir.walk(self.defines[name]):
                if isinstance(sub, ir.DefineRef):
                    visit(sub.name)
            ordered[name] = None

        for define in self.graph.defines:
            visit(define.name)
        return list(ordered)

    def _lines(self, node: ir.Node) -> list[tuple[ir.Expr | None, tuple[str, ...]]]:
        """A decision's lines in order, `otherwise` (guard None) last, with their targets."""
        edges = self.outgoing[node.id]
        lines: dict[int, list[ir.Edge]] = {}
        for edge in edges:
            lines.setdefault(edge.branch if edge.branch is not None else len(edges), []).append(edge)
        ordered = sorted(lines, key=lambda i: (lines[i][0].otherwise, i))
        return [(None if lines[i][0].otherwise or lines[i][0].guard is None else lines[i][0].guard,
                 tuple(e.target for e in lines[i])) for i in ordered]

    def _fire_columns(self, node: ir.Node, lines) -> list[str]:
        """`fire.<node>.<i>` per line, `asks.<node>.<i>` per guarded line, `pending.<node>`."""
        policy = node.policy or ir.HitPolicy.FIRST
        guard = {i: self.column("guard", node.id, i) for i, (g, _) in enumerate(lines) if g is not None}
        true = {i: f"COALESCE({g}, FALSE)" for i, g in guard.items()}
        false = {i: f"NOT COALESCE({g}, TRUE)" for i, g in guard.items()}
        unknown = {i: f"({g} IS NULL)" for i, g in guard.items()}
        all_false = " AND ".join(false.values()) or "TRUE"
        columns, asks = [], {}
        for i, (g, targets) in enumerate(lines):
            if g is None:
                fire = all_false
            elif policy is ir.HitPolicy.ANY:
                fire = true[i]
            elif policy is ir.HitPolicy.FIRST:
                fire = " AND ".join([*(false[j] for j in guard if j < i), true[i]])
                asks[i] = " AND ".join([*(false[j] for j in guard if j < i), unknown[i]])
            else:  # unique: the first true line fires; unknown lines ask when none is true
                fire = " AND ".join([*(f"NOT {true[j]}" for j in guard if j < i), true[i]])
                asks[i] = " AND ".join([unknown[i], *(f"NOT {true[j]}" for j in guard)])
            columns.append(f"({fire}) AS {self.column('fire', node.id, i)}")
        if policy is ir.HitPolicy.ANY:
            for i, (g, targets) in enumerate(lines):
                if g is None:
                    continue
                # an unknown line asks unless true lines already reach every node it leads to
                covered = [" OR ".join(true[j] for j, (h, other) in enumerate(lines)
                                       if h is not None and target in other) for target in targets]
                asks[i] = " AND ".join([unknown[i], f"NOT ({' AND '.join(f'({c})' for c in covered)})"])
        for i, condition in asks.items():
            columns.append(f"({condition}) AS {self.column('asks', node.id, i)}")
        pending = " OR ".join(f"({condition})" for condition in asks.values()) or "FALSE"
        columns.append(f"({pending}) AS {self.column('pending', node.id)}")
        return columns

    # Activity. A node reached by one way only is active exactly when that way fires, so its
    # activity is written inline (`active(source) AND fire`); only a node where several ways
    # meet gets a column of its own. The CTE chain is then as deep as the nesting of such
    # merge nodes (7 for the reference guideline, against 33 for the DAG's depth), which
    # keeps query planning fast in Spark, and no expression is copied more than along a chain.

    def active(self, node_id: str) -> str:
        """SQL for "node is active": a column for a merge node, else an inline expression."""
        if node_id in self.merges:
            return self.column("active", node_id)
        if node_id == ir.Graph.START:
            return "TRUE"
        return self._ways_in(node_id)

    @functools.cached_property
    def incoming(self) -> dict[str, list[tuple[str, str | None]]]:
        """Node id → its ways in: (source id, firing condition or None for always), without repeats."""
        ways: dict[str, dict[tuple[str, str | None], None]] = {n.id: {} for n in self.graph.nodes}
        for source in self.graph.nodes:
            for condition, targets in self._ways_from(source):
                for target in targets:
                    ways[target][(source.id, condition)] = None
        return {node: list(found) for node, found in ways.items()}

    @functools.cached_property
    def merges(self) -> set[str]:
        return {node for node, ways in self.incoming.items() if len(ways) > 1}

    def _merge_layers(self) -> list[list[ir.Node]]:
        """Merge nodes grouped so that each group reads only merge nodes of earlier groups."""
        level: dict[str, int] = {}
        for node in self.graph.nodes:  # graph order is topological
            before = max((level[source] for source, _ in self.incoming[node.id]), default=0)
            level[node.id] = before + (1 if node.id in self.merges else 0)
        layers: list[list[ir.Node]] = [[] for _ in range(max(level.values(), default=0))]
        for node in self.graph.nodes:
            if node.id in self.merges:
                layers[level[node.id] - 1].append(node)
        return layers

    def _ways_in(self, node_id: str) -> str:
        ways = [self.active(source) if condition is None else f"({self.active(source)} AND {condition})"
                for source, condition in self.incoming[node_id]]
        if not ways:
            return "FALSE"
        return ways[0] if len(ways) == 1 else "(" + " OR ".join(ways) + ")"

    def _ways_from(self, source: ir.Node) -> list[tuple[str | None, tuple[str, ...]]]:
        """(firing condition or None for always, targets) for each way out of `source`."""
        if source.kind is ir.NodeKind.END:
            return []
        if source.kind is not ir.NodeKind.DECIDE:
            return [(None, tuple(e.target for e in self.outgoing[source.id]))]
        return [(self.column("fire", source.id, i), targets) for i, (_, targets) in enumerate(self._lines(source))]

    def _actions(self) -> str:
        actions = [n for n in self.graph.nodes if n.kind is ir.NodeKind.ACTION]
        actions.sort(key=lambda n: URGENCY_ORDER.index(n.urgency))  # stable: graph order within an urgency
        return self.dialect.list_of([(n.id, self.active(n.id)) for n in actions])

    def _path(self) -> str:
        return self.dialect.list_of([(n.id, self.active(n.id)) for n in self.graph.nodes])

    def _needs(self, decisions: list[ir.Node]) -> str:
        """An input is needed when it lies under an unknown part of a line that asks, of an active decision."""
        askers: dict[str, list[str]] = {i.name: [] for i in self.graph.inputs}
        for node in decisions:
            for index, (guard, _targets) in enumerate(self._lines(node)):
                if guard is None:
                    continue
                for name in self._reads(guard):
                    askers[name].append(f"({self.active(node.id)} AND {self.column('asks', node.id, index)} "
                                        f"AND {self.column('relevant', node.id, index, name)})")
        items = []
        for input_ in self.graph.inputs:
            if askers[input_.name]:
                items.append((input_.name, " OR ".join(askers[input_.name])))
        return self.dialect.list_of(items)



def export_sql(graph: ir.Graph, dialect: Dialect = DUCKDB, facts_table: str = "facts", id_column: str = "id") -> str:
    """The query as a file: a comment naming the facts table it expects, then the query and a `;`."""
    types = column_types(graph, dialect)
    width = max((len(name) for name in types), default=0)
    columns = "\n".join(f"--   {name.ljust(width)}  {types[name]}" for name in types)
    header = (f"-- carepath: {graph.id} {graph.version} as one SQL query ({dialect.name} dialect).\n"
              f"-- Reads the table `{facts_table}`: the column `{id_column}` (carried to the result) and one\n"
              f"-- column per input, NULL when unknown, quantities in their declared unit:\n{columns}\n"
              f"-- Returns per patient: {id_column}, status, actions (in order), needs, path.\n")
    return header + sql_query(graph, dialect, facts_table, id_column).rstrip("\n") + ";\n"
