// Batch driver for the JavaScript runtime: JSON lines in on stdin, JSON lines out.
//
//   {"graph": {...graph JSON...}}   sets the graph the following lines run against
//   {"facts": {...}}                runs it; prints the result, or {"error": [problems]}
//   {"convert": [value, from, to]}  prints {"value": converted} or {"error": [problem]}
//
// One process serves a whole test campaign (tests/test_conformance.py), so ten
// thousand patients cost one Node start-up, not ten thousand.

import { createInterface } from "node:readline";
import { convert, run, InputError } from "./carepath-runtime.mjs";

let graph = null;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  if ("graph" in message) { graph = message.graph; continue; }
  let reply;
  try {
    reply = "convert" in message ? { value: convert(...message.convert).toString() } : run(graph, message.facts);
  } catch (error) {
    if (!(error instanceof InputError) && !("convert" in message)) throw error;
    reply = { error: error.problems ?? [error.message] };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
