"""``osm diff`` on a crafted git tree writes nothing outside its temporary directory.

``git add`` can't make such trees: they are built from objects (``git hash-object -w``,
``git mktree``, raw tree objects with ``--literally``) and ``git commit-tree``. Each holds
one unsafe entry among ordinary ones (``..`` as a folder, ``/abs.osm``, a name holding
``../``). ``osm diff`` must refuse the revision (exit 2, a clear message) and nothing may
appear outside the repository.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

SPEC = b"source o { table a.b  time t }\nmeasure m { formula count(o) }\n"
EVIL = b'measure evil "written outside" { formula 1 }\n'


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    done = subprocess.run(["git", *args], cwd=repo, input=data, capture_output=True,
                          check=True, env=env)
    return done.stdout.decode().strip()


def raw_tree(repo: Path, entries: list[tuple[str, bytes, str]]) -> str:
    """A tree object written byte by byte (git mktree refuses names holding ``/``)."""
    data = b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(sha)
                    for mode, name, sha in entries)
    return git(repo, "hash-object", "-t", "tree", "-w", "--literally", "--stdin", data=data)


def dot_dot(repo: Path, spec: str, evil: str) -> str:
    inner = git(repo, "mktree", data=f"100644 blob {evil}\tevil.osm\n".encode())
    deeper = git(repo, "mktree", data=f"040000 tree {inner}\t..\n".encode())
    return git(repo, "mktree", data=f"100644 blob {spec}\tm.osm\n040000 tree {deeper}\t..\n"
               .encode())


def absolute(repo: Path, spec: str, evil: str) -> str:
    target = repo.parent / "abs-evil.osm"
    return raw_tree(repo, [("100644", str(target).encode(), evil), ("100644", b"m.osm", spec)])


def slash_in_name(repo: Path, spec: str, evil: str) -> str:
    return raw_tree(repo, [("100644", b"../../up-evil.osm", evil), ("100644", b"m.osm", spec)])


TREES: dict[str, Callable[[Path, str, str], str]] = {
    "dot-dot": dot_dot, "absolute": absolute, "slash-in-name": slash_in_name}


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


@pytest.mark.parametrize("case", sorted(TREES))
def test_crafted_tree_is_refused(tmp_path: Path, case: str) -> None:
    repo = tmp_path / "a" / "b" / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "m.osm").write_bytes(SPEC)
    git(repo, "add", "m.osm")
    git(repo, "commit", "-q", "-m", "good")
    spec = git(repo, "hash-object", "-w", "--stdin", data=SPEC)
    evil = git(repo, "hash-object", "-w", "--stdin", data=EVIL)
    tree = TREES[case](repo, spec, evil)
    commit = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "crafted")
    git(repo, "update-ref", "refs/heads/crafted", commit)
    before = snapshot(tmp_path)
    for args in (["crafted"], ["main", "crafted"], ["main..crafted"]):
        result = subprocess.run([sys.executable, "-m", "metriclang.cli", "diff", *args,
                                 "--project", str(repo)], cwd=ROOT, capture_output=True,
                                text=True, timeout=120, env={**os.environ, "TMPDIR": str(
                                    tmp_path / "a")})
        assert result.returncode == 2, result.stdout + result.stderr
        assert "holds an unsafe path" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.rglob("*evil*"))
    assert not Path("/abs-evil.osm").exists()
