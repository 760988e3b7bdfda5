"""The Python runtime: a compiled `Graph` and a patient's facts → what to do, and why.

`execute.execute` walks the graph per docs/semantics.md (the interpreter, the reference);
`generate` writes a graph as one Python function and `compiled` compiles and runs it (the
generated executor, the default; `compiled.executor(name)` picks one); `facts` checks facts files;
`scenarios` runs a guideline's own scenarios and measures their coverage; `junit`
writes the results for CI; `report` renders a result for a clinician.
"""
