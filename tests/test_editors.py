"""Editor support that needs no editor: the VS Code extension's files and the Pygments lexer.

VS Code itself is not here, so the extension is checked as data: its JSON files
parse, the manifest wires the language, grammar, client and setting together, the
client is valid JavaScript that starts `carepath lsp`, and the TextMate grammar
knows every keyword of `dsl/grammar.lark`. The Pygments lexer is run for real.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, Number

from carepath.lsp.index import keywords
from carepath.pygments_lexer import KEYWORDS, CarepathLexer

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editors" / "vscode"
REFERENCE_GUIDELINE = ROOT / "guidelines" / "leg_numbness_cramping.cpath"


def load(name: str) -> dict:
    return json.loads((VSCODE / name).read_text(encoding="utf-8"))


def test_the_manifest_wires_language_grammar_client_and_setting():
    manifest = load("package.json")
    [language] = manifest["contributes"]["languages"]
    assert language["id"] == "cpath" and language["extensions"] == [".cpath"]
    assert (VSCODE / language["configuration"]).is_file()
    [grammar] = manifest["contributes"]["grammars"]
    assert grammar["language"] == "cpath" and (VSCODE / grammar["path"]).is_file()
    assert load(grammar["path"])["scopeName"] == grammar["scopeName"]
    assert "onLanguage:cpath" in manifest["activationEvents"]
    assert (VSCODE / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    lock = load("package-lock.json")
    assert lock["packages"][""]["dependencies"] == manifest["dependencies"]
    assert manifest["contributes"]["configuration"]["properties"]["carepath.command"]["default"] == "carepath"


@pytest.mark.skipif(shutil.which("node") is None, reason="`node` is not on PATH: extension.js cannot be parsed")
def test_the_client_is_valid_javascript():
    subprocess.run(["node", "--check", str(VSCODE / "extension.js")], check=True)


def test_the_language_configuration_comments_and_brackets():
    configuration = load("language-configuration.json")
    assert configuration["comments"] == {"lineComment": "#"}
    assert {tuple(pair) for pair in configuration["brackets"]} == {("[", "]"), ("(", ")"), ("{", "}")}
    assert {pair["open"] for pair in configuration["autoClosingPairs"]} == {"[", "(", "{", '"'}


def _patterns(node):
    """Every `match`, `begin` and `end` regex of a TextMate grammar."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end"):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_the_textmate_grammar_covers_every_keyword_of_the_grammar():
    grammar = load("syntaxes/cpath.tmLanguage.json")
    words = set()
    for pattern in _patterns(grammar):
        re.compile(pattern)  # written in the part of Oniguruma's syntax Python shares
        for alternatives in re.findall(r"\\b\(([a-z|]+)\)\\b", pattern):
            words.update(alternatives.split("|"))
    assert keywords() <= words, f"missing from the TextMate grammar: {sorted(keywords() - words)}"


def test_the_textmate_grammar_scopes_units_and_node_ids():
    repository = load("syntaxes/cpath.tmLanguage.json")["repository"]
    quantity = re.compile(repository["quantity"]["match"])
    for written, unit in (("< 30 mm[Hg]", "mm[Hg]"), ("> 60 /min", "/min"), ("< 60 mL/min/{1.73_m2}", "mL/min/{1.73_m2}"),
                          ("quantity mg/dL from", "mg/dL")):
        assert quantity.search(written).group(3) == unit
    assert quantity.search("from 0 to 300") is None  # `to` is a keyword, not a unit
    targets = repository["targets"]
    assert re.match(targets["begin"], "-> a, b") and re.match(targets["patterns"][0]["match"], "pad_workup")


# -- Pygments ---------------------------------------------------------------------------------------


def test_the_lexer_is_registered_under_cpath():
    assert isinstance(get_lexer_by_name("cpath"), CarepathLexer)
    assert isinstance(get_lexer_for_filename("leg.cpath"), CarepathLexer)


def test_the_lexer_keywords_are_the_grammars():
    assert set(KEYWORDS) == keywords()


def test_the_reference_guideline_lexes_without_error_tokens():
    text = REFERENCE_GUIDELINE.read_text(encoding="utf-8")
    tokens = list(CarepathLexer().get_tokens(text))
    errors = [value for kind, value in tokens if kind in Error]
    assert errors == []
    assert "".join(value for _, value in tokens) == text + ("" if text.endswith("\n") else "\n")


def test_the_lexer_tells_units_node_ids_and_declared_names_apart():
    source = 'define pad: abi <= 0.90 and toe < 30 mm[Hg]\n  when pad -> pad_workup, done\n'
    tokens = [(kind, value) for kind, value in CarepathLexer().get_tokens(source) if value.strip()]
    assert (Name.Function, "pad") in tokens
    assert (Number, "0.90") in tokens and (Keyword.Type, "mm[Hg]") in tokens
    assert (Name.Label, "pad_workup") in tokens and (Name.Label, "done") in tokens


