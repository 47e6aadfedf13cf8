"""``osm compile``, ``docs``, ``export`` and ``import --out`` never delete what they did not
write.

A directory is replaced only when its manifest proves it is osm's own previous output (the
generator marker, the format and the sha256 of every file) and it holds nothing else. Each
refusal must exit 2 with a message and leave the whole tree byte-identical: file contents,
symbolic links and directories are compared before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang.cli import main
from metriclang.errors import UsageError
from tests.conftest import EXAMPLES, ROOT

SHOP = EXAMPLES / "shop"
COMMANDS = {
    "compile": (["compile", str(SHOP), "--dialect", "duckdb"], "manifest.json"),
    "docs": (["docs", str(SHOP), "--format", "markdown", "--no-sql"], ".osm-manifest.json"),
    "export": (["export", str(SHOP), "--to", "cube"], ".osm-manifest.json"),
    "import": (["import", str(ROOT / "tests" / "data" / "metricflow_sample" / "sample_models"),
                "--from", "metricflow"], ".osm-manifest.json"),
}


def osm(command: str, out: Path, *extra: str) -> tuple[int, str]:
    args, _ = COMMANDS[command]
    result = CliRunner().invoke(main, [*args, "--out", str(out), *extra])
    return result.exit_code, result.stderr


def tree(root: Path) -> dict[str, str]:
    """Everything under ``root``: each entry's kind and content (links by their target)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "link " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "dir"
            elif not path.is_file():
                found[rel] = "special"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def foreign_manifest(out: Path, command: str) -> None:
    """A web app of the user's, holding a manifest of its own under osm's manifest name."""
    (out / "app" / "src").mkdir(parents=True)
    (out / "app" / "src" / "app.js").write_text("console.log('mine')\n")
    (out / COMMANDS[command][1]).write_text('{"name": "my-app", "icons": []}\n')


def forged_manifest(out: Path, command: str) -> None:
    """Osm's marker and format, but listing none of the user's files."""
    (out / "notes.txt").write_text("mine\n")
    (out / COMMANDS[command][1]).write_text(
        json.dumps({"generator": "metriclang", "format": 1, "files": {}}))


def previous(command: str) -> Callable[[Path], None]:
    def write(out: Path) -> None:
        assert osm(command, out)[0] == 0
    return write


def symlink_inside(out: Path, command: str, secret: Path) -> None:
    previous(command)(out)
    (out / "link").symlink_to(secret)


def symlinked_manifest(out: Path, command: str, secret: Path) -> None:
    """Osm's own manifest, but reached through a link: not a file osm wrote there."""
    real = out.parent / "real-output"
    previous(command)(real)
    for entry in real.iterdir():
        if entry.name != COMMANDS[command][1]:
            entry.rename(out / entry.name)
    (out / COMMANDS[command][1]).symlink_to(real / COMMANDS[command][1])


def modified_file(out: Path, command: str, secret: Path) -> None:
    previous(command)(out)
    page = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))[0]
    with page.open("a") as handle:
        handle.write("-- my edit\n")


def extra_file(out: Path, command: str, secret: Path) -> None:
    previous(command)(out)
    folder = next((p for p in sorted(out.iterdir()) if p.is_dir()), out)
    (folder / "notes.md").write_text("my notes\n")


def extra_directory(out: Path, command: str, secret: Path) -> None:
    previous(command)(out)
    (out / "keep").mkdir()


def fifo_inside(out: Path, command: str, secret: Path) -> None:
    previous(command)(out)
    os.mkfifo(out / "pipe")


CASES: dict[str, Callable[[Path, str, Path], None]] = {
    "foreign-manifest": lambda out, command, secret: foreign_manifest(out, command),
    "forged-manifest": lambda out, command, secret: forged_manifest(out, command),
    "symlink-inside": symlink_inside,
    "symlinked-manifest": symlinked_manifest,
    "modified-file": modified_file,
    "extra-file": extra_file,
    "extra-directory": extra_directory,
    "fifo-inside": fifo_inside,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_refuses_what_osm_did_not_write(tmp_path: Path, command: str, case: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not delete\n")
    out = tmp_path / "out"
    out.mkdir()
    CASES[case](out, command, secret)
    before = tree(tmp_path)
    code, err = osm(command, out)
    assert code == 2, err
    assert f"is not the previous output of `osm {command}`" in err
    assert "nothing was changed" in err and "Traceback" not in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_refuses_a_file_in_place_of_the_directory(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.write_text("my file\n")
    before = tree(tmp_path)
    code, err = osm(command, out)
    assert code == 2 and "is a file, not a directory" in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_path_under_a_file_is_a_usage_error(tmp_path: Path, command: str) -> None:
    (tmp_path / "somefile").write_text("x\n")
    before = tree(tmp_path)
    code, err = osm(command, tmp_path / "somefile" / "site")
    assert code == 2 and err.startswith("error: --out ") and "is a file, not a directory" in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_replaces_its_own_previous_output(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.mkdir()  # an empty directory is fine too
    assert osm(command, out)[0] == 0
    first = tree(out)
    (out / "stale.sql").write_text("old\n")  # listed by a hand-made manifest of osm's format
    manifest = out / COMMANDS[command][1]
    data = json.loads(manifest.read_text())
    assert data["generator"] == "metriclang" and data["format"] == 1
    files = {p.relative_to(out).as_posix() for p in out.rglob("*")
             if p.is_file() and p != manifest and p.name != "stale.sql"}
    assert set(data["files"]) == files
    data["files"]["stale.sql"] = hashlib.sha256(b"old\n").hexdigest()
    manifest.write_text(json.dumps(data))
    code, err = osm(command, out)
    assert code == 0, err
    assert tree(out) == first  # the stale file is gone, the rest is as the first run wrote it
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_second_compile_drops_files_it_no_longer_writes(tmp_path: Path) -> None:
    out = tmp_path / "sql"
    assert osm("compile", out, "--fused")[0] == 0
    assert (out / "duckdb" / "fused").is_dir()
    assert osm("compile", out)[0] == 0
    assert not (out / "duckdb" / "fused").exists()


def test_site_manifest_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert osm("docs", tmp_path / name)[0] == 0
    a, b = (tmp_path / n / ".osm-manifest.json" for n in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(a.read_text())["files"]["index.md"] == hashlib.sha256(
        (tmp_path / "a" / "index.md").read_bytes()).hexdigest()


def test_a_file_edited_between_two_checks_of_one_process_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ownership check hashes each file once per process and trusts its stat signature
    afterwards (files settled long before, as git's index): an edit in between still shows,
    even of the same size, and a file hashed once is not read again while unchanged."""
    from metriclang import atomic

    out = tmp_path / "out"
    assert osm("compile", out)[0] == 0
    monkeypatch.setattr(atomic, "_SETTLED_NS", 0)  # the files were written just now
    monkeypatch.setattr(atomic, "_hashed", {})
    reads: list[Path] = []
    real = atomic.file_sha256
    monkeypatch.setattr(atomic, "file_sha256", lambda p: reads.append(p) or real(p))
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    first = len(reads)
    assert first > 0
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    assert len(reads) == first  # unchanged files: their hashes are reused
    victim = sorted(out.rglob("*.sql"))[0]
    time.sleep(0.05)  # past the timestamps' granularity
    text = victim.read_bytes()
    victim.write_bytes(text[:-1] + (b"X" if text[-1:] != b"X" else b"Y"))  # same size
    with pytest.raises(UsageError, match="is not the previous output of `osm compile`"):
        atomic.ensure_replaceable(out, "manifest.json", "compile")
