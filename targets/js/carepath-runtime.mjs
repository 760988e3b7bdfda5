// carepath runtime for JavaScript: graph JSON (carepath.graph/2) + facts → result.
//
// The second runtime, and the reference for anyone writing a third: it executes a
// compiled guideline exactly as docs/semantics.md says, with the result shape of the
// Python runtime (`carepath run --format json`). No dependencies; an ES module for
// Node ≥ 18 and browsers. The format is described in docs/graph-json.md.
//
//   import { run } from "./carepath-runtime.mjs";
//   const result = run(graph, { pedal_pulses: "absent", age: { value: 70, unit: "a" } });
//   // { guideline, version, status, actions: [{id, urgency, title, citations}], needs, path }

export const FORMAT = "carepath.graph/2";
const FORMATS = [FORMAT];

/**
 * Bad facts (or a graph of another format): every problem, each `{code, path, message}` with
 * the code the Python runtime gives the same problem (docs/errors/CP06xx.md, CP0702) and the
 * JSON path it sits at (`$.abi`).
 */
export class InputError extends Error {
  constructor(problems) {
    super(problems.map((p) => `error[${p.code}]: ${p.path}: ${p.message}`).join("\n"));
    this.name = "InputError";
    this.problems = problems;
  }
}

/** A problem with one fact: its code and message (the path is added where the fact sits). */
class FactProblem extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const CANNOT_READ = "CP0601", UNKNOWN_INPUT = "CP0602", WRONG_TYPE = "CP0603", NOT_A_MEMBER = "CP0604",
  OUT_OF_RANGE = "CP0605", BAD_UNIT = "CP0606";

// --- exact numbers ---------------------------------------------------------------------
// Numbers are exact rationals (BigInt numerator and denominator), as in every carepath
// runtime and the verifier (docs/semantics.md, "Numbers are exact"): 0.1 + 0.2 = 0.3 and
// 1 wk = 7 d hold here. A JavaScript number (a fact, or a number in the graph JSON) stands
// for the shortest decimal that prints as it (`String(0.1)` is "0.1"), which is the decimal
// the author wrote whenever it has at most 15 significant digits; graph JSON writes any
// other exact value as a string ("1/7").

const gcd = (a, b) => { a = a < 0n ? -a : a; b = b < 0n ? -b : b; while (b) [a, b] = [b, a % b]; return a; };

