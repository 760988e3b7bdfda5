"""The language server end to end: `carepath lsp` spawned, real LSP messages over stdio.

One server serves the whole module (starting its checker takes seconds); each test
opens its own document, so the tests do not depend on one another's order.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from carepath.api import check_text
from carepath.dsl.format import format_text
from tests.lsp_client import LspClient, ResponseError

HERE = Path(__file__).parent / "lsp"
GUIDELINE = (HERE / "pulses.cpath").read_text(encoding="utf-8")
REFERENCE_GUIDELINE = Path(__file__).parents[1] / "guidelines" / "leg_numbness_cramping.cpath"
_documents = itertools.count(1)


@pytest.fixture(scope="module")
def client():
    lsp = LspClient(HERE)
    capabilities = lsp.initialize(HERE)["capabilities"]
    assert capabilities["renameProvider"] and capabilities["codeLensProvider"]
    yield lsp
    assert lsp.close() == 0


def open_document(client: LspClient, text: str = GUIDELINE) -> str:
    """Open `text` under a fresh name beside the fixture and wait for its first diagnostics."""
    uri = (HERE / f"document_{next(_documents)}.cpath").as_uri()
    client.open(uri, text)
    client.diagnostics(uri, 1)
    return uri


def at(uri: str, text: str, needle: str, offset: int = 0, occurrence: int = 1) -> dict:
    """Request params for the position of the n-th `needle` in `text`, `offset` characters in."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    before = text[: start + offset]
    line = before.count("\n")
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": len(before) - before.rfind("\n") - 1}}


def position_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    params = at("", text, needle, occurrence=occurrence)
    return params["position"]["line"], params["position"]["character"]


