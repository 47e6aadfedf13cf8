"""The invalid corpus (tests/data/invalid): each spec's exact diagnostics, codes and positions.

A case is a ``.osm`` file (checked alone) or a directory (checked as a project). The table gives
every diagnostic loading reports, in order: code, line, column and a fragment of the message.
"""

from __future__ import annotations

import re

import pytest

from metriclang.load import load_project
from tests.conftest import ROOT

INVALID = ROOT / "tests" / "data" / "invalid"

Expected = tuple[str | int, ...]

CASES: list[tuple[str, list[Expected]]] = [
    ('aggregate_without_column.osm', [('E101', 8, 21, 'this aggregate needs a column')]),
    ('allow_without_reason.osm', [('E101', 10, 1, '`allow` needs a reason')]),
    ('allow_without_reason_text.osm', [
        ('E125', 9, 14, '`allow` needs a reason that is not empty'),
    ]),
    ('arrow_in_condition.osm', [('E101', 8, 37, 'expected `)`, found `->`')]),
    ('colon_after_keyword.osm', [('E101', 8, 8, 'statements take no `:`')]),
    ('conversion_without_within.osm', [('E101', 8, 38, '`conversion` needs `within` and `by`')]),
    ('dir_config_invalid_toml', [
        ('metriclang.toml', 'E190', 2, 18, "invalid TOML: Illegal character '\\n' (at line 2, col"),
    ]),
    ('dir_config_allow_functions_type', [
        ('metriclang.toml', 'E194', 5, 1, '`allow_functions` must be a list of function names'),
    ]),
    ('dir_config_unknown_dialect', [
        ('metriclang.toml', 'E191', 3, 1, 'unknown input dialect `oracle9`'),
    ]),
    ('dir_config_unknown_severity', [
        ('metriclang.toml', 'E192', 6, 1, 'unknown severity `fatal` for `S303`'),
    ]),
    ('dir_config_wrong_types', [
        ('metriclang.toml', 'E194', 1, 1, '`project` must be a table ([project]), not a string'),
        ('metriclang.toml', 'E194', 2, 1, '`rules` must be a table ([rules]), not an array'),
        ('metriclang.toml', 'E194', 5, 1, '`[vanity] words` must be an array of strings, not an'),
    ]),
    ('dir_config_bad_variable', [
        ('metriclang.toml', 'E195', 3, 31, '`${PW@db/shop` is not a variable reference'),
    ]),
    ('dir_config_unknown_code', [
        ('metriclang.toml', 'E193', 5, 1, '`E111` is not a rule code that can be configured'),
        ('metriclang.toml', 'E193', 6, 1, '`V420` is not a rule code that can be configured'),
    ]),
    ('reference_to_broken_declaration.osm', [
        ('E101', 5, 7, 'expected a name, found `:`'),
        ('E101', 10, 3, 'expected one of `)`, `,`, `where`, found the keyword `unit`'),
        ('E111', 14, 37, 'unknown measure `revenu`'),
    ]),
    ('too_many_errors.osm', [('E101', n, 9, 'a declaration needs a name') for n in range(1, 51)]
     + [('E107', 50, 9, 'stopped after 50 syntax errors; the rest of the file was not checked')]),
    ('dir_duplicate_across_files', [
        ('b.osm', 'E120', 3, 9, 'duplicate name `revenue`: already declared as a measure'),
    ]),
    ('dir_recovery_across_files', [
        ('a.osm', 'E101', 8, 29, '`where` needs a condition'),
        ('b.osm', 'E101', 2, 8, 'statements take no `:`'),
        ('sub/bad.osm', 'E105', 1, 3, '`sub/bad.osm` is not valid UTF-8 (byte 0xff)'),
        ('sub/c.osm', 'E110', 3, 17, 'unknown source `sesions`'),
    ]),
    ('duplicate_across_kinds.osm', [
        ('E120', 7, 9, 'duplicate name `orders`: already declared as a source'),
    ]),
    ('duplicate_entity_and_dimension.osm', [
        ('E120', 5, 10, 'duplicate entity `c`'),
        ('E120', 7, 13, 'duplicate dimension `d`'),
    ]),
    ('duplicate_measure.osm', [
        ('E120', 9, 9, 'duplicate name `m`: already declared as a measure'),
    ]),
    ('duplicate_stage.osm', [('E120', 3, 9, 'duplicate stage `a` in journey `j`')]),
    ('duplicate_strategy_name.osm', [
        ('E120', 10, 12, 'duplicate name `m`: already declared as a measure'),
    ]),
    ('duration_fraction.osm', [
        ('E132', 9, 10, 'a duration needs a whole number above 0, not `1.5`'),
    ]),
    ('duration_unit_unknown.osm', [('E132', 9, 12, '`fortnights` is not a duration unit')]),
    ('duration_without_unit.osm', [('E101', 11, 1, 'a duration needs a unit')]),
    ('duration_zero.osm', [('E132', 10, 16, 'a duration needs a whole number above 0, not `0`')]),
    ('empty_allow_reason_objective.osm', [
        ('E125', 10, 14, '`allow` needs a reason that is not empty'),
    ]),
    ('entity_missing_in_one_source.osm', [
        ('E161', 12, 58, 'source `visits` has no entity `customer`'),
    ]),
    ('equals_after_keyword.osm', [('E101', 8, 11, 'statements take no `=`')]),
    ('fragment_too_long.osm', [('E108', 8, 30, 'SQL fragment of 80,011 characters is longer')]),
    ('formula_cycle.osm', [
        ('E160', 8, 11, 'measures refer to each other in a cycle: a -> b -> c -> a'),
    ]),
    ('formula_self_reference.osm', [
        ('E160', 8, 11, 'measures refer to each other in a cycle: a -> a'),
    ]),
    ('fraction_on_sum.osm', [('E133', 8, 30, '`sum` takes no fraction')]),
    ('invalid_date.osm', [('E130', 10, 20, '`2027-02-30` is not a calendar date')]),
    ('join_aggregate_without_time.osm', [
        ('E163', 15, 33, 'source `customers` has no `time`, so it cannot be aggregated'),
    ]),
    ('join_cycle.osm', [
        ('E119', 23, 31, '`customer.account.customer` goes round a cycle of entities: orders '
                         '-> customers -> accounts -> customers'),
    ]),
    ('join_no_dimension_source.osm', [
        ('E116', 16, 23, 'entity `account` has no dimension source'),
    ]),
    ('join_one_to_many.osm', [
        ('E162', 21, 45, '`customer.priority` would join one-to-many: `priority` is a dimension '
                         'of `tickets`, which has many rows per customer'),
    ]),
    ('join_too_many_hops.osm', [
        ('E118', 16, 23, '`customer.account.owner.team.name` follows 4 entities; the most is 3'),
    ]),
    ('join_two_dimension_sources.osm', [
        ('E117', 21, 30, 'entity `customer` has two dimension sources: `crm_customers`, '
                         '`customers`'),
    ]),
    ('join_unknown_dimension_in_where.osm', [
        ('E115', 15, 59, 'dimension source `customers` has no dimension `segmnt`'),
    ]),
    ('join_unknown_entity.osm', [('E114', 16, 14, 'source `orders` has no entity `client`')]),
    ('join_valid_not_dimension_source.osm', [
        ('E126', 4, 3, '`valid` in source `history`, which is not a dimension source'),
    ]),
    ('missing_closing_brace.osm', [
        ('E104', 9, 13, 'missing `}` for measure `m` opened at line 7'),
    ]),
    ('missing_closing_brace_strategy.osm', [
        ('E104', 12, 2, 'missing `}` for objective `o` opened at line 8'),
    ]),
    ('missing_declaration_name.osm', [('E101', 1, 9, 'a declaration needs a name')]),
    ('missing_formula.osm', [('E123', 1, 9, 'measure `m` has no `formula`')]),
    ('missing_formula_expression.osm', [('E101', 9, 1, '`formula` needs an expression')]),
    ('missing_open_brace.osm', [('E101', 8, 3, "missing `{` after the declaration's name")]),
    ('missing_operand.osm', [('E101', 9, 1, 'an operator needs a value on both sides')]),
    ('nesting_too_deep.osm', [('E106', 8, 211, 'parentheses nested deeper than 200 levels')]),
    ('no_north_star.osm', [('E150', 8, 11, 'objective `o` has no `north_star`')]),
    ('non_ascii_identifier.osm', [('E103', 1, 9, 'unexpected character `指`')]),
    ('non_utf8.osm', [('E105', 1, 15, '`non_utf8.osm` is not valid UTF-8 (byte 0xe9)')]),
    ('percentile_out_of_range.osm', [('E131', 8, 38, 'percentile `1.5` is outside 0–1')]),
    ('percentile_shorthand_with_fraction_on_avg.osm', [('E133', 8, 30, '`avg` takes no fraction')]),
    ('percentile_without_fraction.osm', [('E133', 8, 11, 'percentile needs a fraction')]),
    ('recovery_several_errors.osm', [
        ('E101', 9, 1, 'expected `)` or `where`, found `}`'),
        ('E101', 12, 8, 'statements take no `:`'),
        ('E140', 17, 8, 'unknown kind `lagg`'),
        ('E102', 20, 11, 'unterminated string'),
        ('E110', 23, 27, 'unknown source `ordrs`'),
    ]),
    ('single_quoted_label.osm', [('E101', 1, 11, "missing `{` after the declaration's name")]),
    ('source_missing_table_and_time.osm', [
        ('E123', 1, 8, 'source `s` has no `table`'),
        ('E123', 1, 8, 'source `s` has no `time`'),
    ]),
    ('sql_does_not_parse.osm', [
        ('E170', 8, 37, "cannot parse SQL `amount >`: Required keyword: 'expressio"),
    ]),
    ('sql_in_dimension_does_not_parse.osm', [
        ('E101', 5, 1, 'expected one of `(`, `)`, `*`, `+`, `,`, `-`, …, found `}`'),
    ]),
    ('sql_reads_files.osm', [
        ('E171', 8, 23, "function `read_csv` reaches outside the source's rows and is not"),
    ]),
    ('dimension_output_column.osm', [
        ('E184', 4, 13, 'dimension `Period` has a name reserved for the output'),
        ('E184', 5, 13, 'dimension `osm_l0` has a name reserved for the output'),
        ('E184', 6, 13, 'dimension `complete` has a name reserved for the output'),
    ]),
    ('sql_subquery.osm', [('E171', 8, 30, 'a subquery is not allowed in a SQL fragment')]),
    ('sql_two_statements.osm', [('E103', 4, 18, 'unexpected `;`')]),
    ('stage_unknown_journey_strategy.osm', [('E112', 11, 11, 'unknown journey `nowhere`')]),
    ('stage_without_journey.osm', [('E101', 10, 1, 'a stage is written `journey.stage`')]),
    ('statement_given_twice.osm', [('E121', 10, 3, '`grain` given twice in measure `m`')]),
    ('statement_keyword_after_formula.osm', [
        ('E101', 9, 9, 'expected a statement such as `formula`, `grain`, `kind` o'),
    ]),
    ('statement_of_another_declaration.osm', [
        ('E124', 9, 3, '`hypothesis` is not a statement of a measure'),
    ]),
    ('target_without_measure.osm', [('E101', 10, 10, "an objective's target names a measure")]),
    ('trailing_comma.osm', [('E101', 10, 1, 'a list has a trailing comma')]),
    ('two_north_stars.osm', [('E151', 11, 3, 'objective `o` has more than one `north_star`')]),
    ('unclosed_before_next_declaration.osm', [
        ('E104', 8, 24, 'missing `}` for measure `a` opened at line 7'),
        ('E110', 11, 17, 'unknown source `ordrs`'),
    ]),
    ('unexpected_character.osm', [('E103', 8, 25, 'unexpected character `$`')]),
    ('unknown_declaration.osm', [
        ('E101', 1, 1, 'expected a declaration: `journey`, `source`, `measure` or'),
    ]),
    ('unknown_dimension.osm', [('E115', 9, 14, 'source `orders` has no dimension `chanel`')]),
    ('unknown_direction.osm', [('E140', 9, 13, 'unknown direction `upward`')]),
    ('unknown_effect.osm', [('E140', 10, 19, 'unknown effect `positve`')]),
    ('unknown_entity.osm', [('E114', 8, 58, 'unknown entity `custmer`')]),
    ('unknown_grain.osm', [('E140', 9, 9, 'unknown grain `hour`')]),
    ('unknown_journey.osm', [('E112', 10, 9, 'unknown journey `shoper`')]),
    ('unknown_kind.osm', [('E140', 9, 8, 'unknown kind `lagg`')]),
    ('unknown_measure_in_drives.osm', [('E111', 9, 10, 'unknown measure `revenu`')]),
    ('unknown_measure_in_formula.osm', [('E111', 9, 11, 'unknown measure `revenu`')]),
    ('unknown_measure_in_strategy.osm', [('E111', 11, 23, 'unknown measure `revnue`')]),
    ('unknown_measure_in_target.osm', [('E111', 10, 10, 'unknown measure `revenu`')]),
    ('unknown_north_star.osm', [('E111', 9, 14, 'unknown measure `revenu`')]),
    ('unknown_perspective.osm', [('E140', 9, 15, 'unknown perspective `custmer`')]),
    ('unknown_source.osm', [('E110', 8, 17, 'unknown source `order`')]),
    ('unknown_source_in_conversion.osm', [('E110', 8, 22, 'unknown source `sessions`')]),
    ('unknown_stage.osm', [('E113', 10, 17, 'journey `shopper` has no stage `purchse`')]),
    ('unknown_stage_in_strategy.osm', [('E113', 12, 19, 'journey `shopper` has no stage `pay`')]),
    ('unknown_statement.osm', [
        ('E101', 9, 3, 'expected a statement such as `formula`, `grain`, `kind` o'),
    ]),
    ('unknown_statement_in_objective.osm', [
        ('E101', 2, 3, 'expected a statement such as `north_star`, `target` or `s'),
    ]),
    ('unknown_statement_in_source.osm', [
        ('E101', 3, 3, 'expected a statement such as `table`, `time`, `entity` or'),
    ]),
    ('unknown_statement_in_strategy.osm', [
        ('E101', 4, 5, 'expected a statement such as `measures`, `hypothesis` or '),
    ]),
    ('unterminated_sql_string.osm', [('E102', 8, 39, 'unterminated SQL string')]),
    ('unterminated_string.osm', [('E102', 1, 11, 'unterminated string')]),
    ('where_without_condition.osm', [('E101', 8, 29, '`where` needs a condition')]),
    ('window_and_cumulative.osm', [
        ('E122', 10, 3, '`window` and `cumulative` cannot be combined'),
    ]),
]