export class Rational {
  constructor(n, d = 1n) {
    if (d === 0n) throw new RangeError("division by zero");
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d) || 1n;
    this.n = n / g;
    this.d = d / g;
  }
  static of(value) {
    if (value instanceof Rational) return value;
    if (typeof value === "bigint") return new Rational(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
      return Rational.parse(String(value));
    }
    return Rational.parse(String(value));
  }
  /** "0.90", "-3", "1e-7", "2/7" → the exact value. */
  static parse(text) {
    const fraction = text.match(/^(-?\d+)\/(\d+)$/);
    if (fraction) return new Rational(BigInt(fraction[1]), BigInt(fraction[2]));
    const decimal = text.match(/^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/);
    if (!decimal || (decimal[2] === "" && !decimal[3])) throw new RangeError(`${JSON.stringify(text)} is not a number`);
    const [, sign, whole, part = "", exponent = "0"] = decimal;
    let n = BigInt((sign || "") + (whole || "0") + part), d = 10n ** BigInt(part.length);
    const e = Number(exponent);
    if (Math.abs(e) > 400) throw new RangeError(`${text} is out of range`);
    if (e > 0) n *= 10n ** BigInt(e); else d *= 10n ** BigInt(-e);
    return new Rational(n, d);
  }
  add(o) { return new Rational(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o) { return new Rational(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o) { return new Rational(this.n * o.n, this.d * o.d); }
  div(o) { return new Rational(this.n * o.d, this.d * o.n); }
  cmp(o) { const a = this.n * o.d, b = o.n * this.d; return a < b ? -1 : a > b ? 1 : 0; }
  isZero() { return this.n === 0n; }
  toString() { return this.d === 1n ? String(this.n) : `${this.n}/${this.d}`; }
}

const ZERO = new Rational(0n), ONE = new Rational(1n);
const min = (a, b) => (a.cmp(b) <= 0 ? a : b), max = (a, b) => (a.cmp(b) >= 0 ? a : b);

// --- units: a compact UCUM table, exact ------------------------------------------------
// Sizes are exact, in SI base units (m, kg, s, mol), taken from the UCUM definitions
// (mm[Hg] is 133.3220 kPa, wk is 7 d); dimensions are exponents of
// [length, mass, time, substance, current, temperature, luminosity]. Metric atoms take
// the SI prefixes. This covers the units clinical facts use; a code outside it is an
// input error here (the Python runtime reads the whole UCUM table).

const DIMENSION_COUNT = 7;
const dim = (...exponents) => [...exponents, ...Array(DIMENSION_COUNT - exponents.length).fill(0)];
const PRESSURE = dim(-1, 1, -2);
const q = Rational.parse;
const METRIC = {
  m: [q("1"), dim(1)], g: [q("0.001"), dim(0, 1)], s: [q("1"), dim(0, 0, 1)], L: [q("0.001"), dim(3)],
  l: [q("0.001"), dim(3)], mol: [q("1"), dim(0, 0, 0, 1)], eq: [q("1"), dim(0, 0, 0, 1)],
  U: [q("1/60000000"), dim(0, 0, -1, 1)], kat: [q("1"), dim(0, 0, -1, 1)],
  Pa: [q("1"), PRESSURE], bar: [q("100000"), PRESSURE], "m[Hg]": [q("133322"), PRESSURE],
  "m[H2O]": [q("9806.65"), PRESSURE], Hz: [q("1"), dim(0, 0, -1)], A: [q("1"), dim(0, 0, 0, 0, 1)],
  J: [q("1"), dim(2, 1, -2)], W: [q("1"), dim(2, 1, -3)], K: [q("1"), dim(0, 0, 0, 0, 0, 1)],
};
// The temperature scales whose zero is not absolute zero: kelvin = (value + offset) × factor,
// exactly as UCUM defines them (and as the Python runtime converts them).
const OFFSET_SCALES = {
  Cel: [q("1"), q("273.15")], "[degF]": [q("5/9"), q("459.67")], "[degRe]": [q("5/4"), q("218.52")],
};
const OTHER = {
  min: [q("60"), dim(0, 0, 1)], h: [q("3600"), dim(0, 0, 1)], d: [q("86400"), dim(0, 0, 1)],
  wk: [q("604800"), dim(0, 0, 1)], mo: [q("2629800"), dim(0, 0, 1)], a: [q("31557600"), dim(0, 0, 1)],
  "%": [q("0.01"), dim()], "[ppm]": [q("0.000001"), dim()],
  "[lb_av]": [q("0.45359237"), dim(0, 1)], "[oz_av]": [q("0.028349523125"), dim(0, 1)],
  "[in_i]": [q("0.0254"), dim(1)], "[ft_i]": [q("0.3048"), dim(1)], cal: [q("4.184"), dim(2, 1, -2)],
};
const PREFIXES = {
  T: q("1e12"), G: q("1e9"), M: q("1e6"), k: q("1e3"), h: q("1e2"), da: q("1e1"), d: q("1e-1"), c: q("1e-2"),
  m: q("1e-3"), u: q("1e-6"), n: q("1e-9"), p: q("1e-12"), f: q("1e-15"),
};
const MAX_EXPONENT = 30;

const unitCache = new Map();

const power = (x, n) => { let r = ONE; for (let i = 0; i < Math.abs(n); i++) r = r.mul(x); return n < 0 ? ONE.div(r) : r; };

/** A UCUM code → {factor, dimension}, or throws an Error naming the code. */
export function parseUnit(code) {
  if (!unitCache.has(code)) {
    if (code.length > 200) throw new Error(`a unit code of ${code.length} characters is longer than any UCUM unit`);
    unitCache.set(code, parseTerm(code.replace(/\{[^}]*\}/g, "1"), code));
  }
  return unitCache.get(code);
}

