"""Small guidelines built as IR values, for the flowchart tests and golden files.

Built by hand rather than compiled so the renderers' tests do not depend on the
front end: `claudication()` covers every node kind, urgency, hit policy, sections,
citations, a define and a quantity guard; `hostile()` puts markup, quotes, braces,
backslashes and newlines into every piece of text a chart shows.
"""

from __future__ import annotations

from fractions import Fraction

from carepath.compiler import ir
from tests.ir_build import graph, node

N = ir.NodeKind


def claudication() -> ir.Graph:
    abi_low = ir.Compare("<=", ir.InputRef("abi"), ir.Literal(Fraction("0.9"), text="0.90"))
    return graph(
        id="calf_pain",
        title="Calf pain on walking",
        version="1.2.0",
        inputs=(
            ir.Input("pedal_pulses", ir.EnumType(("present", "diminished", "absent"))),
            ir.Input("abi", ir.NumberType(0, 2), question="Ankle-brachial index"),
            ir.Input("rest_relief_time", ir.QuantityType("min")),
            ir.Input("pallor", ir.BooleanType()),
            ir.Input("paralysis", ir.BooleanType()),
            ir.Input("limb_pain", ir.BooleanType()),
            ir.Input("toe_pressure", ir.QuantityType("mm[Hg]")),
        ),
        defines=(ir.Define("pad", abi_low, ir.BooleanType()),),
        references=(
            ir.Reference("ref1", "Vascular emergencies in a single extremity", 2026),
            ir.Reference("ref2", "Claudication: guideline overview", 2025, "Vascular Society"),
        ),
        sections=(
            ir.Section("immediate", "Immediate assessment"),
            ir.Section("workup", "Work-up"),
            ir.Section("follow_up", "Follow-up"),
        ),
        nodes=(
            node("start", N.START, "Calf pain on walking"),
            node(
                "pulse_check",
                N.ASSESS,
                "Palpate pedal pulses and look for the 6 P's",
                section="immediate",
                collects=("pedal_pulses", "pallor", "paralysis", "limb_pain"),
            ),
            node(
                "ischemia_screen",
                N.DECIDE,
                "Signs of acute limb ischemia?",
                section="immediate",
                citations=("ref1",),
                policy=ir.HitPolicy.FIRST,
            ),
            node(
                "vascular_consult",
                N.ACTION,
                "Emergency vascular surgery consultation",
                section="immediate",
                citations=("ref1",),
                urgency=ir.Urgency.EMERGENT,
                timing=ir.Timing("within", ir.Quantity(6, "h")),
                text="Do not delay for imaging.",
            ),
            node("measure_abi", N.ASSESS, "Measure the ankle-brachial index", section="workup", collects=("abi",)),
            node(
                "claudication_type",
                N.DECIDE,
                "Vascular claudication?",
                section="workup",
                citations=("ref2",),
                policy=ir.HitPolicy.ANY,
            ),
            node(
                "vascular_referral",
                N.ACTION,
                "Refer to vascular medicine",
                section="workup",
                citations=("ref2",),
                urgency=ir.Urgency.URGENT,
                timing=ir.Timing("in", ir.Quantity(2, "wk"), ir.Quantity(4, "wk")),
            ),
            node(
                "exercise",
                N.ACTION,
                "Supervised exercise programme",
                section="workup",
                citations=("ref2",),
                urgency=ir.Urgency.ROUTINE,
                doses=(ir.Dose("cilostazol", ir.Quantity(100, "mg"), None),),
            ),
            node(
                "review",
                N.ACTION,
                "Review in clinic",
                section="follow_up",
                citations=("ref2",),
                urgency=ir.Urgency.ROUTINE,
                timing=ir.Timing("every", ir.Quantity(6, "mo")),
            ),
            node("done", N.END, "Workup complete", section="follow_up"),
        ),
        edges=(
            ir.Edge("start", "pulse_check"),
            ir.Edge("pulse_check", "ischemia_screen"),
            ir.Edge(
                "ischemia_screen",
                "vascular_consult",
                guard=ir.Compare("=", ir.InputRef("pedal_pulses"), ir.Literal("absent")),
                branch=0,
            ),
            ir.Edge(
                "ischemia_screen",
                "vascular_consult",
                guard=ir.Compare(
                    ">=",
                    ir.ConditionSum(
                        tuple(ir.Term(1, ir.InputRef(name)) for name in ("pallor", "paralysis", "limb_pain"))
                    ),
                    ir.Literal(2),
                ),
                branch=1,
            ),
            ir.Edge("ischemia_screen", "measure_abi", branch=2, otherwise=True),
            ir.Edge("vascular_consult", "done"),
            ir.Edge("measure_abi", "claudication_type"),
            ir.Edge(
                "claudication_type",
                "vascular_referral",
                guard=ir.Or(
                    (
                        ir.DefineRef("pad"),
                        ir.Compare("<", ir.InputRef("toe_pressure"), ir.Literal(30, "mm[Hg]")),
                    )
                ),
                branch=0,
            ),
            ir.Edge(
                "claudication_type",
                "exercise",
                guard=ir.And(
                    (
                        ir.DefineRef("pad"),
                        ir.Compare("<=", ir.InputRef("rest_relief_time"), ir.Literal(10, "min")),
                    )
                ),
                branch=1,
            ),
            ir.Edge("claudication_type", "review", branch=2, otherwise=True),
            ir.Edge("vascular_referral", "review"),
            ir.Edge("exercise", "review"),
            ir.Edge("review", "done"),
        ),
    )


