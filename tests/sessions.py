"""Console sessions written in Markdown, run for real: the guides cannot go stale.

A ```` ```console ```` block holds commands (``$ osm ...``), each followed by the output it
prints (stdout and stderr as a terminal shows them, trailing spaces dropped). A block
```` ```osm file=NAME ```` (or ``toml``) writes NAME in the session's folder. Besides ``osm``,
a command may be ``cd DIR``, ``export NAME=VALUE``, start with ``NAME=VALUE`` (for that
command only) and end with ``> FILE`` (stdout into FILE; only stderr is shown).

:func:`run_session` runs every step in order in one folder and returns the Markdown with the
output each command really printed, so a test compares it with the file (and
``--update-goldens`` writes it back).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from metriclang.cli import main

#: A fenced block: its info string and body.
BLOCK = re.compile(r"^```(console|(?:osm|toml) file=\S+)\n(.*?)^```$", re.S | re.M)
#: The environment every command starts from: no colour, no warehouse from the caller.
BASE_ENV: dict[str, str | None] = {"NO_COLOR": "1", "FORCE_COLOR": None, "OSM_DB_URL": None,
                                   "COLUMNS": "100"}


def commands(markdown: str) -> list[str]:
    """Every command line of the console blocks, in order."""
    return [line[2:] for m in BLOCK.finditer(markdown) if m.group(1) == "console"
            for line in m.group(2).splitlines() if line.startswith("$ ")]


def run_session(markdown: str, folder: Path,
                exits: list[tuple[str, int]] | None = None) -> str:
    """``markdown`` with every console block's output replaced by what its commands print
    when run in order in ``folder``; each ``osm`` command and its exit code are appended to
    ``exits``."""
    state: dict[str, object] = {"cwd": folder, "env": dict(BASE_ENV),
                                "exits": [] if exits is None else exits}

    def block(m: re.Match[str]) -> str:
        info, body = m.group(1), m.group(2)
        if info != "console":
            target = Path(state["cwd"]) / info.split("file=", 1)[1]  # type: ignore[arg-type]
            target.write_text(body, encoding="utf-8")
            return m.group(0)
        out = []
        for line in body.splitlines():
            if line.startswith("$ "):
                out.append(line)
                out.extend(_run(line[2:], state))
        return f"```console\n{''.join(x + chr(10) for x in out)}```"

    return BLOCK.sub(block, markdown)


def _run(line: str, state: dict[str, object]) -> list[str]:
    """Run one command line; the lines it prints."""
    words = shlex.split(line)
    cwd: Path = state["cwd"]  # type: ignore[assignment]
    env: dict[str, str | None] = dict(state["env"])  # type: ignore[call-overload]
    if words[0] == "cd":
        state["cwd"] = (cwd / words[1]).resolve()
        return []
    if words[0] == "export":
        name, _, value = words[1].partition("=")
        state["env"][name] = value  # type: ignore[index]
        return []
    while "=" in words[0] and not words[0].startswith("-"):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    redirect = None
    if len(words) > 2 and words[-2] == ">":
        redirect, words = cwd / words[-1], words[:-2]
    assert words[0] == "osm", f"only osm, cd and export run in a session: {line}"
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, words[1:], env=env)
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{line}: {result.exception!r}") from result.exception
    state["exits"].append((line, result.exit_code))  # type: ignore[attr-defined]
    if redirect is not None:
        redirect.write_text(result.stdout, encoding="utf-8")
        shown = result.stderr
    else:
        shown = result.output
    return [x.rstrip() for x in shown.splitlines()]
