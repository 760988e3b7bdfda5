"""`carepath diff` (compiler/logic/diff.py, carepath/cli/diff.py): changed patients as regions."""

from __future__ import annotations

import json

from click.testing import CliRunner

from carepath.cli import main

OLD = """guideline demo "Demo" version "1.0.0"
reference r1 "Ref" 2020
input abi: number from 0 to 2 ask "ABI?"
input pain: boolean
input pulses: one of present, diminished, absent
start -> intake
assess intake "Intake" collects abi, pain, pulses then p
decide p "Pulses" (first) [r1]
  when pulses = absent -> emergency
  otherwise -> d1
decide d1 "ABI" (first) [r1]
  when abi <= 0.9 -> pad
  when pain -> other
  otherwise -> done
action emergency "Emergency" [r1] urgency emergent then done
action pad "PAD workup" [r1] urgency routine then done
action other "Other" [r1] urgency urgent then done
end done "Done"
"""


def run_diff(tmp_path, old: str, new: str, *options: str):
    (tmp_path / "old.cpath").write_text(old)
    (tmp_path / "new.cpath").write_text(new)
    return CliRunner().invoke(main, ["diff", str(tmp_path / "old.cpath"), str(tmp_path / "new.cpath"), *options])


def test_moved_threshold_is_one_region_with_the_guidelines_own_bounds(tmp_path):
    result = run_diff(tmp_path, OLD, OLD.replace("abi <= 0.9", "abi <= 0.8"), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["complete"] and report["input_changes"] == []
    [region] = report["regions"]
    assert region["where"] == ["d1"] and region["exact"]
    assert region["changes"] == ['`d1` line 1 was "when ABI ≤ 0.9 → pad", now "when ABI ≤ 0.8 → pad"']
    assert region["condition"] == "patients who reach `d1` with 0.8 < ABI ≤ 0.9"
    assert 0.8 < region["example"]["abi"] <= 0.9
    assert region["old"]["actions"] == ["pad"] and "pad" not in region["new"]["actions"]


def test_text_report_names_the_change_who_and_what_is_lost(tmp_path):
    result = run_diff(tmp_path, OLD, OLD.replace("abi <= 0.9", "abi <= 0.8"))
    assert result.exit_code == 1
    assert ('1. `d1` line 1 was "when ABI ≤ 0.9 → pad", now "when ABI ≤ 0.8 → pad"\n'
            "   patients who reach `d1` with 0.8 < ABI ≤ 0.9\n") in result.output
    assert "for this patient: no longer recommended: pad; first action: pad → " in result.output


def test_a_later_line_to_the_same_action_is_an_exception_of_the_region(tmp_path):
    old = OLD.replace("when pain -> other\n  otherwise -> done", "when pain -> pad\n  otherwise -> other")
    result = run_diff(tmp_path, old, old.replace("abi <= 0.9", "abi <= 0.8"), "--format", "json")
    [region] = json.loads(result.output)["regions"]
    assert region["condition"] == "patients who reach `d1` with 0.8 < ABI ≤ 0.9, unless pain"
    assert region["exact"] and region["example"].get("pain") is not True


def test_an_edited_define_is_one_region_over_every_decision_that_reads_it(tmp_path):
    old = OLD.replace("input pulses", "define pad: abi <= 0.9\ninput pulses")
    old = old.replace("when pulses = absent -> emergency", "when pulses = absent and pad -> emergency")
    old = old.replace("when abi <= 0.9 -> pad", "when pad -> pad")
    result = run_diff(tmp_path, old, old.replace("define pad: abi <= 0.9", "define pad: abi <= 0.8"), "--format", "json")
    assert result.exit_code == 1, result.output
    [region] = json.loads(result.output)["regions"]
    assert region["where"] == ["p", "d1"]
    assert region["changes"] == ['define `pad` was "ABI ≤ 0.9", now "ABI ≤ 0.8"']
    # with pulses unknown, `p` waits in the old version; in the new one `d1` waits too unless there is pain
    assert region["condition"] == ("patients who reach `p` or `d1` with 0.8 < ABI ≤ 0.9, and one of: "
                                   "- pulses absent - pain - pulses present or diminished")


def test_two_unrelated_edits_are_two_regions_in_graph_order(tmp_path):
    new = OLD.replace("abi <= 0.9", "abi <= 0.8").replace("when pulses = absent", "when pulses in {absent, diminished}")
    report = json.loads(run_diff(tmp_path, OLD, new, "--format", "json").output)
    assert [r["where"] for r in report["regions"]] == [["p"], ["d1"]]
    assert report["regions"][0]["condition"] == "patients who reach `p` with pulses diminished"
    # patients with diminished pulses now stop at `p`: they belong to the first change
    assert report["regions"][1]["condition"] == "patients who reach `d1` with 0.8 < ABI ≤ 0.9 and pulses present"


def test_same_guideline_differs_nowhere(tmp_path):
    result = run_diff(tmp_path, OLD, OLD)
    assert result.exit_code == 0, result.output
    assert "no patient gets a different recommendation" in result.output


def test_urgency_change_matters_only_when_it_reorders_actions(tmp_path):
    new = OLD.replace('action pad "PAD workup" [r1] urgency routine', 'action pad "PAD workup" [r1] urgency emergent')
    result = run_diff(tmp_path, OLD, new, "--format", "json")
    assert result.exit_code == 0, "pad and other are never both reached: the first action never changes"
    new = OLD.replace("otherwise -> d1", "otherwise -> d1, other").replace('urgency urgent', 'urgency emergent')
    result = run_diff(tmp_path, OLD, new, "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["regions"]


def test_input_declared_differently_is_reported(tmp_path):
    result = run_diff(tmp_path, OLD, OLD.replace("from 0 to 2", "from 0 to 3"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["input_changes"] == [{"name": "abi", "old": "number from 0 to 2", "new": "number from 0 to 3"}]
    assert report["regions"] == []


def test_input_of_another_kind_is_bad_input(tmp_path):
    result = run_diff(tmp_path, OLD, OLD.replace("input pain: boolean", "input pain: number from 0 to 10")
                      .replace("when pain ->", "when pain > 5 ->"))
    assert result.exit_code == 2
    assert "input `pain` is boolean in the old version but number from 0 to 10 in the new one" in result.output


def test_unreadable_version_is_bad_input(tmp_path):
    (tmp_path / "old.cpath").write_text(OLD)
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "old.cpath"), str(tmp_path / "missing.cpath")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_reference_guideline_with_the_abi_threshold_moved_to_0_80_is_one_region(tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "guidelines" / "leg_numbness_cramping.cpath").read_text()
    threshold = "define pad_by_abi: abi <= 0.90"
    assert text.count(threshold) == 1
    result = run_diff(tmp_path, text, text.replace(threshold, "define pad_by_abi: abi <= 0.80"), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    [region] = report["regions"]
    assert region["changes"] == ['define `pad_by_abi` was "ABI ≤ 0.90", now "ABI ≤ 0.80"'] and region["exact"]
    assert " with 0.80 < ABI ≤ 0.90" in region["condition"]
    assert 0.8 < region["example"]["abi"] <= 0.9
    assert report["complete"]


def test_documented_example_is_the_real_output():
    """docs/verification.md shows `carepath diff` on examples/diff/: the block must be what the command prints."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    docs = (root / "docs" / "verification.md").read_text(encoding="utf-8")
    command = "carepath diff examples/diff/claudication_v1.cpath examples/diff/claudication_v2.cpath"
    block = docs.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, command.split()[1:])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert result.output == block
