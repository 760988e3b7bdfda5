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
    assert region["condition"] == "0.8 < abi <= 0.9, among patients who reach `d1`"
    assert 0.8 < region["example"]["abi"] <= 0.9
    assert region["old"]["actions"] == ["pad"] and "pad" not in region["new"]["actions"]


def test_text_report_names_what_is_lost_and_the_first_action(tmp_path):
    result = run_diff(tmp_path, OLD, OLD.replace("abi <= 0.9", "abi <= 0.8"))
    assert result.exit_code == 1
    assert "1. 0.8 < abi <= 0.9, among patients who reach `d1`" in result.output
    assert "no longer recommended: pad" in result.output
    assert "first action: pad → " in result.output


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


def test_reference_guideline_with_the_abi_threshold_moved_to_0_80(tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "guidelines" / "leg_numbness_cramping.cpath").read_text()
    threshold = "define pad_by_abi: abi <= 0.90"
    assert text.count(threshold) == 1
    result = run_diff(tmp_path, text, text.replace(threshold, "define pad_by_abi: abi <= 0.80"), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["regions"] and report["complete"]
    for region in report["regions"]:
        assert region["condition"].endswith("0.8 < abi <= 0.9")
        assert 0.8 < region["example"]["abi"] <= 0.9
