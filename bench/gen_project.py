"""Deterministic generator of a large, clean ``.osm`` project for benchmarks.

``write_project(dir, measures=10000, sources=20, drives_per_measure=1)`` writes:

* ``sources.osm``: ``sources`` sources (table, time, key, entity ``customer``, dimensions);
* ``journey.osm``: one journey with five stages;
* ``measures_NNN.osm``: the measures, 500 per file (``per_file``). Measures come in blocks
  of up to 100: the first of a block is a lagging customer result, the others are leading
  indicators that ``drives`` earlier measures of the same block (so every leading measure has
  a path to the block's result and ``drives`` never cycles); formulas use every aggregate, ``where``
  conditions, ``conversion`` and references to earlier measures;
* ``objectives.osm``: one objective per block, north star = the block's result, a dated
  target and strategies of up to ten leading measures each.

The same arguments always give byte-identical files (a seeded generator, no clock).

Usage: ``python3 bench/gen_project.py DIR [--measures N] [--sources N] [--drives N]``
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

BLOCK = 100
PER_FILE = 500
STAGES = ("discover", "evaluate", "purchase", "receive", "repurchase")
GRAINS = ("day", "week", "month")


def _source(i: int) -> str:
    return (f'source src{i} "Source {i} 数据源{i}" {{\n'
            f"  table warehouse.events_{i}\n"
            f"  time happened_at\n"
            f"  key event_id\n"
            f"  entity customer = customer_id\n"
            f"  dimension channel\n"
            f"  dimension country = upper(country_code)\n"
            f"}}\n")


def _formula(rng: random.Random, index: int, block_start: int, sources: int) -> str:
    src = f"src{rng.randrange(sources)}"
    other = f"src{rng.randrange(sources)}"
    choice = rng.randrange(8)
    if choice == 0:
        return f"count({src} where amount > {rng.randrange(1, 500)})"
    if choice == 1:
        return f"sum({src}.amount where status = 'paid')"
    if choice == 2:
        return f"count_distinct({src}, customer_id where amount >= 10) / count_distinct({src}, " \
               f"customer_id)"
    if choice == 3:
        return f"percentile({src}.amount, 0.9)"
    if choice == 4:
        return f"conversion({src} where step = 'a' -> {other}, within 7 days, by customer)"
    if choice == 5 and index > block_start:
        earlier = rng.randrange(block_start, index)
        return f"m{earlier} * 100 / (avg({src}, amount * 2) + 1)"
    if choice == 6:
        return f"median({src}.amount) - min({src}.amount)"
    return f"(max({src}, amount) + avg({src}.amount where channel in ('web', 'app'))) / 2"


def _measure(rng: random.Random, index: int, sources: int, drives: int) -> str:
    block_start = index - index % BLOCK
    lagging = index == block_start
    lines = [f'measure m{index} "Measure {index} 指标{index}" {{',
             f"  formula {_formula(rng, index, block_start, sources)}",
             f"  kind {'lagging' if lagging else 'leading'}",
             "  perspective customer",
             f"  stage shopper.{STAGES[index % len(STAGES)]}",
             f"  grain {'month' if lagging else GRAINS[rng.randrange(2)]}",
             "  direction up",
             f'  owner "team{index % 37}@example.com"',
             f"  target {rng.randrange(1, 99)}%"]
    if not lagging:
        targets = sorted({index - 1} | {rng.randrange(block_start, index)
                                        for _ in range(max(0, drives - 1))})
        lags = [rng.choice((1, 2, 4)) for _ in targets]
        # into the monthly result at least 4 weeks: a shorter lag falls within one month (C206)
        lines += [f"  drives m{t} lag {lag if t != block_start else 4} weeks effect positive"
                  for t, lag in zip(targets, lags, strict=True)]
    if index % 7 == 3:
        lines.append('  description "Generated measure; 说明 with \\"quotes\\"."')
    return "\n".join(lines) + "\n}\n"


def _objective(block: int, first: int, last: int) -> str:
    lines = [f'objective o{block} "Objective {block} 目标{block}" {{',
             f'  owner "lead{block}@example.com"',
             f"  north_star m{first}",
             f"  target m{first} >= 35% by 2030-06-30"]
    leading = list(range(first + 1, last))
    for s in range(0, len(leading), 10):
        names = ", ".join(f"m{i}" for i in leading[s:s + 10])
        lines += [f'  strategy o{block}_s{s // 10} "Strategy {s // 10}" {{',
                  '    hypothesis "Moving these leading measures moves the result"',
                  f"    stage shopper.{STAGES[(s // 10) % len(STAGES)]}",
                  f"    measures {names}", "  }"]
    return "\n".join(lines) + "\n}\n"


def write_project(directory: str | Path, measures: int = 10000, sources: int = 20,
                  drives_per_measure: int = 1, per_file: int = PER_FILE) -> Path:
    """Write the generated project into ``directory`` (created if needed) and return it;
    ``per_file`` measures go in each ``measures_NNN.osm`` (the measures are the same)."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{measures}/{sources}/{drives_per_measure}")
    (root / "sources.osm").write_text("\n".join(_source(i) for i in range(sources)), "utf-8")
    stages = "".join(f'  stage {s} "{s.title()}"\n' for s in STAGES)
    (root / "journey.osm").write_text(f'journey shopper "Shopper" {{\n{stages}}}\n', "utf-8")
    for start in range(0, measures, per_file):
        body = "\n".join(_measure(rng, i, sources, drives_per_measure)
                         for i in range(start, min(measures, start + per_file)))
        (root / f"measures_{start // per_file:03d}.osm").write_text(body, "utf-8")
    objectives = [_objective(b // BLOCK, b, min(measures, b + BLOCK))
                  for b in range(0, measures, BLOCK)]
    (root / "objectives.osm").write_text("\n".join(objectives), "utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--measures", type=int, default=10000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--drives", type=int, default=1)
    parser.add_argument("--per-file", type=int, default=PER_FILE)
    args = parser.parse_args()
    print(write_project(args.directory, args.measures, args.sources, args.drives,
                        args.per_file))


if __name__ == "__main__":
    main()
