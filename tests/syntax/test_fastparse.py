"""The hand-written parser gives Lark's tree or gives up: corpus, fuzz corpus, mutants, reports.

For every input, either the hand-written parser declines (``None``: the file goes to Lark) or
Lark parses the same text without a diagnostic and both trees dump identically. Well-formed
corpus files must not be declined (except nesting beyond the hand-written parser's limit).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metriclang.cli import main
from metriclang.dump import dump_ast
from metriclang.syntax import cache, fastparse
from metriclang.syntax.parser import parse_file, parse_well_formed
from tests.conftest import EXAMPLES, ROOT
from tests.reliability.specgen import project, valid_project
from tests.syntax.test_mutations import MUTATIONS


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:  # reading rejects the file before parsing
        return None


#: Every .osm file of the repository that is text (a few regression cases are not UTF-8).
CORPUS = sorted(p for folder in ("tests", "specs", "docs") for p in (ROOT / folder).rglob("*.osm")
                if _text(p) is not None)
#: Files deeper than the hand-written parser's limit, which it leaves to Lark on purpose.
TOO_DEEP = {"negations_10000"}


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """Dumping a 3,000-term formula recurses deeper than Python's default limit."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 30000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def agrees(text: str) -> bool:
    """Assert the two parsers agree on ``text``; True when the hand-written one read it."""
    fast = parse_well_formed("x.osm", text)
    tree, problems = parse_file("x.osm", text, fast=False)
    if fast is None:
        return False
    assert problems == (), (text, problems[0])
    with _deep_recursion():
        assert dump_ast(fast) == dump_ast(tree), text
        assert fast == tree
    return True


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_corpus_file(path: Path) -> None:
    text = _text(path) or ""
    read = agrees(text)
    if not parse_file("x.osm", text, fast=False)[1] and path.parent.name not in TOO_DEEP:
        assert read, "a well-formed file was left to Lark"


def test_corpus_has_both_kinds() -> None:
    """The corpus holds well-formed and broken files (else the test above proves little)."""
    texts = [_text(p) or "" for p in CORPUS]
    good = sum(parse_well_formed("x.osm", t) is not None for t in texts)
    assert good >= 150 and len(texts) - good >= 20


# Contextual lexing: where a word is a keyword, where a fragment ends, what a `)` changes.
S = "source s { table t time ts %s }\n"
M = "measure m { formula %s }\n"
OBJ = "objective o { target m %s }\n"
EDGES = [
    S % "dimension d = f(x) where", S % "dimension d = x where y", S % "dimension d = time",
    S % "dimension d = f(x) time ts", S % "dimension d = a -> b", S % "dimension d = f(a) -> b",
    S % "dimension d = f(a), b", S % "dimension d = f(g(x) where)", S % "dimension d = f(x where)",
    S % "dimension d = f(x time)", S % "dimension d = f(g(x) time)", S % "dimension d = ()",
    S % "dimension d = f(g(x), time)", S % "dimension d = 'a\nb' # c\n",
    M % "sum(s, f(x) time)", M % "sum(s, x time)", M % "sum(s, where)", M % "count(where)",
    M % "sum(s, where where x)", M % "count(s where where)", M % "sum(s, -> x)",
    M % "sum(s, x -> y)", M % "conversion(s where f(x) -> t, within 7 days, by c)",
    M % "conversion(s where x->t where (a), within 7 days, by c)", M % "sum(s, (a)(b))",
    M % "sum(s.a, 5%)", M % "sum(s.a, 5 %)", M % "2024-01-01", M % "5%", M % "1e5%",
    M % "-(-a)", M % "(a + b) * -c", M % "count(s) kind x", M % "count(s where a > 5%)",
    M % "sum(s, a) where", M % "percentile(s, a, 0.5 where x)", M % "percentile(s, a, -0.5)",
    M % "a - - b", M % "sum(s, a #x\n + 1)", M % "count + 1", M % "sum_x + count_distinct(s, a)",
    OBJ % ">= 5 by 2024-01-01", OBJ % "= -5%", OBJ % "<> 5", OBJ % "> 5 by 2024-01-01x",
    OBJ % "> 5 by 2024-01-01e5", OBJ % '> 5 by 2024-01-01unit "x"', OBJ % "> 5 by 2024-1-01",
    "measure m { formula x dimensions a.b, c window 7 days drives n lag 3 days effect up }",
    'measure m { unit "a\\"b\\\\c\\n" }', 'journey j { stage s "S" stage t }',
    "measure m { target 1e5 }", "measure m { drives x effect lag }", "measure m { stage a . b }",
    "measure time { kind time }", "source s { valid from to to from }", "measure m { é }",
    "measure m { formula a\u00a0+ b }", "measure m {\f}\r\n", "measure m { formula (((a))) }",
    "measure m { formula " + "(" * 201 + "a" + ")" * 201 + " }", "measure m { formula -" * 1,
]