#: The modules of the language stage (loading a project); E18x belong to SQL generation.
LANGUAGE_STAGE = ("syntax", "semantic", "load.py", "config.py")


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalid_spec(name: str, expected: list[Expected]) -> None:
    path = INVALID / name
    loaded = load_project(path)
    got = list(loaded.diagnostics)
    where = [((d.span.file,) if path.is_dir() else ()) + (d.code, d.span.line, d.span.column)
             for d in got]
    assert where == [e[:-1] for e in expected], [d.message for d in got]
    for d, e in zip(got, expected, strict=True):
        assert str(e[-1]) in d.message
        assert d.severity.value == "error"
        assert 1 <= d.span.line and 1 <= d.span.column


def test_table_covers_every_case_file() -> None:
    on_disk = {p.name for p in INVALID.iterdir() if p.suffix == ".osm" or p.is_dir()}
    assert on_disk == {name for name, _ in CASES}
    assert len(CASES) >= 40


def test_every_e1xx_code_is_covered() -> None:
    used: set[str] = set()
    for part in LANGUAGE_STAGE:
        base = ROOT / "metriclang" / part
        for path in [base] if base.is_file() else base.rglob("*.py"):
            used |= set(re.findall(r'"(E1\d\d)"', path.read_text("utf-8")))
    covered = {str(e[-4]) for _, expected in CASES for e in expected}
    assert len(used) >= 25
    assert used <= covered, sorted(used - covered)