def apply_edits(text: str, edits: list[dict]) -> str:
    """The text after a list of LSP TextEdits (applied from the last to the first)."""
    lines = text.split("\n")
    offsets = list(itertools.accumulate([0] + [len(line) + 1 for line in lines]))

    def offset(position: dict) -> int:
        return offsets[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


# -- diagnostics as you type ----------------------------------------------------------------------


def test_a_broken_guideline_gets_its_diagnostics_and_a_fix_clears_them(client):
    uri = (HERE / "broken.cpath").as_uri()
    broken = GUIDELINE.replace("otherwise -> routine_care", "otherwise -> routine_cre")
    client.open(uri, broken)
    [diagnostic] = client.diagnostics(uri, 1)
    assert diagnostic["code"] == "CP0104"
    assert diagnostic["severity"] == 1 and diagnostic["source"] == "carepath"
    line, character = position_of(broken, "routine_cre")
    assert diagnostic["range"] == {"start": {"line": line, "character": character},
                                   "end": {"line": line, "character": character + len("routine_cre")}}
    assert "unknown node `routine_cre`" in diagnostic["message"] and "routine_care" in diagnostic["message"]

    client.change(uri, GUIDELINE, 2)
    assert client.diagnostics(uri, 2) == []


def test_syntax_errors_in_several_items_are_all_published(client):
    uri = (HERE / "syntax.cpath").as_uri()
    broken = GUIDELINE.replace("urgency emergent", "urgency emergent emergent").replace(
        "ask \"Toe pressure?\"", "ask Toe pressure?")
    client.open(uri, broken)
    diagnostics = client.diagnostics(uri, 1)
    assert [d["code"] for d in diagnostics] == ["CP0001", "CP0001"]
    assert [d["range"]["start"]["line"] for d in diagnostics] == [
        position_of(broken, "Toe pressure?")[0], position_of(broken, "emergent emergent")[0]]


def test_diagnostics_include_the_verifier_findings(client):
    uri = (HERE / "unsafe.cpath").as_uri()
    unsafe = GUIDELINE + '\nassert "Present pulses never reach the surgeon" [ref1]\n' \
                         "  never pedal_pulses = present and reaches vascular_consult\n"
    client.open(uri, unsafe)
    [diagnostic] = client.diagnostics(uri, 1)
    assert diagnostic["code"] == "CP0502"  # a `never` property that some patient breaks
    assert diagnostic["range"]["start"]["line"] == position_of(unsafe, "never pedal_pulses")[0]
    [expected] = check_text(unsafe, "unsafe.cpath").diagnostics  # what `carepath check` says
    assert (diagnostic["code"], diagnostic["message"].split("\n")[0]) == (expected.code, expected.message)


def test_quick_edits_are_debounced_into_one_check(client):
    uri = (HERE / "debounced.cpath").as_uri()
    client.open(uri, GUIDELINE)
    client.diagnostics(uri, 1)
    client.change(uri, GUIDELINE.replace("-> routine_care", "-> nowhere"), 2)
    client.change(uri, GUIDELINE.replace("-> routine_care", "-> elsewhere"), 3)
    [diagnostic] = client.diagnostics(uri, 3)
    assert "unknown node `elsewhere`" in diagnostic["message"]
    assert not [n for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"
                and n["params"]["uri"] == uri and n["params"].get("version") == 2]


def test_a_newer_edit_cancels_a_check_that_is_running(client):
    uri = REFERENCE_GUIDELINE.with_name("cancelled.cpath").as_uri()
    text = REFERENCE_GUIDELINE.read_text(encoding="utf-8")
    client.open(uri, text)
    # A hover is answered once the worker has sent the index of the text; it then runs the
    # check itself (parsing again, typing, verifying: well over a second here), so the
    # change below arrives while that check is running.
    hover = client.request("textDocument/hover", at(uri, text, "input pedal_pulses", 6))
    assert "Dorsalis pedis" in hover["contents"]["value"]
    client.change(uri, text + "\n", 2)
    client.wait_for("window/logMessage", lambda p: p["message"].endswith("version 1 cancelled"))
    assert client.diagnostics(uri, 2) == []
    assert not [n for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"
                and n["params"]["uri"] == uri and n["params"].get("version") == 1]
    hover = client.request("textDocument/hover", at(uri, text, "input laterality", 6))
    assert "one leg or both" in hover["contents"]["value"]  # the worker that took over answers


# -- reading ------------------------------------------------------------------------------------


def test_hover_on_an_input_gives_its_type_unit_question_and_codes(client):
    uri = open_document(client)
    enum = client.request("textDocument/hover", at(uri, GUIDELINE, "pedal_pulses = absent", 3))["contents"]["value"]
    assert "**input** `pedal_pulses`: one of present, absent" in enum
    assert "Pedal pulses on palpation?" in enum and "LOINC `44974-6`" in enum
    quantity = client.request("textDocument/hover", at(uri, GUIDELINE, "toe_pressure <"))["contents"]["value"]
    assert "quantity mm[Hg] from 0 to 300" in quantity and "unit: `mm[Hg]`" in quantity


def test_hover_on_a_reference_a_define_and_a_node(client):
    uri = open_document(client)
    reference = client.request("textDocument/hover", at(uri, GUIDELINE, "ref1]"))["contents"]["value"]
    assert "Vascular emergencies in limb numbness (2026)" in reference and "Praxis Medical Insights" in reference
    define = client.request("textDocument/hover", at(uri, GUIDELINE, "low_toe_pressure ->"))["contents"]["value"]
    assert "define low_toe_pressure: toe_pressure < 30 mm[Hg]" in define
    node = client.request("textDocument/hover", at(uri, GUIDELINE, "action vascular_consult", 8))
    text = node["contents"]["value"]
    assert "**action** `vascular_consult`: Vascular surgery consultation" in text
    assert "reached:\n- from `pulse_check` when `pedal_pulses = absent or low_toe_pressure`" in text
    line, character = position_of(GUIDELINE, "vascular_consult \"")
    assert node["range"]["start"] == {"line": line, "character": character}


def test_hover_on_a_member_and_off_any_name(client):
    uri = open_document(client)
    member = client.request("textDocument/hover", at(uri, GUIDELINE, "= absent", 3))["contents"]["value"]
    assert "**member** `absent` of input `pedal_pulses`" in member
    assert client.request("textDocument/hover", at(uri, GUIDELINE, "# A small")) is None


def test_go_to_definition(client):
    uri = open_document(client)
    location = client.request("textDocument/definition", at(uri, GUIDELINE, "-> vascular_consult", 4))
    line, character = position_of(GUIDELINE, "vascular_consult \"")
    assert location["uri"] == uri
    assert location["range"]["start"] == {"line": line, "character": character}


def test_find_references(client):
    uri = open_document(client)
    params = at(uri, GUIDELINE, "input pedal_pulses", 6) | {"context": {"includeDeclaration": True}}
    found = client.request("textDocument/references", params)
    lines = [location["range"]["start"]["line"] for location in found]
    expected = [position_of(GUIDELINE, "pedal_pulses", n)[0] for n in (1, 2, 3, 4)]
    assert lines == expected  # the declaration, the guard, both scenario facts
    params["context"]["includeDeclaration"] = False
    assert len(client.request("textDocument/references", params)) == 3


def test_definition_in_an_imported_file_and_no_rename_there(client):
    text = (HERE / "uses_shared.cpath").read_text(encoding="utf-8")
    uri = (HERE / "uses_shared.cpath").as_uri()
    client.open(uri, text)
    assert client.diagnostics(uri, 1) == []
    location = client.request("textDocument/definition", at(uri, text, "abi <="))
    assert location["uri"] == (HERE / "shared.cpath").as_uri()
    assert location["range"]["start"] == {"line": 0, "character": len("input ")}
    hover = client.request("textDocument/hover", at(uri, text, "abi <="))["contents"]["value"]
    assert "Ankle-brachial index" in hover and "shared.cpath" in hover
    with pytest.raises(ResponseError, match="declared in .*shared.cpath.*rename it there"):
        client.request("textDocument/rename", at(uri, text, "abi <=") | {"newName": "ankle_brachial_index"})


# -- renaming -----------------------------------------------------------------------------------


def test_rename_a_node_edits_every_use_and_the_result_checks(client):
    uri = open_document(client)
    edit = client.request("textDocument/rename", at(uri, GUIDELINE, "then done", 5) | {"newName": "finished"})
    renamed = apply_edits(GUIDELINE, edit["changes"][uri])
    assert renamed.count("finished") == 2 and "done" not in renamed.replace("Done", "")
    assert check_text(renamed, "renamed.cpath").graph is not None


def test_rename_an_input_and_a_member(client):
    uri = open_document(client)
    edit = client.request("textDocument/rename", at(uri, GUIDELINE, "toe_pressure <") | {"newName": "toe_mmhg"})
    renamed = apply_edits(GUIDELINE, edit["changes"][uri])
    assert not re.search(r"\btoe_pressure\b", renamed) and renamed.count("toe_mmhg") == 3
    edit = client.request("textDocument/rename", at(uri, GUIDELINE, "= absent", 3) | {"newName": "missing"})
    renamed = apply_edits(GUIDELINE, edit["changes"][uri])
    assert "one of present, missing" in renamed and "pedal_pulses = missing" in renamed
    assert check_text(renamed, "renamed.cpath").graph is not None


def test_rename_refuses_keywords_clashes_and_non_names(client):
    uri = open_document(client)
    params = at(uri, GUIDELINE, "low_toe_pressure:")
    for new_name, reason in (("when", "keyword"), ("pulse_check", "already declared"), ("2fast", "not a name")):
        with pytest.raises(ResponseError, match=reason) as refused:
            client.request("textDocument/rename", params | {"newName": new_name})
        assert refused.value.code == -32803
    prepared = client.request("textDocument/prepareRename", params)
    assert prepared["placeholder"] == "low_toe_pressure"


# -- writing ------------------------------------------------------------------------------------


def labels(client: LspClient, uri: str, text: str, line: int) -> list[str]:
    """The completion labels at the end of `line` (0-based) of `text`."""
    position = {"line": line, "character": len(text.split("\n")[line])}
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
    return [item["label"] for item in result["items"]]


def test_completion_of_inputs_members_nodes_references_and_units(client):
    lines = GUIDELINE.split("\n")
    where = next(i for i, line in enumerate(lines) if line.startswith("  otherwise"))
    cases = {
        "  when ": ["pedal_pulses", "toe_pressure", "low_toe_pressure"],
        "  when pedal_pulses = ": ["present", "absent"],
        "  when pedal_pulses in {present, ": ["present", "absent"],
        "  when toe_pressure < 20 mm[Hg] -> ": ["pulse_check", "vascular_consult", "routine_care", "done"],
        "  when toe_pressure < 20 ": None,  # units: checked below
    }
    uri = open_document(client)  # as typed into an open document: the line being typed does not parse
    for version, (typed, expected) in enumerate(cases.items(), 2):
        text = "\n".join([*lines[:where], typed, *lines[where:]])
        client.change(uri, text, version)
        client.diagnostics(uri, version)
        found = labels(client, uri, text, where)
        if expected is None:
            assert {"mm[Hg]", "kPa", "mg/dL", "wk"} <= set(found)
        else:
            assert found[: len(expected)] == expected, typed
    uri = open_document(client)
    unclosed = GUIDELINE.replace("(first) [ref1]", "(first) [")
    client.change(uri, unclosed, 2)
    assert client.diagnostics(uri, 2)[0]["code"] == "CP0001"  # completion uses the index of the last text that parsed
    assert labels(client, uri, unclosed, position_of(unclosed, "(first) [")[0]) == ["ref1"]


def test_formatting_gives_the_canonical_layout(client):
    messy = GUIDELINE.replace("define low_toe_pressure: toe_pressure < 30 mm[Hg]",
                              "define   low_toe_pressure :  toe_pressure<30 mm[Hg]")
    uri = open_document(client, messy)
    edits = client.request("textDocument/formatting",
                           {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    assert apply_edits(messy, edits) == format_text(messy)
    assert "define low_toe_pressure: toe_pressure < 30 mm[Hg]" in apply_edits(messy, edits)


def test_document_symbols_put_nodes_in_their_sections(client):
    uri = open_document(client)
    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    top = {s["name"]: s for s in symbols}
    assert [c["name"] for c in top["triage"]["children"]] == ["pulse_check", "vascular_consult", "routine_care", "done"]
    assert [c["name"] for c in top["pedal_pulses"]["children"]] == ["present", "absent"]
    assert {"toe_pressure", "low_toe_pressure", "ref1", "Absent pulses go to the surgeon"} <= set(top)


# -- scenarios ----------------------------------------------------------------------------------


def test_code_lenses_run_scenarios(client):
    uri = open_document(client)
    lenses = client.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    assert [lens["range"]["start"]["line"] for lens in lenses] == [
        position_of(GUIDELINE, "scenario", n)[0] for n in (1, 2)]
    results = [client.request("workspace/executeCommand", lens["command"]) for lens in lenses]
    assert [r["passed"] for r in results] == [True, False]
    assert "expected to reach vascular_consult" in results[1]["details"][1]
    listed = client.request("workspace/executeCommand", {"command": "carepath.listScenarios", "arguments": [uri]})
    assert [s["name"] for s in listed] == ["Absent pulses go to the surgeon", "A wrong expectation"]


def test_a_scenario_of_a_guideline_that_does_not_check_is_not_run(client):
    broken = GUIDELINE + '\nassert "Present pulses never reach the surgeon" [ref1]\n' \
                         "  never pedal_pulses = present and reaches vascular_consult\n"
    uri = (HERE / "refused.cpath").as_uri()
    client.open(uri, broken)
    client.diagnostics(uri, 1)
    result = client.request("workspace/executeCommand",
                            {"command": "carepath.runScenario", "arguments": [uri, "Absent pulses go to the surgeon"]})
    assert result["passed"] is False and "does not check" in result["details"][0]


def test_every_unit_offered_by_completion_is_accepted_by_the_compiler():
    from carepath.lsp.completion import COMMON_UNITS

    for unit, _ in COMMON_UNITS:
        text = (f'guideline units "Units"\nreference r "r"\ninput x: quantity {unit}\nstart -> d\n'
                f'decide d "d" [r]\n  when x < 1 {unit} -> e\n  otherwise -> e\nend e "e" [r]\n')
        checked = check_text(text, "units.cpath", verify_logic=False)
        assert [d.code for d in checked.diagnostics if d.is_error] == [], unit


def test_the_warm_up_guideline_runs_every_stage_cleanly():
    from carepath.lsp.preload import WARM_UP

    checked = check_text(WARM_UP, "<warm-up>")
    assert checked.graph is not None and checked.diagnostics == ()


def test_a_member_shared_by_two_inputs_is_two_symbols():
    from carepath.lsp.checking import build_index

    text = GUIDELINE.replace(
        "input toe_pressure:", "input doppler: one of present, absent\n  ask \"Doppler signal?\"\ninput toe_pressure:"
    ).replace("pedal_pulses = absent or", "pedal_pulses = absent or doppler = absent or")
    index = build_index(text, "shared_member.cpath")
    first = index.uses(("member", "pedal_pulses.absent"))
    second = index.uses(("member", "doppler.absent"))
    assert [o.span.line for o in first] == [position_of(text, "present, absent")[0] + 1,
                                            position_of(text, "pedal_pulses = absent")[0] + 1,
                                            position_of(text, "given pedal_pulses = absent")[0] + 1]
    assert [(o.span.line, o.span.column) for o in second] == [
        (position_of(text, "present, absent", 2)[0] + 1, position_of(text, "present, absent", 2)[1] + len("present, ") + 1),
        (position_of(text, "doppler = absent")[0] + 1, position_of(text, "doppler = absent")[1] + len("doppler = ") + 1)]


def test_an_opened_document_is_checked_at_once_and_an_edit_after_the_debounce():
    """Opening has no keystrokes to wait for; an edit waits DEBOUNCE_SECONDS for the next one."""
    from types import SimpleNamespace

    from carepath.lsp.server import DEBOUNCE_SECONDS, did_change, did_open

    waits: list[float] = []
    server = SimpleNamespace(schedule_check=lambda uri, wait=DEBOUNCE_SECONDS: waits.append(wait))
    document = SimpleNamespace(text_document=SimpleNamespace(uri="file:///g.cpath"))
    did_open(server, document)
    did_change(server, document)
    assert waits == [0, DEBOUNCE_SECONDS] and DEBOUNCE_SECONDS > 0
