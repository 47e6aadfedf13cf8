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
import shutil
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


def test_the_check_ahead_hands_its_hashes_to_the_check_before_the_swap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``osm compile`` checks its ``--out`` in a forked process while the project loads: the
    result (or the refusal) is the same as checking in this process, the files it hashed are
    not read again here, and no process is left after the block."""
    import multiprocessing

    from metriclang import atomic

    out = tmp_path / "out"
    assert osm("compile", out)[0] == 0
    monkeypatch.setattr(atomic, "_SETTLED_NS", 0)  # no kept signature holds: every file hashed
    monkeypatch.setattr(atomic, "_hashed", {})
    reads: list[Path] = []
    real = atomic.file_sha256
    monkeypatch.setattr(atomic, "file_sha256", lambda p: reads.append(p) or real(p))
    with atomic.checked_ahead(out, "manifest.json", "compile") as replaceable:
        target, watch = replaceable()
        watch.close()
    assert target == out.resolve()
    assert not multiprocessing.active_children()
    assert reads == []  # hashed in the forked process
    listed = json.loads((out / "manifest.json").read_text())["files"]
    assert {str(out.resolve() / rel) for rel in listed} <= set(atomic._hashed)
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    assert reads == []  # ... whose hashes this one trusts while the files are unchanged
    (out / "duckdb" / "notes.txt").write_text("mine")
    with atomic.checked_ahead(out, "manifest.json", "compile") as replaceable:
        with pytest.raises(UsageError, match=r"osm did not write `duckdb/notes\.txt`"):
            replaceable()
    assert not multiprocessing.active_children()


def test_a_watch_sees_every_change_in_the_tree(tmp_path: Path) -> None:
    """``atomic.Watch``: quiet until a file of any folder is written, renamed, made, deleted
    or given other attributes, or a folder is made; reading changes nothing; once a change
    is seen it stays seen. A folder that is not there can't be watched: never quiet."""
    from metriclang.atomic import Watch

    root = tmp_path / "out"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.sql").write_text("x")
    (root / "g.sql").write_text("y")
    changes: list[Callable[[], object]] = [
        lambda: (root / "a" / "b" / "f.sql").write_text("z"),
        lambda: (root / "g.sql").rename(root / "h.sql"),
        lambda: (root / "a" / "new").mkdir(),
        lambda: (root / "g.sql").unlink(),
        lambda: os.chmod(root / "a" / "b" / "f.sql", 0o600),
        lambda: os.utime(root / "g.sql", (1, 1)),
        lambda: (root / "a" / "b" / "other.sql").write_text(""),
    ]
    for change in changes:
        watch = Watch(root)
        (root / "a" / "b" / "f.sql").read_bytes()
        assert watch.quiet()
        change()
        assert not watch.quiet() and not watch.quiet()
        watch.close()
        shutil.rmtree(root)
        (root / "a" / "b").mkdir(parents=True)
        (root / "a" / "b" / "f.sql").write_text("x")
        (root / "g.sql").write_text("y")
    assert not Watch(tmp_path / "missing").quiet()


@pytest.mark.parametrize("ahead", [False, True])
def test_the_check_before_the_swap_reads_the_tree_only_when_it_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: bool) -> None:
    """The previous output is checked again before the swap only when its watch saw a change
    since the first check: then an edit made while the command works is still refused and
    the previous output kept."""
    from metriclang import atomic

    out = tmp_path / "out"
    assert osm("compile", out)[0] == 0
    scans: list[Path] = []
    real = atomic._foreign
    monkeypatch.setattr(atomic, "_foreign", lambda root, m: scans.append(root) or real(root, m))

    def replaced(edit: Callable[[], object]) -> None:
        scans.clear()
        if ahead:
            with atomic.checked_ahead(out, "manifest.json", "compile") as replaceable:
                checked = replaceable()
        with atomic.output_dir(out, "manifest.json", "compile",
                               checked=checked if ahead else None) as tmp:
            edit()
            atomic.write_manifest(tmp / "manifest.json", json.dumps(atomic.ownership({})))

    replaced(lambda: None)
    assert len(scans) == (0 if ahead else 1)  # the check ahead scanned in its own process
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert osm("compile", out)[0] == 0
    before = tree(out)
    victim = sorted(out.rglob("*.sql"))[0]
    with pytest.raises(UsageError, match="was changed since osm wrote it"):
        replaced(lambda: victim.write_text("-- mine\n"))
    assert len(scans) == (1 if ahead else 2)
    mine = hashlib.sha256(b"-- mine\n").hexdigest()
    assert tree(out) == {**before, victim.relative_to(out).as_posix(): mine}


