// carepath FHIR facts for JavaScript: a FHIR R4 Bundle → a facts object for a guideline, and a report of how.
//
// The same mapping as the Python `targets/fhir/patient.py` (`carepath run --fhir`), for the viewer page and
// any JavaScript host: Observations and Conditions are matched to inputs by the terminology codes the
// graph JSON declares on them, `Patient.birthDate` gives `age`; the most recent value wins, a tie of
// different values is ambiguous, and whatever cannot be used is reported, never guessed. Every rule and
// message is the Python module's; `tests/test_fhir_viewer.py` feeds both the same bundles and compares
// their facts and notes. No imports, so the page can inline it beside the runtime:
//
//   const bundle = parseBundleText(text);                 // throws BundleError for a non-Bundle
//   const { facts, notes } = bundleFacts(graph, bundle, { refusal });
//   run(graph, runtimeFacts(facts));
//
// `refusal(name, value)` says why the facts reader refuses a value (a unit that does not convert, a number
// out of range), or returns null; the page passes one built on the runtime's `readFacts`.

/** The document is not a FHIR Bundle at all (or not JSON). */
export class BundleError extends Error {
  constructor(message) {
    super(message);
    this.name = "BundleError";
  }
}

/**
 * A JSON number as the bundle wrote it: `6.50` stays 6.50. An integer literal is Python's `int`, any other
 * a `Decimal`, and `text`/`toString` print them as Python does, so notes and facts match word for word.
 */
export class JsonNumber {
  constructor(literal) {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
    this.literal = literal;
    this.integer = match[3] === undefined && match[4] === undefined;
    this.negative = match[1] === "-";
    const fraction = match[3] ?? "";
    this.digits = (match[2] + fraction).replace(/^0+(?=\d)/, "");
    this.exponent = Number(match[4] ?? 0) - fraction.length;
  }

  /** Python's `str()`: an int's digits, a Decimal's scientific string (`1E+2`, `0.050`, `1E-7`). */
  toString() {
    if (this.integer) return BigInt(this.literal).toString();
    const { digits, exponent } = this;
    const adjusted = exponent + digits.length - 1;
    let body;
    if (exponent <= 0 && adjusted >= -6) body = pointAt(digits, exponent);
    else {
      const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      body = `${mantissa}E${adjusted >= 0 ? "+" : ""}${adjusted}`;
    }
    return (this.negative ? "-" : "") + body;
  }

  /** The number as a facts file writes it (Python's `format(value, "f")`): plain digits, never an exponent. */
  text() {
    if (this.integer) return BigInt(this.literal).toString();
    const { digits, exponent } = this;
    const body = exponent >= 0 ? (digits === "0" ? "0" : digits + "0".repeat(exponent)) : pointAt(digits, exponent);
    return (this.negative ? "-" : "") + body;
  }
}

function pointAt(digits, exponent) {
  if (exponent === 0) return digits;
  const places = -exponent;
  return digits.length > places
    ? `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`
    : `0.${"0".repeat(places - digits.length)}${digits}`;
}

// --- reading the bundle: JSON whose numbers keep their decimal text -----------------------

