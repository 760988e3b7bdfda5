"""Every command's errors come out as JSON diagnostics with `--format json` (one error shape).

Whatever went wrong (a guideline that cannot be read, bad facts, two versions that cannot
be compared), a tool reading carepath's output gets the same record: code, severity,
message, file, lines, hint, and a JSON path (`location`) for problems in JSON inputs.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from carepath.cli import main

FIELDS = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "label", "hint", "notes"}


@pytest.mark.parametrize("command", [
    ["check", "{missing}", "--format", "json"],
    ["run", "{missing}", "--facts", "{facts}", "--format", "json"],
    ["export", "{missing}", "--format", "json", "-o", "{out}"],
    ["review", "{missing}", "--format", "json"],
    ["diff", "{missing}", "{missing}", "--format", "json"],
    ["render", "{missing}", "-o", "{out}", "--format", "svg", "--error-format", "json"],  # --format: the chart
])
def test_an_unreadable_guideline_is_a_json_diagnostic(tmp_path, command):
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    names = {"missing": str(tmp_path / "missing.cpath"), "facts": str(facts), "out": str(tmp_path / "out.json")}
    result = CliRunner().invoke(main, [part.format(**names) for part in command])
    assert result.exit_code == 2, result.output
    found = json.loads(result.stdout)
    assert found and all(FIELDS <= set(d) for d in found)
    assert {(d["code"], d["file"]) for d in found} == {("CP0004", names["missing"])}
    assert not (tmp_path / "out.json").exists()


def test_test_with_format_json_reports_files_that_do_not_compile_and_scenarios(tmp_path):
    from pathlib import Path

    good = Path(__file__).parent / "conformance" / "guidelines" / "wells_score.cpath"
    missing = tmp_path / "missing.cpath"
    result = CliRunner().invoke(main, ["test", str(missing), str(good), "--format", "json", "--coverage"])
    assert result.exit_code == 2
    records = json.loads(result.stdout)["files"]
    assert [d["code"] for d in records[0]["diagnostics"]] == ["CP0004"]
    assert records[1]["passed"] == records[1]["total"] == 4 and records[1]["coverage"]["nodes"] == 100.0


def test_fmt_reports_syntax_errors_as_json(tmp_path):
    broken = tmp_path / "broken.cpath"
    broken.write_text('guideline g "G"\ninput x: boolean\ndefine d x and\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(broken), "--format", "json"])
    assert result.exit_code in (1, 2)
    assert {d["code"] for d in json.loads(result.stdout)} <= {"CP0001", "CP0002"} and json.loads(result.stdout)
    assert broken.read_text(encoding="utf-8").endswith("define d x and\n")  # nothing rewritten


def test_bad_facts_and_a_bad_graph_file_are_json_diagnostics_too(tmp_path):
    graph = tmp_path / "g.json"
    graph.write_text('{"format": "carepath.graph/2", "nodes": 3}', encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(graph), "--facts", str(facts), "--format", "json"])
    assert result.exit_code == 2
    assert {d["code"] for d in json.loads(result.stdout)} <= {"CP0703", "CP0701"}
