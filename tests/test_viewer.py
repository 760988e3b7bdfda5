"""The viewer page (`carepath export --format html`) in a real browser.

Chromium, driven by Playwright, loads the page built for the reference guideline,
enters scenarios' facts through the form with clicks and keys, and the page must show
what the Python runtime (`carepath.run`) says: the same actions in the same order,
the same pending questions (ordered most urgent first). axe-core finds no serious or
critical accessibility violation; the print view fits one page; a hostile guideline's
markup shows as text and runs nothing. The page is also checked without a browser:
self-contained, a Content-Security-Policy that allows only its own script and style.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import attrs
import pytest

from carepath import compile_file, compile_text, run
from carepath.diagnostics import CompileError
from carepath.compiler import ir
from carepath.targets.html import to_html
from carepath.targets.html.view import view_model
from carepath.targets.json.export import export_graph
from carepath.targets.json.load import load_graph_text
from carepath.targets.runtime.facts import scenario_facts
from tests import browser

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"
PATIENT = ROOT / "examples" / "patients" / "absent_pulse_unilateral.json"

needs_browser = pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or "")

HOSTILE_QUOTE = '"Treat <b onmouseover="window.pwned = 10">now</b>", the source says.'
HOSTILE_TITLE = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
HOSTILE = """guideline hostile "TITLE" version "1 <b>bold</b>"

reference ref1 "<a href=\\"javascript:window.pwned = 3\\">click</a>" 2025

input abi: number from 0 to 2
  ask "<svg onload=\\"window.pwned = 4\\"></svg> ABI?"
input pulses: one of present, absent
  ask "javascript:window.pwned = 5"

start -> kind

decide kind "<iframe src=\\"javascript:window.pwned = 6\\"></iframe>" (first) [ref1]
  when abi <= 0.90 or pulses = absent -> exercise
  otherwise -> done

action exercise "</script><script>window.pwned = 7</script>" [ref1]
  urgency routine
  then done

end done "Done <style>body { display: none }</style>"

scenario "<img src=x onerror=\\"window.pwned = 8\\">"
  given abi = 0.8
  expect exercise
""".replace("TITLE", HOSTILE_TITLE.replace('"', '\\"'))


@pytest.fixture(scope="module")
def reference():
    return compile_file(REFERENCE)


def expected_questions(result) -> list[str]:
    """The Python run's questions, in its order: most urgent action they could lead to first."""
    return [question.input for question in result.questions]


def form_facts(graph, scenario) -> dict:
    """A scenario's facts as a user types them (numbers as the author wrote them)."""
    index = [s.name for s in graph.scenarios].index(scenario.name)
    return view_model(graph)["scenarios"][index]["facts"]


# --- without a browser ------------------------------------------------------------------


def test_page_is_self_contained_with_a_strict_policy(reference):
    page = to_html(reference)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "the page loads something remote"
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", directives["script-src"])
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", directives["style-src"])
    assert page.count("<script") == 3  # two JSON data blocks and the one module script
    runtime = (ROOT / "targets" / "js" / "carepath-runtime.mjs").read_text(encoding="utf-8")
    assert runtime in page, "the runtime is inlined as it is at build time"
    graph_block = re.search(r'<script type="application/json" id="carepath-graph">(.*?)</script>', page, re.S)
    assert json.loads(graph_block.group(1)) == json.loads(export_graph(reference, spans=False))


def test_hostile_text_is_escaped_in_the_markup():
    page = to_html(compile_text(HOSTILE))
    markup = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    markup = re.sub(r'<script type="module">.*?</script>', "", markup, flags=re.S)
    for tag in ("<script>", "<img", "<iframe", "<svg onload", "<a href", "<style>body"):
        assert tag not in markup, tag
    data = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    assert all("<" not in block for block in data)


# --- in Chromium --------------------------------------------------------------------------


