"""Structural checks, graph order, imports, and the `check` command end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from carepath import compile_file, compile_text
from carepath.api import check_file, check_text, forget_compilations
from carepath.cli import main
from tests.conftest import guideline

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"

CHAIN = guideline(
    """
    reference ref1 "Source" 2025
    input smoker: boolean
    start -> triage
    decide triage "Smoker?" (first) [ref1]
      when smoker -> quit, exercise
      otherwise -> exercise
    action exercise "Exercise" [ref1]
      urgency routine
      then done
    action quit "Quit smoking" [ref1]
      urgency urgent
      then done
    end done "Done"
    """
)


def codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in check_text(text, "t.cpath").diagnostics]


def test_graph_order_is_topological_with_source_order_ties(compile_ok):
    graph = compile_ok(CHAIN)
    assert [n.id for n in graph.nodes] == ["start", "triage", "exercise", "quit", "done"]


def test_decision_edges_carry_branch_indices_and_otherwise(compile_ok):
    graph = compile_ok(CHAIN)
    edges = [(e.target, e.branch, e.otherwise) for e in graph.outgoing("triage")]
    assert edges == [("quit", 0, False), ("exercise", 0, False), ("exercise", 1, True)]


def test_graph_records_source_hash_and_compiler_version(compile_ok):
    import hashlib

    from carepath.compiler import __version__

    graph = compile_ok(CHAIN)
    assert graph.source_sha256 == hashlib.sha256(CHAIN.encode()).hexdigest()
    assert graph.compiler_version == __version__


def test_a_clean_chain_has_no_findings():
    assert codes(CHAIN) == []


def test_unreachable_dead_end_and_missing_citation_are_all_reported_at_once():
    text = CHAIN.replace('end done "Done"', 'end done "Done"\naction stray "Stray"\n  urgency routine')
    assert sorted(codes(text)) == [("CP0301", 15), ("CP0302", 15), ("CP0304", 15)]


def test_cycle_is_reported_with_its_nodes():
    text = CHAIN.replace("then done\naction quit", "then triage\naction quit")
    (cycle,) = [d for d in check_text(text, "t.cpath").diagnostics if d.code == "CP0303"]
    assert "triage → exercise → triage" in cycle.message


def test_uncited_reference_is_reported():
    text = CHAIN.replace('reference ref1 "Source" 2025', 'reference ref1 "Source" 2025\nreference ref2 "Unused"')
    assert codes(text) == [("CP0305", 3)]


def test_decision_without_branches():
    text = guideline(
        """
        reference ref1 "Source" 2025
        start -> triage
        decide triage "Nothing" [ref1]
        """
    )
    assert codes(text) == [("CP0307", 4)]


def test_start_is_required_and_unique():
    assert codes(guideline('end done "Done"')) == [("CP0107", 1)]
    both = guideline('start -> done\nstart -> done\nend done "Done"')
    assert codes(both) == [("CP0102", 3)]


# --- imports ------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_imports_bring_in_inputs_defines_and_references(tmp_path):
    write(tmp_path, "carepath.toml", "")
    write(tmp_path, "shared/common.cpath", 'reference ref1 "Shared" 2025\ninput smoker: boolean\ndefine risky: smoker\n')
    main_file = write(
        tmp_path,
        "g.cpath",
        guideline(
            """
            import "shared/common.cpath"
            start -> triage
            decide triage "Risk" (first) [ref1]
              when risky -> done
              otherwise -> done
            end done "Done"
            """
        ),
    )
    graph = compile_file(main_file)
    assert [i.name for i in graph.inputs] == ["smoker"]
    assert [r.id for r in graph.references] == ["ref1"]


def test_compiling_the_same_text_again_returns_the_graph_already_built(tmp_path):
    text = guideline('start -> done\nend done "Done"')
    assert compile_text(text, "same.cpath") is compile_text(text, "same.cpath")
    assert compile_text(text, "same.cpath") is not compile_text(text, "other.cpath")  # its spans name the file
    assert compile_text(text, "same.cpath") is not check_text(text, "same.cpath", advice=True).graph
    kept = compile_text(text, "same.cpath")
    forget_compilations()
    assert compile_text(text, "same.cpath") is not kept


def test_the_eight_compilations_used_last_are_kept():
    forget_compilations()
    texts = [guideline(f'start -> done\nend done "Done {n}"') for n in range(10)]
    first = compile_text(texts[0], "lru.cpath")
    for text in texts[1:8]:
        compile_text(text, "lru.cpath")
    assert compile_text(texts[0], "lru.cpath") is first  # used again: now the most recent
    compile_text(texts[8], "lru.cpath")  # the ninth pushes out the least recently used, texts[1]
    assert compile_text(texts[0], "lru.cpath") is first
    for text in texts[1:9]:
        compile_text(text, "lru.cpath")
    assert compile_text(texts[0], "lru.cpath") is not first


def test_an_edited_import_or_another_working_directory_compiles_again(tmp_path, monkeypatch):
    write(tmp_path, "carepath.toml", "")
    common = write(tmp_path, "common.cpath", 'reference ref1 "Shared"\ninput smoker: boolean\n')
    main_file = write(tmp_path, "g.cpath", guideline(
        'import "common.cpath"\nstart -> triage\ndecide triage "Risk" (first) [ref1]\n'
        '  when smoker -> done\n  otherwise -> done\nend done "Done"'))
    monkeypatch.chdir(tmp_path)
    first = compile_file("g.cpath")
    assert compile_file("g.cpath") is first
    write(tmp_path, "common.cpath", common.read_text(encoding="utf-8") + "input diabetic: boolean\n")
    edited = compile_file("g.cpath")
    assert [i.name for i in edited.inputs] == ["smoker", "diabetic"]
    here = compile_file(main_file)
    assert compile_file(main_file) is here
    monkeypatch.chdir(write(tmp_path, "elsewhere/x", "").parent)
    assert compile_file(main_file) is not here  # imported files are named relative to the working directory
    common.unlink()
    monkeypatch.chdir(tmp_path)
    assert [d.code for d in check_file("g.cpath").diagnostics] == ["CP0005"]


def test_imports_outside_the_project_and_cycles_are_refused(tmp_path):
    project = tmp_path / "project"
    write(project, "carepath.toml", "")
    write(tmp_path, "secret.cpath", "input x: boolean\n")
    write(project, "a.cpath", 'import "b.cpath"\n')
    write(project, "b.cpath", 'import "a.cpath"\n')
    main_file = write(project, "g.cpath", guideline('import "../secret.cpath"\nimport "a.cpath"\nstart -> done\nend done "D"'))
    assert sorted(d.code for d in check_file(main_file).diagnostics) == ["CP0005", "CP0006"]


def test_imported_files_hold_declarations_only(tmp_path):
    write(tmp_path, "carepath.toml", "")
    write(tmp_path, "lib.cpath", 'end stray "Stray"\n')
    main_file = write(tmp_path, "g.cpath", guideline('import "lib.cpath"\nstart -> done\nend done "D"'))
    assert [d.code for d in check_file(main_file).diagnostics] == ["CP0007"]


# --- the check command ------------------------------------------------------------------------


def test_check_reference_guideline_exits_0():
    result = CliRunner().invoke(main, ["check", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_check_reports_garbage_on_line_3_with_a_caret(tmp_path):
    lines = REFERENCE.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "this is ~ garbage")
    broken = write(tmp_path, "broken.cpath", "\n".join(lines))
    result = CliRunner().invoke(main, ["check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:3:" in result.output
    assert "^" in result.output and "Traceback" not in result.output


def test_check_reports_abi_typo_with_a_suggestion(tmp_path):
    text = REFERENCE.read_text(encoding="utf-8")
    assert "abi <= 0.90" in text
    broken = write(tmp_path, "typo.cpath", text.replace("abi <= 0.90", "abi_typo <= 0.90", 1))
    result = CliRunner().invoke(main, ["check", "--format", "short", str(broken)])
    assert result.exit_code == 1
    assert "unknown name `abi_typo`" in result.output and "did you mean `abi`?" in result.output


def test_check_json_format_and_unreadable_file(tmp_path):
    bad = write(tmp_path, "bad.cpath", guideline("start -> nowhere"))
    result = CliRunner().invoke(main, ["check", "--format", "json", str(bad)])
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "CP0104" and finding["line"] == 2 and finding["file"] == str(bad)
    missing = CliRunner().invoke(main, ["check", str(tmp_path / "missing.cpath")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_check_several_files_lists_every_problem(tmp_path):
    shutil.copy(ROOT / "tests" / "errors" / "unknown_node.cpath", tmp_path / "a.cpath")
    shutil.copy(ROOT / "tests" / "errors" / "unit_mismatch.cpath", tmp_path / "b.cpath")
    result = CliRunner().invoke(main, ["check", "--format", "short", str(tmp_path / "a.cpath"), str(tmp_path / "b.cpath")])
    assert result.exit_code == 1
    assert "CP0104" in result.output and "CP0202" in result.output


def test_explain_prints_the_page_of_a_code():
    result = CliRunner().invoke(main, ["explain", "cp0101"])
    assert result.exit_code == 0 and "CP0101" in result.output
    assert CliRunner().invoke(main, ["explain", "CP9999"]).exit_code == 2


def test_an_imported_declaration_need_not_be_used(tmp_path):
    write(tmp_path, "carepath.toml", "")
    write(tmp_path, "common.cpath", 'reference ref1 "Shared"\ninput smoker: boolean\ninput diabetic: boolean\n')
    main_file = write(tmp_path, "g.cpath", guideline(
        """
        import "common.cpath"
        start -> triage
        decide triage "Risk" (first) [ref1]
          when smoker -> done
          otherwise -> done
        end done "Done"
        """))
    assert [i.name for i in compile_file(main_file).inputs] == ["smoker", "diabetic"]


def test_known_of_a_define_says_it_applies_to_inputs(diagnostics):
    text = CHAIN.replace('input smoker: boolean', 'input smoker: boolean\ndefine s: smoker').replace(
        "when smoker ->", "when s and known s ->")
    assert diagnostics(text) == [("CP0101", 7, "`known` applies to inputs, and `s` is a define")]


def test_keywords_and_enum_members_are_not_value_names(diagnostics):
    text = guideline(
        """
        reference ref1 "Source" 2025
        input status: boolean
        input pulses: one of present, absent
        input absent: boolean
        start -> triage
        decide triage "Triage" (first) [ref1]
          when status or pulses = present or absent -> done
          otherwise -> done
        end done "Done"
        """
    )
    assert [(c, line) for c, line, _ in diagnostics(text)][:2] == [("CP0112", 3), ("CP0113", 5)]


def test_a_guideline_failing_only_logic_checks_runs_for_replay_only_when_allowed(tmp_path):
    text = CHAIN.replace("(first)", "(unique)").replace("otherwise -> exercise", "when smoker -> exercise")
    path = write(tmp_path, "overlap.cpath", text)
    assert CliRunner().invoke(main, ["check", str(path)]).exit_code == 1
    facts = write(tmp_path, "p.json", '{"smoker": false}')
    refused = CliRunner().invoke(main, ["run", str(path), "--facts", str(facts), "--format", "json"])
    assert refused.exit_code == 1 and "--allow-unverified" in refused.stderr
    assert {d["code"][:4] for d in json.loads(refused.stdout)} == {"CP04"}  # the findings, as JSON diagnostics
    result = CliRunner().invoke(main, ["run", str(path), "--facts", str(facts), "--format", "json",
                                       "--allow-unverified"])
    assert result.exit_code == 0, result.output
    assert "fails verification" in result.stderr
    assert json.loads(result.stdout)["status"] in ("complete", "needs_input")


def test_written_files_get_the_ordinary_mode_not_a_private_one(tmp_path):
    import os

    from carepath.files import write_atomically

    target = tmp_path / "chart.svg"
    write_atomically(target, "<svg/>")
    umask = os.umask(0)
    os.umask(umask)
    assert target.read_text() == "<svg/>"
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["chart.svg"]  # no temporary left behind
