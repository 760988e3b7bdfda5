"""A run's result: frozen values → the JSON object of the DESIGN.md contract.

The result is plain data (strings, tuples) so it can be compared, printed as JSON
and matched field by field against the JavaScript runtime's output. `to_json`
writes exactly the contract: `guideline`, `version`, `status`, `actions[]` (`id`,
`urgency`, `title`, `citations`, `because`, and `timing` and `doses` when the action has them),
`needs` (in input declaration order), `questions` (the same inputs ranked by the most
urgent action each could lead to, emergent first, with the question to ask), `path`,
and `trace` only when asked for.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

COMPLETE, NEEDS_INPUT = "complete", "needs_input"
TRUE, FALSE, UNKNOWN = "true", "false", "unknown"


@frozen
class RecommendedAction:
    id: str
    urgency: str  # emergent | urgent | routine
    title: str
    timing: str | None  # "within 6 h", "in 2 to 4 wk", or None
    citations: tuple[str, ...]  # reference ids
    because: tuple[str, ...]  # the guards that led here, with the patient's values
    doses: tuple[str, ...] = ()  # "duloxetine 60–120 mg/d", "gabapentin"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "urgency": self.urgency, "title": self.title}
        if self.timing is not None:
            out["timing"] = self.timing
        if self.doses:
            out["doses"] = list(self.doses)
        out["citations"] = list(self.citations)
        out["because"] = list(self.because)
        return out


@frozen
class GuardValue:
    """One guard of a decision as evaluated: its branch index, its text, its value."""

    branch: int
    when: str
    value: str  # true | false | unknown

    def to_json(self) -> dict[str, Any]:
        return {"branch": self.branch, "when": self.when, "value": self.value}


@frozen
class DecisionTrace:
    """One active decision: the guards evaluated (in order), what fired, what it needs."""

    decision: str
    policy: str
    guards: tuple[GuardValue, ...]
    fired: tuple[int, ...]  # branch indices; the `otherwise` branch has the last index
    pending: bool
    needs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "policy": self.policy,
                "guards": [g.to_json() for g in self.guards], "fired": list(self.fired),
                "pending": self.pending, "needs": list(self.needs)}


@frozen
class LeadsTo:
    """The most urgent action an answer could unlock: reachable through the line that waits for it."""

    id: str
    title: str
    urgency: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "urgency": self.urgency}


@frozen
class Question:
    """One input a pending decision still needs, the question to ask, and what it could lead to."""

    input: str
    ask: str | None
    could_lead_to: LeadsTo | None

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "ask": self.ask,
                "could_lead_to": self.could_lead_to.to_json() if self.could_lead_to else None}


@frozen
class RunResult:
    guideline: str
    version: str
    status: str  # complete | needs_input
    actions: tuple[RecommendedAction, ...]
    needs: tuple[str, ...]
    path: tuple[str, ...]
    trace: tuple[DecisionTrace, ...]
    questions: tuple[Question, ...] = ()

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE

    def action_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actions)

    def to_json(self, trace: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "guideline": self.guideline,
            "version": self.version,
            "status": self.status,
            "actions": [a.to_json() for a in self.actions],
            "needs": list(self.needs),
            "questions": [q.to_json() for q in self.questions],
            "path": list(self.path),
        }
        if trace:
            out["trace"] = [d.to_json() for d in self.trace]
        return out