function parseTerm(text, code) {
  // term := component (('.' | '/') component)*, with a leading '/' allowed; components
  // are parenthesised terms, integers, 10*n, or (prefixed) atoms with an integer exponent.
  let factor = ONE;
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
    factor = sign > 0 ? factor.mul(unit.factor) : factor.div(unit.factor);
    unit.dimension.forEach((e, i) => { dimension[i] += sign * e; });
    if (end >= rest.length) break;
    sign = rest[end] === "/" ? -1 : 1;
    rest = rest.slice(end + 1);
  }
  return { factor, dimension };
}

function parseComponent(part, code) {
  if (part.startsWith("(") && part.endsWith(")")) return parseTerm(part.slice(1, -1), code);
  if (/^\d+$/.test(part)) return { factor: Rational.parse(part), dimension: dim() };
  const exponentOf = (text) => {
    const n = Number(text);
    if (Math.abs(n) > MAX_EXPONENT) throw new Error(`\`${code}\`: the exponent ${text} is out of range`);
    return n;
  };
  const tenPower = part.match(/^10[*^]([+-]?\d+)$/);
  if (tenPower) return { factor: power(q("10"), exponentOf(tenPower[1])), dimension: dim() };
  const [, symbol, exponent] = part.match(/^(.*?[^\d+-])([+-]?\d+)?$/) || [null, part, undefined];
  const atom = lookupAtom(symbol);
  if (!atom) throw new Error(`\`${code}\` is not a unit this runtime knows`);
  const n = exponent === undefined ? 1 : exponentOf(exponent);
  return { factor: power(atom[0], n), dimension: atom[1].map((e) => e * n) };
}

function lookupAtom(symbol) {
  if (symbol in METRIC) return METRIC[symbol];
  if (symbol in OTHER) return OTHER[symbol];
  for (const [prefix, size] of Object.entries(PREFIXES)) {
    const atom = symbol.startsWith(prefix) && METRIC[symbol.slice(prefix.length)];
    if (atom) return [size.mul(atom[0]), atom[1]];
  }
  return null;
}

/** `value` (a Rational) in unit `from`, expressed exactly in unit `to`; throws when they do not convert. */
export function convert(value, from, to) {
  value = Rational.of(value);
  if (from === to) return value;
  if (from in OFFSET_SCALES || to in OFFSET_SCALES) {
    const scale = (code) => OFFSET_SCALES[code] ?? (code === "K" ? [ONE, ZERO] : null);
    const [fromFactor, fromOffset] = scale(from) ?? [], [toFactor, toOffset] = scale(to) ?? [];
    if (!fromFactor || !toFactor) throw new Error(`\`${from}\` cannot be converted to \`${to}\``);
    return value.add(fromOffset).mul(fromFactor).div(toFactor).sub(toOffset);
  }
  const a = parseUnit(from), b = parseUnit(to);
  const dimensionless = (u) => u.dimension.every((e) => e === 0);
  if (dimensionless(a) || dimensionless(b) || a.dimension.some((e, i) => e !== b.dimension[i])) {
    throw new Error(`\`${from}\` cannot be converted to \`${to}\``);
  }
  return value.mul(a.factor).div(b.factor);
}

// --- facts -----------------------------------------------------------------------------

/** Check facts against the graph's inputs; returns Map name → value (unknowns left out). */
export function readFacts(graph, facts) {
  if (facts === null || typeof facts !== "object" || Array.isArray(facts)) {
    throw new InputError([{ code: CANNOT_READ, path: "$", message: 'facts are a JSON object: {"input_name": value, ...}' }]);
  }
  const problems = [];
  const values = new Map();
  const inputs = new Map(graph.inputs.map((input) => [input.name, input]));
  for (const [name, given] of Object.entries(facts)) {
    const input = inputs.get(name);
    const path = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : `$[${JSON.stringify(name)}]`;
    if (!input) { problems.push({ code: UNKNOWN_INPUT, path, message: `\`${name}\` is not an input of ${graph.id}` }); continue; }
    if (given === null) continue;
    try {
      values.set(name, readFact(input.type, given));
    } catch (error) {
      if (!(error instanceof FactProblem)) throw error;
      problems.push({ code: error.code, path: path + (error.at ?? ""), message: error.message });
    }
  }
  if (problems.length) throw new InputError(problems);
  return values;
}

