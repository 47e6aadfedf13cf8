"""Causal graph queries on hand-built graphs, and their cost on large ones."""

from __future__ import annotations

from datetime import date

from metriclang.periods import add_months
from metriclang.semantic.graph import CausalGraph


def test_components_and_cycles() -> None:
    g = CausalGraph.of({"a": [("b", 1, 0)], "b": [("c", 1, 0)], "c": [("a", 1, 0), ("d", 1, 0)],
                        "d": [("d", 1, 0)], "e": [("a", 1, 0)]})
    assert g.components() == [("a", "b", "c"), ("d",)]
    assert [c.names for c in g.cycles()] == [("a", "b", "c", "a"), ("d", "d")]


def test_shortest_cycle_is_reported() -> None:
    # a -> b -> c -> d -> a and the chord b -> a: the reported cycle is a -> b -> a.
    g = CausalGraph.of({"a": [("b", 1, 0)], "b": [("c", 1, 0), ("a", 1, 0)],
                        "c": [("d", 1, 0)], "d": [("a", 1, 0)]})
    assert [c.names for c in g.cycles()] == [("a", "b", "a")]


def test_upstream_and_path() -> None:
    g = CausalGraph.of({"a": [("b", 1, 0)], "b": [("c", 1, 0)], "x": [("c", 1, 0)],
                        "c": [], "y": [("a", 1, 0)]})
    via = g.upstream(["c"])
    assert sorted(via) == ["a", "b", "c", "x", "y"]
    assert g.path_from(via, "y").names == ("y", "a", "b", "c")
    assert g.path_from(via, "c").names == ()


def test_fastest_chain_and_landing_date() -> None:
    # y reaches n in 10 days through a, or in 40 directly: 10 wins.
    g = CausalGraph.of({"y": [("a", 1, 3), ("n", 1, 40)], "a": [("n", 1, 7)], "n": []})
    chains = g.fastest("n")
    assert chains.days["y"] == 10 and chains.path("y").names == ("y", "a", "n")
    assert chains.lands("y", date(2026, 2, 25)) == date(2026, 3, 7)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_sign_conflicts() -> None:
    # a(up) -neg-> x(?) -neg-> b(up): fine. a(up) -neg-> x -pos-> c(up): conflict.
    g = CausalGraph.of({"a": [("x", -1, 0)], "x": [("b", -1, 0), ("c", 1, 0)], "b": [],
                        "c": []})
    found = g.sign_conflicts({"a": 1, "b": 1, "c": 1})
    assert [(c.path.names, c.moves) for c in found] == [(("a", "x", "c"), -1)]
    # Down is better for both and the effect is positive: improving a lowers d. Fine.
    assert CausalGraph.of({"a": [("d", 1, 0)], "d": []}).sign_conflicts({"a": -1, "d": -1}) == []


def test_queries_are_linear_on_a_long_chain() -> None:
    """50,000 measures in one chain closed into a cycle: no recursion limit, no blow-up."""
    n = 50_000
    links: dict[str, list[tuple[str, int, int]]] = {f"m{i}": [(f"m{i + 1}", 1, 1)]
                                                    for i in range(n)}
    links[f"m{n}"] = [("m0", -1, 1)]
    g = CausalGraph.of(links)
    assert len(g.components()) == 1
    assert len(g.upstream(["m0"])) == n + 1
    assert len(g.sign_conflicts({"m0": 1})) == 1
    assert len(g.fastest("m0").days) == n + 1
