"""Path queries: "can this hold for a patient who reaches node N?" → a small z3 query.

A node's reach formula is its dominator's reach and a local condition
(`Activation.local`); asking z3 about the whole formula makes every query as
large as the graph above the node, and a whole check quadratic. But when the
facts a query reads (its *support*: the inputs whose value or known-ness it
mentions) are disjoint from those a dominator's reach reads, the two parts are
independent: the query holds for some patient reaching N exactly when the
dominator is reachable at all and the part below it holds. So a query climbs
the dominator tree, conjoining local conditions, only as far as they share
facts with it, and "is the dominator reachable" is asked once per node and
remembered. The answer is exact; when a finding needs a whole patient, the full
query is asked once more for its model.
"""

from __future__ import annotations

import z3

from carepath.compiler import ir
from carepath.compiler.logic.prover import Outcome, Prover
from carepath.compiler.logic.reach import Activation


class PathQueries:
    def __init__(self, activation: Activation, prover: Prover):
        self.activation = activation
        self.prover = prover
        self._reach_support: dict[str, int] = {ir.Graph.START: 0}
        for node_id in activation.order[1:]:
            self._reach_support[node_id] = (self._reach_support[activation.idom[node_id]]
                                            | self.prover.support(activation.local[node_id]))
        self._reachable: dict[str, Outcome] = {ir.Graph.START: Outcome(holds=True)}

    def find(self, node: str, formula: z3.BoolRef) -> Outcome:
        """Whether `formula` holds for some patient who reaches `node` (no model: ask `witness`)."""
        parts = [formula, self.activation.local[node]] if node != ir.Graph.START else [formula]
        return self._climb(node, parts)

    def witness(self, node: str, formula: z3.BoolRef) -> Outcome:
        """The full query, for a model of a patient reaching `node` for whom `formula` holds."""
        return self.prover.find(self.activation.reach[node], formula)

    def reachable(self, node: str) -> Outcome:
        """Whether some patient reaches `node`, remembered; asked top-down along the dominator tree."""
        chain = []
        while node not in self._reachable:
            chain.append(node)
            node = self.activation.idom[node]
        for node in reversed(chain):
            self._reachable[node] = self._climb(node, [self.activation.local[node]])
        return self._reachable[chain[0]] if chain else self._reachable[node]

    def _climb(self, node: str, parts: list[z3.BoolRef]) -> Outcome:
        """Conjoin local conditions up the dominator tree until independent of what lies above."""
        activation = self.activation
        needed = 0
        for part in parts:
            needed |= self.prover.support(part)
        above = activation.idom.get(node)
        while above is not None and above != ir.Graph.START and self._reach_support[above] & needed:
            local = activation.local[above]
            parts.append(local)
            needed |= self.prover.support(local)
            above = activation.idom[above]
        below = self.prover.find(*parts)
        if not below.holds or above is None:
            return Outcome(holds=below.holds, undecided=below.undecided)
        upper = self.reachable(above)
        return upper if not upper.holds else Outcome(holds=True)
