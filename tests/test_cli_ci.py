"""The command line as CI and editors use it: SARIF, stdin, directories, colour,
quiet, graph JSON in `check`, unverified guidelines refused, the pre-commit hooks
and the example GitHub workflow."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from carepath.api import check_text
from carepath.cli import main
from carepath.targets.json.export import export_graph

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

GOOD = """guideline calf "Calf pain"
  version "1.0.0"

reference ref1 "Claudication overview" 2025

input abi: number from 0 to 2
  ask "Ankle-brachial index"

start -> kind

decide kind "Vascular claudication?" (first) [ref1]
  when abi <= 0.90 -> exercise
  otherwise -> done

action exercise "Supervised exercise" [ref1]
  urgency routine
  then done

end done "Done"

scenario "low ABI"
  given abi = 0.5
  expect first exercise
"""

# Two lines of a `unique` decision overlap (abi = 0.5 satisfies both): a CP0401 finding.
UNVERIFIED = GOOD.replace("(first)", "(unique)").replace(
    "  otherwise -> done", "  when abi <= 1.0 -> done\n  otherwise -> done")


def invoke(*args, input: str | None = None, env: dict | None = None, color: bool = False):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, env=env, color=color)


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.cpath"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def unverified(tmp_path) -> Path:
    path = tmp_path / "unverified.cpath"
    path.write_text(UNVERIFIED, encoding="utf-8")
    return path


# --- SARIF ---------------------------------------------------------------------------------


def sarif_of(*files) -> tuple[int, dict]:
    result = invoke("check", "--format", "sarif", *files)
    return result.exit_code, json.loads(result.stdout)


def test_sarif_validates_against_the_sarif_2_1_0_schema_and_names_codes_places_and_help(tmp_path):
    broken = ROOT / "tests" / "errors"
    code, log = sarif_of(broken / "unit_mismatch.cpath", broken / "cycle.cpath", tmp_path / "missing.cpath")
    assert code == 2  # the unreadable file is an input error
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    (run,) = log["runs"]
    assert log["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["CP0202", "CP0303", "CP0004"]
    assert rules[0]["help"]["markdown"] == (ROOT / "docs/errors/CP0202.md").read_text(encoding="utf-8")
    by_rule = {r["ruleId"]: r for r in run["results"]}
    mismatch = by_rule["CP0202"]
    assert rules[mismatch["ruleIndex"]]["id"] == "CP0202"
    location = mismatch["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 6, "startColumn": 8, "endLine": 6, "endColumn": 20}
    assert location["artifactLocation"]["uri"].endswith("tests/errors/unit_mismatch.cpath")
    assert "`%` cannot be compared with `mg`" in mismatch["message"]["text"]
    unreadable = by_rule["CP0004"]["locations"][0]["physicalLocation"]
    assert unreadable["artifactLocation"]["uri"].endswith("missing.cpath")
    assert unreadable["region"] == {"startLine": 1}


def test_sarif_of_clean_files_has_no_errors_and_relative_uris(good, monkeypatch):
    monkeypatch.chdir(good.parent)
    code, log = sarif_of("good.cpath")
    # a clean file: at most advisory warnings (CP08xx), no errors
    assert code == 0 and {r["level"] for r in log["runs"][0]["results"]} <= {"warning"}
    code, log = sarif_of(good.parent / "missing.cpath")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "missing.cpath", "uriBaseId": "%SRCROOT%"}  # what GitHub matches to the repository


def test_a_logic_finding_in_sarif_carries_its_counterexample(unverified):
    code, log = sarif_of(unverified)
    assert code == 1
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "CP0401" and result["properties"]["counterexample"]
    assert "note: path: start → kind" in result["message"]["text"]


# --- standard input, directories ------------------------------------------------------------


def test_check_reads_standard_input(good):
    assert invoke("check", "-", input=GOOD).stdout == "<stdin>: ok (3 nodes, 4 edges, 1 scenario)\n"
    broken = invoke("check", "--format", "short", "-", input=GOOD.replace("-> exercise", "-> exercize"))
    assert broken.exit_code == 1 and "<stdin>:12:" in broken.stderr and "error[CP0104]" in broken.stderr


def test_run_reads_facts_from_standard_input(good):
    result = invoke("run", good, "--facts", "-", "--format", "json", input='{"abi": 0.5}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["actions"][0]["id"] == "exercise"
    twice = invoke("run", "-", "--facts", "-", input=GOOD)
    assert twice.exit_code == 2 and "can be read only once" in twice.stderr


def test_fmt_dash_prints_the_formatted_text_and_writes_nothing(tmp_path):
    messy = GOOD.replace('"Calf pain"\n  version', '"Calf pain"   version')
    result = invoke("fmt", "-", input=messy)
    assert result.exit_code == 0
    assert result.stdout == invoke("fmt", "-", input=result.stdout).stdout  # formatted text is a fixed point
    assert result.stdout != messy and result.stdout == GOOD
    assert invoke("fmt", "--check", "-", input=messy).exit_code == 1
    assert invoke("fmt", "--check", "-", input=result.stdout).exit_code == 0


def test_fmt_diff_prints_and_never_writes(tmp_path):
    path = tmp_path / "messy.cpath"
    messy = GOOD.replace('"Calf pain"\n  version', '"Calf pain"   version')
    path.write_text(messy, encoding="utf-8")
    result = invoke("fmt", "--diff", path)
    assert result.exit_code == 1
    assert '-guideline calf "Calf pain"   version "1.0.0"' in result.stdout
    assert path.read_text(encoding="utf-8") == messy


def test_a_directory_stands_for_its_cpath_files_sorted(tmp_path):
    folder = tmp_path / "guidelines"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.cpath", "a.cpath", "sub/c.cpath"):
        (folder / name).write_text(GOOD, encoding="utf-8")
    (folder / "notes.txt").write_text("not a guideline", encoding="utf-8")
    result = invoke("check", folder)
    assert result.exit_code == 0
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        str(folder / "a.cpath"), str(folder / "b.cpath"), str(folder / "sub" / "c.cpath")]
    assert "3 of 3" not in invoke("test", folder).stdout  # one summary per file
    assert invoke("test", folder).stdout.count("1 of 1 scenarios passed") == 3
    assert invoke("fmt", "--check", folder).exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = invoke("check", empty)
    assert refused.exit_code == 2 and "is a directory with no .cpath files" in refused.stderr


# --- colour and quiet -------------------------------------------------------------------------


def test_color_always_never_and_no_color(good):
    assert "\x1b[" in invoke("test", "--color", "always", good).stdout
    assert "\x1b[" not in invoke("test", "--color", "never", good, color=True).stdout
    assert "\x1b[" in invoke("test", good, color=True).stdout  # auto on a terminal
    assert "\x1b[" not in invoke("test", good, color=True, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" in invoke("test", good, color=True, env={"NO_COLOR": ""}).stdout  # empty means unset


def test_quiet_prints_problems_only(good, tmp_path):
    checked = invoke("check", "-q", good)  # advisory warnings (CP08xx) are problems: they stay
    assert checked.exit_code == 0 and ": ok (" not in checked.output
    assert invoke("test", "-q", good).output == ""
    assert invoke("fmt", "-q", good).output == ""
    failing = tmp_path / "failing.cpath"
    failing.write_text(GOOD.replace("expect first exercise", "expect first done"), encoding="utf-8")
    result = invoke("test", "--quiet", failing, good)
    assert result.exit_code == 1
    assert "✗" in result.stdout and "✓" not in result.stdout and "0 of 1 scenarios passed" in result.stdout
    assert "1 of 1" not in result.stdout


# --- graph JSON, unreadable files, JUnit ----------------------------------------------------


def test_check_loads_and_verifies_a_compiled_graph(good, tmp_path):
    graph_file = tmp_path / "calf.graph.json"
    assert invoke("export", good, "-o", graph_file).exit_code == 0
    result = invoke("check", graph_file)
    assert result.exit_code == 0 and result.stdout == f"{graph_file}: ok (3 nodes, 4 edges, 1 scenario)\n"
    # a graph made without the verifier (as another tool might): check finds what the source check finds
    unverified_graph = tmp_path / "unverified.graph.json"
    unverified_graph.write_text(export_graph(check_text(UNVERIFIED, "u.cpath", verify_logic=False).graph),
                                encoding="utf-8")
    refuted = invoke("check", "--format", "short", unverified_graph)
    assert refuted.exit_code == 1 and "error[CP0401]: lines 1 and 2 of unique decision `kind`" in refuted.stderr
    not_a_graph = tmp_path / "facts.json"
    not_a_graph.write_text('{"abi": 0.5}', encoding="utf-8")
    assert invoke("check", not_a_graph).exit_code == 2


def test_the_json_diagnostic_of_an_unreadable_file_names_the_file(tmp_path):
    missing = tmp_path / "missing.cpath"
    result = invoke("check", "--format", "json", missing)
    assert result.exit_code == 2
    (diagnostic,) = json.loads(result.stdout)
    assert diagnostic["code"] == "CP0004" and diagnostic["file"] == str(missing)


def test_junit_error_of_a_guideline_that_does_not_compile_holds_its_diagnostics(tmp_path, good):
    broken = tmp_path / "broken.cpath"
    broken.write_text(GOOD.replace("-> exercise", "-> exercize"), encoding="utf-8")
    report = tmp_path / "junit.xml"
    assert invoke("test", broken, good, "--junit", report).exit_code == 1
    error = ET.parse(report).getroot().find("testsuite/testcase/error")
    assert error.get("message") == f"{broken} does not compile (1 error(s))"
    assert f"{broken}:12:" in error.text and "error[CP0104]: unknown node `exercize`" in error.text


# --- unverified means refused --------------------------------------------------------------


def test_run_test_and_batch_refuse_an_unverified_guideline(unverified, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"abi": 0.5}', encoding="utf-8")
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"abi": 0.5}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for args in (("run", unverified, "--facts", facts), ("run", unverified, "--batch", batch, "-o", out),
                 ("test", unverified)):
        refused = invoke(*args)
        assert refused.exit_code == 1, args
        assert "error[CP0401]" in refused.stderr and "--allow-unverified" in refused.stderr
        assert "exercise" not in refused.stdout
        allowed = invoke(*args, "--allow-unverified")
        assert allowed.exit_code == 0, (args, allowed.output)
        assert "fails verification" in allowed.stderr and "running it anyway" in allowed.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["actions"][0]["id"] == "exercise"


def test_a_failing_check_refuses_export(unverified, tmp_path):
    out = tmp_path / "graph.json"
    assert invoke("export", unverified, "-o", out).exit_code == 1 and not out.exists()


# --- python -m, completion -------------------------------------------------------------------


def test_python_dash_m_carepath_runs_the_cli(good):
    result = subprocess.run([sys.executable, "-m", "carepath", "check", str(good)], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0 and result.stdout == f"{good}: ok (3 nodes, 4 edges, 1 scenario)\n"
    usage = subprocess.run([sys.executable, "-m", "carepath", "--help"], capture_output=True, text=True, check=False)
    assert usage.stdout.startswith("Usage: carepath ")


def test_shell_completion_uses_the_documented_variable():
    documented = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "_CAREPATH_COMPLETE=bash_source carepath" in documented
    env = {**os.environ, "_CAREPATH_COMPLETE": "bash_complete", "COMP_WORDS": "carepath ch", "COMP_CWORD": "1"}
    result = subprocess.run([sys.executable, "-m", "carepath"], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.split() == ["plain,check"]


# --- pre-commit hooks and the GitHub workflow -------------------------------------------------


def carepath_commands(command_line: str) -> list[list[str]]:
    """Every `carepath …` invocation in a shell snippet, split into words (up to `>`, `||`, `;`)."""
    found = []
    for line in command_line.splitlines():
        words = shlex.split(line.split("#")[0], posix=True) if "carepath " in line else []
        while "carepath" in words:
            words = words[words.index("carepath") + 1:]
            stop = next((i for i, w in enumerate(words) if w in (">", "||", "&&", ";", "|")), len(words))
            found.append(words[:stop])
            words = words[stop:]
    return found


def assert_real_command(words: list[str]) -> None:
    """`words` (after `carepath`) name a real command and options it accepts."""
    command = main.get_command(click_context(), words[0])
    assert command is not None, f"no command `carepath {words[0]}`"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for word in words[1:]:
        if word.startswith("-") and word != "-":
            assert word in known, f"`carepath {words[0]}` has no option `{word}`"


def click_context():
    import click

    return click.Context(main)


def test_pre_commit_hooks_are_real_commands_that_work_on_a_file(good, tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["carepath-check", "carepath-fmt", "carepath-test"]
    messy = tmp_path / "messy.cpath"
    messy.write_text(GOOD.replace('"Calf pain"\n  version', '"Calf pain"   version'), encoding="utf-8")
    for hook in hooks:
        assert hook["language"] == "python" and hook["files"] == r"\.cpath$"
        words = shlex.split(hook["entry"])
        assert words[0] == "carepath"
        assert_real_command(words[1:])
        # pre-commit appends the staged file names
        assert invoke(*words[1:], good).exit_code == 0, hook["id"]
    fmt_hook = next(h for h in hooks if h["id"] == "carepath-fmt")
    assert invoke(*shlex.split(fmt_hook["entry"])[1:], messy).exit_code == 0
    assert invoke("fmt", "--check", messy).exit_code == 0  # the hook rewrote it; pre-commit then stops the commit


def test_the_github_workflow_parses_and_runs_real_commands():
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in triggers
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    commands = [words for step in steps for words in carepath_commands(step.get("run", ""))]
    assert [words[0] for words in commands] == ["check", "test", "diff"]
    for words in commands:
        assert_real_command(words)
    assert "--format" in commands[0] and "sarif" in commands[0]
    assert "--junit" in commands[1]
    assert workflow["jobs"]["recommendation-review"]["if"] == "github.event_name == 'pull_request'"
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "carepath.sarif" and upload["if"] == "always()"
