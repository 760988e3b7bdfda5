// The carepath extension: starts `carepath lsp` and shows the guideline's scenarios in the Testing view.
//
// Everything a guideline needs (diagnostics with verification, hover, go to definition,
// references, rename, completion, outline, formatting, "run scenario" code lenses) comes
// from the language server; this file only launches it and maps scenarios to test items.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

const RUN_SCENARIO = "carepath.runScenario";
const LIST_SCENARIOS = "carepath.listScenarios";

let client;

function startClient() {
  const command = vscode.workspace.getConfiguration("carepath").get("command", "carepath");
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio, options: { cwd } };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "cpath" }, { scheme: "untitled", language: "cpath" }],
  };
  client = new LanguageClient("carepath", "carepath", serverOptions, clientOptions);
  return client.start();
}

function executeOnServer(command, args) {
  return client.sendRequest("workspace/executeCommand", { command, arguments: args });
}

// The Testing view: one test item per `scenario` of each open guideline, run by the server.
function scenarioTests(context) {
  const controller = vscode.tests.createTestController("carepathScenarios", "carepath scenarios");
  context.subscriptions.push(controller);

  async function refresh(document) {
    if (document.languageId !== "cpath") return;
    const uri = document.uri.toString();
    const scenarios = (await executeOnServer(LIST_SCENARIOS, [uri])) || [];
    const file = controller.createTestItem(uri, vscode.workspace.asRelativePath(document.uri), document.uri);
    for (const scenario of scenarios) {
      const item = controller.createTestItem(`${uri}#${scenario.name}`, scenario.name, document.uri);
      item.range = new vscode.Range(scenario.line, 0, scenario.line, 0);
      file.children.add(item);
    }
    controller.items.add(file);
  }

  async function run(request, token) {
    const testRun = controller.createTestRun(request);
    const queue = [];
    const roots = request.include ?? [...iterate(controller.items)];
    for (const item of roots) {
      if (item.children.size) item.children.forEach((child) => queue.push(child));
      else queue.push(item);
    }
    for (const item of queue) {
      if (token.isCancellationRequested) break;
      if (request.exclude?.includes(item)) continue;
      testRun.started(item);
      const result = await executeOnServer(RUN_SCENARIO, [item.uri.toString(), item.label]);
      if (result.passed) testRun.passed(item);
      else testRun.failed(item, new vscode.TestMessage(result.details.join("\n")));
    }
    testRun.end();
  }

  function* iterate(collection) {
    const items = [];
    collection.forEach((item) => items.push(item));
    yield* items;
  }

  controller.createRunProfile("Run scenarios", vscode.TestRunProfileKind.Run, run, true);
  let timer;
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(refresh),
    vscode.workspace.onDidSaveTextDocument(refresh),
    vscode.workspace.onDidChangeTextDocument((event) => {
      clearTimeout(timer);
      timer = setTimeout(() => refresh(event.document), 1000);
    }),
    vscode.workspace.onDidCloseTextDocument((document) => controller.items.delete(document.uri.toString())),
  );
  vscode.workspace.textDocuments.forEach(refresh);
}

async function activate(context) {
  await startClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("carepath.restartServer", async () => {
      await client.stop();
      await startClient();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("carepath.command")) {
        await client.stop();
        await startClient();
      }
    }),
  );
  scenarioTests(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
