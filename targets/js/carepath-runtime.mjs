// carepath runtime for JavaScript: graph JSON (carepath.graph/1) + facts → result.
//
// The second runtime, and the reference for anyone writing a third: it executes a
// compiled guideline exactly as docs/semantics.md says, with the result shape of the
// Python runtime (`carepath run --format json`). No dependencies; an ES module for
// Node ≥ 18 and browsers. The format is described in docs/graph-json.md.
//
//   import { run } from "./carepath-runtime.mjs";
//   const result = run(graph, { pedal_pulses: "absent", age: { value: 70, unit: "a" } });
//   // { guideline, version, status, actions: [{id, urgency, title, citations}], needs, path }

export const FORMAT = "carepath.graph/1";

/** Bad facts (or a graph of another format): every problem, one string each. */
export class InputError extends Error {
  constructor(problems) {
    super(problems.join("\n"));
    this.name = "InputError";
    this.problems = problems;
  }
}

// --- units: a compact UCUM table ----------------------------------------------------
// Sizes are in SI base units (m, kg, s, mol), dimensions are exponents of
// [length, mass, time, substance, current, temperature, luminosity]. Metric atoms take
// the SI prefixes. This covers the units clinical facts use; a code outside it is an
// input error here (the Python runtime, with a full UCUM library, knows more).

const DIMENSION_COUNT = 7;
const dim = (...exponents) => [...exponents, ...Array(DIMENSION_COUNT - exponents.length).fill(0)];
const PRESSURE = dim(-1, 1, -2);
const METRIC = {
  m: [1, dim(1)], g: [1e-3, dim(0, 1)], s: [1, dim(0, 0, 1)], L: [1e-3, dim(3)], l: [1e-3, dim(3)],
  mol: [1, dim(0, 0, 0, 1)], eq: [1, dim(0, 0, 0, 1)], U: [1e-6 / 60, dim(0, 0, -1, 1)], kat: [1, dim(0, 0, -1, 1)],
  Pa: [1, PRESSURE], bar: [1e5, PRESSURE], "m[Hg]": [133322.387415, PRESSURE], "m[H2O]": [9806.65, PRESSURE],
  Hz: [1, dim(0, 0, -1)], A: [1, dim(0, 0, 0, 0, 1)], J: [1, dim(2, 1, -2)], W: [1, dim(2, 1, -3)],
};
const OTHER = {
  min: [60, dim(0, 0, 1)], h: [3600, dim(0, 0, 1)], d: [86400, dim(0, 0, 1)], wk: [604800, dim(0, 0, 1)],
  mo: [2629800, dim(0, 0, 1)], a: [31557600, dim(0, 0, 1)], "%": [0.01, dim()], "[ppm]": [1e-6, dim()],
  "[lb_av]": [0.45359237, dim(0, 1)], "[oz_av]": [0.028349523125, dim(0, 1)],
  "[in_i]": [0.0254, dim(1)], "[ft_i]": [0.3048, dim(1)], cal: [4.184, dim(2, 1, -2)],
};
const PREFIXES = {
  T: 1e12, G: 1e9, M: 1e6, k: 1e3, h: 1e2, da: 1e1, d: 1e-1, c: 1e-2, m: 1e-3, u: 1e-6, n: 1e-9, p: 1e-12, f: 1e-15,
};

const unitCache = new Map();

/** A UCUM code → {factor, dimension}, or throws an Error naming the code. */
export function parseUnit(code) {
  if (!unitCache.has(code)) unitCache.set(code, parseTerm(code.replace(/\{[^}]*\}/g, "1"), code));
  return unitCache.get(code);
}

