"""The CI guide and the pre-commit hooks use real commands and valid YAML."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from metriclang.cli import main
from tests.conftest import ROOT, import_or_skip

yaml = import_or_skip("yaml")

GUIDE = ROOT / "docs" / "ci.md"


def blocks(path: Path, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text("utf-8"), re.S)


def commands(text: str) -> list[list[str]]:
    """Every ``osm ...`` command line, without shell redirections and fallbacks."""
    out = []
    for m in re.finditer(r"(?:^|\$ |run: |- |\n)\s*osm (.+)", text):
        line = re.split(r" (?:>>?|\|\||#) ", m.group(1) + " ")[0]
        out.append(shlex.split(line))
    return out


def parses(args: list[str]) -> None:
    """Parse a command line with the real CLI (options, choices, arity), without running it."""
    command = main.commands[args[0]]
    command.make_context(args[0], list(args[1:]))


def test_every_command_of_the_guide_parses() -> None:
    found = commands(GUIDE.read_text("utf-8"))
    assert len(found) >= 15
    assert {c[0] for c in found} >= {"check", "fmt", "diff", "compile"}
    for args in found:
        try:
            parses(args)
        except click.ClickException as exc:  # pragma: no cover - shows the bad line
            pytest.fail(f"osm {shlex.join(args)}: {exc.format_message()}")


def test_guide_yaml_is_valid_and_complete() -> None:
    docs = [yaml.safe_load(b) for b in blocks(GUIDE, "yaml")]
    github = next(d for d in docs if "jobs" in d)
    steps = github["jobs"]["metrics"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "--format github" in runs and "--format markdown" in runs
    assert "gh pr comment" in runs and "osm compile" in runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    gitlab = next(d for d in docs if "metrics" in d and "script" in d["metrics"])
    script = "\n".join(gitlab["metrics"]["script"])
    assert "--format sarif" in script and "--format json" in script
    assert gitlab["metrics"]["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {"osm-check", "osm-fmt"} <= hooks.keys()
    for hook in hooks.values():
        assert hook["entry"].startswith("osm ") and hook["language"] == "python"
        parses([*shlex.split(hook["entry"])[1:], *hook.get("args", []), "spec.osm"][
            :None if hook.get("pass_filenames", True) else -1])
    assert hooks["osm-check"]["pass_filenames"] is False
    assert hooks["osm-fmt"]["files"] == r"\.osm$"