def nearest_first(fact_sets: list[dict]) -> list[int]:
    """An order of `fact_sets` in which each differs little from the one before (greedy tour from no facts).

    Typing a scenario into a cleared form costs ~40 entries; walking scenarios in this
    order, correcting only what differs, costs a few each.
    """
    def differences(a: dict, b: dict) -> int:
        return sum(a.get(name) != b.get(name) for name in a.keys() | b.keys())

    order, left, shown = [], set(range(len(fact_sets))), {}
    while left:
        nearest = min(left, key=lambda i: (differences(shown, fact_sets[i]), i))
        order.append(nearest)
        left.remove(nearest)
        shown = fact_sets[nearest]
    return order


@needs_browser
def test_scenarios_typed_into_the_form_agree_with_the_python_runtime(reference, reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    page.click("#clear-facts")
    scenarios = reference.scenarios[::8]  # every scenario loads from the list, below
    typed = [form_facts(reference, scenario) for scenario in scenarios]
    shown: dict = {}
    for index in nearest_first(typed):
        scenario = scenarios[index]
        browser.fill_facts(page, reference, typed[index], shown=shown)
        shown = typed[index]
        result = run(reference, scenario_facts(reference, scenario))
        where = f"scenario {scenario.name!r}"
        assert browser.shown_actions(page) == [action.id for action in result.actions], where
        assert browser.shown_questions(page) == expected_questions(result), where
        assert page.inner_text("#status").startswith("Complete" if result.complete else "Needs input"), where
    assert not page.is_visible("#input-problems")


@needs_browser
def test_every_scenario_loads_from_the_list(reference, reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    wanted = []
    for scenario in reference.scenarios:
        result = run(reference, scenario_facts(reference, scenario))
        wanted.append(([action.id for action in result.actions], expected_questions(result)))
    last = len(reference.scenarios) - 1
    for index in (0, last // 2, last):  # chosen and loaded with Playwright's mouse, as a user does
        page.select_option("#scenario-select", str(index))
        page.click("#scenario-load")
        assert browser.shown_actions_and_questions(page) == wanted[index], reference.scenarios[index].name
    # and every one by the list's and the button's own events, in one call (a Playwright
    # action costs the browser ~70 ms of CPU)
    unchosen, *shown = browser.load_every_scenario(page)
    assert unchosen == wanted[last], "loading the '(choose a scenario)' line changed the facts"
    for scenario, got, want in zip(reference.scenarios, shown, wanted, strict=True):
        assert got == want, scenario.name


@needs_browser
def test_each_page_a_test_opens_is_a_new_document(reference, reference_viewer, tabs):
    index = [i.name for i in reference.inputs].index("abi")
    page = tabs.open(reference_viewer)
    page.click(f"#fact-{index}")
    page.keyboard.type("0.8")
    page.evaluate("window.left = 'by the test before'")
    again = tabs.open(reference_viewer)
    assert again is page  # the same tab, reused
    assert again.evaluate("window.left") is None
    assert again.input_value(f"#fact-{index}") == ""


@needs_browser
def test_path_lights_up_and_pending_decisions_are_shaded(reference, reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    browser.load_facts_file(page, PATIENT)
    facts = json.loads(PATIENT.read_text(encoding="utf-8"))
    result = run(reference, facts)
    assert browser.shown_actions(page) == [action.id for action in result.actions]
    lit = page.eval_on_selector_all("#chart-svg .node.on-path:not(.condition), #chart-svg .node.pending", "gs => gs.map(g => g.id)")
    assert sorted(lit) == sorted(f"node-{node}" for node in result.path)
    shaded = page.eval_on_selector_all("#chart-svg .node.pending", "gs => gs.map(g => g.id)")
    assert shaded == [f"node-{step.decision}" for step in result.trace if step.pending]
    assert shaded, "this patient leaves a decision waiting"


@needs_browser
def test_an_answer_button_moves_focus_to_its_field(reference, reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    first_question = browser.shown_questions(page)[0]
    page.locator("#questions button").first.focus()
    page.keyboard.press("Enter")
    index = [i.name for i in reference.inputs].index(first_question)
    assert page.evaluate("document.activeElement.id").startswith(f"fact-{index}")


@needs_browser
def test_a_number_that_is_not_a_number_is_named_at_its_field(reference, reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    index = [i.name for i in reference.inputs].index("abi")
    page.click(f"#fact-{index}")
    page.keyboard.type("0,8x")
    assert "enter a number" in page.inner_text(f"#fact-{index}-problem")
    assert page.is_visible("#input-problems")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")  # out of the input's range 0 to 2: the runtime refuses it
    assert "outside" in page.inner_text(f"#fact-{index}-problem")


@needs_browser
@pytest.mark.skipif(not browser.AXE.exists(), reason="axe-core is not installed (make setup runs `npm ci`)")
def test_no_serious_accessibility_violation(reference_viewer, tabs):
    page = tabs.open(reference_viewer, **browser.PHONE_WITHOUT_POLICY)
    browser.load_facts_file(page, PATIENT)
    page.add_script_tag(content=browser.AXE.read_text(encoding="utf-8"))
    report = page.evaluate(f"axe.run(document, {browser.AXE_OPTIONS})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in report["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], "on a phone-sized page"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px on a phone"


@needs_browser
def test_print_view_is_one_page(reference_viewer, tabs):
    page = tabs.open(reference_viewer)
    browser.load_facts_file(page, PATIENT)
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


@needs_browser
@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with the policy", "escaping alone"])
def test_hostile_guideline_runs_no_script(tmp_path, tabs, bypass_csp):
    # The action quotes its source document (the IR's `source`), with markup in the quote.
    compiled = compile_text(HOSTILE)
    quoted = tuple(attrs.evolve(n, source=HOSTILE_QUOTE) if n.id == "exercise" else n for n in compiled.nodes)
    graph = attrs.evolve(compiled, nodes=quoted)
    # Ids cannot hold markup in a .cpath, and the graph JSON loader refuses such an id too
    # (CP0703); a graph built through the Python API can still carry one, so the page must
    # stay safe on its own: rename a node in the IR, past the loader.
    hostile_id = '"><img src=x onerror="window.pwned = 9">'
    document = export_graph(graph).replace('"exercise"', json.dumps(hostile_id))
    with pytest.raises(CompileError):
        load_graph_text(document)
    from carepath.targets.json.load import _decode

    decoded = json.loads(document, parse_float=Fraction)
    hostile_graph = _decode(ir.Graph, {k: v for k, v in decoded.items() if k != "format"})
    path = tmp_path / "hostile.html"
    path.write_text(to_html(hostile_graph), encoding="utf-8")
    page = tabs.open(path, **browser.PHONE_WITHOUT_POLICY) if bypass_csp else tabs.open(path)
    dialogs = []

    def dismissed(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismissed)
    try:
        assert_runs_no_script(page, graph, hostile_id, dialogs)
    finally:
        page.remove_listener("dialog", dismissed)


def assert_runs_no_script(page, graph, hostile_id: str, dialogs: list[str]) -> None:
    abi = [i.name for i in graph.inputs].index("abi")
    page.click(f"#fact-{abi}")
    page.keyboard.type("0.5")
    page.select_option("#scenario-select", "0")
    page.click("#scenario-load")
    assert page.evaluate("window.pwned") is None
    assert dialogs == []
    assert page.inner_text("h1") == HOSTILE_TITLE
    assert "</script><script>window.pwned = 7</script>" in page.inner_text("#actions")
    assert browser.shown_actions(page) == [hostile_id]
    assert page.inner_text("#actions .source-quote") == HOSTILE_QUOTE
    assert page.locator("#actions img, #actions script, #questions svg, form iframe").count() == 0
