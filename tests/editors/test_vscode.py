"""The VS Code extension (editors/vscode): its manifest points at real files, and its
TextMate grammar passes its scope assertions (test/*.osm) under vscode-tmgrammar-test, the
npm tool `.ci/run` installs into editors/vscode/.tools."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.conftest import ROOT, skip_or_fail

VSCODE = ROOT / "editors" / "vscode"


def test_manifest_names_its_files_and_starts_osm_lsp() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text("utf-8"))
    language = manifest["contributes"]["languages"][0]
    grammar = manifest["contributes"]["grammars"][0]
    assert language["extensions"] == [".osm"] and grammar["language"] == language["id"]
    assert (VSCODE / manifest["main"]).is_file()
    json.loads((VSCODE / language["configuration"]).read_text("utf-8"))
    scopes = json.loads((VSCODE / grammar["path"]).read_text("utf-8"))
    assert scopes["scopeName"] == grammar["scopeName"] == "source.osm"
    setting = manifest["contributes"]["configuration"]["properties"]["metriclang.command"]
    assert setting["default"] == ["osm", "lsp"]


def test_grammar_scopes() -> None:
    tool = VSCODE / ".tools" / "node_modules" / ".bin" / "vscode-tmgrammar-test"
    command = str(tool) if tool.exists() else shutil.which("vscode-tmgrammar-test")
    if command is None:
        skip_or_fail("needs vscode-tmgrammar-test: npm install --prefix editors/vscode/.tools "
                     "vscode-tmgrammar-test@0.1.3")
    tests = sorted(str(p.relative_to(VSCODE)) for p in (VSCODE / "test").glob("*.osm"))
    assert tests
    done = subprocess.run([command, "-g", "syntaxes/osm.tmLanguage.json", *tests],
                          cwd=VSCODE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("run successfuly") == len(tests)
