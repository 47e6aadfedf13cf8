"""The whole pipeline as real function calls: check, every report, SQL, docs, fmt and diff.

:func:`run_pipeline` is what every fuzz and limit test drives a project through. It asserts
the invariants of issue 10: nothing raises, every diagnostic lies inside its file, the exit
code ``osm check`` would give is 0 or 1, fmt is idempotent and keeps every comment.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from metriclang.diagnostics import Diagnostic, DiagnosticSet
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.diff import diff_sides
from metriclang.diff.report import RENDERERS
from metriclang.diff.sides import Side
from metriclang.docgen.site import build_site
from metriclang.fmt import format_text
from metriclang.load import Loaded, check
from metriclang.report import FORMATS, reporter
from metriclang.sqlgen.output import compile_project
from metriclang.syntax.parser import parse_file


def assert_positioned(root: Path, loaded: Loaded, diagnostics: DiagnosticSet | None = None
                      ) -> None:
    """Every diagnostic points inside its file (or at a file that exists, e.g. the config)."""
    texts = {f.path: f.text for f in loaded.project.files}
    for d in diagnostics or loaded.diagnostics:
        _inside(root, texts, d)


def _inside(root: Path, texts: dict[str, str], d: Diagnostic) -> None:
    if d.span.file not in texts:  # unreadable files and metriclang.toml
        assert (root / d.span.file).exists(), d
        return
    lines = texts[d.span.file].split("\n")
    assert 1 <= d.span.line <= len(lines), (d, len(lines))
    assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d
    assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d
    assert d.span.end_line <= len(lines), d


def _comments(path: str, text: str) -> list[str]:
    """The comments the parser finds in ``text`` (their text, trailing blanks dropped)."""
    tree, _ = parse_file(path, text)
    return sorted(c.text.rstrip() for c in tree.comments)


def run_pipeline(root: Path, *, docs: bool = True, dialects: tuple[str, ...] = OUTPUT_DIALECTS,
                 baseline: Path | None = None) -> Loaded:
    """Drive the project at ``root`` through every stage; fails the test on any violation."""
    loaded = check(root)
    assert_positioned(root, loaded)
    for fmt in FORMATS:
        out = reporter(fmt)(loaded.project, loaded.diagnostics, False)
        if fmt in ("json", "sarif"):
            json.loads(out)
    exit_code = 1 if loaded.diagnostics.has_errors else 0
    assert exit_code in (0, 1)
    if not loaded.diagnostics.has_errors:
        compiled = compile_project(loaded.project, dialects, fused=True)
        assert_positioned(root, loaded, DiagnosticSet.of(compiled.diagnostics))
        json.loads(compiled.manifest)
    for source in loaded.project.files:
        formatted = format_text(source.text, source.path)
        if formatted.text is None:
            assert formatted.diagnostics, source.path
            continue
        again = format_text(formatted.text, source.path)
        assert again.text == formatted.text, f"fmt is not idempotent on {source.path}"
        assert _comments(source.path, formatted.text) == _comments(source.path, source.text)
    with tempfile.TemporaryDirectory(prefix="osm-pipeline-") as tmp:
        if docs:
            result = build_site(root, Path(tmp) / "site", "html", dialects=dialects[:2])
            assert result.pages >= 1
        if baseline is not None:
            diff, _, _ = diff_sides(Side("old", baseline), Side("new", root))
            for render in RENDERERS.values():
                render(diff, ())
    return loaded
