"""Advice for exchange: a compiled graph → a warning naming the inputs that have no terminology code.

FHIR patient data reaches a guideline through the codes on its inputs
(`code LOINC "4548-4"`): an input without one can only be given by hand, never read from
a health record, and the FHIR export cannot tell a receiving system what it means. This
is advice, not an error (many findings have no standard code), so only `carepath check`
runs it, after a clean compilation (`pipeline.ADVISORY_PASSES`).
"""

from __future__ import annotations

from carepath.compiler import ir
from carepath.diagnostics import Sink

UNCODED = "CP0801"


def check_codes(graph: ir.Graph, sink: Sink) -> ir.Graph:
    """One CP0801 warning listing every input without a `code`, at the first of them."""
    uncoded = [i for i in graph.inputs if not i.codes]
    if uncoded:
        names = ", ".join(f"`{i.name}`" for i in uncoded)
        count = f"{len(uncoded)} input{'s' if len(uncoded) != 1 else ''} of {len(graph.inputs)}"
        sink.warning(UNCODED, f"{count} {'have' if len(uncoded) != 1 else 'has'} no terminology code: {names}",
                     uncoded[0].span,
                     hint='add `code LOINC "…"` or `code SNOMED "…"` where a standard code exists, '
                          "so FHIR data can set the input (docs/interop.md)")
    return graph
