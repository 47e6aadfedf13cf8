"""Hypothesis strategies writing valid-ish ``.osm`` projects from the grammar's constructs.

Names are drawn from a small pool, so references mostly resolve and sometimes don't; labels,
SQL fragments and numbers mix ordinary values with hostile ones (quotes, comments, Unicode,
huge numbers). Every construct of docs/language.md appears: journeys and stages, sources with
keys, entities and dimensions, every aggregate, conversion, arithmetic over measures, windows,
cumulative totals, dimensions, drives with lags and effects, objectives, targets, strategies,
``allow``.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ("orders", "sessions", "revenue", "conv", "rate", "buyers", "aov", "churn", "x")
SOURCES = ("orders", "sessions", "tickets")
COLUMNS = ("amount", "customer_id", "status", "order_seq", "channel", "ts", "country")
JOURNEYS = ("shopper", "buyer")
STAGES = ("discover", "purchase", "repurchase")
HOSTILE = ("'; DROP TABLE t; --", "/* x */", "\\", "\"", "«»", "’", "<script>alert(1)</script>",
           "javascript:alert(1)", "中文标签", "\x00", "\t", "${x}", "{{ x }}", "%s", "#")

label = st.one_of(st.sampled_from(("Revenue", "Repeat rate 复购率", "", "a b c")),
                  st.sampled_from(HOSTILE), st.text(max_size=12))
name = st.sampled_from(NAMES)
column = st.sampled_from(COLUMNS)
number = st.one_of(st.sampled_from(("0", "1", "35%", "0.9", "100%", "120%", "1e3", "-1",
                                    "99999999999999999999999")),
                   st.integers(0, 10**6).map(str))
duration = st.builds(lambda n, u: f"{n} {u}", st.sampled_from(("0", "1", "7", "30", "1000000")),
                     st.sampled_from(("day", "days", "week", "months", "quarter", "year",
                                      "fortnight")))
sql = st.one_of(
    st.sampled_from(("status = 'paid'", "amount > 0", "order_seq >= 2", "channel in ('a', 'b')",
                     "amount between 1 and 2", "status like 'p%'", "country is not null",
                     "upper(country)", "case when amount > 0 then 1 else 0 end",
                     "not (a or b) and c", "x'", "1; DROP TABLE t", "(select 1)",
                     "read_csv('/etc/passwd')", "pg_read_file('/etc/passwd')", "a -- b",
                     "a /* b */", "'it''s'", "\"we\"\"ird\"", "é = 1", "")),
    column)


@st.composite
def formula(draw: st.DrawFn, depth: int = 0) -> str:
    """One formula: aggregates, conversions, measure references, numbers and arithmetic."""
    kind = draw(st.integers(0, 8 if depth < 3 else 4))
    src = draw(st.sampled_from(SOURCES))
    where = draw(st.one_of(st.just(""), sql.map(lambda s: f" where {s}")))
    match kind:
        case 0:
            return f"count({src}{where})"
        case 1 | 2:
            func = draw(st.sampled_from(("sum", "avg", "min", "max", "median", "count_distinct")))
            shorthand = draw(st.booleans())
            col = draw(column)
            return (f"{func}({src}.{col}{where})" if shorthand
                    else f"{func}({src}, {draw(sql)}{where})")
        case 3:
            return f"percentile({src}, {draw(column)}, {draw(number)}{where})"
        case 4:
            return draw(st.one_of(name, number))
        case 5:
            to = draw(st.sampled_from(SOURCES))
            return (f"conversion({src}{where} -> {to}, within {draw(duration)}, "
                    f"by {draw(st.sampled_from(('customer', 'nobody')))})")
        case 6:
            return f"-{draw(formula(depth + 1))}"
        case 7:
            return f"({draw(formula(depth + 1))})"
        case _:
            op = draw(st.sampled_from("+-*/"))
            return f"{draw(formula(depth + 1))} {op} {draw(formula(depth + 1))}"


def _maybe(draw: st.DrawFn, line: str) -> str:
    return f"  {line}\n" if draw(st.booleans()) else ""


@st.composite
def measure(draw: st.DrawFn) -> str:
    """A measure with a random subset of its statements (sometimes one twice)."""
    out = f'measure {draw(name)} "{draw(label)}" {{\n  formula {draw(formula())}\n'
    out += _maybe(draw, f"kind {draw(st.sampled_from(('leading', 'lagging', 'other')))}")
    out += _maybe(draw, f"perspective {draw(st.sampled_from(('customer', 'financial')))}")
    out += _maybe(draw, f"grain {draw(st.sampled_from(('day', 'week', 'month', 'year')))}")
    out += _maybe(draw, draw(st.sampled_from(("cumulative", f"window {draw(duration)}"))))
    out += _maybe(draw, f"dimensions {', '.join(draw(st.lists(column, max_size=2)))}")
    out += _maybe(draw, f"stage {draw(st.sampled_from(JOURNEYS))}.{draw(st.sampled_from(STAGES))}")
    out += _maybe(draw, f"direction {draw(st.sampled_from(('up', 'down')))}")
    out += _maybe(draw, f'unit "{draw(label)}"')
    out += _maybe(draw, f'owner "{draw(label)}"')
    out += _maybe(draw, f"target {draw(number)}")
    out += _maybe(draw, f'description "{draw(label)}"')
    for _ in range(draw(st.integers(0, 2))):
        lag = draw(st.one_of(st.just(""), duration.map(lambda d: f" lag {d}")))
        effect = draw(st.sampled_from(("", " effect positive", " effect negative")))
        out += f"  drives {draw(name)}{lag}{effect}\n"
    out += _maybe(draw, f'allow {draw(st.sampled_from(("S303", "V403", "X999")))} "{draw(label)}"')
    return out + "}\n"


@st.composite
def source(draw: st.DrawFn) -> str:
    out = f'source {draw(st.sampled_from(SOURCES))} "{draw(label)}" {{\n'
    out += _maybe(draw, f"table {draw(st.sampled_from(('a.t', 'x', 'db.s.t', 'order')))}")
    out += _maybe(draw, f"time {draw(column)}")
    out += _maybe(draw, f"key {draw(column)}")
    out += _maybe(draw, f"entity customer = {draw(column)}")
    for _ in range(draw(st.integers(0, 3))):
        expr = draw(st.one_of(st.just(""), sql.map(lambda s: f" = {s}")))
        out += f"  dimension {draw(column)}{expr}\n"
    return out + "}\n"


@st.composite
def objective(draw: st.DrawFn) -> str:
    out = f'objective goal "{draw(label)}" {{\n'
    out += _maybe(draw, f"north_star {draw(name)}")
    op = draw(st.sampled_from((">=", ">", "<=", "<", "=")))
    date = draw(st.sampled_from(("2027-06-30", "2020-01-01", "2027-02-30")))
    out += _maybe(draw, f"target {draw(name)} {op} {draw(number)} by {date}")
    for i in range(draw(st.integers(0, 2))):
        out += f'  strategy s{i} "{draw(label)}" {{\n'
        out += _maybe(draw, f'hypothesis "{draw(label)}"')
        out += _maybe(draw, f"measures {', '.join(draw(st.lists(name, min_size=1, max_size=3)))}")
        out += "  }\n"
    return out + "}\n"


journey = st.builds(lambda j, stages: f"journey {j} {{\n" + "".join(
    f"  stage {s}\n" for s in stages) + "}\n", st.sampled_from(JOURNEYS),
    st.lists(st.sampled_from(STAGES), max_size=3))
comment = st.sampled_from(("# a comment\n", "# 注释 '\" {\n", "\n"))


@st.composite
def project(draw: st.DrawFn) -> dict[str, str]:
    """Up to three files of declarations in any order."""
    parts = draw(st.lists(st.one_of(measure(), source(), objective(), journey, comment),
                          min_size=1, max_size=8))
    files = draw(st.integers(1, 3))
    out: dict[str, str] = {}
    for i, part in enumerate(parts):
        key = f"f{i % files}.osm"
        out[key] = out.get(key, "") + part
    return out


# ------------------------------------------------------------------ projects without errors

SAFE_SQL = ("status = 'paid'", "amount > 0", "order_seq >= 2", "channel in ('a', 'b')",
            "amount between 1 and 2", "status like 'p%'", "country is not null",
            "case when amount > 0 then 1 else 0 end", "not (amount < 0 or status = 'x')",
            "status = 'it''s'", "status = '--'", "status = '/* */'", "status = '\\'",
            "status = '; DROP TABLE t; --'", "coalesce(amount, 0) * 2 > 1")
VALID_SOURCES = "".join(
    f'source {s} "{s} 来源" {{\n  table shop.{s}\n  time ts\n  key id\n'
    f"  entity customer = customer_id\n  dimension channel\n"
    f"  dimension big = case when amount > 100 then 'big' else 'small' end\n}}\n"
    for s in SOURCES)


safe_label = st.one_of(
    st.sampled_from(tuple(h for h in HOSTILE if h not in ('"', "\x00", "\t", "\\"))),
    st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"\\'),
            max_size=12))


@st.composite
def valid_formula(draw: st.DrawFn, earlier: list[str], depth: int = 0) -> str:
    kind = draw(st.integers(0, 6 if depth < 2 else 3))
    src = draw(st.sampled_from(SOURCES))
    where = draw(st.one_of(st.just(""), st.sampled_from(SAFE_SQL).map(lambda s: f" where {s}")))
    match kind:
        case 0:
            return f"count({src}{where})"
        case 1:
            func = draw(st.sampled_from(("sum", "avg", "min", "max", "median", "count_distinct")))
            return f"{func}({src}.amount{where})"
        case 2:
            p = draw(st.sampled_from(("0.5", "0.9", "95%")))
            return f"percentile({src}, amount, {p}{where})"
        case 3:
            return draw(st.sampled_from(earlier)) if earlier else str(draw(st.integers(1, 9)))
        case 4:
            to = draw(st.sampled_from(SOURCES))
            return f"conversion({src}{where} -> {to}, within 7 days, by customer)"
        case _:
            op = draw(st.sampled_from("+-*/"))
            left, right = draw(valid_formula(earlier, depth + 1)), draw(
                valid_formula(earlier, depth + 1))
            return f"({left}) {op} ({right})"


@st.composite
def valid_project(draw: st.DrawFn) -> dict[str, str]:
    """A project that checks without errors: measures form a DAG, names resolve."""
    count = draw(st.integers(1, 5))
    names = [f"m{i}" for i in range(count)]
    text = ""
    for i, n in enumerate(names):
        text += f'measure {n} "{draw(safe_label)}" {{\n  formula {draw(valid_formula(names[:i]))}\n'
        text += "  kind lagging\n"
        text += _maybe(draw, f"grain {draw(st.sampled_from(('day', 'week', 'month', 'year')))}")
        text += _maybe(draw, draw(st.sampled_from(("cumulative", "window 7 days"))))
        text += _maybe(draw, "dimensions channel")
        text += _maybe(draw, f'description "{draw(safe_label)}"')
        text += _maybe(draw, f'owner "{draw(safe_label)}"')
        if i + 1 < count and draw(st.booleans()):
            text += f"  drives {names[i + 1]} lag 1 month effect positive\n"
        text += "}\n"
    text += (f'objective goal "{draw(safe_label)}" {{\n  north_star {names[-1]}\n'
             f'  description "{draw(safe_label)}"\n}}\n')
    return {"sources.osm": VALID_SOURCES, "measures.osm": text}


# ------------------------------------------------------------------ metriclang.toml and URLs

#: Marks a secret in generated URLs: it must never appear in any output.
SECRET_MARK = "SeCrEtMaRk"

toml_scalar = st.one_of(
    st.sampled_from(('"duckdb"', '"postgres"', '"x"', '""', "5", "-1", "1.5", "inf", "nan",
                     "true", "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", '"error"',
                     '"warning"', '"off"', "'lit\\eral'", '"""multi\nline"""', '"${X}"',
                     '"$$"', '"${"')),
    st.integers(-10**20, 10**20).map(str))
toml_value = st.recursive(
    toml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(("a", "dialect", "words", "S303")), inner),
                 max_size=2, unique_by=lambda kv: kv[0]).map(
            lambda kvs: "{" + ", ".join(f"{k} = {v}" for k, v in kvs) + "}")),
    max_leaves=4)

_PASSWORD_CHARS = st.sampled_from(("@", ":", "/", "?", "#", "%", "%4", "%40", " ", "\t",
                                   "\\n", "'", '\\"', "&", "=", "+", "[", "]", "é", "\\u0000",
                                   "${X}", "$$", "a", "Z9"))


@st.composite
def password(draw: st.DrawFn) -> str:
    """A password holding the secret mark and hostile characters (TOML-escaped)."""
    parts = draw(st.lists(_PASSWORD_CHARS, max_size=4))
    at = draw(st.integers(0, len(parts)))
    return "".join(parts[:at]) + SECRET_MARK + "".join(parts[at:])


@st.composite
def db_url(draw: st.DrawFn) -> str:
    """A warehouse URL (TOML-escaped) that fails fast: no server listens on its host, an
    unknown scheme, a missing file; the secret sits in the password or a parameter."""
    scheme = draw(st.sampled_from(("postgresql", "postgres", "PostgreSQL", "postgresq",
                                   "duckdb", "spark", "")))
    host = draw(st.sampled_from(("127.0.0.1:9", "[::1]:9", "", "/nonexistent/dir",
                                 "h@127.0.0.1:9")))
    secret = draw(password())
    where = draw(st.sampled_from(("userinfo", "password", "sslpassword", "token", "api_key")))
    user = f"ana:{secret}@" if where == "userinfo" else draw(st.sampled_from(("", "ana@")))
    query = "" if where == "userinfo" else f"?{where}={secret}"
    query += draw(st.sampled_from(("", "&connect_timeout=1", "&sslmode=disable")))
    if scheme == "duckdb":
        return f"duckdb:///{user}{host}/missing.duckdb{query}"
    if scheme == "spark":  # no master: refused before a JVM starts
        return f"spark://{user}{query}"
    sep = draw(st.sampled_from(("://", ":", ":/")))
    return f"{scheme}{sep}{user}{host}/db{query}"


@st.composite
def config(draw: st.DrawFn) -> str:
    """A metriclang.toml whose known settings take values of any TOML type."""
    lines = []
    top = draw(st.sampled_from(("tables", "project", "rules", "vanity", "mixed")))
    if top in ("project", "rules", "vanity"):
        lines.append(f"{top} = {draw(toml_value)}")
    if top != "project":
        lines.append("[project]")
        for key in draw(st.lists(st.sampled_from(("dialect", "warehouse", "other")),
                                 unique=True, max_size=3)):
            value = f'"{draw(db_url())}"' if key == "warehouse" and draw(st.booleans()) \
                else draw(toml_value)
            lines.append(f"{key} = {value}")
    if top != "rules":
        lines.append("[rules]")
        for code in draw(st.lists(st.sampled_from(("S303", "V403", "E111", "X")), unique=True,
                                  max_size=2)):
            lines.append(f"{code} = {draw(toml_value)}")
    if top != "vanity":
        lines.append("[vanity]")
        lines.append(f"words = {draw(toml_value)}")
    return "\n".join(lines) + "\n"