function readFact(type, given) {
  const isNumber = (x) => typeof x === "number" && Number.isFinite(x);
  if (type.kind === "boolean") {
    if (typeof given !== "boolean") throw new FactProblem(WRONG_TYPE, `expected true or false, got ${JSON.stringify(given)}`);
    return given;
  }
  if (type.kind === "enum") {
    if (typeof given !== "string") throw new FactProblem(WRONG_TYPE, `expected one of ${type.members.join(", ")}, got ${JSON.stringify(given)}`);
    if (!type.members.includes(given)) throw new FactProblem(NOT_A_MEMBER, `\`${given}\` is not one of ${type.members.join(", ")}`);
    return given;
  }
  let value;
  if (type.kind === "quantity" && given !== null && typeof given === "object") {
    const keys = Object.keys(given).sort().join(",");
    if (keys !== "unit,value" || !isNumber(given.value) || typeof given.unit !== "string") {
      throw new FactProblem(WRONG_TYPE, `expected {"value": number, "unit": "UCUM code"}`);
    }
    try {
      value = convert(Rational.of(given.value), given.unit, type.unit);
    } catch (error) {
      throw Object.assign(new FactProblem(BAD_UNIT, error.message), { at: ".unit" });
    }
  } else {
    if (!isNumber(given)) throw new FactProblem(WRONG_TYPE, `expected a number${type.kind === "quantity" ? ` (in ${type.unit})` : ""}, got ${JSON.stringify(given)}`);
    value = Rational.of(given);
  }
  const unit = type.kind === "quantity" ? ` ${type.unit}` : "";
  const low = type.low === null ? null : Rational.of(type.low), high = type.high === null ? null : Rational.of(type.high);
  if ((low !== null && value.cmp(low) < 0) || (high !== null && value.cmp(high) > 0)) {
    throw new FactProblem(OUT_OF_RANGE, `${value}${unit} is outside ${type.low ?? "…"} to ${type.high ?? "…"}${unit}`);
  }
  return value;
}

// --- expressions: Kleene three-valued logic; `null` is unknown ------------------------------
// A number is a Rational; a count or sum with unknown terms is {low, high} (each unknown
// term adds between min(0, w) and max(0, w)), and a comparison those bounds decide is decided.

const bounds = (v) => (v instanceof Rational ? { low: v, high: v } : v);
const isKnown = (v) => v !== null && !(v !== undefined && v.low !== undefined && !(v instanceof Rational));

