"""The valid corpus (tests/data/valid): parses and resolves clean, golden AST and model dumps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metriclang.dump import dump_ast, dump_model
from metriclang.load import load_project
from metriclang.syntax.parser import parse_file
from tests.conftest import ROOT, golden

VALID = ROOT / "tests" / "data" / "valid"
GOLDEN = VALID / "goldens"
FILES = sorted(VALID.glob("*.osm"))


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def test_corpus_covers_line_endings_and_bom() -> None:
    raw = {p.name: p.read_bytes() for p in FILES}
    assert any(b"\r\n" in data for data in raw.values())
    assert any(data.startswith(b"\xef\xbb\xbf") for data in raw.values())
    assert any(b"\n" in data and b"\r\n" not in data for data in raw.values())
    assert any("中" in data.decode("utf-8-sig") for data in raw.values())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parses_clean_with_golden_ast(path: Path, update_goldens: bool) -> None:
    tree, problems = parse_file(path.name, _text(path))
    assert problems == ()
    golden(GOLDEN / f"{path.stem}.ast.json", dump_ast(tree), update_goldens)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_resolves_clean_with_golden_model(path: Path, update_goldens: bool) -> None:
    loaded = load_project(path)
    assert [(d.code, str(d.span), d.message) for d in loaded.diagnostics] == []
    golden(GOLDEN / f"{path.stem}.model.json", dump_model(loaded.project), update_goldens)


@pytest.mark.parametrize("path", [p for p in FILES if b"\r" not in p.read_bytes()],
                         ids=lambda p: p.stem)
def test_crlf_and_bom_do_not_change_the_tree(path: Path) -> None:
    text = _text(path)
    plain = dump_ast(parse_file("x.osm", text)[0])
    crlf = dump_ast(parse_file("x.osm", "\ufeff" + text.replace("\n", "\r\n"))[0])
    assert crlf == plain


def test_bom_and_crlf_twins_match_their_originals() -> None:
    pairs = {"bom.osm": ("full.osm", False), "crlf.osm": ("chinese.osm", True),
             "bom_crlf.osm": ("sql_fragments.osm", True)}
    for twin, (original, crlf) in pairs.items():
        twin_tree = parse_file("x.osm", _text(VALID / twin))[0]
        original_text = _text(VALID / original)
        if crlf:
            original_text = original_text.replace("\n", "\r\n")
        assert dump_ast(twin_tree) == dump_ast(parse_file("x.osm", original_text)[0]), twin


def test_dumps_are_deterministic_json() -> None:
    path = VALID / "full.osm"
    first = dump_model(load_project(path).project)
    assert first == dump_model(load_project(path).project)
    data = json.loads(first)
    assert data["node"] == "Project" and "root" not in data
    assert list(data["measures"]) == sorted(data["measures"])


def test_dump_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "metriclang.dump", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    model = run(str(VALID / "chinese.osm"))
    assert model.returncode == 0 and model.stderr == ""
    assert model.stdout == (GOLDEN / "chinese.model.json").read_text("utf-8")
    tree = run("--ast", str(VALID / "chinese.osm"))
    assert tree.stdout == (GOLDEN / "chinese.ast.json").read_text("utf-8")
    broken = run(str(ROOT / "tests" / "data" / "invalid" / "unknown_source.osm"))
    assert broken.returncode == 1
    assert "unknown_source.osm:8:17: error[E110] unknown source `order`" in broken.stderr
    assert run(str(tmp_path / "missing")).returncode == 2