const TOKEN = /[ \t\n\r]*(?:([{}[\],:])|("(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null))/y;

/** JSON text → values, numbers as `JsonNumber`; throws a `SyntaxError` naming the offset of a mistake. */
export function parseJson(text) {
  let at = 0;
  const next = () => {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new SyntaxError(`unexpected text at character ${at}`);
    at = TOKEN.lastIndex;
    if (match[1]) return { punct: match[1] };
    if (match[2]) return { value: JSON.parse(match[2]) };
    if (match[3]) return { value: new JsonNumber(match[3]) };
    return { value: { true: true, false: false, null: null }[match[4]] };
  };
  const value = (token) => {
    if (!token.punct) return token.value;
    if (token.punct === "[") {
      const list = [];
      let item = next();
      if (item.punct === "]") return list;
      for (;;) {
        list.push(value(item));
        const separator = next();
        if (separator.punct === "]") return list;
        if (separator.punct !== ",") throw new SyntaxError(`expected , or ] before character ${at}`);
        item = next();
      }
    }
    if (token.punct === "{") {
      const object = {};
      let key = next();
      if (key.punct === "}") return object;
      for (;;) {
        if (typeof key.value !== "string") throw new SyntaxError(`expected a name in quotes before character ${at}`);
        if (next().punct !== ":") throw new SyntaxError(`expected : before character ${at}`);
        Object.defineProperty(object, key.value, { value: value(next()), enumerable: true, configurable: true, writable: true });
        const separator = next();
        if (separator.punct === "}") return object;
        if (separator.punct !== ",") throw new SyntaxError(`expected , or } before character ${at}`);
        key = next();
      }
    }
    throw new SyntaxError(`unexpected ${token.punct} before character ${at}`);
  };
  const result = value(next());
  if (!/^[ \t\n\r]*$/.test(text.slice(at))) throw new SyntaxError(`extra text at character ${at}`);
  return result;
}

/** A bundle's text → the bundle; `BundleError` when it is not JSON or not a FHIR Bundle. */
export function parseBundleText(text) {
  let data;
  try {
    data = parseJson(text);
  } catch (error) {
    throw new BundleError(`not valid JSON (${error.message})`);
  }
  if (!isObject(data) || data.resourceType !== "Bundle") {
    throw new BundleError("not a FHIR Bundle (`resourceType` must be `Bundle`)");
  }
  if ("entry" in data && !Array.isArray(data.entry)) throw new BundleError("`entry` must be a list");
  return data;
}

// --- the mapping ------------------------------------------------------------------------

export const USED = "used", SET_ASIDE = "set aside", IGNORED = "ignored", AMBIGUOUS = "ambiguous", REFUSED = "refused";
const NOT_DONE = new Set(["entered-in-error", "cancelled"]);
const CONDITION_FALSE = new Set(["inactive", "remission", "resolved"]);
const AGE_INPUT = "age";
const UCUM = "http://unitsofmeasure.org";
const SYSTEMS = {
  loinc: "http://loinc.org",
  snomed: "http://snomed.info/sct",
  snomedct: "http://snomed.info/sct",
  sct: "http://snomed.info/sct",
  icd10: "http://hl7.org/fhir/sid/icd-10",
  icd10cm: "http://hl7.org/fhir/sid/icd-10-cm",
  rxnorm: "http://www.nlm.nih.gov/research/umls/rxnorm",
};

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof JsonNumber);
const asObject = (value) => (isObject(value) ? value : {});
const asText = (value) => (typeof value === "string" ? value : null);
const isNumber = (value) => value instanceof JsonNumber;
const hasKey = (resource, key) => Object.prototype.hasOwnProperty.call(resource, key);
const own = (resource, key) => (hasKey(resource, key) ? resource[key] : undefined);

/** A value as Python's f-string shows it: `None`, `True`, a Decimal's digits. */
function shown(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}}`;
  return String(value);
}
const repr = (value) => (typeof value === "string" ? `'${value}'` : value instanceof JsonNumber && !value.integer ? `Decimal('${value}')` : shown(value));

/** One line of the report: what happened to a resource (or a value of one). */
export class Note {
  constructor(outcome, resource, message, input = null) {
    Object.assign(this, { outcome, resource, message, input });
  }

  toString() {
    return `${this.outcome}${this.input ? ` \`${this.input}\`` : ""}: ${this.resource}: ${this.message}`;
  }
}

const systemUri = (system) => SYSTEMS[system.toLowerCase().replace(/[-_ ]/g, "")] ?? null;

/**
 * The facts a bundle gives for `graph` (graph JSON), and a note for every resource and value.
 * `asOf` ("YYYY-MM-DD") is the day `age` is counted to; by default the most recent date of the data used.
 */
export function bundleFacts(graph, bundle, { asOf = null, refusal = () => null } = {}) {
  const codes = new Map();
  for (const input of graph.inputs) {
    for (const code of input.codes ?? []) {
      const uri = systemUri(code.system);
      if (uri === null) continue;
      const key = `${uri}|${code.code}`;
      if (!codes.has(key)) codes.set(key, []);
      codes.get(key).push(input);
    }
  }
  const notes = [], candidates = [], birthDates = [];
  (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((entry, index) => {
    const resource = isObject(entry) ? own(entry, "resource") : undefined;
    if (!isObject(resource)) {
      notes.push(new Note(IGNORED, `entry[${index}]`, "has no resource"));
      return;
    }
    const kind = hasKey(resource, "resourceType") ? resource.resourceType : "?";
    const name = `${shown(kind)}/${shown(hasKey(resource, "id") ? resource.id : `entry[${index}]`)}`;
    if (kind === "Patient") {
      if (asText(resource.birthDate)) birthDates.push([name, resource.birthDate]);
      return;
    }
    if (kind !== "Observation" && kind !== "Condition") {
      notes.push(new Note(IGNORED, name, `a ${shown(kind)} carries no fact this guideline reads`));
      return;
    }
    const status = asText(own(resource, "status"));
    if (NOT_DONE.has(status) || firstCode(own(resource, "verificationStatus")) === "entered-in-error") {
      notes.push(new Note(IGNORED, name, `status ${NOT_DONE.has(status) ? status : "entered-in-error"}`));
      return;
    }
    const matched = matchedInputs(resource, codes);
    if (!matched.length) {
      notes.push(new Note(IGNORED, name, `no input declares its code (${codesText(resource)})`));
      return;
    }
    if (matched.length > 1) {
      const names = matched.map((input) => `\`${input.name}\``).join(", ");
      notes.push(new Note(AMBIGUOUS, name, `its codes match several inputs (${names}); none is set from it`));
      return;
    }
    const [input] = matched;
    const [value, valueText, problem] = (kind === "Observation" ? observationValue : conditionValue)(input, resource);
    if (problem) {
      notes.push(new Note(REFUSED, name, problem, input.name));
      return;
    }
    candidates.push({ input: input.name, value, when: when(resource), resource: name, shown: valueText });
  });
  const { facts, chosen } = mostRecent(candidates, notes, refusal);
  age(graph, birthDates, chosen, asOf, facts, notes);
  const order = new Map(graph.inputs.map((input, index) => [input.name, index]));
  const sorted = Object.fromEntries(Object.entries(facts).sort(([a], [b]) => order.get(a) - order.get(b)));
  return { facts: sorted, notes };
}

