// Runs carepath's ELM export with cql-execution, the reference CQL engine in JavaScript.
//
// Protocol: JSON lines on stdin, one reply line per request on stdout.
//   {"elm": <ELM library JSON>, "inputs": [{"name", "kind", "unit"}]}  loads a library;
//       replies {"loaded": true, "statements": n}, or {"error": "..."} when the ELM uses an
//       expression type cql-execution does not know (it would silently ignore it).
//   {"facts": {"input": value, ...}}  evaluates one patient; facts are in the inputs'
//       declared units (a quantity may also be {"value", "unit"}), an absent or null fact is
//       unknown. Replies
//       {"recommend": {"<action id>": true|false|null}, "reaches": {"<node id>": ...}}.
// Every input is passed as a parameter, an unknown one as an explicit null: cql-execution
// returns the parameter's definition for an omitted one. Quantities are cql.Quantity.
'use strict';

const readline = require('readline');
const cql = require('cql-execution');
const expressions = require('cql-execution/lib/elm/expressions');

const TYPE_SPECIFIERS = new Set(['NamedTypeSpecifier', 'ListTypeSpecifier', 'IntervalTypeSpecifier',
  'TupleTypeSpecifier', 'ChoiceTypeSpecifier']);

function unknownTypes(node, found) {
  if (Array.isArray(node)) {
    node.forEach((item) => unknownTypes(item, found));
  } else if (node !== null && typeof node === 'object') {
    if (typeof node.type === 'string' && !TYPE_SPECIFIERS.has(node.type) && !(node.type in expressions)) {
      found.add(node.type);
    }
    Object.values(node).forEach((value) => unknownTypes(value, found));
  }
  return found;
}

let library = null;
let inputs = [];

function onePatient() {
  return new cql.PatientSource([{ id: 'patient', recordType: 'Patient' }]);
}

/** One patient's parameters: every input, an unknown one as an explicit null, quantities as cql.Quantity. */
function parametersOf(inputs, facts) {
  const parameters = {};
  for (const input of inputs) {
    const value = facts[input.name];
    if (value === undefined || value === null) {
      parameters[input.name] = null;
    } else if (input.kind === 'quantity' && typeof value === 'object') {
      parameters[input.name] = new cql.Quantity(value.value, value.unit); // as another host might pass it
    } else if (input.kind === 'quantity') {
      parameters[input.name] = new cql.Quantity(value, input.unit);
    } else {
      parameters[input.name] = value;
    }
  }
  return parameters;
}

/** What the library says of one patient: its `Recommend <action>` and `Reaches <node>` values. */
async function evaluatePatient(library, inputs, facts, codeService = new cql.CodeService({})) {
  const executor = new cql.Executor(library, codeService, parametersOf(inputs, facts));
  const results = await executor.exec(onePatient());
  const recommend = {};
  const reaches = {};
  for (const [name, value] of Object.entries(results.patientResults.patient)) {
    if (name.startsWith('Recommend ')) recommend[name.slice(10)] = value;
    else if (name.startsWith('Reaches ')) reaches[name.slice(8)] = value;
  }
  return { recommend, reaches };
}

async function handle(message) {
  if (message.elm !== undefined) {
    const missing = [...unknownTypes(message.elm.library.statements, new Set())];
    if (missing.length) return { error: `expression types unknown to cql-execution: ${missing.sort().join(', ')}` };
    library = new cql.Library(message.elm);
    inputs = message.inputs;
    return { loaded: true, statements: message.elm.library.statements.def.length };
  }
  if (library === null) return { error: 'no library loaded' };
  return evaluatePatient(library, inputs, message.facts);
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let reply;
    try {
      reply = await handle(JSON.parse(line));
    } catch (error) {
      reply = { error: String(error && error.stack ? error.stack : error) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
}

if (require.main === module) main();

module.exports = { evaluatePatient, parametersOf };
