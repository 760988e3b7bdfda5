"""The logic verifier's z3 machinery: graph IR → formulas, formulas → findings.

`encode` turns inputs and expressions into z3 terms under the three-valued
semantics; `reach` turns the decision graph into one activation formula per
node; `witness` reads a z3 model back as a replayable patient; `decisions` and
`assertions` are the checks the `verify_logic` pass runs; `diff` compares two
versions of a guideline; `conditions` writes reach conditions back as IR
expressions for `carepath review`. Kept apart from `compiler.passes` because `carepath
diff` uses the same encoding without running a compilation.
"""

DEFAULT_TIMEOUT_MS = 10_000  # per solver query; running out is a warning, never a proof