function firstCode(concept) {
  const codings = asObject(concept).coding;
  return Array.isArray(codings) && codings.length ? asText(asObject(codings[0]).code) : null;
}

function codings(resource) {
  const found = asObject(own(resource, "code")).coding;
  return Array.isArray(found) ? found.filter(isObject) : [];
}

function codesText(resource) {
  const shownPart = (coding, key) => (hasKey(coding, key) ? shown(coding[key]) : "?");
  return codings(resource).map((c) => `${shownPart(c, "system")}|${shownPart(c, "code")}`).join(", ") || "no code";
}

function matchedInputs(resource, codes) {
  const found = new Map();
  for (const coding of codings(resource)) {
    const system = asText(coding.system), code = asText(coding.code);
    if (system === null || code === null) continue;
    for (const input of codes.get(`${system}|${code}`) ?? []) found.set(input.name, input);
  }
  return [...found.values()];
}

/** [value for the facts object, its text, a problem or null]. */
function observationValue(input, resource) {
  const type = input.type;
  if (hasKey(resource, "dataAbsentReason")) {
    const reason = firstCode(resource.dataAbsentReason) || "given";
    return [null, "", `no value (dataAbsentReason ${reason}); left unknown`];
  }
  if (type.kind === "boolean") {
    const value = own(resource, "valueBoolean");
    if (typeof value === "boolean") return [value, value ? "true" : "false", null];
    return [null, "", "a yes/no input needs valueBoolean"];
  }
  if (type.kind === "enum") {
    const found = asObject(own(resource, "valueCodeableConcept")).coding;
    const options = [own(resource, "valueString"), ...(Array.isArray(found) ? found.map((c) => asObject(c).code) : [])];
    for (const option of options) {
      if (typeof option === "string" && type.members.includes(option)) return [option, option, null];
    }
    return [null, "", `its value is none of ${type.members.join(", ")}`];
  }
  for (const key of ["valueInteger", "valueDecimal"]) {
    if (hasKey(resource, key) && type.kind === "number") {
      if (!isNumber(resource[key])) return [null, "", `${key} is not a number`];
      return [resource[key], String(resource[key]), null];
    }
  }
  const quantity = own(resource, "valueQuantity");
  if (!isObject(quantity) || !isNumber(own(quantity, "value"))) {
    return [null, "", "a number input needs valueQuantity with a value"];
  }
  const value = quantity.value;
  const code = asText(own(quantity, "code")), writtenUnit = asText(own(quantity, "unit"));
  const unit = own(quantity, "system") === UCUM ? code : null;
  if (type.kind === "number") {
    if ((unit === null || unit === "1") && [null, "", "1", "ratio", "{ratio}"].includes(writtenUnit)) {
      return [value, String(value), null];
    }
    return [null, "", `a plain number was expected, got a value in \`${shown(code || writtenUnit)}\``];
  }
  if (unit === null) {
    const written = writtenUnit || code || "no unit";
    return [null, "", `its unit (\`${written}\`) is not a UCUM code (valueQuantity.system must be ${UCUM})`];
  }
  return [{ value, unit }, `${value} ${unit}`, null];
}