function compare(op, a, b) {
  if (a === null || b === null) return null;
  if (!(a instanceof Rational) && a.low === undefined) {  // booleans and enum members
    return op === "=" ? a === b : op === "!=" ? a !== b : null;
  }
  if (a instanceof Rational && b instanceof Rational) {
    const c = a.cmp(b);
    return { "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "=": c === 0, "!=": c !== 0 }[op];
  }
  const l = bounds(a), r = bounds(b);
  switch (op) {
    case "<": return l.high.cmp(r.low) < 0 ? true : l.low.cmp(r.high) >= 0 ? false : null;
    case "<=": return l.high.cmp(r.low) <= 0 ? true : l.low.cmp(r.high) > 0 ? false : null;
    case ">": return compare("<", b, a);
    case ">=": return compare("<=", b, a);
    case "=": return l.high.cmp(r.low) < 0 || r.high.cmp(l.low) < 0 ? false : null;
    case "!=": { const equal = compare("=", a, b); return equal === null ? null : !equal; }
  }
  return null;
}

function arithmetic(op, a, b) {
  if (a === null || b === null) return null;
  if (a instanceof Rational && b instanceof Rational) {
    if (op === "/") return b.isZero() ? null : a.div(b);
    return op === "+" ? a.add(b) : op === "-" ? a.sub(b) : a.mul(b);
  }
  const l = bounds(a), r = bounds(b);
  if (op === "+") return { low: l.low.add(r.low), high: l.high.add(r.high) };
  if (op === "-") return { low: l.low.sub(r.high), high: l.high.sub(r.low) };
  if (op === "*" && (a instanceof Rational || b instanceof Rational)) {
    const [scale, range] = a instanceof Rational ? [a, r] : [b, l];
    const x = range.low.mul(scale), y = range.high.mul(scale);
    return scale.cmp(ZERO) >= 0 ? { low: x, high: y } : { low: y, high: x };
  }
  return null;
}

function evaluate(expr, env) {
  const value = (e) => evaluate(e, env);
  switch (expr.expr) {
    case "literal": return typeof expr.value === "boolean" || (typeof expr.value === "string" && /^[A-Za-z_]/.test(expr.value))
      ? expr.value : Rational.of(expr.value);
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
      for (const a of expr.operands.map(value)) {
        if (a === decisive) return decisive;
        if (a === null) unknown = true;
      }
      return unknown ? null : !decisive;
    }
    case "compare": return compare(expr.op, value(expr.left), value(expr.right));
    case "arithmetic": return arithmetic(expr.op, value(expr.left), value(expr.right));
    case "convert": return arithmetic("*", value(expr.operand), Rational.of(expr.factor));
    case "membership": {
      const a = value(expr.operand);
      return a === null ? null : expr.members.some((member) => member.value === a);
    }
    case "condition_sum": {
      let low = ZERO, high = ZERO;
      for (const term of expr.terms) {
        const held = value(term.condition), weight = Rational.of(term.weight);
        if (held === true) { low = low.add(weight); high = high.add(weight); }
        else if (held === null) { low = low.add(min(weight, ZERO)); high = high.add(max(weight, ZERO)); }
      }
      return low.cmp(high) === 0 ? low : { low, high };
    }
  }
  throw new Error(`cannot evaluate expression ${JSON.stringify(expr.expr)} ${expr.op ?? ""}`);
}

