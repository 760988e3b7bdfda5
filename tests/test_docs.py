"""The documentation tells the truth: pages for every code, examples that compile.

- Every code in `compiler.codes` has `docs/errors/<CODE>.md`, and every page there is
  a known code (all ranges, so a missing page of any range shows up here).
- Every ```cpath block in `docs/*.md` is a complete guideline that compiles cleanly.
- Every ```cpath-broken block in `docs/*.md` (deliberate mistakes in the tutorial and
  the diagnostics guide) fails to compile, and every ```text block after it that shows
  `$ carepath check [--format STYLE] FILE` is exactly what that command prints for it.
- Every ```cpath-fragment block anywhere under `docs/` parses once wrapped. The
  wrapping rule (stated in docs/language.md): a fragment is a run of whole top-level
  items (inputs, defines, nodes, assertions, …) without a `guideline` header; it is
  checked by putting `FRAGMENT_HEADER` in front of it and parsing the result.
- The error pages of the front end (CP00xx–CP03xx) show real behaviour: the first
  ```cpath block (the broken example) gives the page's own code, the ```text block
  that follows it is exactly what `carepath check demo.cpath` prints for it, and the
  last ```cpath block (the fix) compiles cleanly. Examples that `import` other files
  are skipped: the files they import exist only on the page.
- Every ```cpath, ```cpath-broken and ```cpath-fragment block under README.md and `docs/`
  is in the canonical layout (`carepath fmt --check` would pass), except deliberate
  syntax errors, which cannot be formatted.
- `carepath explain CODE` prints the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from carepath import CompileError, compile_text
from carepath.cli import main
from carepath.compiler.codes import CODES
from carepath.compiler.report import render, summary
from carepath.dsl.format import format_text
from carepath.dsl.parser import ParseFailed, parse

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ERROR_PAGES = DOCS / "errors"
FRAGMENT_HEADER = 'guideline fragment "A fragment of a guideline"\n'

# Codes whose page another engineer has not written yet. Empty means every code has
# its page; add a code here only with the name of who owes the page.
PAGES_PENDING: frozenset[str] = frozenset()

FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def fenced_blocks(path: Path) -> list[tuple[str, str, int]]:
    """(language, text, line of the opening fence) of every fenced block in `path`."""
    text = path.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def cases(paths, language: str) -> list:
    return [
        pytest.param(block, id=f"{path.relative_to(ROOT)}:{line}")
        for path in paths
        for lang, block, line in fenced_blocks(path)
        if lang == language
    ]


def rendered_failure(text: str, file: str = "demo.cpath") -> str | None:
    """What `carepath check` prints for `text` saved as `file`, or None if it is clean."""
    try:
        compile_text(text, file)
    except CompileError as error:
        return render(error.diagnostics, error.sources) + summary(error.diagnostics)
    return None


def front_end_pages() -> list[Path]:
    return sorted(p for p in ERROR_PAGES.glob("CP0[0-3]*.md"))


# --- pages and codes ---------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_page(code):
    if code in PAGES_PENDING:
        pytest.skip(f"page for {code} pending")
    page = ERROR_PAGES / f"{code}.md"
    assert page.exists(), f"{code} ({CODES[code]}) has no page docs/errors/{code}.md"
    first_line = page.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line.startswith(f"# {code}: "), f"{page.name} must open with `# {code}: <title>`"


def test_every_page_is_a_known_code():
    unknown = sorted(p.stem for p in ERROR_PAGES.glob("*.md") if p.stem not in CODES)
    assert not unknown, f"pages for codes that compiler/codes.py does not know: {unknown}"


def test_pending_pages_are_really_missing():
    written = sorted(code for code in PAGES_PENDING if (ERROR_PAGES / f"{code}.md").exists())
    assert not written, f"these pages exist now; remove them from PAGES_PENDING: {written}"


# --- examples in the reference, the tutorial and the diagnostics guide ---------------------


README = ROOT / "README.md"


@pytest.mark.parametrize("text", cases([README, *sorted(DOCS.glob("*.md"))], "cpath"))
def test_cpath_block_compiles_cleanly(text):
    failure = rendered_failure(text, "example.cpath")
    assert failure is None, "this ```cpath block must compile cleanly (or be a ```cpath-fragment):\n" + failure


CHECK_COMMAND = re.compile(r"^\$ carepath check (?:--format (human|short|json) )?(\S+)$")


def broken_cases() -> list:
    """(broken text, style, file, output shown) for every `carepath check` shown after a
    ```cpath-broken block, up to the next guideline block."""
    found = []
    for path in sorted(DOCS.glob("*.md")):
        blocks = fenced_blocks(path)
        for index, (lang, text, line) in enumerate(blocks):
            if lang != "cpath-broken":
                continue
            shown_any = False
            for lang_, block, line_ in blocks[index + 1:]:
                if lang_.startswith("cpath"):
                    break
                command, _, printed = block.partition("\n")
                match = CHECK_COMMAND.match(command) if lang_ == "text" else None
                if match:
                    shown_any = True
                    found.append(pytest.param(text, match.group(1) or "human", match.group(2), printed,
                                              id=f"{path.name}:{line_}"))
            assert shown_any, f"{path.name}:{line}: a ```cpath-broken block must be followed by its `carepath check` output"
    return found


