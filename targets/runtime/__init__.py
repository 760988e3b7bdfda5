"""The Python runtime: a compiled `Graph` and a patient's facts → what to do, and why.

`execute.execute` walks the graph per docs/semantics.md; `facts` checks facts files;
`scenarios` runs a guideline's own scenarios and measures their coverage; `junit`
writes the results for CI; `report` renders a result for a clinician.
"""
