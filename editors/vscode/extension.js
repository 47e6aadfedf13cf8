// Starts `osm lsp` (the command is the `metriclang.command` setting) for the .osm files of
// the workspace; everything else (diagnostics, hover, rename...) is the server's.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("metriclang").get("command");
  client = new LanguageClient(
    "metriclang", "metriclang (osm lsp)",
    { command, args, transport: TransportKind.stdio },
    {
      documentSelector: [{ scheme: "file", language: "osm" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.osm,metriclang.toml}"),
      },
    });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
