"""FHIR target: graph IR → a PlanDefinition Bundle; FHIR patient data → facts (see the modules)."""