@pytest.mark.parametrize(("text", "style", "file", "printed"), broken_cases())
def test_cpath_broken_block_fails_as_shown(text, style, file, printed):
    try:
        compile_text(text, file)
    except CompileError as error:
        actual = render(error.diagnostics, error.sources, style)
        if style != "json":
            actual += summary(error.diagnostics)
    else:
        pytest.fail("this ```cpath-broken block compiles cleanly")
    assert printed.rstrip("\n") == actual.rstrip("\n"), "the output shown is stale"


@pytest.mark.parametrize("text", cases([README, *sorted(DOCS.rglob("*.md"))], "cpath-fragment"))
def test_cpath_fragment_parses_when_wrapped(text):
    assert not text.lstrip().startswith("guideline"), "a fragment has no header; make it a ```cpath block"
    try:
        parse(FRAGMENT_HEADER + text, "fragment.cpath")
    except ParseFailed as failure:
        pytest.fail(f"fragment does not parse: {failure}")


def layout_cases() -> list:
    return [pytest.param(lang, block, id=f"{path.relative_to(ROOT)}:{line}")
            for path in [README, *sorted(DOCS.rglob("*.md"))]
            for lang, block, line in fenced_blocks(path)
            if lang in ("cpath", "cpath-broken", "cpath-fragment")]


@pytest.mark.parametrize(("language", "text"), layout_cases())
def test_every_example_is_in_the_canonical_layout(language, text):
    """What `carepath fmt --check` says of each example (a fragment with its header)."""
    source = FRAGMENT_HEADER + text if language == "cpath-fragment" else text
    try:
        formatted = format_text(source, "example.cpath")
    except ParseFailed:
        # only a deliberate syntax error may fail to parse: a broken example, or the
        # broken example of a syntax code's page (CP0001-CP0003)
        assert language == "cpath-broken" or rendered_failure(text).startswith(("error[CP0001]", "error[CP0002]",
                                                                                 "error[CP0003]"))
        return
    assert formatted == source, "run the example through `carepath fmt -` and paste the result"


def test_the_layout_check_can_fail():
    assert format_text('guideline g "t" version "1"\n') != 'guideline g "t" version "1"\n'


def test_the_fragment_rule_can_fail():
    with pytest.raises(ParseFailed):
        parse(FRAGMENT_HEADER + "when abi <= 0.90 -> refer\n", "fragment.cpath")


# --- error pages of the front end ------------------------------------------------------------


@pytest.mark.parametrize("page", front_end_pages(), ids=lambda p: p.stem)
def test_error_page_examples_are_real(page):
    blocks = fenced_blocks(page)
    examples = [(i, text) for i, (lang, text, _) in enumerate(blocks) if lang == "cpath"]
    if not examples or "import " in examples[0][1]:
        return
    index, broken = examples[0]
    shown = rendered_failure(broken)
    assert shown is not None, f"{page.name}: the broken example compiles cleanly"
    assert f"[{page.stem}]" in shown, f"{page.name}: the broken example does not give {page.stem}:\n{shown}"
    output = next((text for lang, text, _ in blocks[index + 1:] if lang == "text"), None)
    assert output is not None, f"{page.name}: the broken example has no ```text block with its output"
    command, _, printed = output.partition("\n")
    assert command == "$ carepath check demo.cpath"
    assert printed.rstrip("\n") == shown.rstrip("\n"), f"{page.name}: the output shown is stale"
    if len(examples) > 1:
        fixed = examples[-1][1]
        failure = rendered_failure(fixed)
        assert failure is None, f"{page.name}: the fixed example does not compile cleanly:\n{failure}"


# --- carepath explain ---------------------------------------------------------------------------


def test_explain_prints_the_page():
    result = CliRunner().invoke(main, ["explain", "cp0101"])
    assert result.exit_code == 0
    assert result.output == (ERROR_PAGES / "CP0101.md").read_text(encoding="utf-8")
    assert result.output.startswith("# CP0101: unknown name\n")


def test_explain_refuses_an_unknown_code():
    result = CliRunner().invoke(main, ["explain", "CP9999"])
    assert result.exit_code == 2
    assert "unknown code `CP9999`" in result.output
