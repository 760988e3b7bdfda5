"""Every diagnostic code, with its one-line title.

Each code has a page `docs/errors/<CODE>.md` (a test checks both ways), shown by
`carepath explain CODE`. Ranges: CP00xx syntax and files, CP01xx names, CP02xx
types and units, CP03xx graph structure, CP04xx decision logic, CP05xx
assertions, CP06xx facts files, CP07xx graph JSON files, CP08xx exchange with other
systems (advice), CP09xx requests a command cannot carry out on a good guideline (a
chart, a comparison).
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # syntax and files
    "CP0001": "syntax error",
    "CP0002": "unexpected character or unclosed text",
    "CP0003": "clause given twice",
    "CP0004": "file cannot be read",
    "CP0005": "import outside the project or not found",
    "CP0006": "import cycle",
    "CP0007": "an imported file may only declare inputs, defines and references",
    "CP0008": "missing guideline header",
    "CP0009": "expression nested too deeply",
    "CP0010": "number literal too long",
    "CP0011": "year too long",
    "CP0012": "imports nested too deeply",
    # names
    "CP0101": "unknown name",
    "CP0102": "name declared twice",
    "CP0103": "declared but never used",
    "CP0104": "unknown node",
    "CP0105": "unknown reference",
    "CP0106": "unknown enum member",
    "CP0107": "no start",
    "CP0108": "`reaches` outside an assertion",
    "CP0109": "define refers to itself",
    "CP0111": "enum member listed twice",
    "CP0112": "keyword used as a name",
    "CP0113": "name hides an enum member",
    "CP0114": "unknown patient",
    "CP0115": "define nested too deeply through the defines it uses",
    # types and units
    "CP0201": "type mismatch",
    "CP0202": "incommensurable units",
    "CP0203": "unknown unit",
    "CP0204": "condition is not true/false",
    "CP0205": "value out of the input's range",
    "CP0206": "empty or inverted range",
    "CP0207": "scenario fact does not fit its input",
    "CP0208": "invalid urgency, timing or dose",
    # graph structure
    "CP0301": "unreachable node",
    "CP0302": "node without a way out",
    "CP0303": "cycle",
    "CP0304": "action without a citation",
    "CP0305": "reference never cited",
    "CP0307": "decision without branches",
    "CP0308": "action without urgency",
    "CP0309": "listed twice",
    # decision logic (compiler/passes/verify_logic.py)
    "CP0401": "branches of a unique decision overlap",
    "CP0402": "decision leaves a gap: no branch holds and no otherwise",
    "CP0403": "branch shadowed by earlier branches",
    "CP0404": "branch can never hold",
    "CP0405": "branch cannot hold on any path that reaches its decision",
    "CP0406": "decision check undecided (solver time limit)",
    "CP0407": "logic not verified: graph beyond the verification budget",
    # assertions (compiler/passes/verify_logic.py)
    "CP0501": "`always` assertion fails",
    "CP0502": "`never` assertion fails",
    "CP0503": "`before` assertion fails",
    "CP0504": "`depends on` assertion fails",
    "CP0505": "assertion undecided (solver time limit)",
    # facts files (targets/runtime/facts.py)
    "CP0601": "facts file cannot be read or is not a JSON object",
    "CP0602": "fact for an input the guideline does not declare",
    "CP0603": "fact of the wrong type",
    "CP0604": "enum fact that is not a member",
    "CP0605": "fact outside the input's range",
    "CP0606": "fact in a unit that is not UCUM or cannot be converted",
    # graph JSON files (targets/json/load.py)
    "CP0701": "graph JSON file cannot be read or is not JSON",
    "CP0702": "unsupported graph format version",
    "CP0703": "graph JSON does not match the schema",
    "CP0704": "unknown expression kind or operator in graph JSON",
    "CP0705": "edge to or from a node that does not exist",
    "CP0706": "id declared twice in graph JSON",
    "CP0707": "graph JSON names something it does not declare",
    "CP0708": "source changed since the graph was compiled",
    "CP0709": "graph JSON out of graph order, or a define cycle",
    # exchange with other systems (compiler/passes/check_codes.py; advice from `carepath check`)
    "CP0801": "inputs without a terminology code",
    # what a command is asked to do with a good guideline (carepath.diagnostics.ProblemsError)
    "CP0901": "the chart cannot be drawn",
    "CP0902": "the patient's path does not fit the chart",
    "CP0903": "the two versions cannot be compared",
    "CP0904": "the output file cannot be written",
}


def title(code: str) -> str:
    return CODES.get(code, "unknown code")
