"""``osm fmt``: the canonical layout keeps meaning and comments, and is idempotent."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from metriclang.diff.canon import dump
from metriclang.fmt import format_text
from metriclang.load import load_project
from metriclang.syntax.parser import parse_file
from tests.conftest import EXAMPLES, ROOT

HERE = Path(__file__).parent
EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.osm"))


def _parses(path: Path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not parse_file(path.name, text)[1]


CORPUS = sorted(p for p in (ROOT / "tests").rglob("*.osm") if HERE not in p.parents
                and "crashes" not in p.parts and _parses(p))  # crashes: too deep to format


def comments(text: str) -> Counter[str]:
    return Counter(c.text.rstrip() for c in parse_file("x.osm", text)[0].comments)


def meaning(root: Path) -> tuple[object, Counter[tuple[str, str]]]:
    """The span-free model and the (code, message) of every diagnostic."""
    loaded = load_project(root)
    return dump(loaded.project), Counter((d.code, d.message) for d in loaded.diagnostics)


def assert_preserved(text: str, tmp: Path, name: str = "spec.osm") -> str:
    """Format ``text``; the result must mean the same, keep comments and be a fixed point."""
    out = format_text(text, name).text
    assert out is not None
    assert format_text(out, name).text == out, "not idempotent"
    assert comments(out) == comments(text)
    before, after = tmp / "before", tmp / "after"
    for d, t in ((before, text), (after, out)):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        (d / name).write_text(t, encoding="utf-8")
    assert meaning(after) == meaning(before)
    return out


def test_messy_file_gets_the_canonical_layout() -> None:
    text = (HERE / "cases" / "messy.osm").read_text("utf-8")
    expected = (HERE / "cases" / "messy.expected.osm").read_text("utf-8")
    assert format_text(text).text == expected


def test_messy_file_keeps_meaning(tmp_path: Path) -> None:
    assert_preserved((HERE / "cases" / "messy.osm").read_text("utf-8"), tmp_path)


@pytest.mark.parametrize("example", sorted({p.parent for p in EXAMPLE_FILES}),
                         ids=lambda p: p.name)
def test_examples_keep_their_model(example: Path, tmp_path: Path) -> None:
    formatted = tmp_path / example.name
    shutil.copytree(example, formatted)
    for file in formatted.rglob("*.osm"):
        text = file.read_text("utf-8")
        out = format_text(text, file.name).text
        assert out is not None and format_text(out).text == out
        assert comments(out) == comments(text)
        file.write_text(out, encoding="utf-8")
    assert meaning(formatted) == meaning(example)


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_corpus_cases_keep_their_model(case: Path, tmp_path: Path) -> None:
    assert_preserved(case.read_text("utf-8"), tmp_path, case.name)


def _mutate(text: str, rng: random.Random) -> str:
    """One random edit that keeps most files parseable: moves, comments, spacing."""
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    match rng.randrange(8):
        case 0:
            del lines[i]
        case 1:
            lines.insert(i, lines[i])
        case 2 if i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        case 3:
            lines.insert(i, " " * rng.randrange(6) + f"# note {rng.randrange(99)}")
        case 4:
            lines[i] += f"   # tail {rng.randrange(99)}"
        case 5 if i + 1 < len(lines) and "#" not in lines[i]:
            lines[i:i + 2] = [lines[i] + " " + lines[i + 1]]
        case 6:
            lines[i] = "\t " + lines[i].replace(" ", "  ", rng.randrange(3))
        case _:
            lines.insert(i, "")
    return "\n".join(lines)


def _mutations(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = [p.read_text("utf-8") for p in EXAMPLE_FILES + CORPUS]
    out = []
    while len(out) < count:
        text = rng.choice(texts)
        for _ in range(rng.randrange(1, 6)):
            text = _mutate(text, rng)
        if not parse_file("spec.osm", text)[1]:
            out.append(text)
    return out


def test_generated_mutations_keep_their_model(tmp_path: Path) -> None:
    for text in _mutations(40, seed=7):
        assert_preserved(text, tmp_path)


@pytest.mark.slow
def test_many_generated_mutations_keep_their_model(tmp_path: Path) -> None:
    for seed in range(8):
        for text in _mutations(50, seed=1000 + seed):
            assert_preserved(text, tmp_path)


# ---------------------------------------------------------------- layout details


def fmt(text: str) -> str:
    out = format_text(text).text
    assert out is not None
    return out


def test_statements_are_ordered_and_leading_comments_move_with_them() -> None:
    text = 'measure m {\n  owner "a"\n  # why daily\n  grain day\n  formula count(o)\n}\n'
    assert fmt(text) == ('measure m {\n  formula count(o)\n  grain day\n  owner "a"\n}\n'
                         .replace('  grain day\n', '  # why daily\n  grain day\n'))


def test_repeated_statements_keep_their_relative_order() -> None:
    text = "measure m { allow V403 \"b\" drives x allow S303 \"a\" drives y formula count(o) }"
    assert fmt(text) == ('measure m {\n  formula count(o)\n  drives x\n  drives y\n'
                         '  allow V403 "b"\n  allow S303 "a"\n}\n')


def test_short_and_long_aggregate_forms_are_kept() -> None:
    text = "measure m { formula sum(o.amount) + sum(o, amount) + percentile(o.d, 0.5) }"
    assert "sum(o.amount) + sum(o, amount) + percentile(o.d, 0.5)" in fmt(text)


def test_parentheses_only_where_the_tree_needs_them() -> None:
    text = "measure m { formula ((a + b)) - (c - d) / (e * f) * -(-g) + (1) }"
    assert fmt(text) == "measure m {\n  formula a + b - (c - d) / (e * f) * -(-g) + 1\n}\n"


def test_long_name_lists_wrap_under_the_first_name() -> None:
    names = [f"measure_number_{i:02d}" for i in range(8)]
    text = f"objective o {{ strategy s {{ measures {', '.join(names)} }} }}"
    out = fmt(text)
    assert out == (
        "objective o {\n  strategy s {\n"
        "    measures measure_number_00, measure_number_01, measure_number_02, "
        "measure_number_03,\n"
        "             measure_number_04, measure_number_05, measure_number_06, "
        "measure_number_07\n  }\n}\n")
    assert max(len(line) for line in out.splitlines()) <= 100


def test_strings_are_re_escaped() -> None:
    text = 'measure m "say \\"hi\\" \\\\ \\q" { formula count(o) }'
    assert fmt(text).startswith('measure m "say \\"hi\\" \\\\ q" {')


def test_sql_fragments_are_verbatim_including_their_comments() -> None:
    text = ("source s {\n  table t\n  time ts\n  dimension d = case when x > 1 # big\n"
            "    then 'a' else 'b' end\n}\n")
    out = fmt(text)
    assert "dimension d = case when x > 1 # big\n    then 'a' else 'b' end" in out
    assert comments(out) == comments(text) == Counter({"# big": 1})


def test_comments_inside_a_multi_line_formula_move_before_it() -> None:
    text = "measure m {\n  formula count(a)  # top\n    / count(b)  # bottom\n}\n"
    assert fmt(text) == "measure m {\n  # top\n  formula count(a) / count(b)  # bottom\n}\n"


def test_blank_lines_collapse_and_comment_only_files_survive() -> None:
    assert fmt("\n\n# only a comment\n\n\n") == "# only a comment\n"
    assert fmt("") == ""
    assert fmt("journey j {\n\n\n  stage a\n\n  stage b \"B\"\n}") == (
        'journey j {\n  stage a\n  stage b "B"\n}\n')


def test_crlf_and_bom_input() -> None:
    text = "\ufeffjourney j {\r\n  stage a  # x\r\n}\r\n"
    assert fmt(text) == "journey j {\n  stage a  # x\n}\n"


def test_syntax_errors_give_no_text() -> None:
    result = format_text("measure m { formula count(", "bad.osm")
    assert result.text is None
    assert [d.code for d in result.diagnostics] and result.diagnostics[0].span.file == "bad.osm"
