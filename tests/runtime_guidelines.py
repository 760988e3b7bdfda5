"""Small guidelines the runtime tests run patients through (test data, not tests)."""

VASCULAR = """\
guideline prop "Property" version "1.0.0"
reference r1 "Vascular source" 2025
input pulses: one of present, diminished, absent
  ask "Pedal pulses of the affected leg?"
input unilateral: boolean
input abi: number from 0 to 2
  ask "Ankle-brachial index?"
input relief: quantity min from 0 to 120
input smoker: boolean
input diabetic: boolean
define pad: abi <= 0.90
start -> triage
decide triage "Emergency?" (first) [r1]
  when pulses = absent and unilateral -> consult
  when pad or pulses = diminished -> workup
  otherwise -> streams
action consult "Emergency consult" [r1]
  urgency emergent
  within 6 h
  then streams
action workup "Vascular workup" [r1]
  urgency urgent
  then severity
decide severity "Severity" (unique) [r1]
  when abi < 0.5 -> revasc
  when abi >= 0.5 -> streams
action revasc "Revascularization" [r1]
  urgency urgent
  then streams
decide streams "Streams" (any) [r1]
  when smoker -> quit
  when diabetic -> glucose
  when relief <= 10 min -> exercise
  otherwise -> done
action quit "Smoking cessation" [r1]
  urgency routine
  then followup
action glucose "Glucose" [r1]
  urgency routine
  then followup
action exercise "Exercise" [r1]
  urgency routine
  then followup
action followup "Follow up" [r1]
  urgency routine
  in 2 to 4 wk
  then done
end done "Done"
"""


def policy_guideline(policy: str) -> str:
    """One decision with the given hit policy over an enum and a boolean, and an `otherwise`."""
    return f"""\
guideline policies "Policies" version "1.0.0"
reference r1 "Source" 2025
input kind: one of p, q, r
input flag: boolean
start -> choose
decide choose "Choose" ({policy}) [r1]
  when kind = p -> on_p
  when kind = q and flag -> on_q
  otherwise -> fallback
action on_p "P" [r1]
  urgency routine
  then done
action on_q "Q" [r1]
  urgency urgent
  then done
action fallback "Fallback" [r1]
  urgency routine
  then done
end done "Done"
"""


def any_guideline() -> str:
    """An `any` decision whose branches may hold together."""
    return """\
guideline streams "Streams" version "1.0.0"
reference r1 "Source" 2025
input a: boolean
input b: boolean
start -> streams
decide streams "Streams" (any) [r1]
  when a -> on_a
  when b -> on_b
  otherwise -> fallback
action on_a "A" [r1]
  urgency routine
  then done
action on_b "B" [r1]
  urgency emergent
  then done
action fallback "Fallback" [r1]
  urgency routine
  then done
end done "Done"
"""