function parseTerm(text, code) {
  // term := component (('.' | '/') component)*, with a leading '/' allowed; components
  // are parenthesised terms, integers, 10*n, or (prefixed) atoms with an integer exponent.
  let factor = 1;
  const dimension = dim();
  let sign = 1;
  let rest = text;
  if (rest.startsWith("/")) { sign = -1; rest = rest.slice(1); }
  while (rest.length > 0) {
    let depth = 0, end = 0, bracket = 0;
    for (; end < rest.length; end++) {
      const c = rest[end];
      if (c === "(") depth++; else if (c === ")") depth--;
      else if (c === "[") bracket++; else if (c === "]") bracket--;
      else if ((c === "." || c === "/") && depth === 0 && bracket === 0) break;
    }
    const part = rest.slice(0, end);
    const unit = parseComponent(part, code);
    factor *= unit.factor ** sign;
    unit.dimension.forEach((e, i) => { dimension[i] += sign * e; });
    if (end >= rest.length) break;
    sign = rest[end] === "/" ? -1 : 1;
    rest = rest.slice(end + 1);
  }
  return { factor, dimension };
}

function parseComponent(part, code) {
  if (part.startsWith("(") && part.endsWith(")")) return parseTerm(part.slice(1, -1), code);
  if (/^\d+$/.test(part)) return { factor: Number(part), dimension: dim() };
  const power = part.match(/^10[*^]([+-]?\d+)$/);
  if (power) return { factor: 10 ** Number(power[1]), dimension: dim() };
  const [, symbol, exponent] = part.match(/^(.*?[^\d+-])([+-]?\d+)?$/) || [null, part, undefined];
  const atom = lookupAtom(symbol);
  if (!atom) throw new Error(`\`${code}\` is not a unit this runtime knows`);
  const n = exponent === undefined ? 1 : Number(exponent);
  return { factor: atom[0] ** n, dimension: atom[1].map((e) => e * n) };
}

function lookupAtom(symbol) {
  if (symbol in METRIC) return METRIC[symbol];
  if (symbol in OTHER) return OTHER[symbol];
  for (const [prefix, size] of Object.entries(PREFIXES)) {
    const atom = symbol.startsWith(prefix) && METRIC[symbol.slice(prefix.length)];
    if (atom) return [size * atom[0], atom[1]];
  }
  return null;
}

/** Round to 12 significant digits, as the Python runtime does (0.1 L is exactly 100 mL). */
const round12 = (x) => (x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12)));

/** `value` in unit `from`, expressed in unit `to`; throws when they do not convert. */
export function convert(value, from, to) {
  if (from === to) return value;
  const a = parseUnit(from), b = parseUnit(to);
  const dimensionless = (u) => u.dimension.every((e) => e === 0);
  if (dimensionless(a) || dimensionless(b) || a.dimension.some((e, i) => e !== b.dimension[i])) {
    throw new Error(`\`${from}\` cannot be converted to \`${to}\``);
  }
  return round12((value * a.factor) / b.factor);
}

// --- facts -----------------------------------------------------------------------------

/** Check facts against the graph's inputs; returns Map name → value (unknowns left out). */
export function readFacts(graph, facts) {
  if (facts === null || typeof facts !== "object" || Array.isArray(facts)) {
    throw new InputError(['facts are a JSON object: {"input_name": value, ...}']);
  }
  const problems = [];
  const values = new Map();
  const inputs = new Map(graph.inputs.map((input) => [input.name, input]));
  for (const [name, given] of Object.entries(facts)) {
    const input = inputs.get(name);
    if (!input) { problems.push(`${name}: not an input of ${graph.id}`); continue; }
    if (given === null) continue;
    try {
      values.set(name, readFact(input.type, given));
    } catch (error) {
      problems.push(`${name}: ${error.message}`);
    }
  }
  if (problems.length) throw new InputError(problems);
  return values;
}