@pytest.mark.parametrize("text", EDGES)
def test_edge_case(text: str) -> None:
    agrees(text)


def test_edge_cases_are_both_read_and_declined() -> None:
    read = sum(parse_well_formed("x.osm", t) is not None for t in EDGES)
    assert 20 <= read <= len(EDGES) - 20


_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\S")
WORDS = ("journey source measure objective stage table time key entity dimension valid from to "
         "formula kind perspective grain direction window cumulative dimensions unit owner "
         "description hypothesis target drives lag effect allow north_star by strategy measures "
         "count count_distinct sum avg min max median percentile conversion within where x "
         "amount").split()
PIECES = [*"{}(),.=<>+-*/%!|&^~:[]?@'\"#\n ", "->", ">=", "<=", "!=", "<>", "||", "::", "5%",
          "2024-01-01", "1e5", "0.5", "7 days", " where ", " time ", "é"]


def token_mutation(text: str, rng: random.Random) -> str:
    """Delete, insert, duplicate or replace one token (keywords and punctuation mostly)."""
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return text
    m = rng.choice(tokens)
    a, b = m.start(), m.end()
    match rng.randrange(5):
        case 0:
            return text[:a] + text[b:]
        case 1:
            return text[:a] + rng.choice(WORDS) + " " + text[a:]
        case 2:
            return text[:a] + rng.choice(PIECES) + text[a:]
        case 3:
            return text[:a] + rng.choice(tokens).group() + text[b:]
        case _:
            return text[:b] + rng.choice(PIECES) + text[b:]


def _seeds() -> list[str]:
    texts = [t for t in (_text(p) or "" for p in CORPUS) if len(t) < 20000]
    return [t for t in texts if parse_well_formed("x.osm", t) is not None]


def test_mutants_agree() -> None:
    """Seeded mutants of the well-formed corpus: read identically or left to Lark."""
    rng = random.Random(20261206)
    seeds = _seeds()
    read = 0
    for _ in range(1500):
        text = rng.choice(seeds)
        mutations = (token_mutation, *MUTATIONS)
        mutation = rng.choice(mutations)
        for _ in range(rng.choice((1, 1, 2, 3))):
            text = mutation(text, rng)
        read += agrees(text)
    assert 100 < read < 1400  # both outcomes are exercised


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(files=st.one_of(project(), valid_project()))
def test_generated_projects_agree(files: dict[str, str]) -> None:
    """The fuzz corpus's generated projects (tests/reliability/specgen.py)."""
    for text in files.values():
        agrees(text)


def test_depth_limit_leaves_deep_nesting_to_lark() -> None:
    """Nesting up to the limit is read; Lark gets a longer chain of minus signs (and reports
    parentheses deeper than the limit, E106)."""
    limit = fastparse.MAX_DEPTH
    assert agrees("measure m { formula " + "(" * limit + "a" + ")" * limit + " }")
    negations = "measure m { formula " + "-" * (limit + 1) + "a }"
    assert parse_well_formed("x.osm", negations) is None
    assert parse_file("x.osm", negations)[1] == ()
    parens = "measure m { formula " + "(" * (limit + 1) + "a" + ")" * (limit + 1) + " }"
    assert not agrees(parens)
    assert [d.code for d in parse_file("x.osm", parens)[1]] == ["E106"]


@pytest.mark.parametrize("example", ["shop", "manufacturer"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_check_report_is_byte_identical(example: str, fmt: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`osm check` prints the same bytes whichever parser read the files."""
    args = ["check", str(EXAMPLES / example), "--format", fmt]
    fast = CliRunner().invoke(main, args)
    monkeypatch.setattr(cache, "parse_well_formed", lambda path, text: None)
    lark = CliRunner().invoke(main, args)
    assert fast.exit_code == lark.exit_code and fast.output == lark.output
    assert fast.output
