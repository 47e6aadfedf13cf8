"""Files outside the project never reach output through symbolic links or excerpts.

A project holds links to a secret file outside it (as a ``.osm`` file, under a linked
folder, as ``metriclang.toml``) and to ``/proc/self/environ`` with a secret in the
environment. The secret must appear nowhere in the stdout or stderr of ``osm check`` (every
``--format``), ``osm fmt``, ``osm graph`` or ``osm docs``, nor in the files docs writes.
Files that are not UTF-8 text (invalid UTF-8, NUL bytes) get E105 and no excerpt; a message
quotes one line of source at most.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from metriclang.report import FORMATS
from tests.conftest import EXAMPLES, ROOT

SECRET = f"OSM-LEAK-{uuid.uuid4().hex}"


def osm(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OSM_TEST_SECRET": SECRET}
    return subprocess.run([sys.executable, "-m", "metriclang.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("leaks")
    outside = base / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    # Shaped like a spec so that, if it were read, its first line would be shown.
    secret.write_text(f"measure {SECRET} {{ formula oops( }}\n{SECRET}\n", encoding="utf-8")
    (outside / "nested.osm").write_text(f'measure leak "{SECRET}" {{ formula count(x) }}\n',
                                        encoding="utf-8")
    root = base / "p"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb*"))
    (root / "secret.osm").symlink_to(secret)
    (root / "env.osm").symlink_to("/proc/self/environ")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "inside").mkdir()
    (root / "inside" / "alias.osm").symlink_to(root / "journey.osm")  # stays in: read
    (root / "metriclang.toml").unlink()
    (root / "metriclang.toml").symlink_to(secret)
    return root


def no_secret(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_reads_no_link_out_of_the_project(project: Path, fmt: str) -> None:
    result = osm("check", project, "--format", fmt)
    no_secret(result)
    if fmt == "json":
        found = json.loads(result.stdout)["diagnostics"]
        w101 = sorted(d["file"] for d in found if d["code"] == "W101")
        assert w101 == ["env.osm", "metriclang.toml", "secret.osm"]
        assert all(d["severity"] == "warning" for d in found if d["code"] == "W101")
        # the link inside the project is read: its journey is declared twice
        assert any(d["code"] == "E120" and "inside/alias.osm" in {d["file"], *(
            r["file"] for r in d["related"])} for d in found)


def test_other_commands_read_no_link_out_of_the_project(project: Path, tmp_path: Path) -> None:
    no_secret(fmt := osm("fmt", "--check", project))
    assert "W101" in fmt.stderr
    no_secret(osm("fmt", "--diff", project))
    no_secret(osm("graph", project, "--format", "json"))
    for kind in ("markdown", "html"):
        out = tmp_path / kind
        no_secret(osm("docs", project, "--out", out, "--format", kind, "--no-sql"))
        for page in out.rglob("*"):
            if page.is_file():
                assert SECRET.encode() not in page.read_bytes(), page


def test_fmt_does_not_write_through_a_link_out_of_the_project(tmp_path: Path) -> None:
    target = tmp_path / "outside.osm"
    target.write_text("measure   m {   formula count(x) }\n", encoding="utf-8")
    before = target.read_bytes()
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "m.osm").symlink_to(target)
    result = osm("fmt", tmp_path / "p")
    assert result.returncode == 0 and "W101" in result.stderr
    assert target.read_bytes() == before


@pytest.mark.parametrize("data", [
    b"\xff" + SECRET.encode() + b"\n",
    b'measure m "' + SECRET.encode() + b'\xc3" { }\n',
    b"measure m {\x00 " + SECRET.encode() + b" }\n",
    b"measure m { formula count(o) }\n\x00\n" + SECRET.encode() + b"\n",
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_excerpt_of_a_file_that_is_not_text(tmp_path: Path, data: bytes, fmt: str) -> None:
    (tmp_path / "bad.osm").write_bytes(data)
    result = osm("check", tmp_path, "--format", fmt)
    assert result.returncode == 1
    no_secret(result)
    assert "E105" in result.stdout + result.stderr
    no_secret(osm("fmt", "--check", tmp_path / "bad.osm"))


@pytest.mark.parametrize("text", [
    f"measure m {{ formula count(o) 'first line\n{SECRET}' }}\n",
    f"source o {{ table a.b time t }}\nmeasure m {{ formula count(o where x = = 1\n"
    f" or y = '{SECRET}') }}\n",
    f"measure m {{ formula count(o) }} measure 'x\n{SECRET}' {{ }}\n",
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_messages_and_excerpts_show_one_line(tmp_path: Path, text: str, fmt: str) -> None:
    """The secret sits on a later line of the offending token: it is never shown."""
    (tmp_path / "a.osm").write_text(text, encoding="utf-8")
    result = osm("check", tmp_path, "--format", fmt)
    assert result.returncode == 1
    no_secret(result)