function readFact(type, given) {
  const isNumber = (x) => typeof x === "number" && Number.isFinite(x);
  if (type.kind === "boolean") {
    if (typeof given !== "boolean") throw new Error(`expected true or false, got ${JSON.stringify(given)}`);
    return given;
  }
  if (type.kind === "enum") {
    if (!type.members.includes(given)) throw new Error(`expected one of ${type.members.join(", ")}, got ${JSON.stringify(given)}`);
    return given;
  }
  let value = given;
  if (type.kind === "quantity" && given !== null && typeof given === "object") {
    const keys = Object.keys(given).sort().join(",");
    if (keys !== "unit,value" || !isNumber(given.value) || typeof given.unit !== "string") {
      throw new Error(`expected {"value": number, "unit": "UCUM code"}`);
    }
    value = convert(given.value, given.unit, type.unit);
  }
  if (!isNumber(value)) throw new Error(`expected a number${type.kind === "quantity" ? ` (in ${type.unit})` : ""}, got ${JSON.stringify(given)}`);
  const unit = type.kind === "quantity" ? ` ${type.unit}` : "";
  if ((type.low !== null && value < type.low) || (type.high !== null && value > type.high)) {
    throw new Error(`${value}${unit} is outside ${type.low ?? "…"} to ${type.high ?? "…"}${unit}`);
  }
  return value;
}

// --- expressions: Kleene three-valued logic; `null` is unknown ------------------------------

function evaluate(expr, env) {
  const value = (e) => evaluate(e, env);
  switch (expr.expr) {
    case "literal": return expr.value;
    case "input_ref": return env.facts.has(expr.name) ? env.facts.get(expr.name) : null;
    case "define_ref": {
      if (!env.defines.has(expr.name)) env.defines.set(expr.name, value(env.graphDefines.get(expr.name).expr));
      return env.defines.get(expr.name);
    }
    case "known": return env.facts.has(expr.name);
    case "not": { const a = value(expr.operand); return a === null ? null : !a; }
    case "and": case "or": {
      const decisive = expr.expr === "or"; // `true` decides an `or`, `false` an `and`
      let unknown = false;
      for (const operand of expr.operands) {
        const a = value(operand);
        if (a === decisive) return decisive;
        if (a === null) unknown = true;
      }
      return unknown ? null : !decisive;
    }
    case "compare": {
      const a = value(expr.left), b = value(expr.right);
      if (a === null || b === null) return null;
      switch (expr.op) {
        case "<": return a < b; case "<=": return a <= b; case ">": return a > b;
        case ">=": return a >= b; case "=": return a === b; case "!=": return a !== b;
      }
      break;
    }
    case "arithmetic": {
      const a = value(expr.left), b = value(expr.right);
      if (a === null || b === null || (expr.op === "/" && b === 0)) return null;
      switch (expr.op) {
        case "+": return a + b; case "-": return a - b; case "*": return a * b; case "/": return a / b;
      }
      break;
    }
    case "membership": {
      const a = value(expr.operand);
      return a === null ? null : expr.members.some((member) => member.value === a);
    }
    case "condition_sum": {
      let sum = 0;
      const held = expr.terms.map((term) => value(term.condition));
      if (held.includes(null)) return null;
      expr.terms.forEach((term, i) => { if (held[i]) sum += term.weight; });
      return sum;
    }
  }
  throw new Error(`cannot evaluate expression ${JSON.stringify(expr.expr)} ${expr.op ?? ""}`);
}

/** Input names an expression reads, through defines too (`known x` reads x). */
function reads(expr, graphDefines, into = new Set()) {
  if (expr.expr === "input_ref" || expr.expr === "known") into.add(expr.name);
  else if (expr.expr === "define_ref") reads(graphDefines.get(expr.name).expr, graphDefines, into);
  for (const key of ["operand", "left", "right"]) if (expr[key]) reads(expr[key], graphDefines, into);
  for (const operand of expr.operands ?? []) reads(operand, graphDefines, into);
  for (const term of expr.terms ?? []) reads(term.condition, graphDefines, into);
  return into;
}

// --- execution: activation over the DAG, in graph order ------------------------------------

const URGENCY_RANK = { emergent: 0, urgent: 1, routine: 2 };

/** Run a compiled graph (parsed graph JSON) against facts (input name → value). */
export function run(graph, facts) {
  return runWithTrace(graph, facts).result;
}

/**
 * `run`, and what each decision on the path did, for viewers that draw the path:
 * `trace` holds, per active decision in graph order, `{decision, fired, pending}` with
 * `fired` the branch numbers that fired (as the Python runtime's `--trace`).
 */
