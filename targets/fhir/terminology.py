"""Terminology names → FHIR code system URIs, both ways.

A guideline names a code's system the way clinicians do (`code LOINC "4548-4"`); FHIR
names it by URI (`http://loinc.org`). The export writes the URI, the FHIR reader matches
a patient's Observation codings against it. Both directions use this one table.
"""

from __future__ import annotations

from carepath.compiler import ir

UCUM = "http://unitsofmeasure.org"

SYSTEMS = {
    "loinc": "http://loinc.org",
    "snomed": "http://snomed.info/sct",
    "snomedct": "http://snomed.info/sct",
    "sct": "http://snomed.info/sct",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
}


def system_uri(code: ir.Code) -> str | None:
    """The FHIR URI of a code's system (`LOINC`, `SNOMED`, `SNOMEDCT`, `ICD10`, …), None when unknown."""
    return SYSTEMS.get(code.system.lower().replace("-", "").replace("_", "").replace(" ", ""))


def coding(code: ir.Code) -> dict:
    """A FHIR Coding for a known system (callers check `system_uri` first)."""
    out = {"system": system_uri(code), "code": code.code}
    if code.display:
        out["display"] = code.display
    return out