# A stand-in for the two modules the extension requires, recording what it does with them:
# enough of VS Code's API to activate the extension, list a guideline's scenarios as test
# items and run them, with a language client whose server answers from a table.
FAKE_VSCODE = """
const events = (globalThis.events = []);
function collection() {
  const map = new Map();
  return { add: (i) => map.set(i.id, i), delete: (id) => map.delete(id), get: (id) => map.get(id),
           forEach: (f) => map.forEach((v) => f(v)), get size() { return map.size; } };
}
const disposable = { dispose() {} };
const listen = () => disposable;
module.exports = {
  Range: class { constructor(l1, c1, l2, c2) { this.start = { line: l1, character: c1 }; } },
  TestMessage: class { constructor(message) { this.message = message; } },
  TestRunProfileKind: { Run: 1 },
  workspace: {
    getConfiguration: (section) => ({ get: (key, fallback) => (section === "carepath" && key === "command" ? "/opt/venv/bin/carepath" : fallback) }),
    workspaceFolders: [{ uri: { fsPath: "/project" } }],
    textDocuments: [{ languageId: "cpath", uri: { toString: () => "file:///project/g.cpath" } }],
    asRelativePath: () => "g.cpath",
    onDidOpenTextDocument: listen, onDidSaveTextDocument: listen, onDidChangeTextDocument: listen,
    onDidCloseTextDocument: listen, onDidChangeConfiguration: listen,
  },
  commands: { registerCommand: (name) => { events.push(["command", name]); return disposable; } },
  tests: {
    createTestController: () => {
      const controller = {
        items: collection(),
        createTestItem: (id, label, uri) => ({ id, label, uri, children: collection() }),
        createRunProfile: (label, kind, handler) => { globalThis.runHandler = handler; },
        createTestRun: () => ({
          started: (item) => events.push(["started", item.label]),
          passed: (item) => events.push(["passed", item.label]),
          failed: (item, message) => events.push(["failed", item.label, message.message]),
          end: () => events.push(["end"]),
        }),
        dispose() {},
      };
      globalThis.controller = controller;
      return controller;
    },
  },
};
"""

FAKE_CLIENT = """
const answers = {
  "carepath.listScenarios": [{ name: "passes", line: 3 }, { name: "fails", line: 9 }],
};
class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    globalThis.events.push(["client", serverOptions.command, serverOptions.args, clientOptions.documentSelector[0].language]);
  }
  start() { return Promise.resolve(); }
  stop() { return Promise.resolve(); }
  sendRequest(method, params) {
    globalThis.events.push(["request", params.command, params.arguments]);
    if (params.command === "carepath.runScenario") {
      const passed = params.arguments[1] === "passes";
      return Promise.resolve({ passed, details: passed ? [] : ["expected to reach x"] });
    }
    return Promise.resolve(answers[params.command]);
  }
}
module.exports = { LanguageClient, TransportKind: { stdio: 0 } };
"""

DRIVER = """
const extension = require("./extension.js");
(async () => {
  await extension.activate({ subscriptions: [] });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const file = globalThis.controller.items.get("file:///project/g.cpath");
  const items = [];
  file.children.forEach((item) => items.push([item.label, item.range.start.line]));
  globalThis.events.push(["items", items]);
  await globalThis.runHandler({ include: undefined, exclude: [] }, { isCancellationRequested: false });
  console.log(JSON.stringify(globalThis.events));
})();
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="`node` is not on PATH: extension.js cannot be run")
def test_the_extension_starts_the_server_and_runs_scenarios_as_tests(tmp_path):
    from carepath.lsp.server import LIST_SCENARIOS, RUN_SCENARIO  # imports lsprotocol: half a second

    modules = tmp_path / "node_modules"
    (modules / "vscode").mkdir(parents=True)
    (modules / "vscode" / "index.js").write_text(FAKE_VSCODE)
    (modules / "vscode-languageclient").mkdir()
    (modules / "vscode-languageclient" / "node.js").write_text(FAKE_CLIENT)
    shutil.copy(VSCODE / "extension.js", tmp_path / "extension.js")
    (tmp_path / "driver.js").write_text(DRIVER)
    ran = subprocess.run(["node", "driver.js"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=True)
    events = json.loads(ran.stdout)
    assert events[0] == ["client", "/opt/venv/bin/carepath", ["lsp"], "cpath"]  # the `carepath.command` setting
    assert ["request", LIST_SCENARIOS, ["file:///project/g.cpath"]] in events
    assert ["request", RUN_SCENARIO, ["file:///project/g.cpath", "fails"]] in events
    assert ["items", [["passes", 3], ["fails", 9]]] in events
    runs = [e for e in events if e[0] in ("started", "passed", "failed", "end")]
    assert runs == [["started", "passes"], ["passed", "passes"], ["started", "fails"],
                    ["failed", "fails", "expected to reach x"], ["end"]]