export function runWithTrace(graph, facts) {
  if (graph.format !== FORMAT) throw new InputError([`graph format ${JSON.stringify(graph.format)}; this runtime reads ${FORMAT}`]);
  const { outgoing, graphDefines, order } = prepare(graph);
  const env = { facts: readFacts(graph, facts), defines: new Map(), graphDefines };
  const active = new Set([graph.nodes[0].id]);
  const unknownGuards = [];
  const trace = [];
  let pending = false;
  const fire = (edges) => edges.forEach((edge) => active.add(edge.target));

  for (const node of graph.nodes) {
    if (!active.has(node.id)) continue;
    const edges = outgoing.get(node.id);
    if (node.kind !== "decide") { fire(edges); continue; }
    const decision = decide(node.policy, branchesOf(edges), env);
    decision.fired.forEach(fire);
    if (decision.unknown.length) { pending = true; unknownGuards.push(...decision.unknown); }
    trace.push({ decision: node.id, fired: decision.fired.map((fired) => fired[0].branch), pending: decision.unknown.length > 0 });
  }

  const needed = new Set();
  for (const guard of unknownGuards) {
    for (const name of reads(guard, env.graphDefines)) if (!env.facts.has(name)) needed.add(name);
  }
  const actions = graph.nodes
    .filter((node) => node.kind === "action" && active.has(node.id))
    .sort((a, b) => rank(a) - rank(b) || order.get(a.id) - order.get(b.id))
    .map((node) => ({ id: node.id, urgency: node.urgency, title: node.title, citations: node.citations }));
  const result = {
    guideline: graph.id,
    version: graph.version,
    status: pending ? "needs_input" : "complete",
    actions,
    needs: graph.inputs.map((input) => input.name).filter((name) => needed.has(name)),
    path: graph.nodes.filter((node) => active.has(node.id)).map((node) => node.id),
  };
  return { result, trace };
}

const prepared = new WeakMap();

/** What a run needs from a graph, computed once per graph object. */
function prepare(graph) {
  if (!prepared.has(graph)) {
    const outgoing = new Map(graph.nodes.map((node) => [node.id, []]));
    for (const edge of graph.edges) outgoing.get(edge.source).push(edge);
    prepared.set(graph, {
      outgoing,
      graphDefines: new Map(graph.defines.map((define) => [define.name, define])),
      order: new Map(graph.nodes.map((node, i) => [node.id, i])),
    });
  }
  return prepared.get(graph);
}

const rank = (node) => URGENCY_RANK[node.urgency] ?? 3;

/** A decision's edges grouped by branch, in branch order, `otherwise` last. */
function branchesOf(edges) {
  const branches = new Map();
  for (const edge of edges) {
    if (!branches.has(edge.branch)) branches.set(edge.branch, { guard: edge.guard, otherwise: edge.otherwise, edges: [] });
    branches.get(edge.branch).edges.push(edge);
  }
  return [...branches.values()].sort((a, b) => a.otherwise - b.otherwise);
}

/** A hit policy applied: which branches' edges fire, and which guards were unknown. */
function decide(policy, branches, env) {
  const guarded = branches.filter((branch) => !branch.otherwise);
  const otherwise = branches.filter((branch) => branch.otherwise).map((branch) => branch.edges);
  const fired = [], unknown = [];
  for (const branch of guarded) {
    const held = evaluate(branch.guard, env);
    if (held === true) {
      fired.push(branch.edges);
      if (policy !== "any") return { fired, unknown: [] };
    } else if (held === null) {
      unknown.push(branch);
      if (policy === "first") return { fired: [], unknown: [branch.guard] };
    }
  }
  // A line whose nodes the true lines already reach cannot change the outcome:
  // it leaves the decision complete and asks for nothing (docs/semantics.md).
  const reached = new Set(fired.flat().map((edge) => edge.target));
  const open = unknown.filter((branch) => !branch.edges.every((edge) => reached.has(edge.target)));
  if (open.length) return { fired, unknown: open.map((branch) => branch.guard) };
  return { fired: fired.length ? fired : otherwise, unknown: [] };
}