def _only(name: str):  # type: ignore[no-untyped-def]
    (diagnostic,) = load_project(INVALID / name).diagnostics
    return diagnostic


@pytest.mark.parametrize(("name", "help_text"), [
    ("unknown_source.osm", "did you mean `orders`?"),
    ("unknown_measure_in_formula.osm", "did you mean `revenue`?"),
    ("unknown_journey.osm", "did you mean `shopper`?"),
    ("unknown_stage.osm", "did you mean `purchase`?"),
    ("unknown_dimension.osm", "did you mean `channel`?"),
    ("join_unknown_dimension_in_where.osm", "did you mean `segment`?"),
    ("join_unknown_entity.osm", "declare `entity client = COLUMN` in source `orders`"),
    ("join_two_dimension_sources.osm",
     "keep `key` on one of them: a dimension source must be the only one of its entity"),
    ("unknown_kind.osm", "did you mean `lagging`?"),
    ("unknown_effect.osm", "did you mean `positive`?"),
    ("unknown_statement_in_strategy.osm", "did you mean `measures`?"),
    ("unknown_statement_in_objective.osm", "did you mean `north_star`?"),
    ("arrow_in_condition.osm",
     "`->` only separates the two sides of `conversion(FROM -> TO, ...)`"),
    ("colon_after_keyword.osm", "write `grain month`, not `grain: month`"),
    ("non_utf8.osm", "save the file as UTF-8"),
])
def test_help_lines(name: str, help_text: str) -> None:
    assert _only(name).help == help_text


