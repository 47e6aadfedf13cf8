"""V402 vanity-count."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.rules.base import Rule
from metriclang.rules.context import Context, has_denominator
from metriclang.rules.vanity.words import CHINESE, ENGLISH, find_terms
from metriclang.semantic import model as m

_COUNTS = ("count", "count_distinct", "sum")
_FILTERS = (exp.EQ, exp.In, exp.Like, exp.ILike)


class VanityCount(Rule):
    """A raw count of a vanity event with no denominator.

    What it checks:
        A measure fires when (1) its formula, following the measures it names, is no ratio:
        it has no `conversion` and divides by no aggregate or measure (a ratio never fires;
        dividing by a number, `count(...) / 7`, only rescales a count), (2) it has a `count`,
        `count_distinct` or `sum` aggregate, and (3) a vanity term occurs in one of: the
        measure's name or label; the name or label of a source one of those aggregates
        reads; a string literal the aggregate's `where` filters on with `=`, `in`, `like`
        or `ilike` (not under `not`); a column of the aggregated expression
        (`count_distinct(sessions, visitor_id)`). Terms (English): signup, sign up,
        registration, register, registered, download, downloaded, install, installed,
        installation, pageview, page view, PV, UV, unique visitor, visit, visitor, follower,
        like, impression, fan; (Chinese, as substrings): 注册, 下载, 安装, 浏览量, 浏览次数,
        页面浏览, 访问, 访客, 粉丝, 关注者, 点赞, 曝光; plus `[vanity] words` from
        `metriclang.toml`. English terms match whole words, also inside identifiers split at
        `_` and camelCase, with a plural `s` ignored: `app_installs` and `appInstall` match
        `install`, `installment` and `likelihood` do not.
    Why it matters:
        Registrations, downloads, page views and followers only grow and feel good, but
        they don't tell a team what to do differently. The same event over a population
        (installs that activate, downloads per active user) is a rate that can fall, and so
        can inform a decision.
    Example:
        ```osm
        measure app_installs { formula count(events where name = 'app_install') }
        ```
    Fix:
        ```osm
        measure activation_rate { formula count(events where name = 'first_order')
          / count(events where name = 'app_install') }
        ```
    """

    code = "V402"
    name = "vanity-count"
    default = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        terms = (*ENGLISH, *CHINESE, *ctx.project.config.vanity_words)
        for name, measure in ctx.measures:
            nodes = ctx.expanded(measure)
            if has_denominator(nodes):
                continue
            counts = [n for n in nodes if isinstance(n, m.Agg) and n.func in _COUNTS]
            if not counts:
                continue
            places = list(_places(ctx, measure, counts))
            if not find_terms("\n".join(text for _, text in places), terms):
                continue  # the common case: one test for all the places at once
            for place, text in places:
                found = find_terms(text, terms)
                if found:
                    yield self.found(
                        f"`{name}` is a raw count of a vanity event (`{found[0]}` in {place}) "
                        "with no denominator", measure.at("formula"),
                        "count it over the population it comes from (a rate), or `allow V402` "
                        "with the decision it informs")
                    break


def _places(ctx: Context, measure: m.Measure, counts: list[m.Agg]) -> Iterator[tuple[str, str]]:
    """(where, text) pairs to look for vanity terms in, most specific first."""
    for agg in counts:
        for literal in _filtered_values(agg.where):
            yield f"the filtered value '{literal}'", literal
        for column in sorted({c.name for c in agg.expr.find_all(exp.Column)} if agg.expr else ()):
            yield f"the counted column `{column}`", column
        source = ctx.project.sources.get(agg.source)
        yield f"the source name `{agg.source}`", agg.source
        if source is not None and source.label:
            yield f"the source label \"{source.label}\"", source.label
    yield "the measure name", measure.name
    if measure.label:
        yield f"the label \"{measure.label}\"", measure.label


def _filtered_values(where: exp.Expression | None) -> list[str]:
    """String literals compared with ``=``, ``in``, ``like`` or ``ilike``, not under ``not``."""
    if where is None:
        return []
    out = []
    for literal in where.find_all(exp.Literal):
        if not literal.is_string:
            continue
        filtered, current = False, literal.parent
        while current is not None and current is not where.parent:
            if isinstance(current, exp.Not):
                filtered = False
                break
            filtered = filtered or isinstance(current, _FILTERS)
            current = current.parent
        if filtered:
            out.append(literal.this)
    return out