HOSTILE_TEXT = 'He said "stop" <script>alert(1)</script> & {braces} \\N \\G </B> ]]> |pipe| #hash;'


def hostile() -> ir.Graph:
    """Every label holds markup, quotes, braces, backslashes and a newline."""
    text = HOSTILE_TEXT
    return graph(
        id="hostile",
        title=f"<b>Title</b> {text}",
        version='1.0 "beta" <i>',
        inputs=(ir.Input("score", ir.EnumType(("low", "high"))),),
        defines=(),
        references=(ir.Reference("ref1", f"<svg onload=alert(1)> {text}", 2020, "<Publisher & Co>"),),
        sections=(ir.Section("s1", f"Section <img src=x> {text}"),),
        nodes=(
            node("start", N.START, f"Start {text}"),
            node(
                "ask",
                N.DECIDE,
                f"Decide\n{text}",
                section="s1",
                citations=("ref1",),
                policy=ir.HitPolicy.FIRST,
                text=f"Evidence\n{text}",
            ),
            node(
                "act",
                N.ACTION,
                f"<script>document.write('x')</script> {text}",
                section="s1",
                citations=("ref1",),
                urgency=ir.Urgency.EMERGENT,
                doses=(ir.Dose(f'"drug" <{text}>'),),
            ),
            node("stop", N.END, f"</text></svg><svg> {text}"),
        ),
        edges=(
            ir.Edge("start", "ask"),
            ir.Edge("ask", "act", guard=ir.Compare("=", ir.InputRef("score"), ir.Literal("high")), branch=0),
            ir.Edge("ask", "stop", branch=1, otherwise=True),
            ir.Edge("act", "stop"),
        ),
    )


def generated_guideline(size: int, seed: int = 5) -> ir.Graph:
    """A guideline of `size` steps shaped like a real workup, for benchmarks.

    Eight sections in order; every third step a decision whose branches lead a few
    steps ahead (labelled cross edges, what makes dot's crossing minimisation
    expensive), and every decision can also jump to its section's shared lab step
    or to the common follow-up, the sinks that many branches reach.
    """
    import random

    rng = random.Random(seed)
    sections = tuple(ir.Section(f"s{i}", f"Section {i + 1}") for i in range(8))
    inputs = tuple(ir.Input(f"x{i}", ir.NumberType(0, 100)) for i in range(20))
    nodes = [node("start", N.START, "Start")]
    edges: list[ir.Edge] = []
    last = size - 1
    for i in range(1, size):
        section = sections[min(7, (i - 1) * 8 // (size - 1))].id
        node_id = f"step{i}"
        if i == last:
            nodes.append(node(node_id, N.END, "Follow-up complete", section=section))
            continue
        if i % 3 == 0:
            nodes.append(node(node_id, N.DECIDE, f"Decision {i}: which way?", section=section,
                                 policy=ir.HitPolicy.FIRST))
            targets = sorted({i + 1, min(last, i + rng.randint(2, 8)), rng.choice([min(last, i + 1), last])})
            for branch, target in enumerate(targets[:-1]):
                guard = ir.Compare(">=", ir.InputRef(f"x{rng.randrange(20)}"), ir.Literal(rng.randrange(100)))
                edges.append(ir.Edge(node_id, f"step{target}", guard=guard, branch=branch))
            edges.append(ir.Edge(node_id, f"step{targets[-1]}", branch=len(targets) - 1, otherwise=True))
        else:
            kind = N.ASSESS if i % 3 == 1 else N.ACTION
            nodes.append(node(node_id, kind, f"Step {i} of the workup", section=section))
            edges.append(ir.Edge(node_id, f"step{i + 1}"))
    edges.insert(0, ir.Edge("start", "step1"))
    return graph(
        id=f"generated_{size}",
        title=f"Generated guideline of {size} steps",
        version="1",
        inputs=inputs,
        defines=(),
        references=(),
        sections=sections,
        nodes=tuple(nodes),
        edges=tuple(edges),
    )
