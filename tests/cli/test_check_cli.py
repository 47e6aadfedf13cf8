"""``osm check`` as a real subprocess: exit codes, text and JSON reports, files that can't be read.

Runs ``python3 -m metriclang.cli`` (always available in a checkout) and the installed ``osm``
console script (present after ``pip install -e .``; required in CI).
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, skip_or_fail

INVALID = ROOT / "tests" / "data" / "invalid"
HEADER = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
                    r"(?P<severity>error|warning|info)( \(suppressed\))?\[(?P<code>[A-Z]\d{3})\] "
                    r"(?P<message>.+)$", re.M)
SUMMARY = re.compile(r"^checked \d+ files?: \d+ errors?, \d+ warnings?(, \d+ suppressed)?$")


def osm(*args: str | Path, cwd: Path = ROOT, script: bool = False
        ) -> subprocess.CompletedProcess[str]:
    """Run ``osm ARGS`` (the module, or the console script) and capture its output."""
    if script:
        exe = shutil.which("osm") or str(Path(sys.executable).with_name("osm"))
        if not Path(exe).exists():
            skip_or_fail("the `osm` console script is not installed (pip install -e .)")
        command = [exe, *map(str, args)]
    else:
        command = [sys.executable, "-m", "metriclang.cli", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def block(stdout: str, code: str) -> str:
    """The report block (header to help line) of the first diagnostic with ``code``."""
    return next(b for b in stdout.split("\n\n") if HEADER.match(b) and f"[{code}]" in b)


@pytest.mark.parametrize("script", [False, True], ids=["module", "script"])
@pytest.mark.parametrize("name", ["shop", "manufacturer"])
def test_examples_exit_0(name: str, script: bool) -> None:
    result = osm("check", EXAMPLES / name, script=script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert SUMMARY.match(result.stdout.splitlines()[-1]), result.stdout
    assert " 0 errors" in result.stdout.splitlines()[-1]
    assert result.stderr == ""


def test_single_file_path(tmp_path: Path) -> None:
    result = osm("check", INVALID / "unknown_source.osm")
    assert result.returncode == 1
    assert block(result.stdout, "E110").startswith(
        "unknown_source.osm:8:17: error[E110] unknown source `order`\n")


def test_text_report_layout() -> None:
    result = osm("check", INVALID / "unknown_source.osm")
    assert block(result.stdout, "E110") == (
        "unknown_source.osm:8:17: error[E110] unknown source `order`\n"
        "  |\n"
        "8 |   formula count(order)\n"
        "  |                 ^^^^^\n"
        "  help: did you mean `orders`?")
    assert SUMMARY.match(result.stdout.rstrip("\n").splitlines()[-1])
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_text_report_related_and_wide_characters(tmp_path: Path) -> None:
    shutil.copytree(INVALID / "dir_duplicate_across_files", tmp_path / "p")
    (tmp_path / "p" / "c.osm").write_text('measure 中 "x" { }\n', "utf-8")
    result = osm("check", tmp_path / "p")
    assert result.returncode == 1
    assert block(result.stdout, "E120") == (
        "b.osm:3:9: error[E120] duplicate name `revenue`: already declared as a measure\n"
        "  |\n"
        "3 | measure revenue {\n"
        "  |         ^^^^^^^\n"
        "  note: a.osm:7:9: first declared here as a measure\n"
        "  help: rename one of them; names are global across the project")
    wide = block(result.stdout, "E103")
    assert wide.startswith("c.osm:1:9: error[E103] unexpected character `中`\n")
    assert "1 | measure 中" in wide
    assert "\n  |         ^^\n" in wide  # a CJK character is two columns wide
    headers = HEADER.findall(result.stdout)
    assert len(headers) >= 2


def test_every_block_has_a_compiler_style_header() -> None:
    result = osm("check", INVALID / "recovery_several_errors.osm")
    assert result.returncode == 1
    *blocks, summary = result.stdout.rstrip("\n").split("\n\n")
    assert SUMMARY.match(summary)
    found = [HEADER.match(b) for b in blocks]
    assert all(found), blocks
    errors = [(m["line"], m["col"], m["code"]) for m in found if m and m["severity"] == "error"]
    assert errors == [("9", "1", "E101"), ("12", "8", "E101"), ("17", "8", "E140"),
                      ("20", "11", "E102"), ("23", "27", "E110")]
    assert summary.startswith("checked 1 file: 5 errors")


def test_json_contract() -> None:
    result = osm("check", INVALID / "dir_recovery_across_files", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert isinstance(data["diagnostics"], list)
    for item in data["diagnostics"]:
        assert {"code", "severity", "message", "file", "line", "column", "suppressed"} <= set(item)
        assert item["severity"] in ("error", "warning", "info")
        assert isinstance(item["line"], int) and item["line"] >= 1
        assert isinstance(item["column"], int) and item["column"] >= 1
        assert isinstance(item["suppressed"], bool)
        assert not Path(item["file"]).is_absolute()
    errors = [(d["file"], d["code"], d["line"], d["column"]) for d in data["diagnostics"]
              if d["severity"] == "error"]
    assert errors == [("a.osm", "E101", 8, 29), ("b.osm", "E101", 2, 8),
                      ("sub/bad.osm", "E105", 1, 3), ("sub/c.osm", "E110", 3, 17)]
    # sub/bad.osm could not be read: it counts as a checked file, with its error
    assert data["summary"]["files"] == 4 and data["summary"]["errors"] == 4


def test_json_suppressed_carries_the_reason() -> None:
    result = osm("check", EXAMPLES / "shop", "--format", "json")
    assert result.returncode == 0
    suppressed = [d for d in json.loads(result.stdout)["diagnostics"] if d["suppressed"]]
    assert suppressed and all(d["reason"] for d in suppressed)


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_text(
        "source s { table t time at }\nmeasure m { formula count(s) }\n", "utf-8")
    relaxed, strict = osm("check", tmp_path), osm("check", tmp_path, "--strict")
    assert relaxed.returncode == 0 and "warning" in relaxed.stdout
    assert strict.returncode == 1 and strict.stdout == relaxed.stdout


def test_non_utf8_file_is_exit_1_and_named() -> None:
    result = osm("check", INVALID / "non_utf8.osm", "--format", "json")
    assert result.returncode == 1
    (d,) = json.loads(result.stdout)["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["column"]) == ("E105", "non_utf8.osm", 1, 15)
    assert "non_utf8.osm" in d["message"]


def test_unreadable_file_is_exit_1_and_named(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "shop", tmp_path / "p")
    (tmp_path / "p" / "gone.osm").symlink_to(tmp_path / "nowhere.osm")
    denied = tmp_path / "p" / "denied.osm"
    denied.write_text("measure x { formula 1 }\n", "utf-8")
    denied.chmod(0)
    result = osm("check", tmp_path / "p", "--format", "json")
    assert result.returncode == 1
    e105 = {d["file"]: d["message"] for d in json.loads(result.stdout)["diagnostics"]
            if d["code"] == "E105"}
    assert "gone.osm" in e105["gone.osm"]
    if os.geteuid() != 0:  # root reads any file
        assert "denied.osm" in e105["denied.osm"]


@pytest.mark.parametrize("args", [
    ("check", "does/not/exist"),
    ("check", "specs/examples/shop", "--format", "yaml"),
    ("check",),
    ("check", "specs/examples/shop", "--today", "2027-02-30"),
    ("nonsense",),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = osm(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip()


def test_missing_path_message() -> None:
    result = osm("check", "does/not/exist")
    assert result.stderr == "error: path does not exist: does/not/exist\n"


def test_colour_only_on_a_terminal() -> None:
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "metriclang.cli", "check", str(INVALID / "unknown_source.osm")],
        stdout=follower, stderr=follower, env=env, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 1
    os.close(leader)
    output = b"".join(chunks).decode("utf-8")
    assert "\x1b[1;31merror[E110]\x1b[0m" in output


def test_source_line_after_form_feed_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "a.osm").write_bytes(
        b"source s { table t time at }\r\n\x0c\r\nmeasure m {\r\n  formula count(x)\r\n}\r\n")
    result = osm("check", tmp_path)
    assert block(result.stdout, "E110") == (
        "a.osm:4:17: error[E110] unknown source `x`\n"
        "  |\n"
        "4 |   formula count(x)\n"
        "  |                 ^")


def test_long_source_line_is_cut_around_the_span() -> None:
    result = osm("check", INVALID / "nesting_too_deep.osm")
    header, _, source, caret, *_ = block(result.stdout, "E106").splitlines()
    assert header.startswith("nesting_too_deep.osm:8:211: error[E106]")
    assert source.startswith("8 | …(((") and source.endswith(")))…")
    assert len(source) == len("8 | ") + 1 + 100 + 1
    at = caret.index("^")
    assert caret.count("^") == 1 and source[at] == "("
    assert source[len("8 | ") + 1:at].count("(") == 30  # 30 characters of context before it
