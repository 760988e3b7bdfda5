// Batch driver for the JavaScript runtime: JSON lines in on stdin, JSON lines out.
//
//   {"graph": {...graph JSON...}}   sets the graph the following lines run against
//   {"facts": {...}}                runs it; prints the result, or {"error": [problems]}
//
// One process serves a whole test campaign (tests/test_conformance.py), so ten
// thousand patients cost one Node start-up, not ten thousand.

import { createInterface } from "node:readline";
import { run, InputError } from "./carepath-runtime.mjs";

let graph = null;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  if ("graph" in message) { graph = message.graph; continue; }
  let reply;
  try {
    reply = run(graph, message.facts);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    reply = { error: error.problems };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