def test_duplicate_across_files_relates_the_first() -> None:
    d = _only("dir_duplicate_across_files")
    assert (d.span.file, d.span.line, d.span.column, d.span.end_column) == ("b.osm", 3, 9, 16)
    (related,) = d.related
    assert related.message == "first declared here as a measure"
    assert (related.span.file, related.span.line, related.span.column) == ("a.osm", 7, 9)


def test_missing_brace_relates_the_opening_line() -> None:
    d = load_project(INVALID / "unclosed_before_next_declaration.osm").diagnostics.items[0]
    assert d.message == "missing `}` for measure `a` opened at line 7"
    assert [(r.span.line, r.span.column) for r in d.related] == [(7, 11)]


def test_recovery_keeps_good_declarations() -> None:
    loaded = load_project(INVALID / "dir_recovery_across_files")
    assert {"ok_a", "ok_b", "ok_c"} <= set(loaded.project.measures)
    assert {f.path for f in loaded.project.files} == {"a.osm", "b.osm", "sub/c.osm"}
    unclosed = load_project(INVALID / "unclosed_before_next_declaration.osm").project
    assert set(unclosed.measures) == {"b"}


def test_recovery_keeps_the_names_of_skipped_declarations() -> None:
    from metriclang.syntax.parser import parse_file

    tree, problems = parse_file("a.osm", "measure ok { formula count(o) }\n"
                                "objective grow {\n  north_star ok\n"
                                "  strategy upsell \"Upsell\" {\n    measures ok,\n  }\n}\n")
    assert [d.code for d in problems] == ["E101"]
    assert [d.name.value for d in tree.declarations] == ["ok"]
    assert [(n.value, n.span.line, n.span.column) for n in tree.broken] == [
        ("grow", 2, 11), ("upsell", 4, 12)]