def _kept_index(out: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Compile into ``out`` with every file counted as settled at the swap, write the kept
    signatures as the process's exit would, and count the files the next checks read."""
    from metriclang import atomic, cachefiles

    monkeypatch.setattr(atomic, "_SETTLED_NS", 0)
    assert osm("compile", out)[0] == 0
    cachefiles.write_pending()
    monkeypatch.setattr(atomic, "_hashed", {})
    reads: list[Path] = []
    real = atomic.file_sha256
    monkeypatch.setattr(atomic, "file_sha256", lambda p: reads.append(Path(p)) or real(p))
    return reads


def test_the_kept_signatures_spare_reading_the_files_and_every_change_still_shows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later check trusts the stat signatures kept when osm put the output in place: it
    reads the manifest alone. A change after the swap, even one keeping the size, the mtime
    or the inode, changes the ctime and is refused."""
    from metriclang import atomic

    out = tmp_path / "out"
    reads = _kept_index(out, monkeypatch)
    manifest = out.resolve() / "manifest.json"
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    assert reads == [manifest]
    edited, restamped, renewed = (p.resolve() for p in sorted(out.rglob("*.sql"))[:3])
    time.sleep(0.05)  # past the timestamps' granularity
    info = restamped.stat()  # same bytes, the same mtime set again: the ctime moves
    os.utime(restamped, ns=(info.st_atime_ns, info.st_mtime_ns))
    spare = renewed.with_name("spare")  # same bytes in a new file put in its place
    spare.write_bytes(renewed.read_bytes())
    os.replace(spare, renewed)
    reads.clear()
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    assert sorted(reads) == sorted([restamped, renewed])  # read again, accepted
    text, info = edited.read_bytes(), edited.stat()
    edited.write_bytes(text[:-1] + (b"X" if text[-1:] != b"X" else b"Y"))  # same size
    os.utime(edited, ns=(info.st_atime_ns, info.st_mtime_ns))  # and its old mtime back
    with pytest.raises(UsageError, match="was changed since osm wrote it"):
        atomic.ensure_replaceable(out, "manifest.json", "compile")


def test_the_kept_signatures_hold_only_for_the_manifest_osm_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest rewritten since (same listing, other bytes) voids the kept signatures:
    every file is read again."""
    from metriclang import atomic

    out = tmp_path / "out"
    reads = _kept_index(out, monkeypatch)
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text())))
    atomic.ensure_replaceable(out, "manifest.json", "compile")
    assert len(reads) == len(list(out.rglob("*.sql"))) + 1


def test_files_written_just_before_the_swap_are_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change right after the swap could share the timestamps of a file written just
    before it: signatures younger than the settling time at the swap are not kept."""
    from metriclang import atomic, cachefiles

    out = tmp_path / "out"
    assert osm("compile", out)[0] == 0  # written within the last 2 s
    cachefiles.write_pending()
    assert atomic._kept_signatures(out.resolve(), "manifest.json") == {}
    monkeypatch.setenv("METRICLANG_NO_CACHE", "1")
    monkeypatch.setattr(atomic, "_SETTLED_NS", 0)
    other = tmp_path / "other"
    assert osm("compile", other)[0] == 0
    cachefiles.write_pending()
    monkeypatch.delenv("METRICLANG_NO_CACHE")
    assert atomic._kept_signatures(other.resolve(), "manifest.json") == {}  # no cache: none


def test_the_signatures_taken_as_the_files_were_written_are_their_stat_signatures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers of ``osm compile`` (``--jobs 2``) and the parent (``--fused``) return each
    file's signature as they write it; the index kept at exit holds them, and they are what
    a stat of each file gives."""
    from metriclang import atomic, cachefiles

    monkeypatch.setattr(atomic, "_SETTLED_NS", 0)
    out = tmp_path / "out"
    assert osm("compile", out, "--fused", "--jobs", "2")[0] == 0
    cachefiles.write_pending()
    kept = atomic._kept_signatures(out.resolve(), "manifest.json")
    files = {p.relative_to(out).as_posix(): atomic._signature(p.stat())
             for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert any("/fused/" in rel for rel in files)
    assert kept == files


def test_a_real_run_keeps_the_signatures_at_exit(tmp_path: Path) -> None:
    """``osm compile`` as a process: the entry of its output is written when it exits, under
    the output's path and the digest of the manifest it wrote."""
    import pickle
    import subprocess
    import sys

    out, cache = tmp_path / "out", tmp_path / "cache"
    done = subprocess.run([sys.executable, "-m", "metriclang.cli", *COMMANDS["compile"][0],
                           "--out", str(out)], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(ROOT),
                                   METRICLANG_CACHE_DIR=str(cache)))
    assert done.returncode == 0, done.stderr
    (entry,) = (cache / "outputs").glob("*.pickle")
    with entry.open("rb") as handle:
        key, kept = pickle.load(handle), pickle.load(handle)
    digest = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert key == (1, str(out.resolve()), digest)
    assert isinstance(kept, dict)  # the files were written within 2 s of the swap: none kept
