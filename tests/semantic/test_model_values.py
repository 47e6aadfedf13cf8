"""Hand-checked values of the resolved model of tests/data/valid (not only goldens)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from metriclang.load import load_project
from metriclang.semantic import model as m
from tests.conftest import ROOT

VALID = ROOT / "tests" / "data" / "valid"


def test_full_measures() -> None:
    p = load_project(VALID / "full.osm").project
    assert sorted(p.journeys) == ["empty_journey", "shopper"]
    assert [s.ref for s in p.journeys["shopper"].stages] == [
        "shopper.discover", "shopper.evaluate", "shopper.purchase", "shopper.repurchase"]
    orders = p.sources["orders"]
    assert orders.table == ("analytics", "fct_orders") and orders.key == "order_id"
    assert [(e.name, e.column) for e in orders.entities] == [
        ("customer", "customer_id"), ("store", "store_id")]
    assert [d.expr.sql() for d in orders.dimensions] == [
        "channel", "UPPER(country_code)", "product_type = 'custom'",
        "CASE WHEN amount >= 100 THEN 'large' ELSE 'small' END"]
    assert p.sources["stock"].key is None and p.sources["stock"].table == ("erp",)

    rpr = p.measures["repeat_purchase_rate"]
    assert (rpr.kind, rpr.perspective, rpr.grain, rpr.direction, rpr.stage) == (
        "lagging", "customer", "month", "up", "shopper.repurchase")
    assert rpr.target == Decimal("0.35") and rpr.unit == "%"
    assert p.measures["negative_target"].target == Decimal("-0.05")
    assert p.measures["plain_target"].target == Decimal("1200")
    assert p.measures["plain_target"].grain == "day"  # the default

    revenue = p.measures["revenue"]
    assert revenue.cumulative and revenue.window is None
    assert revenue.dimensions == ("channel", "country")
    assert [(a.code, a.reason) for a in revenue.allows] == [
        ("V401", "Finance reports the running total."), ("S303", "Kept for the board pack.")]
    paid = p.measures["paid_revenue"]
    assert (paid.window.amount, paid.window.unit, paid.window.approx_days) == (2, "quarter", 182)
    assert [(d.target, str(d.lag) if d.lag else None, d.sign) for d in paid.drives] == [
        ("revenue", None, 1), ("repeat_purchase_rate", None, -1),
        ("checkout_conversion", "1 week", 1)]
    lags = [(d.lag.amount, d.lag.unit) for d in p.measures["durations"].drives if d.lag]
    assert lags == [(1, "day"), (2, "month"), (1, "quarter"), (1, "year"), (3, "year")]


def test_formulas() -> None:
    p = load_project(VALID / "full.osm").project
    aggs = [n for n in m.walk(p.measures["aggregates"].formula) if isinstance(n, m.Agg)]
    assert [(a.func, a.expr.sql() if a.expr else None, a.percentile) for a in aggs] == [
        ("count", None, None), ("count", None, None), ("count_distinct", "customer_id", None),
        ("sum", "amount * 2", None), ("avg", "amount", None), ("avg", "amount", None),
        ("min", "amount", None), ("max", "amount", None), ("median", "amount", None),
        ("median", "amount", None), ("percentile", "amount", Decimal("0.9")),
        ("percentile", "amount", Decimal("0.95")), ("percentile", "amount", Decimal("0.5")),
        ("percentile", "amount", Decimal("0.25"))]
    assert [a.where.sql() for a in aggs if a.where] == [
        "amount > 10", "channel IN ('web', 'app')", "amount BETWEEN 1 AND 1000", "amount > 0",
        "NOT refunded"]
    arithmetic = p.measures["arithmetic"].formula
    assert isinstance(arithmetic, m.BinOp) and arithmetic.op == "+"
    consts = [n.value for n in m.walk(arithmetic) if isinstance(n, m.Const)]
    assert consts == [Decimal("2"), Decimal("1"), Decimal("0.5"), Decimal("0.10"),
                      Decimal("3"), Decimal("1E+3")]
    assert [n.measure for n in m.walk(arithmetic) if isinstance(n, m.Ref)] == [
        "revenue", "paid_revenue"]
    convs = [n for n in m.walk(p.measures["conversions"].formula) if isinstance(n, m.Conv)]
    assert [(c.from_source, c.to_source, str(c.within), c.entity) for c in convs] == [
        ("sessions", "orders", "2 weeks", "customer"), ("sessions", "orders", "3 months",
                                                         "customer"),
        ("orders", "orders", "1 year", "customer")]
    assert [c.to_where.sql() if c.to_where else None for c in convs] == [
        "status = 'paid'", None, "order_seq > 1"]


def test_objectives_and_strategies() -> None:
    p = load_project(VALID / "full.osm").project
    o = p.objectives["customer_value"]
    assert o.north_star == "repeat_purchase_rate" and o.owner == "ceo@example.com"
    assert [(t.measure, t.op, t.value, t.by) for t in o.targets] == [
        ("repeat_purchase_rate", ">=", Decimal("0.35"), date(2027, 6, 30)),
        ("revenue", ">", Decimal("1000000"), None),
        ("negative_target", "<=", Decimal("0.05"), None),
        ("plain_target", "<", Decimal("2000"), date(2028, 2, 29)),
        ("checkout_conversion", "=", Decimal("0.6"), None)]
    s = o.strategies[0]
    assert (s.name, s.objective, s.stage, s.measures, s.description) == (
        "effortless_checkout", "customer_value", "shopper.purchase",
        ("checkout_conversion", "paid_revenue"), "Strategies may carry a description too.")
    assert o.strategies[1].measures == () and p.objectives["lean"].strategies == ()
    assert [x.name for x in p.strategies] == ["effortless_checkout", "nothing_yet"]


def test_strings_escapes_unicode_and_keyword_columns() -> None:
    p = load_project(VALID / "sql_fragments.osm").project
    events = p.sources["events"]
    assert events.label == 'Events with "quotes", a backslash \\ and a tab\t'
    assert (events.time_column, events.key) == ("time", "key")
    dims = {d.name: d.expr.sql() for d in events.dimensions}
    assert dims["bucket"] == "(grain) || '-' || (window)"
    assert dims["quoted"] == "'it''s'"
    measure = p.measures["fragments"]
    assert measure.description == 'Backslash \\, quote ", newline \n and tab \t.'
    assert measure.unit == '"%"'
    chinese = load_project(VALID / "chinese.osm").project
    assert chinese.measures["win_rate"].label == "赢单率"
    assert chinese.journeys["buyer"].stages[1].label == "下单 📦"
    assert chinese.measures["win_rate"].description == (
        "赢单的商机占全部商机的比例。\t第二句。\n第二行。")


def test_spans_point_at_statements() -> None:
    p = load_project(VALID / "full.osm").project
    rpr = p.measures["repeat_purchase_rate"]
    assert (rpr.name_span.line, rpr.name_span.column) == (37, 9)
    assert (rpr.at("grain").line, rpr.at("grain").column) == (43, 3)
    assert rpr.at("window") == rpr.name_span
    comments = load_project(VALID / "comments.osm").project
    assert comments.sources["src"].table == ("db", "schema", "events")
    assert comments.measures["m"].drives[0].effect == "negative"