function conditionValue(input, resource) {
  if (input.type.kind !== "boolean") return [null, "", "a Condition sets only yes/no inputs"];
  if (firstCode(own(resource, "verificationStatus")) === "refuted") return [false, "false (refuted)", null];
  const clinical = firstCode(own(resource, "clinicalStatus"));
  if (CONDITION_FALSE.has(clinical)) return [false, `false (${clinical})`, null];
  return [true, `true (${clinical || "no clinical status"})`, null];
}

function when(resource) {
  const period = asObject(own(resource, "effectivePeriod"));
  for (const value of [own(resource, "effectiveDateTime"), own(resource, "effectiveInstant"), own(period, "end"),
    own(period, "start"), own(resource, "onsetDateTime"), own(resource, "recordedDate"), own(resource, "issued")]) {
    if (typeof value === "string" && value) return value;
  }
  return null;
}

/** Python's `<` on two strings: by code point. */
const codePoints = (a, b) => {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0) - y[i].codePointAt(0);
  }
  return x.length - y.length;
};

/**
 * One value per input: the most recent; a tie of different values is ambiguous; the most recent value
 * refused by the facts reader leaves the input unknown (an older one is not used in its place).
 */
function mostRecent(candidates, notes, refusal) {
  const byInput = new Map();
  for (const candidate of candidates) {
    if (!byInput.has(candidate.input)) byInput.set(candidate.input, []);
    byInput.get(candidate.input).push(candidate);
  }
  const facts = {}, chosen = [];
  for (const [name, found] of byInput) {
    const ranked = [...found].sort((a, b) => codePoints(b.when ?? "", a.when ?? ""));
    const latest = ranked[0];
    const tied = ranked.filter((c) => (c.when ?? "") === (latest.when ?? ""));
    if (new Set(tied.map((c) => factsJson({ v: c.value }))).size > 1) {
      const values = tied.map((c) => `${c.shown} in ${c.resource}`).join("; ");
      const date = latest.when ? `dated ${latest.when}` : "undated";
      notes.push(new Note(AMBIGUOUS, tied[0].resource, `different values ${date}: ${values}; left unknown`, name));
      continue;
    }
    if (found.length > 1 && latest.when === null) {
      const values = found.map((c) => `${c.shown} in ${c.resource}`).join("; ");
      notes.push(new Note(AMBIGUOUS, latest.resource, `several undated values: ${values}; left unknown`, name));
      continue;
    }
    const older = ranked.slice(tied.length);
    const dated = latest.when ? ` of ${latest.when}` : "";
    const problem = refusal(name, latest.value);
    if (problem) {
      notes.push(new Note(REFUSED, latest.resource, `${latest.shown}${dated}: ${problem}; left unknown`, name));
      continue;
    }
    facts[name] = latest.value;
    chosen.push(latest);
    if (older.length) {
      const aside = older.map((c) => `${c.shown} of ${c.when || "no date"} (${c.resource})`).join("; ");
      notes.push(new Note(USED, latest.resource,
        `${latest.shown}${dated}, the most recent of ${found.length} values (set aside: ${aside})`, name));
    } else {
      notes.push(new Note(USED, latest.resource, `${latest.shown}${dated}`, name));
    }
  }
  return { facts, chosen };
}

