// Node side of benchmarks/cql_vs_carepath.py: cql-execution on carepath's ELM export, and
// carepath's own JavaScript runtime, timed on the same patients inside one Node process.
//
// JSON lines on stdin, one reply line each on stdout:
//   {"elm": <ELM library>, "inputs": [{"name", "kind", "unit"}], "graph": <graph JSON>,
//    "cqlPatients": [{input: value}], "jsPatients": [{input: value}]}
//       loads both engines and answers every patient's results from both (for the agreement
//       check the Python side does) and what start-up cost: {"startup", "cql", "js"};
//   {"round": "cql" | "js"}  runs every patient once through that engine and answers
//       {"seconds": <per patient>}, so the Python side can interleave its rounds with these.
// `cqlPatients` hold each fact in its input's declared unit (as evaluate.js takes them);
// `jsPatients` are the facts objects as a facts file holds them (the JS runtime checks
// and converts them itself).
//
// What is timed, with process.hrtime: per patient, cql-execution's work for one patient
// as a host does it (parameters are per Executor in cql-execution, so one Executor per
// patient, then exec on a one-patient source) and the JS runtime's `run(graph, facts)`.
// Module loading and building the cql.Library from the ELM are timed apart: they are
// paid once per process, not per patient.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createInterface } from 'node:readline';

const nodeBoot = process.uptime(); // Node's own start-up, before this script's first line
const here = path.dirname(fileURLToPath(import.meta.url));
const requireFromElm = createRequire(path.join(here, '..', 'targets', 'elm', 'package.json'));

const seconds = (start, end) => Number(end - start) / 1e9;

const clock = process.hrtime.bigint();
const cql = requireFromElm('cql-execution');
const { evaluatePatient } = requireFromElm('./evaluate.js'); // the conformance tests' own host code
const { run } = await import('../targets/js/carepath-runtime.mjs');
const modulesLoaded = seconds(clock, process.hrtime.bigint());

let request = null;
let library = null;
const codeService = new cql.CodeService({});

function jsOutcome(result) {
  return { status: result.status, actions: result.actions.map((a) => a.id), needs: result.needs, path: result.path };
}

/** Seconds per patient of one pass over every patient. */
async function cqlRound() {
  const start = process.hrtime.bigint();
  for (const facts of request.cqlPatients) await evaluatePatient(library, request.inputs, facts, codeService);
  return seconds(start, process.hrtime.bigint()) / request.cqlPatients.length;
}

// `run` is synchronous: awaiting it as well would charge the JS runtime a microtask per patient
function jsRound() {
  const start = process.hrtime.bigint();
  for (const facts of request.jsPatients) run(request.graph, facts);
  return seconds(start, process.hrtime.bigint()) / request.jsPatients.length;
}

async function load(message) {
  request = message;
  const clock = process.hrtime.bigint();
  library = new cql.Library(request.elm);
  const elmLoaded = seconds(clock, process.hrtime.bigint());
  const cqlResults = [];
  for (const facts of request.cqlPatients) cqlResults.push(await evaluatePatient(library, request.inputs, facts, codeService));
  const jsResults = request.jsPatients.map((facts) => jsOutcome(run(request.graph, facts)));
  return { startup: { nodeBoot, modulesLoaded, elmLoaded }, cql: cqlResults, js: jsResults };
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  let reply;
  if ('elm' in message) reply = await load(message);
  else if (message.round === 'cql') reply = { seconds: await cqlRound() };
  else if (message.round === 'js') reply = { seconds: jsRound() };
  else throw new Error(`unknown request ${line.slice(0, 80)}`);
  process.stdout.write(JSON.stringify(reply) + '\n');
}