/** The inputs under the still-unknown parts of an expression: what could change its value. */
function unknownInputs(expr, env, into) {
  if (isKnown(evaluate(expr, env))) return into;
  if (expr.expr === "input_ref") into.add(expr.name);
  else if (expr.expr === "define_ref") unknownInputs(env.graphDefines.get(expr.name).expr, env, into);
  for (const key of ["operand", "left", "right"]) if (expr[key]) unknownInputs(expr[key], env, into);
  for (const operand of expr.operands ?? []) unknownInputs(operand, env, into);
  for (const term of expr.terms ?? []) unknownInputs(term.condition, env, into);
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
 * `fired` the numbers of the lines that fired (`otherwise` is the number after the last
 * line), as the Python runtime's `--trace` numbers them.
 */
export function runWithTrace(graph, facts) {
  if (!FORMATS.includes(graph.format)) {
    throw new InputError([{ code: "CP0702", path: "$.format", message: `graph format ${JSON.stringify(graph.format)}; this runtime reads ${FORMAT}` }]);
  }
  const { graphDefines, order, mostUrgent } = prepare(graph);
  const env = { facts: readFacts(graph, facts), defines: new Map(), graphDefines };
  const active = new Set([graph.nodes[0].id]);
  const needed = new Set();
  const leads = new Map();  // input → the most urgent action its answer could lead to
  const trace = [];
  let pending = false;
  const activate = (targets) => targets.forEach((target) => active.add(target));

  for (const node of graph.nodes) {
    if (!active.has(node.id)) continue;
    if (node.kind !== "decide") { activate(node.targets ?? []); continue; }
    const decision = decide(node, env);
    decision.fired.forEach(activate);
    if (decision.asked.length) {
      pending = true;
      for (const line of decision.asked) {
        const lead = best(line.targets.map((t) => mostUrgent.get(t)));
        for (const name of unknownInputs(line.guard, env, new Set())) {
          needed.add(name);
          if (!leads.get(name) || (lead && lead.rank < leads.get(name).rank)) leads.set(name, lead ?? leads.get(name) ?? null);
        }
      }
    }
    trace.push({ decision: node.id, fired: decision.branches, pending: decision.asked.length > 0 });
  }

  const actions = graph.nodes
    .filter((node) => node.kind === "action" && active.has(node.id))
    .sort((a, b) => URGENCY_RANK[a.urgency] - URGENCY_RANK[b.urgency] || order.get(a.id) - order.get(b.id))
    .map((node) => ({ id: node.id, urgency: node.urgency, title: node.title, citations: node.citations }));
  const needs = graph.inputs.filter((input) => needed.has(input.name));
  const rankOf = (input) => leads.get(input.name)?.rank ?? Infinity;
  const questions = needs.map((input, i) => [input, i]).sort(([a, i], [b, j]) => rankOf(a) - rankOf(b) || i - j)
    .map(([input]) => {
      const lead = leads.get(input.name);
      return { input: input.name, ask: input.question ?? null,
               could_lead_to: lead ? { id: lead.node.id, title: lead.node.title, urgency: lead.node.urgency } : null };
    });
  const result = {
    guideline: graph.id,
    version: graph.version,
    status: pending ? "needs_input" : "complete",
    actions,
    needs: needs.map((input) => input.name),
    questions,
    path: graph.nodes.filter((node) => active.has(node.id)).map((node) => node.id),
  };
  return { result, trace };
}

/** The entry with the lowest rank (urgency, then graph order), ignoring missing ones. */
const best = (entries) => entries.reduce((a, b) => (!b ? a : !a || b.rank < a.rank ? b : a), null);

const prepared = new WeakMap();

/** What a run needs from a graph, computed once per graph object. */
function prepare(graph) {
  if (!prepared.has(graph)) {
    // Per node, the most urgent action on some path from it (itself included): what a
    // question waiting there could lead to. Ranked by urgency, then graph order.
    const mostUrgent = new Map();
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const node = graph.nodes[i];
      const own = node.kind === "action" ? { rank: URGENCY_RANK[node.urgency] * graph.nodes.length + i, node } : null;
      const targets = node.kind === "decide" ? [...node.lines.flatMap((l) => l.targets), ...node.otherwise] : node.targets ?? [];
      mostUrgent.set(node.id, best([own, ...targets.map((t) => mostUrgent.get(t))]));
    }
    prepared.set(graph, {
      graphDefines: new Map(graph.defines.map((define) => [define.name, define])),
      order: new Map(graph.nodes.map((node, i) => [node.id, i])),
      mostUrgent,
    });
  }
  return prepared.get(graph);
}

/**
 * A hit policy applied (docs/semantics.md, "Decisions"): the target lists that fire, and
 * the lines whose unknown inputs are asked for. `first`: the first line that is not false
 * decides (true fires, unknown asks). `unique`: the first true line fires; with none true,
 * every unknown line asks. `any`: every true line fires; an unknown line asks unless the
 * true lines already reach all of its targets. `otherwise` fires when every guard is false.
 */
function decide(node, env) {
  const values = node.lines.map((line) => evaluate(line.guard, env));
  const fired = [], asked = [], branches = [];
  const fire = (i) => { fired.push(i < node.lines.length ? node.lines[i].targets : node.otherwise); branches.push(i); };
  if (node.policy === "first") {
    const decisive = values.findIndex((v) => v !== false);
    if (decisive >= 0 && values[decisive] === true) fire(decisive);
    if (decisive >= 0 && values[decisive] === null) asked.push(node.lines[decisive]);
  } else if (node.policy === "unique") {
    const first = values.indexOf(true);
    if (first >= 0) fire(first);
    else node.lines.forEach((line, i) => { if (values[i] === null) asked.push(line); });
  } else {
    const reached = new Set();
    node.lines.forEach((line, i) => { if (values[i] === true) { fire(i); line.targets.forEach((t) => reached.add(t)); } });
    node.lines.forEach((line, i) => { if (values[i] === null && !line.targets.every((t) => reached.has(t))) asked.push(line); });
  }
  if (values.every((v) => v === false) && node.otherwise.length) fire(node.lines.length);
  return { fired, asked, branches };
}