/** `age` in completed years from Patient.birthDate, as of `asOf` or the most recent date of the data used. */
function age(graph, birthDates, chosen, asOf, facts, notes) {
  const declared = graph.inputs.find((input) => input.name === AGE_INPUT);
  if (!birthDates.length) return;
  const [resource, birth] = birthDates[0];
  if (!declared || !["quantity", "number"].includes(declared.type.kind)) {
    notes.push(new Note(IGNORED, resource, "birthDate: this guideline has no `age` input"));
    return;
  }
  if (new Set(birthDates.map(([, b]) => b)).size > 1) {
    notes.push(new Note(AMBIGUOUS, resource, "several Patient resources with different birth dates; age left unknown", AGE_INPUT));
    return;
  }
  if (AGE_INPUT in facts) {
    notes.push(new Note(SET_ASIDE, resource, `birthDate ${birth}: an age was given as an Observation`, AGE_INPUT));
    return;
  }
  let day, basis;
  if (asOf === null) {
    const days = chosen.filter((c) => c.when).map((c) => isoDay(c.when)).filter((d) => d !== null).sort();
    if (!days.length) {
      notes.push(new Note(REFUSED, resource, `birthDate ${birth}: no date to count the age to `
        + "(no dated data; give --as-of); age left unknown", AGE_INPUT));
      return;
    }
    day = days.at(-1);
    basis = `the most recent data (${day})`;
  } else {
    day = asOf;
    basis = `${asOf} (--as-of)`;
  }
  const years = completedYears(birth, day);
  if (years === null) {
    notes.push(new Note(AMBIGUOUS, resource, `birthDate ${birth} leaves the age as of ${day} `
      + "uncertain by a year; age left unknown", AGE_INPUT));
    return;
  }
  const value = new JsonNumber(String(years));
  facts[AGE_INPUT] = declared.type.kind === "quantity" && declared.type.unit ? { value, unit: "a" } : value;
  notes.push(new Note(USED, resource, `${years} a from birthDate ${birth}, as of ${basis}`, AGE_INPUT));
}

const leap = (year) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year, month) => [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
const validDate = (y, m, d) => y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);

/** The day ("YYYY-MM-DD") of an ISO date or date-time, null for anything else. */
function isoDay(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.slice(0, 10));
  return match && validDate(Number(match[1]), Number(match[2]), Number(match[3])) ? match[0] : null;
}

/** Python's `int()` of a string, or null where it raises. */
const integer = (part) => (part !== undefined && /^\s*[+-]?\d+\s*$/.test(part) ? Number(part) : null);

/** Completed years from a full or partial (`1958`, `1958-03`) birth date to `day`; null when it depends on the day. */
function completedYears(birth, day) {
  const parts = [...birth].slice(0, 10).join("").split("-");
  const year = integer(parts[0]);
  const month = parts.length > 1 ? integer(parts[1]) : 1;
  const lastMonth = parts.length > 1 ? month : 12;
  const given = parts.length > 2 ? integer(parts[2]) : null;
  if (year === null || month === null || (parts.length > 2 && given === null)) return null;
  const earliest = [year, month, given ?? 1];
  // Python counts the month's last day from the first of the next month, which year 9999 has not.
  if (!validDate(...earliest) || (year === 9999 && lastMonth === 12 && given === null)) return null;
  const latest = [year, lastMonth, given ?? daysIn(year, lastMonth)];
  if (!validDate(...latest)) return null;
  const [y, m, d] = day.split("-").map(Number);
  const [oldest, youngest] = [earliest, latest].map(([by, bm, bd]) => y - by - (m < bm || (m === bm && d < bd) ? 1 : 0));
  return oldest === youngest ? oldest : null;
}

// --- facts out ----------------------------------------------------------------------------

/** A facts object as facts-file JSON text, numbers with their own digits (Python's `facts_json`). */
export function factsJson(facts) {
  const value = (item) => {
    if (item instanceof JsonNumber) return item.text();
    if (isObject(item)) return `{${Object.entries(item).map(([k, v]) => `${JSON.stringify(k)}: ${value(v)}`).join(", ")}}`;
    return JSON.stringify(item);
  };
  return `{${Object.entries(facts).map(([k, v]) => `${JSON.stringify(k)}: ${value(v)}`).join(", ")}}`;
}

/**
 * `refusal` for `bundleFacts` from a facts reader (the runtime's `readFacts(graph, facts)`, which throws an
 * error with `problems`): why it refuses one value, each problem told by `words` (its message by default), or null.
 */
export function factsReaderRefusal(graph, readFacts, words = (problem) => problem.message) {
  return (name, value) => {
    try {
      readFacts(graph, runtimeFacts({ [name]: value }));
      return null;
    } catch (error) {
      if (!Array.isArray(error.problems)) throw error;
      return error.problems.map(words).join("; ");
    }
  };
}

/** The facts as the runtime reads them: every number a JavaScript number. */
export function runtimeFacts(facts) {
  const plain = (item) => (item instanceof JsonNumber ? Number(item.text())
    : isObject(item) ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)])) : item);
  return plain(facts);
}
