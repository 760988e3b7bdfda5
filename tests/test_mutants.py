"""Mutation test: faults seeded into the reference guideline must be caught.

Each mutant replaces one piece of `guidelines/leg_numbness_cramping.cpath` (the
test fails loudly if the piece is no longer there, so an edited guideline never
silently mutates nothing). A mutant is caught by `check` (any compile error:
names, structure, a logic finding, a failed assertion) or by the guideline's own
scenarios run on the runtime. Each mutant is its own test case, which fails naming
the survivor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.api import check_text
from carepath.targets.runtime.scenarios import run_scenarios

REFERENCE = Path(__file__).resolve().parents[1] / "guidelines" / "leg_numbness_cramping.cpath"

# (name, original text, replacement)
MUTANTS = [
    ("flip the ABI comparison before imaging",
     "  when pad_by_abi -> cta_or_mra", "  when not pad_by_abi -> cta_or_mra"),
    ("shift the ABI threshold for exercise therapy",
     "  when pad_by_abi -> vascular_referral, structured_exercise",
     "  when abi <= 1.00 -> vascular_referral, structured_exercise"),
    ("shift the ABI threshold that confirms PAD",
     "define pad_by_abi: abi <= 0.90", "define pad_by_abi: abi <= 0.80"),
    ("shift the ankle-pressure threshold for amputation risk",
     "define amputation_risk: ankle_pressure <= 50 mm[Hg]", "define amputation_risk: ankle_pressure <= 40 mm[Hg]"),
    ("shift the GBS infection window",
     "define recent_infection: preceding_infection and time_since_infection <= 6 wk",
     "define recent_infection: preceding_infection and time_since_infection <= 4 wk"),
    ("flip the older-adult comparison",
     "define older_adult: age >= 65 a", "define older_adult: age > 65 a"),
    ("flip the stenosis persistence comparison",
     "define stenosis_persistent: conservative_care_duration > 1 mo",
     "define stenosis_persistent: conservative_care_duration < 1 mo"),
    ("drop the otherwise of the Doppler question",
     "  when pedal_pulses = uncertain -> handheld_doppler\n  otherwise -> vascular_emergency_check\n",
     "  when pedal_pulses = uncertain -> handheld_doppler\n"),
    ("drop the otherwise of the refractory-cramps question",
     "  when cramps_refractory -> quinine_consider\n  otherwise -> follow_up_2_4_weeks\n",
     "  when cramps_refractory -> quinine_consider\n"),
    ("swap the Rutherford branch targets",
     "  when rutherford_class = IIb -> emergency_thromboembolectomy\n"
     "  when rutherford_class in {I, IIa} -> immediate_arteriography",
     "  when rutherford_class = IIb -> immediate_arteriography\n"
     "  when rutherford_class in {I, IIa} -> emergency_thromboembolectomy"),
    ("reorder the imaging branches (claudication before ABI)",
     "  when pad_by_abi -> cta_or_mra\n  when vascular_claudication and pulses_decreased -> cta_or_mra",
     "  when vascular_claudication and pulses_decreased -> cta_or_mra\n  when pad_by_abi -> cta_or_mra"),
    ("give exercise therapy to every claudicant",
     "  when no_arterial_signal or vascular_claudication -> vascular_referral\n",
     "  when no_arterial_signal or vascular_claudication -> vascular_referral, structured_exercise\n"),
    ("send a cleared patient nowhere after the consultation",
     "  when acute_limb_ischemia = excluded -> routine_workup\n", ""),
    ("let the consultation's silence count as excluded ischemia",
     "  when acute_limb_ischemia = confirmed or known rutherford_class -> ischemia_grade\n"
     "  when acute_limb_ischemia = excluded -> routine_workup\n",
     "  when ischemia_confirmed -> ischemia_grade\n  otherwise -> routine_workup\n"),
    ("refer a low ABI only behind a vascular cue",
     "  when pad_by_abi and not ischemia_confirmed -> vascular_referral\n", ""),
    ("assess amputation risk only behind a vascular cue",
     "  when amputation_risk and not ischemia_confirmed -> revascularization_assessment\n", ""),
    ("send paralysis with palpable pulses to routine care",
     "  when paralysis -> emergency_vascular_consult\n", ""),
    ("read significantly diminished pulses without paresthesia or pain",
     "  weak_arterial_signal and (pallor or paresthesia or poikilothermia or limb_pain)",
     "  weak_arterial_signal and (pallor or poikilothermia)"),
    ("send Rutherford III to arteriography",
     "  when rutherford_class = III -> irreversible_ischemia",
     "  when rutherford_class = III -> immediate_arteriography"),
    ("show the duloxetine dose before the age is known",
     "  when neuropathic_pain -> older_adult_check", "  when neuropathic_pain -> neuropathic_pain_medication, older_adult_check"),
    ("diagnose diabetes on a single fasting glucose",
     "define diabetes: diabetes_known or (hba1c_diabetic and glucose_diabetic)",
     "define diabetes: diabetes_known or hba1c_diabetic or glucose_diabetic"),
    ("drop the follow-up from the routine workup",
     "  then history_timing, follow_up_2_4_weeks", "  then history_timing"),
    ("delete the edge to the cauda equina referral",
     "  when cauda_equina_suspected -> cauda_equina_referral\n", ""),
    ("delete the edge from absent pulses to the emergency consultation",
     "  when no_arterial_signal -> emergency_vascular_consult\n", ""),
    ("delete stay_active from the stenosis stream",
     "  when stenosis_suspected -> spine_xray, stay_active", "  when stenosis_suspected -> spine_xray"),
    ("widen the quinine guard",
     "  when cramps_refractory -> quinine_consider", "  when cramps_refractory or nocturnal_cramps -> quinine_consider"),
    ("widen the GBS definition",
     "define gbs_suspected: ascending_weakness and (areflexia or recent_infection)",
     "define gbs_suspected: ascending_weakness or areflexia or recent_infection"),
    ("change the emergency consultation's urgency",
     'action emergency_vascular_consult "Vascular surgery consultation within 6 hours" [ref1]\n  urgency emergent',
     'action emergency_vascular_consult "Vascular surgery consultation within 6 hours" [ref1]\n  urgency routine'),
    ("change the cauda equina referral's urgency",
     'action cauda_equina_referral "Immediate specialist referral: cauda equina syndrome" [ref3]\n  urgency emergent',
     'action cauda_equina_referral "Immediate specialist referral: cauda equina syndrome" [ref3]\n  urgency urgent'),
    ("negate the painless tissue loss pitfall",
     "define painless_tissue_loss: tissue_loss and not limb_pain",
     "define painless_tissue_loss: tissue_loss and limb_pain"),
    ("shift the diabetes HbA1c threshold",
     "define hba1c_diabetic: hba1c >= 6.5 %", "define hba1c_diabetic: hba1c >= 7.5 %"),
]


def mutate(text: str, original: str, replacement: str) -> str:
    assert text.count(original) == 1, f"the reference guideline no longer holds {original!r} exactly once"
    return text.replace(original, replacement)


def catcher(text: str) -> str | None:
    """What catches a mutant: `check: CODES`, `scenarios: NAMES`, or None for a survivor.

    The scenarios run first, on the graph compiled without the z3 verifier (a fifth of the
    cost); only a mutant that compiles and passes them all is checked with the verifier.
    Either way a mutant counts as caught exactly when `check` or the scenarios catch it.
    """
    unverified = check_text(text, str(REFERENCE), verify_logic=False)
    if unverified.graph is not None:
        failed = [outcome.scenario.name for outcome in run_scenarios(unverified.graph) if not outcome.passed]
        if failed:
            return f"scenarios: {len(failed)} failed, e.g. {failed[0]!r}"
    checked = check_text(text, str(REFERENCE)) if unverified.graph is not None else unverified
    if checked.graph is None:
        return "check: " + ", ".join(sorted({d.code for d in checked.diagnostics if d.is_error}))
    return None


def test_the_reference_guideline_itself_is_clean():
    assert catcher(REFERENCE.read_text(encoding="utf-8")) is None


def test_there_are_enough_mutants_with_distinct_names():
    assert len(MUTANTS) >= 15
    assert len({name for name, _, _ in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize(("name", "original", "replacement"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_every_mutant_is_caught(name, original, replacement):
    """One test per mutant (so `pytest -n` spreads them over the workers); `-v` names each."""
    caught = catcher(mutate(REFERENCE.read_text(encoding="utf-8"), original, replacement))
    assert caught is not None, f"mutant not caught: {name}"


@pytest.mark.parametrize("original", ["this text is not in the guideline"])
def test_a_mutation_of_absent_text_fails_loudly(original):
    with pytest.raises(AssertionError, match="no longer holds"):
        mutate(REFERENCE.read_text(encoding="utf-8"), original, "")
