"""Imported once by the checking workers' fork server: loads the checker before any fork.

Importing this module checks a small guideline touching every stage (a quantity unit,
a decision, an assertion), which loads the parser tables, the UCUM unit registry and
z3. Every worker forked afterwards inherits them loaded, so neither the author's first
check nor the worker that replaces a cancelled one pays seconds of loading.
"""

from carepath.api import check_text

WARM_UP = """guideline warm_up "Warm up"
reference r "r"
input x: quantity mm[Hg]
start -> d
decide d "d" [r]
  when x < 30 mm[Hg] -> e
  otherwise -> f
end e "e" [r]
end f "f" [r]
assert "below 30 goes to e" [r]
  always x < 30 mm[Hg] implies reaches e
"""

check_text(WARM_UP, "<warm-up>")  # a test holds it free of diagnostics, so every stage runs
